"""The control protocol: the Python codec (round trips, byte layout,
robustness against malformed input) and the client driving real pipelines
through ctypes -- the runtime's hand-written test program
(datapath/tests/test-control-prog.c) and a pipeline ovs-p4c generates from
the P4 tutorials' basic.p4."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlClient, ControlError

ROOT = Path(__file__).resolve().parents[2]
DATAPATH = ROOT / "datapath"

# --- Codec ---------------------------------------------------------------------

ENTRY = p.TableEntry(
    0x02000002,
    [p.FieldMatch.ternary(1, 6, 0xFF), p.FieldMatch.range(2, 0, 100)],
    priority=5,
    action=p.Action.direct(0x01000004),
    idle_timeout_ns=10**9,
    cookie=0xC0C0,
    meter=p.MeterConfig(1, 2, 3, 4),
    counter=p.CounterData(5, 6),
)
READ_ENTRY = p.TableEntry(
    0x02000001,
    [p.FieldMatch.lpm(1, bytes([10, 0, 0, 0]), 8)],
    action=p.Action.direct(0x01000001, {1: b"\x00\x03"}),
    last_hit_ns=123,
    elapsed_ns=456,
)

SAMPLES: list[p.Message] = [
    p.GetInfoRequest(),
    p.GetInfoReply(1, 510, "basic", "v1model", "ovs-p4c", b"\x0a\x00"),
    p.WriteRequest([
        p.Update(p.Op.INSERT, ENTRY),
        p.Update(p.Op.MODIFY, p.TableEntry(7, is_default=True, action=p.Action.direct(3))),
        p.Update(p.Op.MODIFY, p.TableEntry(7, counter=p.CounterData(1, 2)),
                 p.Entity.DIRECT_COUNTER),
        p.Update(p.Op.MODIFY, p.CounterEntry(0x12000001, 3, p.CounterData(1, 99))),
        p.Update(p.Op.MODIFY, p.MeterEntry(0x14000001, p.INDEX_ALL, p.MeterConfig(1, 2, 3, 4))),
        p.Update(p.Op.MODIFY, p.MeterEntry(0x14000001, 2, None)),
        p.Update(p.Op.MODIFY, p.RegisterEntry(0x16000001, 1, b"\x01\x02")),
        p.Update(p.Op.INSERT, p.McastGroup(5, [p.Replica(1, 0), p.Replica(2, 7)])),
        p.Update(p.Op.INSERT, p.CloneSession(9, [p.Replica(3)], 2, 128)),
        p.Update(p.Op.MODIFY, p.ValueSetEntry(0x03000001, [[p.FieldMatch.exact(1, 80)], []])),
        p.Update(p.Op.INSERT, p.ApMember(0x11000001, 4, p.Action.direct(1, [(1, 7)]))),
        p.Update(p.Op.INSERT, p.ApGroup(0x11000001, 8, [(4, 1), (5, 3)], 16)),
        p.Update(p.Op.DELETE, p.DigestConfig(0x17000001, 1, 2, 3)),
        p.Update(p.Op.INSERT, p.TableEntry(2, [], 0, p.Action.member(4))),
        p.Update(p.Op.INSERT, p.TableEntry(2, [], 0, p.Action.group(8))),
        p.Update(p.Op.CLEAR, p.TableEntry(0)),
    ]),
    p.WriteReply([p.Status.OK, p.Status.EXISTS, p.Status.IN_USE]),
    p.ReadRequest(p.Entity.TABLE_ENTRY, 0x02000001, key=READ_ENTRY, cursor=(1, 2),
                  max_items=10),
    p.ReadRequest(p.Entity.COUNTER, 0x12000001, 4),
    p.ReadReply(p.Entity.TABLE_ENTRY, [READ_ENTRY, ENTRY], True, (3, 4)),
    p.ReadReply(p.Entity.METER,
                [p.MeterEntry(1, 2, None), p.MeterEntry(1, 3, p.MeterConfig(9, 9, 9, 9))],
                False, (0, 0)),
    p.ReadReply(p.Entity.AP_GROUP, [p.ApGroup(1, 2, [(3, 4)], 5)], False, (0, 0)),
    p.PacketOutRequest(b"payload", [(1, b"\x00\x05")]),
    p.PacketOutReply([(5, b"abc"), (6, b"")], 2),
    p.DigestAckRequest(0x17000001, 77),
    p.SetConfigRequest([(p.ConfigKey.CLOCK_MODE, p.ClockMode.MANUAL), (p.ConfigKey.CLOCK_NOW, 5)]),
    p.GetStatsRequest(),
    p.GetStatsReply({p.StatKey.PACKETS: 10, p.StatKey.THREADS: 1}),
    p.EmptyReply(p.MsgType.DIGEST_ACK),
    p.PacketIn(3, [(1, b"\x00\x03"), (2, b"\x01")], b"\x01\x02\x03"),
    p.DigestList(0x17000001, 42, 1000, [b"abcdef", b"ghijkl"]),
    p.IdleTimeout(99, [READ_ENTRY]),
    p.LogMessage(p.LogLevel.ERROR, "assert failed"),
]


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip(msg: p.Message) -> None:
    data = p.encode(msg, xid=1234)
    header, back = p.decode(data)
    assert header.length == len(data)
    assert header.version == p.VERSION
    assert header.xid == 1234
    assert header.type == p.message_type(msg)
    assert back == msg
    assert p.encode(back, xid=1234) == data


def test_envelope_layout() -> None:
    data = p.encode(p.GetInfoRequest(), xid=0x01020304)
    assert data == bytes.fromhex("10000000" "0100" "0100" "04030201" "00000000")
    reply = p.encode(p.EmptyReply(p.MsgType.SET_CONFIG), xid=9, status=p.Status.INVALID)
    assert struct.unpack("<IHHII", reply) == (16, 1, 0x8006, 9, 1)


def test_write_layout() -> None:
    """The bytes of one LPM insert, field by field (the C side's layout)."""
    entry = p.TableEntry(0x02000001, [p.FieldMatch.lpm(1, b"\x0a\x00\x00\x00", 8)],
                         action=p.Action.direct(0x01000001, {1: b"\x00\x03"}), cookie=7)
    body = p.encode(p.WriteRequest([p.Update(p.Op.INSERT, entry)]))[p.HEADER_LEN:]
    want = (
        struct.pack("<I", 1)  # n_updates
        + bytes([p.Op.INSERT, p.Entity.TABLE_ENTRY])
        + struct.pack("<IBiH", 0x02000001, 0, 0, 1)  # table, flags, priority, n
        + struct.pack("<IB", 1, p.MatchKind.LPM) + struct.pack("<I", 4) + b"\x0a\0\0\0"
        + struct.pack("<I", 0) + struct.pack("<H", 8)
        + bytes([p.ActionKind.DIRECT]) + struct.pack("<IH", 0x01000001, 1)
        + struct.pack("<II", 1, 2) + b"\x00\x03"
        + struct.pack("<QQ", 0, 7)
    )
    assert body == want


def test_failed_replies_decode_empty() -> None:
    for t in (p.MsgType.READ, p.MsgType.GET_INFO, p.MsgType.PACKET_OUT, p.MsgType.WRITE):
        data = struct.pack("<IHHII", 16, 1, t | p.REPLY, 3, p.Status.NOT_FOUND)
        header, msg = p.decode(data)
        assert msg == p.EmptyReply(t)
        assert header.status == p.Status.NOT_FOUND
    # A reply to a request too short to have a type.
    _, msg = p.decode(struct.pack("<IHHII", 16, 1, p.REPLY, 0, p.Status.INVALID))
    assert msg == p.EmptyReply(0)
    # A WRITE that failed per update keeps its statuses.
    data = p.encode(p.WriteReply([p.Status.OK, p.Status.FULL]), status=p.Status.FULL)
    assert p.decode(data)[1] == p.WriteReply([p.Status.OK, p.Status.FULL])


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_truncations_are_protocol_errors(msg: p.Message) -> None:
    data = p.encode(msg, status=0)
    if isinstance(msg, (p.GetInfoRequest, p.GetStatsRequest, p.EmptyReply)):
        return  # no body to truncate
    for cut in range(p.HEADER_LEN, len(data)):
        short = bytearray(data[:cut])
        short[0:4] = struct.pack("<I", cut)
        with pytest.raises(p.ProtocolError):
            p.decode(bytes(short))
    with pytest.raises(p.ProtocolError):
        p.decode(data[:-1])  # length field disagrees
    longer = bytearray(data + b"\0")
    longer[0:4] = struct.pack("<I", len(longer))
    with pytest.raises(p.ProtocolError):
        p.decode(bytes(longer))  # trailing byte


def test_random_bytes_only_raise_protocol_errors() -> None:
    rng = random.Random(7)
    valid = [p.encode(m) for m in SAMPLES]
    for i in range(20000):
        if i % 2:
            data = bytearray(rng.choice(valid))
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if rng.random() < 0.7:
                data[0:4] = struct.pack("<I", len(data))
            if rng.random() < 0.7:
                data[4:6] = struct.pack("<H", p.VERSION)
        else:
            data = bytearray(rng.randbytes(rng.randrange(64)))
        try:
            p.decode(bytes(data))
        except p.ProtocolError:
            pass


def test_values_and_streams() -> None:
    assert p.value_bytes(0) == b"\x00"
    assert p.value_bytes(0x1234) == b"\x12\x34"
    assert p.value_bytes(3, 9) == b"\x00\x03"
    assert p.value_bytes(b"\x00\x01") == b"\x00\x01"
    assert p.value_int(b"\x01\x00") == 256
    with pytest.raises(ValueError):
        p.value_bytes(-1)
    stream = b"".join(p.encode(m) for m in SAMPLES[:5])
    assert [p.decode(m)[1] for m in p.split_messages(stream)] == SAMPLES[:5]
    with pytest.raises(p.ProtocolError):
        p.split_messages(stream[:-1])


def test_client_checks_replies() -> None:
    def transport(req: bytes) -> bytes:
        h = p.decode_header(req)
        if h.type == p.MsgType.GET_INFO:
            return p.encode(p.GetInfoReply(1, 0, "x", "v1model", "c", b""), xid=h.xid)
        if h.type == p.MsgType.WRITE:
            return p.encode(p.WriteReply([p.Status.OK, p.Status.EXISTS]), xid=h.xid,
                            status=p.Status.EXISTS)
        return p.encode(p.EmptyReply(h.type), xid=h.xid + 1)

    c = ControlClient(transport)
    assert c.get_info().program_name == "x"
    with pytest.raises(ControlError) as exc:
        c.insert_entries([ENTRY, ENTRY])
    assert exc.value.status == p.Status.EXISTS
    assert exc.value.statuses == [p.Status.OK, p.Status.EXISTS]
    assert c.insert_entries([ENTRY, ENTRY], check=False) == [p.Status.OK, p.Status.EXISTS]
    with pytest.raises(p.ProtocolError):
        c.ack_digest(1, 2)  # wrong xid in the reply
    assert c.poll_events() == []


# --- Driving pipelines ---------------------------------------------------------

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

# P4Info ids of the hand-written test program (test-control-prog.h).
ACT_FWD, ACT_DROP, ACT_MCAST, ACT_NOACTION, ACT_CLONE = (0x01000001, 0x01000002, 0x01000003,
                                                         0x01000004, 0x01000005)
TBL_LPM, TBL_ACL, TBL_ECMP, TBL_CONST = 0x02000001, 0x02000002, 0x02000003, 0x02000004
VS, AP_SEL, CNT, METER, REG, REG_WIDE, DIGEST = (0x03000001, 0x11000001, 0x12000001,
                                                 0x14000001, 0x16000001, 0x16000002,
                                                 0x17000001)
CPU_PORT = 510


@pytest.fixture(scope="module")
def test_pipeline_so(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pipeline") / "test_control.so"
    sources = sorted(str(s) for s in (DATAPATH / "runtime").glob("*.c"))
    cmd = ["gcc", "-std=c11", "-O1", "-g", "-fPIC", "-shared", "-pthread",
           "-Wall", "-Wextra", "-Werror", "-DOVSP4_TEST_PIPELINE_SO",
           f"-I{DATAPATH / 'include'}", f"-I{DATAPATH / 'runtime'}",
           f"-I{DATAPATH / 'tests'}", *sources,
           str(DATAPATH / "tests" / "test-control-prog.c"), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def pkt(dst: int, proto: int = 1, l4port: int = 1, size: int = 60) -> bytes:
    body = bytes(i & 0xFF for i in range(size))
    return dst.to_bytes(4, "big") + bytes([proto]) + l4port.to_bytes(2, "big") + body[7:]


@needs_gcc
def test_test_pipeline_through_ctypes(test_pipeline_so: Path) -> None:
    from ovsp4.sim.pipeline import Pipeline

    now = [10**12]

    with Pipeline(test_pipeline_so, cpu_port=CPU_PORT, clock=lambda: now[0]) as pipe:
        c = ControlClient(pipe.control, pipe.poll_events)
        info = c.get_info()
        assert (info.program_name, info.arch, info.cpu_port) == ("test_control", "v1model",
                                                                  CPU_PORT)
        c.set_clock(p.ClockMode.PACKET)

        # Tables: insert, forward, read back, modify, default.
        lpm = p.TableEntry(TBL_LPM, [p.FieldMatch.lpm(1, 0x0A000000, 8)],
                           action=p.Action.direct(ACT_FWD, {1: 3}), cookie=5)
        c.insert_entries([lpm])
        out = pipe.send(2, pkt(0x0A010203))
        assert [o.port for o in out] == [3]
        with pytest.raises(ControlError) as exc:
            c.insert_entries([lpm])
        assert exc.value.status == p.Status.EXISTS
        entries = c.read_entries(TBL_LPM)
        assert len(entries) == 1
        assert entries[0].matches == [p.FieldMatch(1, p.MatchKind.LPM, b"\x0a\0\0\0", b"", 8)]
        assert entries[0].action.params == [(1, b"\x00\x03")]
        assert entries[0].cookie == 5
        assert c.read_entry(p.TableEntry(TBL_LPM, [p.FieldMatch.lpm(1, 0x0B000000, 8)])) is None
        c.set_default(TBL_LPM, p.Action.direct(ACT_FWD, {1: 9}))
        assert [o.port for o in pipe.send(2, pkt(0x0B000000))] == [9]
        assert c.read_default(TBL_LPM).action.action_id == ACT_FWD
        c.reset_default(TBL_LPM)
        assert pipe.send(2, pkt(0x0B000000)) == []
        many = [p.TableEntry(TBL_LPM, [p.FieldMatch.lpm(1, 0x14000000 + (i << 8), 24)],
                             action=p.Action.direct(ACT_DROP)) for i in range(300)]
        c.insert_entries(many)
        assert len(c.read_entries(TBL_LPM, page=7)) == 301
        assert len(c.read_entries()) == 303  # + the const table's two
        with pytest.raises(ControlError) as exc:
            c.insert_entries([p.TableEntry(TBL_CONST, [p.FieldMatch.exact(1, 9)],
                                           action=p.Action.direct(ACT_DROP))])
        assert exc.value.status == p.Status.CONST

        # Direct counter and meter, idle timeout.
        acl_key = p.TableEntry(TBL_ACL, [p.FieldMatch.ternary(1, 6, 0xFF),
                                         p.FieldMatch.range(2, 0, 100)], priority=10)
        acl = p.TableEntry(acl_key.table_id, acl_key.matches, 10,
                           p.Action.direct(ACT_NOACTION), idle_timeout_ns=5 * 10**9,
                           meter=p.MeterConfig(1000, 100, 1000, 100))
        c.insert_entries([acl])
        assert len(pipe.send(2, pkt(0x0A000001, proto=6, l4port=50))) == 1
        assert pipe.send(2, pkt(0x0A000001, proto=6, l4port=50)) == []  # RED
        (e,) = c.read_direct_counters(TBL_ACL)
        assert (e.counter.packets, e.counter.bytes) == (2, 120)
        assert e.meter == p.MeterConfig(1000, 100, 1000, 100)
        c.set_direct_meter(acl_key, None)
        assert len(pipe.send(2, pkt(0x0A000001, proto=6, l4port=50))) == 1
        c.write_direct_counter(acl_key, 7, 8)
        assert c.read_entry(acl_key).counter == p.CounterData(7, 8)
        c.set_idle_sweep(0)
        now[0] += 6 * 10**9
        pipe.send(1, pkt(0x0A000001, proto=9))  # advances the packet clock
        events = c.poll_events()
        timeouts = [ev for ev in events if isinstance(ev, p.IdleTimeout)]
        assert len(timeouts) == 1 and timeouts[0].entries[0].priority == 10

        # Counters, registers, meters.
        c.write_counter(CNT, p.INDEX_ALL, 0, 0)
        for _ in range(3):
            pipe.send(5, pkt(0x0A000001))
        (cell,) = c.read_counter(CNT, 5)
        assert (cell.data.packets, cell.data.bytes) == (3, 180)
        assert len(c.read_counter(CNT)) == 16
        regs = c.read_register(REG)
        assert p.value_int(regs[5].value) >= 3
        c.write_register(REG_WIDE, 1, 1 << 99)
        assert c.read_register(REG_WIDE, 1)[0].value == (1 << 99).to_bytes(13, "big")
        with pytest.raises(ControlError) as exc:
            c.write_register(REG_WIDE, 1, 1 << 100)
        assert exc.value.status == p.Status.INVALID
        c.set_meter(METER, 4, p.MeterConfig(1, 1, 1, 1))
        assert c.read_meter(METER, 4)[0].config == p.MeterConfig(1, 1, 1, 1)
        assert len(pipe.send(4, pkt(0x0A000001))) == 1
        assert pipe.send(4, pkt(0x0A000001)) == []
        c.set_meter(METER, p.INDEX_ALL, None)
        assert all(m.config is None for m in c.read_meter(METER))

        # The packet replication engine.
        c.insert_entries([p.TableEntry(TBL_LPM, [p.FieldMatch.lpm(1, 0xE0000000, 8)],
                                       action=p.Action.direct(ACT_MCAST, {1: 7}))])
        c.set_mcast_group(7, [(4, 0), (5, 1), (6, 2)])
        assert [o.port for o in pipe.send(1, pkt(0xE0000001))] == [4, 5, 6]
        c.set_mcast_group(7, [6])
        assert [o.port for o in pipe.send(1, pkt(0xE0000001))] == [6]
        assert c.get_mcast_groups() == [p.McastGroup(7, [p.Replica(6, 0)])]
        c.delete_mcast_group(7)
        assert pipe.send(1, pkt(0xE0000001)) == []
        c.insert_entries([p.TableEntry(TBL_LPM, [p.FieldMatch.lpm(1, 0x0C000000, 8)],
                                       action=p.Action.direct(ACT_CLONE, {1: 3}))])
        c.set_clone_session(3, [(8, 0)], truncate_len=10)
        out = pipe.send(1, pkt(0x0C000001))
        assert [(o.port, len(o.data)) for o in out] == [(8, 10), (1, 60)]
        assert c.get_clone_sessions(3)[0].truncate_len == 10

        # Value sets, digests and packet-in.
        c.write_value_set(VS, [[p.FieldMatch.exact(1, 80)]])
        assert c.read_value_set(VS)[0].members == [[p.FieldMatch(1, p.MatchKind.EXACT,
                                                                 b"\x00\x50")]]
        c.set_digest_config(DIGEST, max_list_size=2, max_timeout_ns=10**15,
                            ack_timeout_ns=10**15)
        pipe.send(3, pkt(0x01020304, l4port=80))
        pipe.send(4, pkt(0x01020304, l4port=80))
        events = c.poll_events()
        pins = [ev for ev in events if isinstance(ev, p.PacketIn)]
        digests = [ev for ev in events if isinstance(ev, p.DigestList)]
        assert [pi.ingress_port for pi in pins] == [3, 4]
        assert pins[0].metadata == [(1, b"\x00\x03"), (2, b"\x01")]
        assert pins[0].payload == pkt(0x01020304, l4port=80)
        assert len(digests) == 1
        assert digests[0].data == [bytes([1, 2, 3, 4, 0, 3]), bytes([1, 2, 3, 4, 0, 4])]
        c.ack_digest(DIGEST, digests[0].list_id)
        assert c.read_digest_configs()[0].max_list_size == 2
        c.delete_digest_config(DIGEST)

        # Action profiles and selectors.
        for m in (1, 2, 3):
            c.insert_member(AP_SEL, m, p.Action.direct(ACT_FWD, {1: 10 + m}))
        c.insert_group(AP_SEL, 100, [1, 2, (3, 2)])
        # Spread destinations: a CRC of consecutive ones varies little in
        # its low bits.
        dsts = [0x0D000000 ^ ((i * 2654435761) & 0xFFFFFF) for i in range(32)]
        c.insert_entries([p.TableEntry(TBL_ECMP, [p.FieldMatch.exact(1, d)],
                                       action=p.Action.group(100)) for d in dsts])
        ports = {pipe.send(1, pkt(d))[0].port for d in dsts}
        assert ports <= {11, 12, 13} and len(ports) >= 2
        with pytest.raises(ControlError) as exc:
            c.delete_member(AP_SEL, 1)
        assert exc.value.status == p.Status.IN_USE
        assert [g.members for g in c.read_groups(AP_SEL)] == [[(1, 1), (2, 1), (3, 2)]]
        assert [m.member_id for m in c.read_members(AP_SEL)] == [1, 2, 3]
        c.clear_table(TBL_ECMP)
        c.delete_group(AP_SEL, 100)
        for m in (1, 2, 3):
            c.delete_member(AP_SEL, m)

        # Packet-out: the packet_out header's egress_port picks the port.
        reply = c.packet_out(b"\xaa" * 20, {1: 7})
        assert reply.outputs == [(7, b"\xaa" * 20)]
        # Straight back to the CPU port: a packet-in, whose first two bytes
        # the runtime takes for the packet_in header (this program emits
        # none of its own on that path).
        c.packet_out(b"\xbb" * 8, {1: CPU_PORT})
        (pin,) = [ev for ev in c.poll_events() if isinstance(ev, p.PacketIn)]
        assert pin.payload == b"\xbb" * 6
        assert pin.metadata == [(1, (0xBBBB >> 7).to_bytes(2, "big")), (2, b"\x3b")]

        stats = c.get_stats()
        assert stats["packets"] > 30 and stats["threads"] == 1

        # Whatever bytes come in, the pipeline answers and stays healthy.
        rng = random.Random(3)
        for _ in range(3000):
            raw = bytearray(rng.randbytes(rng.randrange(48)))
            if len(raw) >= 8:
                raw[0:4] = struct.pack("<I", len(raw))
                raw[4:6] = struct.pack("<H", 1)
            reply_bytes = pipe.control(bytes(raw))
            header, _ = p.decode(reply_bytes)
            assert header.is_reply
        assert [o.port for o in pipe.send(2, pkt(0x0A010203))] == [3]


SHARED_BASIC = ROOT.parent / "shared" / "conformance" / "tutorials" / "basic" / "basic.p4"


def _p4info_ids(p4info) -> dict[str, int]:  # noqa: ANN001
    ids = {}
    for t in p4info.tables:
        ids[t.preamble.name] = t.preamble.id
    for a in p4info.actions:
        ids[a.preamble.name] = a.preamble.id
    return ids


@needs_gcc
def test_generated_basic_pipeline() -> None:
    """ovs-p4c's basic.p4 (the P4 tutorials' IPv4 router) driven through the
    control protocol: an LPM route forwards and rewrites, the default drops."""
    src = SHARED_BASIC
    if not src.is_file():
        pytest.skip(f"conformance data not found at {src.parent} (../shared beside the clone)")
    from ovsp4.compiler.backend.build import build_pipeline
    from ovsp4.compiler.driver import compile_program
    from ovsp4.sim.pipeline import Pipeline

    compiled = compile_program(src)
    so = build_pipeline(compiled)
    ids = _p4info_ids(compiled.p4info)
    table = ids["MyIngress.ipv4_lpm"]
    fwd = ids["MyIngress.ipv4_forward"]
    with Pipeline(so) as pipe:
        c = ControlClient(pipe.control, pipe.poll_events)
        info = c.get_info()
        assert info.program_name and info.arch == "v1model"
        assert info.p4info == compiled.p4info.SerializeToString()
        c.insert_entries([p.TableEntry(
            table, [p.FieldMatch.lpm(1, bytes([10, 0, 1, 0]), 24)],
            action=p.Action.direct(fwd, {1: 0x080000000111, 2: 2}))])
        (entry,) = c.read_entries(table)
        assert entry.action.action_id == fwd
        eth = bytes.fromhex("ffffffffffff" "000000000001" "0800")
        ip = bytes.fromhex("45000014" "00000000" "40110000" "0a000001" "0a000105")
        out = pipe.send(1, eth + ip + b"x" * 10)
        assert [o.port for o in out] == [2]
        assert out[0].data[0:6] == bytes.fromhex("080000000111")
        assert out[0].data[14 + 8] == 0x3F  # TTL decremented
        assert pipe.send(1, eth + ip[:16] + bytes([11, 0, 0, 1]) + b"x" * 10) == []
        with pytest.raises(ControlError) as exc:
            c.insert_entries([p.TableEntry(
                table, [p.FieldMatch.lpm(1, bytes([10, 0, 1, 0]), 24)],
                action=p.Action.direct(fwd, {1: 0x080000000111}))])  # a parameter missing
        assert exc.value.status == p.Status.INVALID
