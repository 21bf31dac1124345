"""The control protocol over a control socket, for asyncio programs.

ovs-p4rtd serves many clients of many bridges from one event loop: each
bridge gets one :class:`AsyncControlConnection`, on which requests are
pipelined (the datapath replies in request order) and events (packet-ins,
digest lists, idle timeouts, logs: ``xid`` 0) are handed to a callback as
they arrive.  Framing and semantics are those of
:mod:`ovsp4.control.socket`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import struct
from collections.abc import Callable
from pathlib import Path

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlError
from ovsp4.control.socket import MAX_MESSAGE, ControlSocketError

EventCallback = Callable[[bytes], None]

_LEN = struct.Struct("<I")
_XID = struct.Struct("<I")
_XID_OFFSET = 8


class AsyncControlConnection:
    """One connection to a bridge's control socket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 path: str, on_event: EventCallback | None) -> None:
        self._reader = reader
        self._writer = writer
        self._path = path
        self._on_event = on_event
        self._pending: collections.deque[tuple[int, asyncio.Future[bytes]]] = (
            collections.deque())
        self._xid = 0
        self._closed: ControlSocketError | None = None
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def connect(cls, path: str | Path, on_event: EventCallback | None = None,
                      timeout: float = 10.0) -> AsyncControlConnection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(os.fspath(path), limit=MAX_MESSAGE), timeout)
        except (OSError, TimeoutError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or "timed out"
            raise ControlSocketError(f"{path}: cannot connect to the control socket ({reason})",
                                     getattr(exc, "errno", None)) from None
        return cls(reader, writer, os.fspath(path), on_event)

    @property
    def closed(self) -> bool:
        return self._closed is not None

    def next_xid(self) -> int:
        self._xid = (self._xid + 1) & 0xFFFFFFFF or 1
        return self._xid

    # --- Requests ----------------------------------------------------------

    def send_raw(self, data: bytes) -> asyncio.Future[bytes]:
        """Sends one encoded request (its xid chosen with :meth:`next_xid`)
        without waiting: the future of its reply's bytes.  Requests sent
        back to back are pipelined: the datapath works on one while the
        caller prepares the next, and replies come in order."""
        if self._closed is not None:
            raise self._closed
        xid = _XID.unpack_from(data, _XID_OFFSET)[0]
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending.append((xid, fut))
        self._writer.write(data)
        return fut

    async def request_raw(self, data: bytes) -> bytes:
        """Sends one encoded request and returns the reply's bytes."""
        fut = self.send_raw(data)
        await self._writer.drain()
        return await fut

    async def request(self, msg: p.Request, *, check: bool = True
                      ) -> tuple[p.Header, p.Reply]:
        """Sends one request; the reply's header and body.  With ``check``,
        a non-zero status raises :class:`ControlError`."""
        reply = await self.request_raw(p.encode(msg, self.next_xid()))
        header, body = p.decode(reply)
        if check and header.status:
            statuses = body.statuses if isinstance(body, p.WriteReply) else None
            raise ControlError(header.status, type(msg).__name__, statuses)
        return header, body  # type: ignore[return-value]

    # --- Receiving ---------------------------------------------------------

    async def _read_loop(self) -> None:
        error = ControlSocketError(f"{self._path}: the datapath closed the control connection")
        try:
            while True:
                head = await self._reader.readexactly(_LEN.size)
                (n,) = _LEN.unpack(head)
                if n < p.HEADER_LEN or n > MAX_MESSAGE:
                    error = ControlSocketError(f"{self._path}: bad message length {n}")
                    break
                msg = head + await self._reader.readexactly(n - _LEN.size)
                xid = _XID.unpack_from(msg, _XID_OFFSET)[0]
                if xid == 0:
                    if self._on_event is not None:
                        self._on_event(msg)
                    continue
                if not self._pending or self._pending[0][0] != xid:
                    error = ControlSocketError(f"{self._path}: reply with unexpected xid {xid}")
                    break
                _, fut = self._pending.popleft()
                if not fut.done():
                    fut.set_result(msg)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            error = ControlSocketError(f"{self._path}: connection closed")
        self._fail(error)

    def _fail(self, error: ControlSocketError) -> None:
        self._closed = error
        while self._pending:
            _, fut = self._pending.popleft()
            if not fut.done():
                fut.set_exception(error)
        self._writer.close()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()
