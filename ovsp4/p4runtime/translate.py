"""The translation between P4Runtime and the datapath's control protocol,
for one pipeline (one P4Info). Pure: the caller moves the bytes.

Writes::

    plan = translator.encode_write(request)            # or encode_write_request(raw bytes)
    statuses = b""
    for req in plan.requests(next_xid):                 # control WRITE requests
        statuses += write_reply_statuses(transport(req))[1]
    undo = plan.finish(statuses)                        # per-update errors in plan.errors
    ...send undo (if any)...                            # (all of it: plan.run(transport))
    # a plan covers the first plan.n updates (it ends after one that changes
    # the translator state): the next plan starts there, once this one is
    # finished (all of it: translator.apply(updates, transport))

Reads::

    for q in translator.read_queries(entity):           # raises P4RuntimeError
        for entities in translator.reader.run(q, transport):   # serialized p4.v1.Entity
            ...

Table entry updates take the cached fast path (:mod:`ovsp4.p4runtime.fastpath`)
once one of their shape was translated. Documentation/p4runtime-translation.md
describes the design: one-shots, canonical values, error codes.
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.message import DecodeError

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime import wire
from ovsp4.p4runtime.entities import EntityWriter
from ovsp4.p4runtime.entry_wire import ENTITY_TABLE_ENTRY, parse_table_entry, parse_update
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.fastpath import FastPath
from ovsp4.p4runtime.oneshot import OneShot
from ovsp4.p4runtime.plan import Multi, Transport, WritePlan
from ovsp4.p4runtime.read import Reader, ReadQuery
from ovsp4.p4runtime.schema import Schema
from ovsp4.p4runtime.state import State
from ovsp4.p4runtime.stream import Stream
from ovsp4.p4runtime.tables import EntryOut, TableWriter, render
from ovsp4.proto import p4info_pb2, p4runtime_pb2

_OP_NAMES = {1: "insert", 2: "modify", 3: "delete"}


class Translator:
    """P4Runtime <-> control protocol for one P4Info. ``cpu_port`` is the
    datapath's CPU port (0: none), to which the SDN CPU port 0xfffffffd of
    replicas maps."""

    def __init__(self, p4info: p4info_pb2.P4Info, *, cpu_port: int = 0) -> None:
        self.p4info = p4info
        self.cpu_port = cpu_port
        self.schema = Schema(p4info)
        self.state = State()
        self.tables = TableWriter(self.schema, self.state)
        self.oneshot = OneShot(self.schema, self.state, self.tables)
        self.tables.oneshot = self.oneshot
        self.entities = EntityWriter(self.schema, self.state, self.tables, cpu_port)
        self.reader = Reader(self.schema, self.state, self.tables, self.oneshot, cpu_port)
        self.stream = Stream(self.schema, self.reader)
        self.fast = FastPath()

    def reset(self) -> None:
        """Forgets the per-entity state (the forwarding state was cleared)."""
        self.state.clear()
        self.fast.clear()

    # -- writes ---------------------------------------------------------------

    def encode_updates(self, updates: Sequence[p4runtime_pb2.Update] | Sequence[bytes],
                       *, whole: bool = False) -> WritePlan:
        """The plan of a Write batch's first ``plan.n`` updates (message
        objects, or their serialized bytes).

        An update whose outcome changes the translator state (a one-shot,
        an action profile member or group, a replication entry, an entry's
        metadata: ``plan.stateful``) ends the plan: the updates after it
        must be translated once the plan is finished, against the state it
        leaves, as if each update were applied on its own.  ``whole``
        translates them all against the current state (for views of a batch
        that is not applied)."""
        raws: Sequence[bytes]
        if updates and not isinstance(updates[0], (bytes, bytearray)):
            raws = [u.SerializeToString() for u in updates]  # type: ignore[union-attr]
        else:
            raws = updates  # type: ignore[assignment]
        plan = WritePlan(len(raws), lambda i: self.describe(raws[i]))
        append = plan.chunks.append
        counts = plan.counts
        by_len = self.fast.by_len
        from_bytes = int.from_bytes
        # The fast path, inlined: this loop runs once per table entry.
        for i, raw in enumerate(raws):
            ts = by_len.get(len(raw), ())
            for t in ts:
                if t.simple:
                    if t.guard:
                        continue
                    m = t.rx.fullmatch(raw)
                    if m is None:
                        continue
                    out = t.order(m.groups())
                    append(t.fmt % (out if type(out) is tuple else (out,)))
                    counts[i] = 1
                    break
                lpm = t.lpm
                if lpm is not None:
                    if t.guard:
                        continue
                    m = t.rx.fullmatch(raw)
                    if m is None:
                        continue
                    vals = m.groups()
                    gv, gp, width, masks = lpm
                    p = vals[gp][0]
                    if not 0 < p <= width or from_bytes(vals[gv], "big") & masks[p]:
                        continue        # the slow path says what is wrong
                    out = t.order(vals)
                    append(t.fmt % (out if type(out) is tuple else (out,)))
                    counts[i] = 1
                    break
                data = t.apply(raw)
                if data is not None:
                    if t.n_ctl == 1:
                        append(data)
                        counts[i] = 1
                    else:
                        plan.add(i, data, t.n_ctl)
                    break
            else:
                if self._slow(plan, i, raw) and not whole and i + 1 < len(raws):
                    plan.truncate(i + 1)
                    break
                continue
            if t is not ts[0]:
                # The template that matched first next time: a batch is
                # mostly one shape (inserts and deletes share lengths).
                ts.remove(t)
                ts.insert(0, t)
        return plan

    def encode_write(self, request: p4runtime_pb2.WriteRequest) -> WritePlan:
        """The plan of a parsed WriteRequest's updates (serializing the
        request whole and splitting it costs less than serializing each
        update)."""
        return self.encode_write_request(request.SerializeToString())[1]

    def encode_write_request(self, data: bytes) -> tuple[p4runtime_pb2.WriteRequest, WritePlan]:
        """A serialized WriteRequest: its fields but the updates (device id,
        election id, role, atomicity) and the plan of its updates. Raises
        INVALID_ARGUMENT for bytes that are not a WriteRequest."""
        try:
            raws, rest = wire.split_repeated(data, 4)
            meta = p4runtime_pb2.WriteRequest.FromString(rest)
        except (wire.WireError, DecodeError) as exc:
            raise E.invalid(f"malformed WriteRequest: {exc}") from None
        return meta, self.encode_updates(raws)

    def _slow(self, plan: WritePlan, i: int, raw: bytes) -> bool:
        """Translates update ``i`` the slow way; whether its outcome changes
        the translator state."""
        try:
            out = self._translate(raw)
        except (wire.WireError, DecodeError) as exc:
            out = E.invalid(f"malformed update: {exc}")
        if isinstance(out, P4RuntimeError):
            plan.fail(i, out)
        elif isinstance(out, Multi):
            plan.add_multi(i, out)
            return out.commit is not None or out.abort is not None
        elif isinstance(out, tuple):
            data, n = out
            if n:
                plan.add(i, data, n)
        return False

    def apply(self, updates: Sequence[p4runtime_pb2.Update] | Sequence[bytes],
              transport: Transport) -> list[P4RuntimeError | None]:
        """Applies a batch through a control-protocol transport, plan by
        plan (see :meth:`encode_updates`); every update's error."""
        errors: list[P4RuntimeError | None] = []
        while len(errors) < len(updates):
            plan = self.encode_updates(updates[len(errors):])
            errors += plan.run(transport)
        return errors

    def _translate(self, raw: bytes) -> P4RuntimeError | Multi | tuple[bytes, int]:
        op, ent, start, end = parse_update(raw)
        if op == p4runtime_pb2.Update.UNSPECIFIED:
            return E.invalid("update type UNSPECIFIED")
        if ent == ENTITY_TABLE_ENTRY:
            e = parse_table_entry(raw, op, start, end)
            out = self.tables.translate(e)
            if isinstance(out, EntryOut):
                tbl = self.schema.tables[e.table_id]
                self.fast.learn(e, out, tbl.needs_priority)
                return render(e, out.pieces), out.n_ctl
            return out
        update = p4runtime_pb2.Update.FromString(raw)
        res = self.entities.translate(op, update.entity)
        if isinstance(res, bytes):
            return res, (1 if res else 0)
        return res

    def describe(self, raw: bytes) -> str:
        """What an update is about, for error messages."""
        try:
            op, ent, start, end = parse_update(raw)
            verb = _OP_NAMES.get(op, "update")
            if ent == ENTITY_TABLE_ENTRY:
                e = parse_table_entry(raw, op, start, end)
                tbl = self.schema.tables.get(e.table_id)
                name = tbl.name if tbl is not None else str(e.table_id)
                what = "default entry" if e.is_default else "entry"
                return f"table {name} {what} {verb}"
            kind = p4runtime_pb2.Update.FromString(raw).entity.WhichOneof("entity")
            return f"{kind} {verb}"
        except (wire.WireError, DecodeError, ValueError):
            return "update"

    def write_updates(self, updates: Sequence[p4runtime_pb2.Update]
                      ) -> tuple[list[list[cp.Update] | None], list[P4RuntimeError | None]]:
        """Each update's control updates (as dataclasses), or its error.

        For tests and tools: the translator state (one-shot groups, opaque
        metadata) changes only through a plan's :meth:`~WritePlan.finish`,
        so a server must use :meth:`encode_updates`. (The hidden ids of
        one-shots translated here stay reserved: applying these updates
        cannot make later ones collide.)"""
        plan = self.encode_updates(updates, whole=True)
        out: list[list[cp.Update] | None] = []
        k = 0
        for i, n in enumerate(plan.counts):
            if plan.errors[i] is not None:
                out.append(None)
                continue
            ups: list[cp.Update] = []
            while n > 0:
                ups += cp.decode_updates(plan.chunks[k])
                n -= plan.sizes.get(k, 1)
                k += 1
            out.append(ups)
        return out, plan.errors

    # -- reads ----------------------------------------------------------------

    def read_queries(self, entity: p4runtime_pb2.Entity) -> list[ReadQuery]:
        """The control reads of one requested entity (raises the
        P4RuntimeError of an invalid request)."""
        return self.reader.queries(entity)

    def read_results(self, query: ReadQuery, items: Sequence[cp.EntityBody]
                     ) -> list[p4runtime_pb2.Entity]:
        """Items the datapath returned for a query (decoded, as
        :meth:`ControlClient.read` yields them) as P4Runtime entities."""
        reply = cp.encode(cp.ReadReply(query.request.entity, list(items), False, (0, 0)))
        entities, _ = self.reader.reply(query, reply)
        return [p4runtime_pb2.Entity.FromString(e) for e in entities]

    # -- stream ---------------------------------------------------------------

    def packet_out(self, msg: p4runtime_pb2.PacketOut) -> cp.PacketOutRequest:
        return self.stream.packet_out(msg)

    def packet_in(self, ev: cp.PacketIn) -> p4runtime_pb2.PacketIn:
        return self.stream.packet_in(ev)

    def digest_list(self, ev: cp.DigestList) -> p4runtime_pb2.DigestList:
        return self.stream.digest_list(ev)

    def digest_ack(self, ack: p4runtime_pb2.DigestListAck) -> cp.DigestAckRequest:
        return self.stream.digest_ack(ack)

    def idle_timeout(self, ev: cp.IdleTimeout, now_ns: int | None = None
                     ) -> p4runtime_pb2.IdleTimeoutNotification:
        return self.stream.idle_timeout(ev, now_ns)

    # -- attaching to a running pipeline ----------------------------------------

    def recovery_requests(self) -> list[cp.ReadRequest]:
        """Reads to do (every item, paged) before :meth:`recover`."""
        return self.oneshot.recovery_requests()

    def recover(self, results: Sequence[Sequence[cp.EntityBody]]) -> list[bytes]:
        """Rebuilds one-shot state from the datapath when the translator is
        attached to a pipeline that already has state; returns cleanup
        updates to send (see :meth:`OneShot.recover`)."""
        return self.oneshot.recover(results)


__all__ = ["Translator", "WritePlan", "ReadQuery", "P4RuntimeError"]
