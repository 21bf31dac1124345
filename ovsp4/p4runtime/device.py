"""One P4 bridge as a P4Runtime device: its datapath connection, the
pipeline it runs, and the translation of P4Runtime requests into control
protocol requests.

The datapath is the only store of forwarding state (DESIGN.md): the device
keeps no copy of tables, groups or counters, so a restarted ovs-p4rtd
serves exactly what the datapath holds.  What it keeps is derived: the
:class:`~ovsp4.p4runtime.translate.Translator` of the running pipeline,
rebuilt from the P4Info the datapath reports (GET_INFO) whenever OVSDB says
the bridge's program changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import grpc

from ovsp4.control import protocol as p
from ovsp4.control.aio import AsyncControlConnection
from ovsp4.control.socket import ControlSocketError, socket_path
from ovsp4.p4runtime.errors import P4RuntimeError, from_control_status
from ovsp4.p4runtime.ovsdb_follower import DeviceRecord
from ovsp4.p4runtime.plan import WritePlan
from ovsp4.p4runtime.translate import Translator
from ovsp4.proto import p4info_pb2, p4runtime_pb2

log = logging.getLogger("ovs-p4rtd.device")

_RECONNECT_S = 1.0
# Updates translated per slice of a Write (see Device.write): small enough
# for the datapath to overlap the translation, large enough that a slice's
# request overhead does not count.
WRITE_SLICE = 256

Deliver = Callable[[int, p4runtime_pb2.StreamMessageResponse], None]


def no_pipeline(device_id: int, why: str = "") -> P4RuntimeError:
    # finsy recognises "no ... forwarding pipeline config" as "push one".
    return P4RuntimeError(
        grpc.StatusCode.FAILED_PRECONDITION,
        f"device {device_id}: no forwarding pipeline config is set" + (f" ({why})" if why else ""))


class Device:
    def __init__(self, record: DeviceRecord, rundir: Path, deliver: Deliver) -> None:
        self.record = record
        self.rundir = rundir
        self._deliver = deliver
        self._conn: AsyncControlConnection | None = None
        self._connecting: asyncio.Lock = asyncio.Lock()
        self._translator: Translator | None = None
        self._p4info_bytes: bytes | None = None
        self._stale = True
        self._keeper: asyncio.Task[None] | None = None
        self.closed = False
        # Serialises pipeline commits, and writes, on this device.
        self.config_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        # VERIFY_AND_SAVE's config, for COMMIT (pipelines.SavedConfig);
        # gone with the device.
        self.saved_config: object | None = None

    @property
    def device_id(self) -> int:
        return self.record.device_id

    @property
    def bridge(self) -> str:
        return self.record.bridge

    # --- Life --------------------------------------------------------------

    def start(self) -> None:
        """Keeps a connection open while the bridge has a pipeline, so that
        packet-ins, digests and idle timeouts flow without a request."""
        self._keeper = asyncio.get_running_loop().create_task(self._keep_connected())

    def update(self, record: DeviceRecord) -> None:
        """OVSDB changed: a new program or pipeline makes the translator
        stale (it is rebuilt from the datapath on next use)."""
        old = self.record
        self.record = record
        if (old.pipeline, _program_key(old), old.cpu_port, old.bridge) != (
                record.pipeline, _program_key(record), record.cpu_port, record.bridge):
            self._stale = True

    async def close(self) -> None:
        self.closed = True
        if self._keeper:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        if self._conn:
            await self._conn.close()
            self._conn = None

    async def _keep_connected(self) -> None:
        while not self.closed:
            if self.record.pipeline and (self._conn is None or self._conn.closed):
                with contextlib.suppress(P4RuntimeError):
                    await self.translator()
            await asyncio.sleep(_RECONNECT_S)

    # --- Datapath ----------------------------------------------------------

    async def _connection(self) -> AsyncControlConnection:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        async with self._connecting:
            if self._conn is not None and not self._conn.closed:
                return self._conn
            path = socket_path(self.rundir, self.bridge)
            try:
                self._conn = await AsyncControlConnection.connect(path, self._on_event)
            except ControlSocketError as exc:
                raise no_pipeline(self.device_id, str(exc)) from None
            self._stale = True
            return self._conn

    async def request(self, msg: p.Request) -> tuple[p.Header, p.Reply]:
        """One control request (status not checked); a lost connection is
        FAILED_PRECONDITION (the bridge has no pipeline, or ovs-vswitchd
        went away)."""
        conn = await self._connection()
        try:
            return await conn.request(msg, check=False)
        except ControlSocketError as exc:
            raise no_pipeline(self.device_id, str(exc)) from None

    async def translator(self, *, fresh: bool = False) -> Translator:
        """The translator of the pipeline the datapath runs now.  ``fresh``:
        the pipeline was just replaced by a new instance (its forwarding
        state is empty), even if its P4Info is the old one."""
        if self._translator is not None and not self._stale and not fresh \
                and self._conn is not None and not self._conn.closed:
            return self._translator
        if not self.record.pipeline:
            raise no_pipeline(self.device_id)
        header, info = await self.request(p.GetInfoRequest())
        if header.status or not isinstance(info, p.GetInfoReply):
            raise no_pipeline(self.device_id, "the datapath did not describe its pipeline")
        if info.p4info != self._p4info_bytes or self._translator is None:
            p4info = p4info_pb2.P4Info()
            p4info.ParseFromString(info.p4info)
            tr = Translator(p4info, cpu_port=info.cpu_port)
            await self._recover(tr)
            self._translator = tr
            self._p4info_bytes = info.p4info
        elif fresh:
            self._translator.reset()
        self._stale = False
        return self._translator

    async def _recover(self, tr: Translator) -> None:
        """Attaches a new translator to a pipeline that may already hold
        state (a restarted ovs-p4rtd): what the translator derives from the
        datapath (one-shot groups) is read back."""
        results: list[list[p.EntityBody]] = []
        for req in tr.recovery_requests():
            items: list[p.EntityBody] = []
            cursor = (0, 0)
            while True:
                header, reply = await self.request(p.ReadRequest(
                    req.entity, req.id, req.index, req.key, cursor, req.max_items))
                if header.status or not isinstance(reply, p.ReadReply):
                    break
                items += reply.items
                if not reply.more:
                    break
                cursor = reply.cursor
            results.append(items)
        cleanup = tr.recover(results)
        if cleanup:
            conn = await self._connection()
            for i in range(0, len(cleanup), p.MAX_UPDATES):
                await conn.request_raw(p.encode_write_raw(cleanup[i:i + p.MAX_UPDATES],
                                                          conn.next_xid()))

    def invalidate(self) -> None:
        self._stale = True

    # --- Write -------------------------------------------------------------

    async def write(self, updates: Sequence[bytes]) -> list[P4RuntimeError | None]:
        """Applies a Write's updates (serialized ``p4.v1.Update``s) in order,
        each on its own (CONTINUE_ON_ERROR); every update's error, None
        where it succeeded.  Writes to one device are serialised: the
        translator's state follows the datapath's in order.

        A large batch is translated in slices, each sent as soon as it is
        translated, so that the datapath applies one slice while the next
        is translated.  A slice ends early after an update whose outcome
        changes the translator state, and is then finished (its statuses
        awaited, the state committed or undone) before more is translated;
        the others leave no state behind, so their outcome cannot change
        how later updates translate."""
        async with self._write_lock:
            tr = await self.translator()
            conn = await self._connection()
            errors: list[P4RuntimeError | None] = []
            in_flight: list[tuple[WritePlan, list[tuple[bytes, asyncio.Future[bytes]]]]] = []
            try:
                done = 0
                while done < len(updates):
                    plan = tr.encode_updates(updates[done:done + WRITE_SLICE])
                    done += plan.n
                    in_flight.append((plan, [(req, conn.send_raw(req))
                                             for req in plan.requests(conn.next_xid)]))
                    if plan.stateful:
                        await self._finish(conn, in_flight, errors)
                await self._finish(conn, in_flight, errors)
            except ControlSocketError as exc:
                for plan, replies in in_flight:
                    plan.abort()
                    for _, fut in replies:      # all failed with the connection
                        if fut.done():
                            fut.exception()
                raise no_pipeline(self.device_id, str(exc)) from None
            return errors

    async def _finish(self, conn: AsyncControlConnection,
                      in_flight: list[tuple[WritePlan,
                                            list[tuple[bytes, asyncio.Future[bytes]]]]],
                      errors: list[P4RuntimeError | None]) -> None:
        """Awaits the replies of the plans sent, in order, and finishes
        them: their errors appended to ``errors``, their undo updates (a
        failed update's partial work) applied before anything else is
        sent."""
        while in_flight:
            plan, replies = in_flight[0]
            statuses = bytearray()
            for req, fut in replies:
                _, st = p.write_reply_statuses(await fut)
                if st is None:
                    # Refused whole: a translation bug, never the client's.
                    n = int.from_bytes(req[p.HEADER_LEN:p.HEADER_LEN + 4], "little")
                    st = bytes([p.Status.TOOBIG]) * n
                statuses += st
            del in_flight[0]
            undo = plan.finish(bytes(statuses))
            for i in range(0, len(undo), p.MAX_UPDATES):
                await conn.request_raw(p.encode_write_raw(undo[i:i + p.MAX_UPDATES],
                                                          conn.next_xid()))
            errors += plan.errors

    # --- Read --------------------------------------------------------------

    async def read(self, entity: p4runtime_pb2.Entity) -> AsyncIterator[list[bytes]]:
        """The entities matching ``entity`` (wildcards as the spec says), as
        serialized ``p4.v1.Entity`` messages, in pages."""
        tr = await self.translator()
        conn = await self._connection()
        for query in tr.read_queries(entity):
            cursor: tuple[int, int] | None = (0, 0)
            while cursor is not None:
                req = tr.reader.request_bytes(query, cursor, conn.next_xid())
                try:
                    reply = await conn.request_raw(req)
                except ControlSocketError as exc:
                    raise no_pipeline(self.device_id, str(exc)) from None
                out, cursor = tr.reader.reply(query, reply)
                if out:
                    yield out

    # --- Packets and digests -----------------------------------------------

    async def packet_out(self, msg: p4runtime_pb2.PacketOut) -> None:
        tr = await self.translator()
        header, _ = await self.request(tr.packet_out(msg))
        if header.status:
            raise from_control_status(header.status, "packet-out")

    async def digest_ack(self, ack: p4runtime_pb2.DigestListAck) -> None:
        tr = await self.translator()
        header, _ = await self.request(tr.digest_ack(ack))
        if header.status:
            raise from_control_status(header.status, "digest list ack")

    def _on_event(self, raw: bytes) -> None:
        try:
            _, event = p.decode(raw)
        except p.ProtocolError as exc:
            log.warning("%s: bad event from the datapath: %s", self.bridge, exc)
            return
        if isinstance(event, p.LogMessage):
            level = {p.LogLevel.ERROR: logging.ERROR, p.LogLevel.WARN: logging.WARNING,
                     p.LogLevel.INFO: logging.INFO}.get(event.level, logging.DEBUG)
            log.log(level, "%s: %s", self.bridge, event.message)
            return
        tr = self._translator
        if tr is None:
            return
        msg = p4runtime_pb2.StreamMessageResponse()
        try:
            if isinstance(event, p.PacketIn):
                msg.packet.CopyFrom(tr.packet_in(event))
            elif isinstance(event, p.DigestList):
                msg.digest.CopyFrom(tr.digest_list(event))
            elif isinstance(event, p.IdleTimeout):
                msg.idle_timeout_notification.CopyFrom(tr.idle_timeout(event))
            else:
                return
        except (P4RuntimeError, ValueError, KeyError) as exc:
            log.warning("%s: cannot translate a datapath event: %s", self.bridge, exc)
            return
        self._deliver(self.device_id, msg)


def _program_key(record: DeviceRecord) -> tuple[object, ...]:
    prog = record.program
    return (prog.uuid, prog.artifact_sha256) if prog else ()

