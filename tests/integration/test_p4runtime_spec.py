"""ovs-p4rtd against the P4Runtime spec, over gRPC, with the real daemons:
a test per arbitration rule and per error code the spec assigns, pipeline
config push/pull, CONTINUE_ON_ERROR details, restart, hostile requests.

One sandbox (ovsdb-server, ovs-vswitchd in a network namespace, ovs-p4rtd)
serves the whole module: bridge br0 (device 1) runs tests/programs/
p4rt_spec.p4; br9 (device 9) has its pipeline unloaded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from ovstest import (
    VENV_BIN,
    Sandbox,
    make_pki,
    p4rt_client,
    requires_root_linux,
    tls_p4rtd,
    wait_until,
)

from ovsp4.ovsdb import bridges as brs
from ovsp4.ovsdb.db import Database
from ovsp4.p4runtime.client import P4RuntimeClient, P4RuntimeClientError
from ovsp4.proto import p4info_pb2, p4runtime_pb2

pytestmark = requires_root_linux

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
SPEC_P4 = PROGRAMS / "p4rt_spec.p4"
Code = grpc.StatusCode
Update = p4runtime_pb2.Update
FPC = p4runtime_pb2.SetForwardingPipelineConfigRequest


@pytest.fixture(scope="module")
def sb(module_p4rt_sandbox: Sandbox) -> Sandbox:
    """br0 (device 1) runs p4rt_spec.p4; br9 (device 9) has no pipeline."""
    box = module_p4rt_sandbox
    box.p4ctl("add-br", "br0", "--program", SPEC_P4, "--device-id", "1")
    box.p4ctl("add-br", "br9", "--program", SPEC_P4, "--device-id", "9")
    with Database(f"unix:{box.dir / 'db.sock'}") as db:
        brs.unload_pipeline(db, "br9")
    return box


client = p4rt_client
_next_primary_id = itertools.count(1000)


@pytest.fixture
def primary(sb: Sandbox) -> Iterator[P4RuntimeClient]:
    """The primary client (election ids keep growing, as the spec wants of
    successive primaries)."""
    c = client(sb, election=(0, next(_next_primary_id)))
    yield c
    c.close()
    # Leave the device as found: no entries in the writable tables (with a
    # new client: a test may have restarted ovs-p4rtd under the old one).
    c = client(sb, election=(0, next(_next_primary_id)))
    try:
        for t in c.p4info().tables:
            if t.is_const_table:
                continue
            e = p4runtime_pb2.Entity()
            e.table_entry.table_id = t.preamble.id
            entries = list(c.read([e]))
            if entries:
                c.write([Update(type=Update.DELETE, entity=x) for x in entries])
    finally:
        c.close()


def names(p4info: p4info_pb2.P4Info) -> dict[str, object]:
    out: dict[str, object] = {}
    for kind in ("tables", "actions", "counters", "registers", "meters"):
        for o in getattr(p4info, kind):
            out[o.preamble.name] = o
    return out


def dmac_entry(p4info: p4info_pb2.P4Info, mac: int, port: int) -> p4runtime_pb2.Entity:
    n = names(p4info)
    table, fwd = n["I.dmac"], n["I.forward"]
    e = p4runtime_pb2.Entity()
    te = e.table_entry
    te.table_id = table.preamble.id  # type: ignore[attr-defined]
    m = te.match.add()
    m.field_id = table.match_fields[0].id  # type: ignore[attr-defined]
    m.exact.value = mac.to_bytes(6, "big").lstrip(b"\0") or b"\0"
    te.action.action.action_id = fwd.preamble.id  # type: ignore[attr-defined]
    prm = te.action.action.params.add()
    prm.param_id = 1
    prm.value = port.to_bytes(2, "big").lstrip(b"\0") or b"\0"
    return e


def insert(e: p4runtime_pb2.Entity) -> Update:
    return Update(type=Update.INSERT, entity=e)


def expect(code: grpc.StatusCode, fn: object, *args: object) -> P4RuntimeClientError:
    with pytest.raises(P4RuntimeClientError) as info:
        result = fn(*args)  # type: ignore[operator]
        if hasattr(result, "__next__"):
            list(result)
    err = info.value
    got = err.updates[0].code if err.updates else err.code
    assert got == code, str(err)
    return err


# --- Arbitration ----------------------------------------------------------------------


def test_first_client_becomes_primary(sb: Sandbox):
    c = client(sb, device_id=1, election=None)
    try:
        answer = c.arbitrate((0, 5))
        assert answer.status.code == Code.OK.value[0]
        assert (answer.election_id.high, answer.election_id.low) == (0, 5)
        assert answer.device_id == 1
    finally:
        c.close()


def test_higher_election_id_takes_over_and_the_old_primary_is_told(sb: Sandbox):
    a = client(sb, election=(0, 10))
    b = P4RuntimeClient(sb.p4runtime, 1)
    try:
        assert b.arbitrate((0, 20)).status.code == Code.OK.value[0]
        note = a.receive(10, kind="arbitration").arbitration
        assert note.status.code == Code.ALREADY_EXISTS.value[0]
        assert note.election_id.low == 20
    finally:
        a.close()
        b.close()


def test_lower_election_id_is_a_backup(sb: Sandbox):
    a = client(sb, election=(0, 30))
    b = P4RuntimeClient(sb.p4runtime, 1)
    try:
        answer = b.arbitrate((0, 3), check=False)
        assert answer.status.code == Code.ALREADY_EXISTS.value[0]
        assert answer.election_id.low == 30
    finally:
        a.close()
        b.close()


def test_duplicate_election_id_closes_the_stream(sb: Sandbox):
    a = client(sb, election=(0, 40))
    b = P4RuntimeClient(sb.p4runtime, 1)
    try:
        b.send(_arbitration(1, (0, 40)))
        with pytest.raises(P4RuntimeClientError) as info:
            b.receive(10)
        assert info.value.code == Code.INVALID_ARGUMENT
    finally:
        a.close()
        b.close()


def _arbitration(device_id: int, election: tuple[int, int]) -> p4runtime_pb2.StreamMessageRequest:
    req = p4runtime_pb2.StreamMessageRequest()
    req.arbitration.device_id = device_id
    req.arbitration.election_id.high, req.arbitration.election_id.low = election
    return req


def test_primary_leaving_tells_the_backups_there_is_none(sb: Sandbox):
    a = client(sb, election=(0, 60))
    b = P4RuntimeClient(sb.p4runtime, 1)
    try:
        b.arbitrate((0, 50), check=False)
        a.close()
        note = b.receive(10, kind="arbitration").arbitration
        assert note.status.code == Code.NOT_FOUND.value[0]
        assert note.election_id.low == 60
    finally:
        b.close()


def test_unknown_device_closes_the_stream_with_not_found(sb: Sandbox):
    c = P4RuntimeClient(sb.p4runtime, 4242)
    try:
        c.send(_arbitration(4242, (0, 1)))
        with pytest.raises(P4RuntimeClientError) as info:
            c.receive(10)
        assert info.value.code == Code.NOT_FOUND
    finally:
        c.close()


def test_write_from_a_backup_is_permission_denied(sb: Sandbox, primary: P4RuntimeClient):
    backup = client(sb, election=(0, 7))
    try:
        e = dmac_entry(primary.p4info(), 0x0A, 1)
        expect(Code.PERMISSION_DENIED, backup.write, [insert(e)])
        primary.write([insert(e)])
    finally:
        backup.close()


def test_write_without_a_stream_is_permission_denied(sb: Sandbox, primary: P4RuntimeClient):
    loner = P4RuntimeClient(sb.p4runtime, 1, election_id=(0, 999))
    try:
        expect(Code.PERMISSION_DENIED, loner.write, [insert(dmac_entry(primary.p4info(), 1, 1))])
    finally:
        loner.close()


def test_pipeline_push_needs_the_primary(sb: Sandbox, primary: P4RuntimeClient):
    backup = client(sb, election=(0, 8))
    try:
        cfg = primary.get_pipeline()
        expect(Code.PERMISSION_DENIED, backup.set_pipeline, cfg.p4info, cfg.p4_device_config)
    finally:
        backup.close()


# --- Error codes --------------------------------------------------------------------------


def test_already_exists(primary: P4RuntimeClient):
    e = dmac_entry(primary.p4info(), 0x0B, 1)
    primary.write([insert(e)])
    expect(Code.ALREADY_EXISTS, primary.write, [insert(e)])


def test_not_found_for_a_missing_entry_and_unknown_ids(primary: P4RuntimeClient):
    p4info = primary.p4info()
    expect(Code.NOT_FOUND, primary.write,
           [Update(type=Update.DELETE, entity=dmac_entry(p4info, 0x0C, 1))])
    e = dmac_entry(p4info, 0x0C, 1)
    e.table_entry.table_id = 0x02FFFFFF
    expect(Code.NOT_FOUND, primary.write, [insert(e)])


def test_not_found_for_an_unknown_device(sb: Sandbox, primary: P4RuntimeClient):
    other = P4RuntimeClient(sb.p4runtime, 31337, election_id=(0, 1000))
    try:
        expect(Code.NOT_FOUND, other.write, [insert(dmac_entry(primary.p4info(), 1, 1))])
        expect(Code.NOT_FOUND, other.get_pipeline)
    finally:
        other.close()


def test_invalid_argument_for_bad_values(primary: P4RuntimeClient):
    p4info = primary.p4info()
    too_wide = dmac_entry(p4info, 1, 1)
    too_wide.table_entry.match[0].exact.value = b"\x01" * 7     # 56 bits in a 48-bit field
    expect(Code.INVALID_ARGUMENT, primary.write, [insert(too_wide)])
    with_priority = dmac_entry(p4info, 2, 1)
    with_priority.table_entry.priority = 10                      # exact table: no priority
    expect(Code.INVALID_ARGUMENT, primary.write, [insert(with_priority)])
    unspecified = Update(type=Update.UNSPECIFIED, entity=dmac_entry(p4info, 3, 1))
    expect(Code.INVALID_ARGUMENT, primary.write, [unspecified])


def test_resource_exhausted_when_the_table_is_full(primary: P4RuntimeClient):
    p4info = primary.p4info()
    primary.write([insert(dmac_entry(p4info, 0x100 + i, 1)) for i in range(4)])
    expect(Code.RESOURCE_EXHAUSTED, primary.write, [insert(dmac_entry(p4info, 0x200, 1))])


def test_out_of_range_register_and_counter_index(primary: P4RuntimeClient):
    n = names(primary.p4info())
    e = p4runtime_pb2.Entity()
    e.register_entry.register_id = n["I.scratch"].preamble.id  # type: ignore[attr-defined]
    e.register_entry.index.index = 8
    e.register_entry.data.bitstring = b"\x01"
    expect(Code.OUT_OF_RANGE, primary.write, [Update(type=Update.MODIFY, entity=e)])
    r = p4runtime_pb2.Entity()
    r.counter_entry.counter_id = n["I.port_packets"].preamble.id  # type: ignore[attr-defined]
    r.counter_entry.index.index = 8
    expect(Code.OUT_OF_RANGE, primary.read, [r])


def test_failed_precondition_without_a_pipeline(sb: Sandbox):
    c = client(sb, device_id=9, election=(0, 1))
    try:
        err = expect(Code.FAILED_PRECONDITION, c.get_pipeline)
        assert "no forwarding pipeline config" in err.message
        e = p4runtime_pb2.Entity()
        e.table_entry.SetInParent()
        expect(Code.FAILED_PRECONDITION, c.read, [e])
        expect(Code.FAILED_PRECONDITION, c.write, [insert(e)])
    finally:
        c.close()


def test_unimplemented_atomicity_and_extern_entries(primary: P4RuntimeClient):
    req = primary.write_request([insert(dmac_entry(primary.p4info(), 0x0D, 1))])
    req.atomicity = p4runtime_pb2.WriteRequest.ROLLBACK_ON_ERROR
    expect(Code.UNIMPLEMENTED, primary._call, primary.stub.Write, req)
    e = p4runtime_pb2.Entity()
    e.extern_entry.extern_type_id = 0x81
    e.extern_entry.extern_id = 1
    expect(Code.UNIMPLEMENTED, primary.write, [Update(type=Update.INSERT, entity=e)])


def test_const_table_writes_are_refused(primary: P4RuntimeClient):
    n = names(primary.p4info())
    fixed, drop = n["I.fixed"], n["I.drop"]
    e = p4runtime_pb2.Entity()
    e.table_entry.table_id = fixed.preamble.id  # type: ignore[attr-defined]
    m = e.table_entry.match.add()
    m.field_id = 1
    m.exact.value = b"\x08\x00"
    e.table_entry.action.action.action_id = drop.preamble.id  # type: ignore[attr-defined]
    err = expect(Code.PERMISSION_DENIED, primary.write, [insert(e)])
    assert "const" in str(err)


def test_continue_on_error_reports_every_update(primary: P4RuntimeClient):
    p4info = primary.p4info()
    a, b = dmac_entry(p4info, 0x0E, 1), dmac_entry(p4info, 0x0F, 2)
    primary.write([insert(a)])
    with pytest.raises(P4RuntimeClientError) as info:
        primary.write([insert(b), insert(a), insert(dmac_entry(p4info, 0x10, 3))])
    err = info.value
    assert err.code == Code.UNKNOWN
    assert [(u.index, u.code) for u in err.updates] == [(1, Code.ALREADY_EXISTS)]
    got = {bytes(x.table_entry.match[0].exact.value) for x in primary.read([_wildcard(p4info)])}
    assert got == {b"\x0e", b"\x0f", b"\x10"}


def test_a_large_write_reports_every_update_in_order(primary: P4RuntimeClient):
    """ovs-p4rtd translates a large Write in slices and pipelines them to
    the datapath: failures in any slice, and updates depending on updates
    of an earlier slice, still come out as if applied one by one."""
    p4info = primary.p4info()
    table = names(p4info)["I.aging"]

    def entry(mac: bytes) -> p4runtime_pb2.Entity:
        e = p4runtime_pb2.Entity()
        e.table_entry.table_id = table.preamble.id  # type: ignore[attr-defined]
        m = e.table_entry.match.add(field_id=table.match_fields[0].id)  # type: ignore[attr-defined]
        m.exact.value = mac
        e.table_entry.action.action.action_id = names(p4info)["NoAction"].preamble.id  # type: ignore[attr-defined]
        return e

    def mac(i: int) -> bytes:
        return (0x1000 + i).to_bytes(2, "big")

    updates = [insert(entry(mac(i))) for i in range(700)]
    updates[300] = insert(entry(mac(3)))                    # inserted by update 3
    updates[520] = insert(entry(b"\x01" * 7))               # 56 bits in a 48-bit field
    updates[690] = Update(type=Update.DELETE, entity=entry(mac(10)))
    updates[695] = Update(type=Update.DELETE, entity=entry(mac(300)))   # never inserted
    with pytest.raises(P4RuntimeClientError) as info:
        primary.write(updates)
    assert [(u.index, u.code) for u in info.value.updates] == [
        (300, Code.ALREADY_EXISTS), (520, Code.INVALID_ARGUMENT), (695, Code.NOT_FOUND)]
    got = {bytes(x.table_entry.match[0].exact.value)
           for x in primary.read([_wildcard(p4info, "I.aging")])}
    assert got == {mac(i) for i in range(700) if i not in (10, 300, 520, 690, 695)}


def push(c: P4RuntimeClient, p4info: p4info_pb2.P4Info | None, device_config: bytes, action: int,
         cookie: int | None = None) -> None:
    c.set_pipeline(p4info, device_config, cookie=cookie, action=action)


def _wildcard(p4info: p4info_pb2.P4Info, table: str = "I.dmac") -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.table_entry.table_id = names(p4info)[table].preamble.id  # type: ignore[attr-defined]
    return e


# --- Pipeline config ------------------------------------------------------------------------


def test_get_pipeline_config_response_types(primary: P4RuntimeClient):
    R = p4runtime_pb2.GetForwardingPipelineConfigRequest  # noqa: N806
    full = primary.get_pipeline(R.ALL)
    assert full.p4info.tables and b"V1Switch" in full.p4_device_config
    cookie_only = primary.get_pipeline(R.COOKIE_ONLY)
    assert not cookie_only.HasField("p4info") and not cookie_only.p4_device_config
    p4info_only = primary.get_pipeline(R.P4INFO_AND_COOKIE)
    assert p4info_only.p4info == full.p4info and not p4info_only.p4_device_config
    device_only = primary.get_pipeline(R.DEVICE_CONFIG_AND_COOKIE)
    assert device_only.p4_device_config == full.p4_device_config
    assert not device_only.HasField("p4info")


def test_verify_refuses_a_p4info_of_another_program(primary: P4RuntimeClient):
    cfg = primary.get_pipeline()
    other = p4info_pb2.P4Info()
    other.CopyFrom(cfg.p4info)
    other.tables[0].size = 12345
    err = expect(Code.INVALID_ARGUMENT, push, primary, other, cfg.p4_device_config,
                 FPC.VERIFY)
    assert "does not match" in err.message
    err = expect(Code.INVALID_ARGUMENT, push, primary, cfg.p4info, b"\x7fELF\x02\x01\x01",
                 FPC.VERIFY)
    assert "binary" in err.message
    broken = cfg.p4_device_config.replace(b"table dmac", b"table dmac dmac")
    err = expect(Code.INVALID_ARGUMENT, push, primary, cfg.p4info, broken, FPC.VERIFY)
    assert "does not compile" in err.message and ".p4:" in err.message


def test_commit_without_saved_config_is_failed_precondition(primary: P4RuntimeClient):
    expect(Code.FAILED_PRECONDITION, push, primary, None, b"", FPC.COMMIT)


def test_verify_and_commit_resets_state_and_keeps_the_cookie(primary: P4RuntimeClient):
    cfg = primary.get_pipeline()
    primary.write([insert(dmac_entry(cfg.p4info, 0x11, 1))])
    primary.set_pipeline(cfg.p4info, cfg.p4_device_config, cookie=77)
    assert primary.get_pipeline().cookie.cookie == 77
    assert list(primary.read([_wildcard(cfg.p4info)])) == []


def test_save_then_commit(primary: P4RuntimeClient):
    cfg = primary.get_pipeline()
    primary.set_pipeline(cfg.p4info, cfg.p4_device_config, cookie=78,
                         action=FPC.VERIFY_AND_SAVE)
    assert primary.get_pipeline().cookie.cookie != 78
    primary.set_pipeline(None, action=FPC.COMMIT)
    assert primary.get_pipeline().cookie.cookie == 78


def test_reconcile_and_commit_keeps_the_entries(primary: P4RuntimeClient):
    cfg = primary.get_pipeline()
    primary.write([insert(dmac_entry(cfg.p4info, 0x12, 1))])
    # Another program with the same tables: a comment changes the source.
    source = cfg.p4_device_config + b"\n// reconciled\n"
    primary.set_pipeline(cfg.p4info, source, cookie=79, action=FPC.RECONCILE_AND_COMMIT)
    new = primary.get_pipeline()
    assert new.cookie.cookie == 79 and new.p4_device_config == source
    got = [bytes(x.table_entry.match[0].exact.value) for x in primary.read([_wildcard(cfg.p4info)])]
    assert got == [b"\x12"]


# --- Robustness --------------------------------------------------------------------------------


def test_restarting_ovs_p4rtd_loses_nothing(sb: Sandbox, primary: P4RuntimeClient):
    p4info = primary.p4info()
    primary.write([insert(dmac_entry(p4info, 0x13, 2))])
    sb.run("kill", str(int((sb.dir / "ovs-p4rtd.pid").read_text())))
    wait_until(lambda: not (sb.dir / "ovs-p4rtd.pid").exists(), 20, "ovs-p4rtd to exit")
    # Started again with the sandbox's saved configuration (same address);
    # the rest is running and is left alone.
    sb.run(VENV_BIN / "ovs-p4-sandbox", "start", sb.dir)
    c = client(sb, election=(0, next(_next_primary_id)))
    try:
        got = [bytes(x.table_entry.match[0].exact.value) for x in c.read([_wildcard(p4info)])]
        assert got == [b"\x13"]
    finally:
        c.close()


def test_hostile_requests_do_not_crash_the_server(sb: Sandbox, primary: P4RuntimeClient):
    channel = grpc.insecure_channel(sb.p4runtime)
    raw = channel.unary_unary("/p4.v1.P4Runtime/Write",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
    for junk in (b"\xff" * 64, b"\x08", b"\x12\xff\xff\xff\xff\x0f", bytes(range(256))):
        with pytest.raises(grpc.RpcError):
            raw(junk, timeout=10)
    channel.close()
    p4info = primary.p4info()
    # Any length is a valid bytestring if the value fits (spec: Bytestrings).
    long_zeros = dmac_entry(p4info, 0x14, 1)
    long_zeros.table_entry.action.action.params[0].value = b"\x00" * 99999 + b"\x01"
    primary.write([insert(long_zeros)])
    too_wide = dmac_entry(p4info, 0x15, 1)
    too_wide.table_entry.action.action.params[0].value = b"\x02" + b"\x00" * 99999
    expect(Code.INVALID_ARGUMENT, primary.write, [insert(too_wide)])
    many = [insert(dmac_entry(p4info, 0x1000 + i, 1)) for i in range(3000)]
    with pytest.raises(P4RuntimeClientError) as info:
        primary.write(many)
    assert sum(u.code == Code.RESOURCE_EXHAUSTED for u in info.value.updates) == 2997
    assert primary.capabilities().p4runtime_api_version


def test_capabilities(primary: P4RuntimeClient):
    assert primary.capabilities().p4runtime_api_version.startswith("1.")



def test_devices_follow_ovsdb(sb: Sandbox):
    """A bridge added while ovs-p4rtd runs becomes a device; deleting it
    closes its clients' streams with NOT_FOUND."""
    sb.p4ctl("add-br", "br5", "--program", SPEC_P4, "--device-id", "5")
    c = client(sb, device_id=5, election=(0, 1))
    try:
        assert c.p4info().tables
        sb.p4ctl("del-br", "br5")
        with pytest.raises(P4RuntimeClientError) as info:
            c.receive(20)
        assert info.value.code == Code.NOT_FOUND
        expect(Code.NOT_FOUND, c.get_pipeline)
    finally:
        c.close()


def test_mutual_tls(sb: Sandbox, tmp_path: Path):
    """A second ovs-p4rtd serving the same devices over mutual TLS: a client
    with a certificate the CA signed gets in, one without does not."""
    pki = make_pki(tmp_path)
    with tls_p4rtd(sb, pki, tmp_path) as addr:
        good = grpc.ssl_channel_credentials(
            root_certificates=pki["ca.pem"].read_bytes(),
            private_key=pki["client.key"].read_bytes(),
            certificate_chain=pki["client.pem"].read_bytes())
        c = P4RuntimeClient(addr, 1, credentials=good, timeout=30)
        wait_until(lambda: _has_device(c), 30, "the TLS server to know device 1")
        assert c.capabilities().p4runtime_api_version
        c.close()
        no_cert = grpc.ssl_channel_credentials(root_certificates=pki["ca.pem"].read_bytes())
        c = P4RuntimeClient(addr, 1, credentials=no_cert, timeout=10)
        with pytest.raises(P4RuntimeClientError) as info:
            c.get_pipeline()
        assert info.value.code == Code.UNAVAILABLE
        c.close()


def _has_device(c: P4RuntimeClient) -> bool:
    try:
        return bool(c.p4info().tables)
    except P4RuntimeClientError as exc:
        if exc.code != Code.NOT_FOUND:
            raise
        return False


def test_idle_timeout_notification_reaches_the_primary(primary: P4RuntimeClient):
    n = names(primary.p4info())
    aging = n["I.aging"]
    e = p4runtime_pb2.Entity()
    te = e.table_entry
    te.table_id = aging.preamble.id  # type: ignore[attr-defined]
    m = te.match.add()
    m.field_id = 1
    m.exact.value = b"\x02\x00\x00\x00\x00\x99"
    te.action.action.action_id = n["NoAction"].preamble.id  # type: ignore[attr-defined]
    te.idle_timeout_ns = 200_000_000
    primary.write([insert(e)])
    note = primary.receive(20, kind="idle_timeout_notification").idle_timeout_notification
    assert [x.match[0].exact.value for x in note.table_entry] == [b"\x02\x00\x00\x00\x00\x99"]
    assert note.table_entry[0].table_id == aging.preamble.id  # type: ignore[attr-defined]
    # Still there (the controller decides), with the time since its last hit.
    read = p4runtime_pb2.Entity()
    read.table_entry.table_id = aging.preamble.id  # type: ignore[attr-defined]
    read.table_entry.time_since_last_hit.elapsed_ns = 0
    (got,) = list(primary.read([read]))
    assert got.table_entry.time_since_last_hit.elapsed_ns >= 200_000_000


def test_bad_stream_messages_get_stream_errors(sb: Sandbox, primary: P4RuntimeClient):
    early = P4RuntimeClient(sb.p4runtime, 1)
    backup = client(sb, election=(0, 9))
    try:
        out = p4runtime_pb2.StreamMessageRequest()
        out.packet.payload = b"\x00" * 60
        early.send(out)                       # before any arbitration
        err = early.receive(10, kind="error").error
        assert err.canonical_code == Code.FAILED_PRECONDITION.value[0]
        assert err.packet_out.packet_out.payload == out.packet.payload
        backup.send(out)                      # a backup may not send packets
        err = backup.receive(10, kind="error").error
        assert err.canonical_code == Code.PERMISSION_DENIED.value[0]
        ack = p4runtime_pb2.StreamMessageRequest()
        ack.digest_ack.digest_id = 12345
        ack.digest_ack.list_id = 1
        primary.send(ack)                     # no such digest
        err = primary.receive(10, kind="error").error
        assert err.canonical_code in (Code.NOT_FOUND.value[0], Code.INVALID_ARGUMENT.value[0])
        assert err.digest_list_ack.digest_list_ack.digest_id == 12345
    finally:
        early.close()
        backup.close()
