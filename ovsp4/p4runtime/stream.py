"""StreamChannel messages: packet-out to the datapath; packet-in, digest
lists and idle timeouts from it (spec "Packet I/O", "DigestEntry", "Table
Idle Timeout Notification").
"""

from __future__ import annotations

import time

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.read import Reader
from ovsp4.p4runtime.schema import Schema, TypeInfo
from ovsp4.p4runtime.values import canonical, fits, from_unsigned
from ovsp4.proto import p4data_pb2, p4runtime_pb2


class Stream:
    def __init__(self, schema: Schema, reader: Reader) -> None:
        self.schema = schema
        self.reader = reader

    def packet_out(self, msg: p4runtime_pb2.PacketOut) -> cp.PacketOutRequest:
        """A PacketOut as the control request. Its metadata must be exactly
        the packet_out header's fields, each fitting its width, else
        INVALID_ARGUMENT (spec "Packet I/O", "Stream Error Reporting")."""
        info = self.schema.packet_out
        meta: list[tuple[int, bytes]] = []
        seen: set[int] = set()
        for m in msg.metadata:
            p = info.fields.get(m.metadata_id) if info is not None else None
            if p is None:
                raise E.invalid(f"packet-out: unknown metadata id {m.metadata_id}")
            if m.metadata_id in seen:
                raise E.invalid(f"packet-out: metadata {p.name} given twice")
            seen.add(m.metadata_id)
            if not fits(m.value, p.width):
                raise E.invalid(f"packet-out: metadata {p.name}: "
                                f"{m.value.hex() or 'empty'} is not a bit<{p.width}>")
            meta.append((m.metadata_id, m.value))
        if info is not None and len(seen) != len(info.fields):
            missing = ", ".join(p.name for p in info.order if p.id not in seen)
            raise E.invalid(f"packet-out: metadata {missing} missing")
        if len(msg.payload) > cp.MAX_PACKET:
            raise E.invalid(f"packet-out: {len(msg.payload)}-byte payload above "
                            f"{cp.MAX_PACKET}")
        return cp.PacketOutRequest(msg.payload, meta)

    def packet_in(self, ev: cp.PacketIn) -> p4runtime_pb2.PacketIn:
        out = p4runtime_pb2.PacketIn(payload=ev.payload)
        for mid, value in ev.metadata:
            out.metadata.add(metadata_id=mid, value=canonical(value))
        return out

    def digest_list(self, ev: cp.DigestList) -> p4runtime_pb2.DigestList:
        """A digest list; each digest's data is its type's P4Data (a struct
        of bitstrings, or one bitstring) in canonical form."""
        info = self.schema.digests.get(ev.digest_id)
        t = info.type if info is not None else TypeInfo(supported=False)
        out = p4runtime_pb2.DigestList(digest_id=ev.digest_id, list_id=ev.list_id,
                                       timestamp=ev.timestamp_ns)
        for data in ev.data:
            _digest_data(out.data.add(), data, t)
        return out

    def digest_ack(self, ack: p4runtime_pb2.DigestListAck) -> cp.DigestAckRequest:
        if ack.digest_id not in self.schema.digests:
            raise E.invalid(f"digest ack: no digest id {ack.digest_id}")
        return cp.DigestAckRequest(ack.digest_id, ack.list_id)

    def idle_timeout(self, ev: cp.IdleTimeout, now_ns: int | None = None
                     ) -> p4runtime_pb2.IdleTimeoutNotification:
        """The notification of entries that timed out: their keys, cookie,
        metadata and idle timeout. ``timestamp`` is the server's wall clock
        (the spec's "nanoseconds since Epoch"), not the event's control
        clock."""
        out = p4runtime_pb2.IdleTimeoutNotification(
            timestamp=time.time_ns() if now_ns is None else now_ns)
        if not ev.entries:
            return out
        body = b"".join(cp.encode_update(cp.Update(cp.Op.INSERT, e))[2:] for e in ev.entries)
        entities, _ = self.reader.entries.convert(body, 0, len(ev.entries))
        for raw in entities:
            out.table_entry.append(p4runtime_pb2.Entity.FromString(raw).table_entry)
        return out


def _digest_data(out: p4data_pb2.P4Data, data: bytes, t: TypeInfo) -> None:
    if t.members:
        pos = 0
        for _name, width, signed in t.members:
            n = (width + 7) // 8
            v = data[pos:pos + n]
            pos += n
            out.struct.members.add().bitstring = from_unsigned(v, width) if signed \
                else canonical(v)
    elif t.supported and t.signed:
        out.bitstring = from_unsigned(data, t.width)
    else:
        out.bitstring = canonical(data)
