"""The cached translations of table entries (ovsp4/p4runtime/fastpath.py)
give exactly what the slow path gives: the same control bytes, the same
errors, for thousands of random table entry updates, valid or not; and
bytes that look like a cached update but parse otherwise are not taken for
it. The control bytes are also those of the protocol codec."""

from __future__ import annotations

import random
import shutil

import pytest
from p4rt_translate_support import PROGRAMS, Code, Switch, Update, build

from ovsp4.control import protocol as cp
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.translate import Translator
from ovsp4.proto import p4runtime_pb2

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

PROGRAM = PROGRAMS / "p4rt_tables.p4"
P = p4runtime_pb2
TABLES = ["I.t_exact", "I.t_lpm", "I.t_ternary", "I.t_wide", "I.t_scope", "I.t_prof",
          "I.t_keyless", "I.t_const"]


@pytest.fixture(scope="module")
def p4info() -> object:
    compiled, _ = build(PROGRAM)
    return compiled.p4info


def _value(rng: random.Random, width: int) -> bytes:
    """Mostly valid values of a bit<width>: canonical, padded, or (rarely)
    too wide or empty."""
    nb = (width + 7) // 8
    r = rng.random()
    if r < 0.03:
        return b""
    if r < 0.08:
        return rng.randbytes(nb + 1)
    v = rng.getrandbits(width if rng.random() < 0.7 else rng.randint(1, width))
    if r < 0.3:
        return v.to_bytes(nb + rng.randint(0, 2), "big")
    return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")


def random_update(rng: random.Random, p4info: object) -> Update:
    tables = {t.preamble.name: t for t in p4info.tables}  # type: ignore[attr-defined]
    actions = {a.preamble.id: a for a in p4info.actions}  # type: ignore[attr-defined]
    t = tables[rng.choice(TABLES)]
    u = Update(type=rng.choice([Update.INSERT] * 6 + [Update.MODIFY] * 2 + [Update.DELETE] * 2
                               + [Update.UNSPECIFIED]))
    te = u.entity.table_entry
    te.table_id = t.preamble.id
    for f in t.match_fields:
        if rng.random() < 0.1 and f.match_type != f.EXACT:
            continue                                        # don't care
        fm = te.match.add(field_id=f.id if rng.random() > 0.01 else 99)
        w = f.bitwidth
        if f.match_type == f.EXACT or (rng.random() < 0.02):
            fm.exact.value = _value(rng, w)
        elif f.match_type == f.LPM:
            plen = rng.choice([w, w, rng.randint(0, w + 1)])
            v = rng.getrandbits(w)
            if rng.random() < 0.9:
                v &= ~((1 << (w - plen)) - 1) if 0 <= plen <= w else 0
            fm.lpm.value = v.to_bytes((w + 7) // 8, "big")
            fm.lpm.prefix_len = plen
        elif f.match_type == f.TERNARY:
            mask = rng.getrandbits(w)
            v = rng.getrandbits(w)
            if rng.random() < 0.9:
                v &= mask
            fm.ternary.value = v.to_bytes((w + 7) // 8, "big")
            fm.ternary.mask = mask.to_bytes((w + 7) // 8, "big")
        elif f.match_type == f.RANGE:
            lo, hi = sorted((rng.getrandbits(w), rng.getrandbits(w)))
            if rng.random() < 0.05:
                lo, hi = hi + 1, lo
            fm.range.low = lo.to_bytes((w + 7) // 8, "big")
            fm.range.high = hi.to_bytes((w + 7) // 8, "big")
        else:
            fm.optional.value = _value(rng, w)
    if rng.random() < 0.9:
        refs = [r.id for r in t.action_refs]
        aid = rng.choice(refs) if rng.random() < 0.95 else rng.choice(list(actions))
        if t.implementation_id and rng.random() < 0.8:
            te.action.action_profile_member_id = rng.choice([1, 2, 300, 0x80000001])
        else:
            a = te.action.action
            a.action_id = aid
            for p in actions[aid].params:
                if rng.random() < 0.98:
                    a.params.add(param_id=p.id, value=_value(rng, p.bitwidth))
    needs = any(f.match_type in (f.TERNARY, f.RANGE, f.OPTIONAL) for f in t.match_fields)
    if needs or rng.random() < 0.05:
        te.priority = rng.choice([1, 5, 127, 128, 300, 1 << 20, (1 << 31) - 1, 0, -2])
    if rng.random() < 0.5:
        te.controller_metadata = rng.choice([1, 127, 128, 1 << 40, (1 << 64) - 1,
                                             rng.getrandbits(64)])
    if rng.random() < 0.1:
        te.idle_timeout_ns = rng.choice([1, 10**9, -1])
    if rng.random() < 0.03:
        te.is_default_action = True
    if rng.random() < 0.02:
        te.metadata = b"m"
    return u


def _results(tr: Translator, updates: list[Update]) -> list[tuple[object, bytes]]:
    """Each update's (error, control bytes)."""
    plan = tr.encode_updates(updates, whole=True)
    out = []
    k = 0
    for i, n in enumerate(plan.counts):
        err = plan.errors[i]
        data = b""
        if n:
            data = plan.chunks[k]
            k += 1
        out.append(((err.code, err.message) if isinstance(err, P4RuntimeError) else None, data))
    plan.abort()
    return out


def test_fast_path_equals_slow_path(p4info: object) -> None:
    rng = random.Random(20261121)
    updates = [random_update(rng, p4info) for _ in range(4000)]
    # Repeat each update's shape with other values: the fast path's case.
    updates += updates
    warm = Translator(p4info)
    fast = _results(warm, updates)
    assert warm.fast.count > 20
    cold = Translator(p4info)
    slow = []
    for u in updates:
        cold.fast.clear()
        slow += _results(cold, [u])
    mismatches = [(i, updates[i], f, s) for i, (f, s) in enumerate(zip(fast, slow, strict=True))
                  if f != s]
    assert not mismatches, mismatches[:3]
    ok = sum(1 for err, _ in slow if err is None)
    assert 1000 < ok < len(updates) - 1000          # both kinds well represented
    # The bytes are the codec's.
    for err, data in slow:
        if err is None and data:
            assert b"".join(cp.encode_update(u) for u in cp.decode_updates(data)) == data


def test_bytes_that_parse_otherwise_are_not_taken_for_a_template(p4info: object) -> None:
    """A template's variables have fixed lengths: a longer varint in the
    template, a shorter one followed by another field in the update (same
    length overall) must go the slow way."""
    tables = {t.preamble.name: t for t in p4info.tables}  # type: ignore[attr-defined]
    tid = tables["I.t_exact"].preamble.id

    def delete(cookie: int, default: bool) -> Update:
        u = Update(type=Update.DELETE)
        te = u.entity.table_entry
        te.table_id = tid
        te.match.add(field_id=1).exact.value = b"\x01"
        te.match.add(field_id=2).exact.value = b"\x02"
        te.controller_metadata = cookie
        te.is_default_action = default
        return u

    tr = Translator(p4info)
    template = delete(0x4000, False).SerializeToString()           # a 3-byte cookie
    tricky = delete(1, True).SerializeToString()                   # 1 byte, then 0x40 0x01
    assert len(template) == len(tricky)
    (err,) = tr.encode_updates([template, template]).errors[:1]
    assert err is None and tr.fast.count == 1
    (err,) = tr.encode_updates([tricky]).errors
    assert err is not None and err.code == Code.INVALID_ARGUMENT      # a default entry delete


def test_templates_are_not_used_while_a_table_has_metadata(p4info: object) -> None:
    with Switch(PROGRAM) as sw:
        def entry(a: int, **kw: object) -> Update:
            e = sw.entry("I.t_exact", [("exact", bytes([a])), ("exact", b"\x02")], "I.drop",
                         **kw)
            return Update(type=Update.INSERT, entity=e)

        sw.ok(entry(1), entry(2))                                 # a template for inserts
        sw.ok(entry(3, metadata=b"x"))
        delete = entry(3)
        delete.type = Update.DELETE
        sw.ok(delete)
        assert sw.tr.state.table_meta[sw["I.t_exact"]] == {}
        sw.ok(entry(3))
        (got,) = sw.read(entry(3).entity)
        assert not got.table_entry.metadata


def test_trimmed_values_reach_the_datapath_at_field_width(p4info: object) -> None:
    """Spec "Bytestrings": a valid value may be longer than its field (zeros
    in front); the datapath gets it at the field's width."""
    tr = Translator(p4info)
    tables = {t.preamble.name: t for t in p4info.tables}  # type: ignore[attr-defined]
    u = Update(type=Update.DELETE)
    te = u.entity.table_entry
    te.table_id = tables["I.t_exact"].preamble.id
    te.match.add(field_id=1).exact.value = bytes(100000) + b"\x01"
    te.match.add(field_id=2).exact.value = b"\x02"
    controls, errors = tr.write_updates([u])
    assert errors == [None]
    assert controls[0][0].body.matches[0].value == b"\x00\x00\x00\x01"


def test_generated_read_converters_equal_the_general_one(p4info: object) -> None:
    """Reads of random entries of every table, with every option: the
    generated per-shape converters (read_codegen) give the general
    converter's bytes."""
    rng = random.Random(7)
    with Switch(PROGRAM) as sw:
        updates = [random_update(rng, p4info) for _ in range(3000)]
        for u in updates:
            u.type = Update.INSERT
            u.entity.table_entry.ClearField("metadata")
        errors = sw.write(*updates)
        assert sum(e is None for e in errors) > 300
        sw.ok(Update(type=Update.MODIFY, entity=sw.entry(
            "I.t_lpm", None, "I.set_out", [b"\x01\x01", b"\x07"], is_default_action=True)))
        conv = sw.tr.reader.entries
        for table in TABLES:
            for counter, meter, time in ((False, False, False), (True, True, True)):
                for default in (False, True):
                    key = cp.TableEntry(sw[table], is_default=True) if default else None
                    items = list(sw.client.read(cp.Entity.TABLE_ENTRY, sw[table], key=key))
                    reply = cp.encode(cp.ReadReply(cp.Entity.TABLE_ENTRY, items, False, (0, 0)))
                    body = reply[cp.HEADER_LEN + 5:]
                    fast, end = conv.convert(body, 0, len(items), counter=counter, meter=meter,
                                             time=time)
                    slow, end2 = conv.convert(body, 0, len(items), counter=counter, meter=meter,
                                              time=time, filters=(0, 0, b"", 0))
                    assert fast == slow and end == end2 == len(body) - 17
        assert sum(len(s) for s in conv._shapes.values()) > 5


def test_malformed_bytes(p4info: object) -> None:
    tr = Translator(p4info)
    for junk in (b"\xff" * 64, b"\x08", b"\x12\xff\xff\xff\xff\x0f", bytes(range(256))):
        try:
            _, plan = tr.encode_write_request(junk)
        except P4RuntimeError as err:
            assert err.code == Code.INVALID_ARGUMENT
        else:
            assert all(e is not None and e.code == Code.INVALID_ARGUMENT for e in plan.errors)
    rng = random.Random(3)
    good = [random_update(rng, p4info).SerializeToString() for _ in range(200)]
    for raw in good:
        cut = raw[:rng.randrange(len(raw))]
        flipped = bytearray(raw)
        flipped[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        for bad in (cut, bytes(flipped)):
            plan = tr.encode_updates([bad])           # never raises
            assert len(plan.errors) == 1


def test_raw_codec_helpers() -> None:
    """protocol.py's raw helpers agree with its dataclass codec."""
    ups = [cp.Update(cp.Op.INSERT, cp.TableEntry(7, [cp.FieldMatch.lpm(1, b"\x0a\0\0\0", 8)],
                                                 action=cp.Action.direct(3, {1: b"\x01"}))),
           cp.Update(cp.Op.MODIFY, cp.CounterEntry(5, 2, cp.CounterData(1, 2))),
           cp.Update(cp.Op.DELETE, cp.ApGroup(4, 9, [(1, 2)], 8))]
    raw = [cp.encode_update(u) for u in ups]
    assert cp.encode_write_raw(raw, 5) == cp.encode(cp.WriteRequest(ups), 5)
    assert cp.decode_updates(b"".join(raw)) == ups
    assert cp.decode_update(raw[1]) == ups[1]
    with pytest.raises(cp.ProtocolError):
        cp.decode_update(raw[0] + raw[1])
    reply = cp.encode(cp.WriteReply([cp.Status.OK, cp.Status.EXISTS]), 5, cp.Status.EXISTS)
    header, statuses = cp.write_reply_statuses(reply)
    assert header.xid == 5 and statuses == bytes([0, cp.Status.EXISTS])
    assert cp.write_reply_statuses(cp.encode(cp.EmptyReply(cp.MsgType.WRITE), 5,
                                             cp.Status.INVALID))[1] is None
    items = [ups[0].body, ups[0].body]
    body = cp.encode(cp.ReadReply(cp.Entity.TABLE_ENTRY, items, True, (1, 2)))
    got, end = cp.decode_bodies(cp.Entity.TABLE_ENTRY, body, cp.HEADER_LEN + 5, 2)
    assert got == items
    assert cp.READ_REPLY_TAIL.unpack_from(body, end) == (1, 1, 2)
