"""A client of the OvS.p4 control protocol over any transport.

The transport is a callable that takes one request's bytes and returns
its reply's bytes: the simulator passes the pipeline's ``control()``
through ctypes, the control socket a send/receive pair. Events (packet-in,
digest lists, idle timeouts, log messages) come from an optional event
source, a callable returning the raw event messages queued so far (the
pipeline's ``poll_events()``, or what the socket received unsolicited).

Ids are P4Info ids; values are ``bytes`` or ``int`` (see
:func:`ovsp4.control.protocol.value_bytes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ovsp4.control import protocol as p

Transport = Callable[[bytes], bytes]
EventSource = Callable[[int], list[bytes]]
ReplicaSpec = Iterable["p.Replica | tuple[int, int] | int"]


class ControlError(Exception):
    """A request the datapath refused: ``status`` says why. For a WRITE,
    ``statuses`` holds every update's status."""

    def __init__(self, status: int, what: str, statuses: list[p.Status] | None = None) -> None:
        self.status = p.Status(status) if status in p.Status._value2member_map_ else status
        self.statuses = statuses or []
        name = self.status.name if isinstance(self.status, p.Status) else str(status)
        super().__init__(f"{what}: {name}")


def _replicas(replicas: ReplicaSpec) -> list[p.Replica]:
    out = []
    for r in replicas:
        if isinstance(r, p.Replica):
            out.append(r)
        elif isinstance(r, int):
            out.append(p.Replica(r, 0))
        else:
            out.append(p.Replica(int(r[0]), int(r[1])))
    return out


class ControlClient:
    def __init__(self, transport: Transport, events: EventSource | None = None) -> None:
        self._transport = transport
        self._events = events
        self._xid = 0

    # --- Requests ----------------------------------------------------------

    def request(self, msg: p.Request, *, check: bool = True) -> tuple[p.Header, p.Reply]:
        """Sends one request; returns the reply's header and body. With
        ``check``, a non-zero status raises :class:`ControlError`."""
        self._xid = (self._xid + 1) & 0xFFFFFFFF or 1
        data = p.encode(msg, self._xid)
        header, reply = p.decode(self._transport(data))
        if header.xid != self._xid or header.base_type not in (p.message_type(msg), 0):
            raise p.ProtocolError(
                f"reply {header.type:#x}/xid {header.xid} to request "
                f"{p.message_type(msg):#x}/xid {self._xid}")
        if check and header.status:
            statuses = reply.statuses if isinstance(reply, p.WriteReply) else None
            raise ControlError(header.status, type(msg).__name__, statuses)
        return header, reply  # type: ignore[return-value]

    def get_info(self) -> p.GetInfoReply:
        _, reply = self.request(p.GetInfoRequest())
        assert isinstance(reply, p.GetInfoReply)
        return reply

    def write(self, updates: Iterable[p.Update], *, check: bool = True) -> list[p.Status]:
        """Applies updates in batches; returns every update's status. With
        ``check``, any failure raises :class:`ControlError` (after the whole
        batch was applied, each update on its own)."""
        updates = list(updates)
        statuses: list[p.Status] = []
        for i in range(0, len(updates), 4096):
            header, reply = self.request(p.WriteRequest(updates[i:i + 4096]), check=False)
            if isinstance(reply, p.WriteReply):
                statuses += reply.statuses
            elif header.status:
                raise ControlError(header.status, "WriteRequest")
        if check and any(statuses):
            first = next(s for s in statuses if s)
            raise ControlError(first, "WriteRequest", statuses)
        return statuses

    def _write1(self, op: p.Op, body: p.EntityBody, entity: p.Entity | None = None) -> None:
        self.write([p.Update(op, body, entity)])

    def read(self, entity: p.Entity, obj_id: int = 0, index: int = p.INDEX_ALL,
             key: p.TableEntry | None = None, page: int = 0) -> Iterator[p.EntityBody]:
        """Every item of a READ, paging as needed (``page``: items per
        request, 0 as many as fit)."""
        cursor = (0, 0)
        while True:
            _, reply = self.request(p.ReadRequest(entity, obj_id, index, key, cursor, page))
            assert isinstance(reply, p.ReadReply)
            yield from reply.items
            if not reply.more:
                return
            cursor = reply.cursor

    # --- Tables ------------------------------------------------------------

    def insert_entries(self, entries: Iterable[p.TableEntry], *, check: bool = True
                       ) -> list[p.Status]:
        return self.write((p.Update(p.Op.INSERT, e) for e in entries), check=check)

    def modify_entries(self, entries: Iterable[p.TableEntry], *, check: bool = True
                       ) -> list[p.Status]:
        return self.write((p.Update(p.Op.MODIFY, e) for e in entries), check=check)

    def delete_entries(self, entries: Iterable[p.TableEntry], *, check: bool = True
                       ) -> list[p.Status]:
        return self.write((p.Update(p.Op.DELETE, e) for e in entries), check=check)

    def clear_table(self, table_id: int = 0) -> None:
        """Deletes every entry of a table (0: of every non-const table)."""
        self._write1(p.Op.CLEAR, p.TableEntry(table_id))

    def read_entries(self, table_id: int = 0, *, page: int = 0) -> list[p.TableEntry]:
        return list(self.read(p.Entity.TABLE_ENTRY, table_id, page=page))  # type: ignore

    def read_entry(self, key: p.TableEntry) -> p.TableEntry | None:
        try:
            items = list(self.read(p.Entity.TABLE_ENTRY, key=key))
        except ControlError as e:
            if e.status == p.Status.NOT_FOUND:
                return None
            raise
        return items[0] if items else None  # type: ignore[return-value]

    def set_default(self, table_id: int, action: p.Action) -> None:
        self._write1(p.Op.MODIFY, p.TableEntry(table_id, action=action, is_default=True))

    def reset_default(self, table_id: int) -> None:
        self._write1(p.Op.DELETE, p.TableEntry(table_id, is_default=True))

    def read_default(self, table_id: int) -> p.TableEntry:
        items = list(self.read(p.Entity.TABLE_ENTRY,
                               key=p.TableEntry(table_id, is_default=True)))
        return items[0]  # type: ignore[return-value]

    # --- Counters, meters, registers ---------------------------------------

    def write_counter(self, counter_id: int, index: int = p.INDEX_ALL, packets: int = 0,
                      n_bytes: int = 0) -> None:
        self._write1(p.Op.MODIFY,
                     p.CounterEntry(counter_id, index, p.CounterData(packets, n_bytes)))

    def read_counter(self, counter_id: int = 0, index: int = p.INDEX_ALL
                     ) -> list[p.CounterEntry]:
        return list(self.read(p.Entity.COUNTER, counter_id, index))  # type: ignore

    def write_direct_counter(self, key: p.TableEntry, packets: int, n_bytes: int) -> None:
        entry = p.TableEntry(key.table_id, key.matches, key.priority,
                             counter=p.CounterData(packets, n_bytes))
        self._write1(p.Op.MODIFY, entry, p.Entity.DIRECT_COUNTER)

    def read_direct_counters(self, table_id: int = 0) -> list[p.TableEntry]:
        return list(self.read(p.Entity.DIRECT_COUNTER, table_id))  # type: ignore

    def set_meter(self, meter_id: int, index: int, config: p.MeterConfig | None) -> None:
        """Configures a meter cell (INDEX_ALL: every cell); None resets it."""
        self._write1(p.Op.MODIFY, p.MeterEntry(meter_id, index, config))

    def read_meter(self, meter_id: int = 0, index: int = p.INDEX_ALL) -> list[p.MeterEntry]:
        return list(self.read(p.Entity.METER, meter_id, index))  # type: ignore

    def set_direct_meter(self, key: p.TableEntry, config: p.MeterConfig | None) -> None:
        entry = p.TableEntry(key.table_id, key.matches, key.priority, meter=config)
        self._write1(p.Op.MODIFY, entry, p.Entity.DIRECT_METER)

    def read_direct_meters(self, table_id: int = 0) -> list[p.TableEntry]:
        return list(self.read(p.Entity.DIRECT_METER, table_id))  # type: ignore

    def write_register(self, register_id: int, index: int, value: int | bytes) -> None:
        self._write1(p.Op.MODIFY, p.RegisterEntry(register_id, index, p.value_bytes(value)))

    def read_register(self, register_id: int = 0, index: int = p.INDEX_ALL
                      ) -> list[p.RegisterEntry]:
        return list(self.read(p.Entity.REGISTER, register_id, index))  # type: ignore

    # --- Packet replication engine -----------------------------------------

    def _set(self, body: p.EntityBody) -> None:
        """MODIFY, or INSERT when it does not exist yet."""
        status = self.write([p.Update(p.Op.MODIFY, body)], check=False)[0]
        if status == p.Status.NOT_FOUND:
            self._write1(p.Op.INSERT, body)
        elif status:
            raise ControlError(status, type(body).__name__)

    def set_mcast_group(self, group: int, replicas: ReplicaSpec) -> None:
        """Creates or replaces a multicast group: (port, rid) replicas."""
        self._set(p.McastGroup(group, _replicas(replicas)))

    def delete_mcast_group(self, group: int) -> None:
        self._write1(p.Op.DELETE, p.McastGroup(group))

    def get_mcast_groups(self, group: int = 0) -> list[p.McastGroup]:
        return list(self.read(p.Entity.MCAST_GROUP, group))  # type: ignore

    def set_clone_session(self, session: int, replicas: ReplicaSpec, *,
                          class_of_service: int = 0, truncate_len: int = 0) -> None:
        self._set(p.CloneSession(session, _replicas(replicas), class_of_service, truncate_len))

    def delete_clone_session(self, session: int) -> None:
        self._write1(p.Op.DELETE, p.CloneSession(session))

    def get_clone_sessions(self, session: int = 0) -> list[p.CloneSession]:
        return list(self.read(p.Entity.CLONE_SESSION, session))  # type: ignore

    # --- Value sets, action profiles, digests -------------------------------

    def write_value_set(self, value_set_id: int, members: list[list[p.FieldMatch]]) -> None:
        self._write1(p.Op.MODIFY, p.ValueSetEntry(value_set_id, members))

    def read_value_set(self, value_set_id: int = 0) -> list[p.ValueSetEntry]:
        return list(self.read(p.Entity.VALUE_SET, value_set_id))  # type: ignore

    def insert_member(self, profile_id: int, member_id: int, action: p.Action) -> None:
        self._write1(p.Op.INSERT, p.ApMember(profile_id, member_id, action))

    def modify_member(self, profile_id: int, member_id: int, action: p.Action) -> None:
        self._write1(p.Op.MODIFY, p.ApMember(profile_id, member_id, action))

    def delete_member(self, profile_id: int, member_id: int) -> None:
        self._write1(p.Op.DELETE, p.ApMember(profile_id, member_id))

    def read_members(self, profile_id: int = 0, member_id: int = p.INDEX_ALL
                     ) -> list[p.ApMember]:
        return list(self.read(p.Entity.AP_MEMBER, profile_id, member_id))  # type: ignore

    def insert_group(self, profile_id: int, group_id: int, members: Iterable[int | tuple[int, int]],
                     max_size: int = 0) -> None:
        self._write1(p.Op.INSERT, p.ApGroup(profile_id, group_id, _weighted(members), max_size))

    def modify_group(self, profile_id: int, group_id: int,
                     members: Iterable[int | tuple[int, int]]) -> None:
        self._write1(p.Op.MODIFY, p.ApGroup(profile_id, group_id, _weighted(members)))

    def delete_group(self, profile_id: int, group_id: int) -> None:
        self._write1(p.Op.DELETE, p.ApGroup(profile_id, group_id))

    def read_groups(self, profile_id: int = 0, group_id: int = p.INDEX_ALL) -> list[p.ApGroup]:
        return list(self.read(p.Entity.AP_GROUP, profile_id, group_id))  # type: ignore

    def set_digest_config(self, digest_id: int, *, max_timeout_ns: int = 0,
                          max_list_size: int = 1, ack_timeout_ns: int = 0) -> None:
        self._set(p.DigestConfig(digest_id, max_timeout_ns, max_list_size, ack_timeout_ns))

    def delete_digest_config(self, digest_id: int) -> None:
        self._write1(p.Op.DELETE, p.DigestConfig(digest_id))

    def read_digest_configs(self, digest_id: int = 0) -> list[p.DigestConfig]:
        return list(self.read(p.Entity.DIGEST_CONFIG, digest_id))  # type: ignore

    def ack_digest(self, digest_id: int, list_id: int) -> None:
        self.request(p.DigestAckRequest(digest_id, list_id))

    # --- Packets, configuration, statistics, events ------------------------

    def packet_out(self, payload: bytes,
                   metadata: dict[int, int | bytes] | None = None) -> p.PacketOutReply:
        """Injects a packet from the CPU port; returns what the pipeline
        emitted (the host transmits it)."""
        meta = [(mid, p.value_bytes(v)) for mid, v in (metadata or {}).items()]
        _, reply = self.request(p.PacketOutRequest(bytes(payload), meta))
        assert isinstance(reply, p.PacketOutReply)
        return reply

    def set_config(self, items: dict[int, int]) -> None:
        self.request(p.SetConfigRequest(list(items.items())))

    def set_clock(self, mode: p.ClockMode, now_ns: int | None = None) -> None:
        items = {p.ConfigKey.CLOCK_MODE: int(mode)}
        if now_ns is not None:
            items[p.ConfigKey.CLOCK_NOW] = now_ns
        self.set_config(items)

    def set_idle_sweep(self, interval_ns: int) -> None:
        self.set_config({p.ConfigKey.IDLE_SWEEP_NS: interval_ns})

    def get_stats(self) -> dict[str, int]:
        _, reply = self.request(p.GetStatsRequest())
        assert isinstance(reply, p.GetStatsReply)
        return {(p.StatKey(k).name.lower() if k in p.StatKey._value2member_map_ else str(k)): v
                for k, v in reply.stats.items()}

    def poll_events(self, max_events: int = 1024) -> list[p.Event]:
        """Decoded events from the event source (none without one)."""
        if self._events is None:
            return []
        out = []
        for raw in self._events(max_events):
            _, msg = p.decode(raw)
            out.append(msg)  # type: ignore[arg-type]
        return out


def _weighted(members: Iterable[int | tuple[int, int]]) -> list[tuple[int, int]]:
    return [(m, 1) if isinstance(m, int) else (int(m[0]), int(m[1])) for m in members]
