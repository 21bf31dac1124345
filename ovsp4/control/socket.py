"""The control protocol over a P4 bridge's control socket.

ovs-vswitchd serves each P4 bridge's control protocol on the Unix stream
socket ``<rundir>/<bridge>.p4ctl`` (Documentation/ovs-integration.md): each
message is framed by its own little-endian ``u32`` length (the protocol's
envelope starts with it), replies come in request order, and events
(packet-ins, digests, idle timeouts, logs: ``xid`` 0) arrive in between at
any time.  :class:`SocketTransport` is a transport for
:class:`~ovsp4.control.client.ControlClient`: calling it sends one request
and returns its reply; the events read meanwhile are queued for
:meth:`SocketTransport.events`, the client's event source.

    with SocketTransport.connect(rundir / "br0.p4ctl") as t:
        client = ControlClient(t, t.events)
        client.get_info()
"""

from __future__ import annotations

import collections
import os
import select
import socket
import struct
from pathlib import Path
from types import TracebackType

from ovsp4.control import protocol as p

_LEN = struct.Struct("<I")
_XID_OFFSET = 8
MAX_MESSAGE = 64 << 20


class ControlSocketError(OSError):
    """The control socket could not be reached or closed under us (the
    message is one line; ``errno`` is the system's, if any)."""

    def __init__(self, message: str, err: int | None = None) -> None:
        super().__init__(message)
        self.errno = err


def socket_path(rundir: str | Path, bridge: str) -> Path:
    return Path(rundir) / f"{bridge}.p4ctl"


class SocketTransport:
    def __init__(self, sock: socket.socket, path: str = "") -> None:
        self._sock = sock
        self._path = path
        self._buf = bytearray()
        self._events: collections.deque[bytes] = collections.deque()

    @classmethod
    def connect(cls, path: str | Path, timeout: float = 30.0) -> SocketTransport:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(os.fspath(path))
        except OSError as exc:
            s.close()
            raise ControlSocketError(
                f"{path}: cannot connect to the control socket ({exc.strerror or exc})",
                exc.errno) from None
        return cls(s, os.fspath(path))

    # --- Transport ---------------------------------------------------------

    def __call__(self, request: bytes) -> bytes:
        """Sends one request; returns its reply (events read meanwhile are
        queued)."""
        try:
            self._sock.sendall(request)
            while True:
                msg = self._read_message()
                if _xid(msg) != 0:
                    return msg
                self._events.append(msg)
        except TimeoutError:
            raise ControlSocketError(f"{self._path}: no reply from the datapath") from None
        except (BrokenPipeError, ConnectionResetError):
            raise self._closed() from None
        except OSError as exc:
            if isinstance(exc, ControlSocketError):
                raise
            raise ControlSocketError(f"{self._path}: {exc.strerror or exc}", exc.errno) from None

    def events(self, max_events: int = 1024) -> list[bytes]:
        """Events received so far, without waiting (the event source of a
        ControlClient)."""
        while len(self._events) < max_events and self._readable():
            msg = self._read_message()
            if _xid(msg) == 0:
                self._events.append(msg)
        out = []
        while self._events and len(out) < max_events:
            out.append(self._events.popleft())
        return out

    def wait_events(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds for an event; True if one is
        queued."""
        if not self._events and (self._buf or self._readable(timeout)):
            msg = self._read_message()
            if _xid(msg) == 0:
                self._events.append(msg)
        return bool(self._events)

    # --- Framing -------------------------------------------------------------

    def _readable(self, timeout: float = 0.0) -> bool:
        if len(self._buf) >= _LEN.size:
            (n,) = _LEN.unpack_from(self._buf)
            if len(self._buf) >= n:
                return True
        r, _, _ = select.select([self._sock], [], [], timeout)
        return bool(r)

    def _read_message(self) -> bytes:
        self._fill(_LEN.size)
        (n,) = _LEN.unpack_from(self._buf)
        if n < p.HEADER_LEN or n > MAX_MESSAGE:
            raise ControlSocketError(f"{self._path}: bad message length {n}")
        self._fill(n)
        msg = bytes(self._buf[:n])
        del self._buf[:n]
        return msg

    def _fill(self, n: int) -> None:
        while len(self._buf) < n:
            chunk = self._sock.recv(max(n - len(self._buf), 65536))
            if not chunk:
                raise self._closed()
            self._buf += chunk

    def _closed(self) -> ControlSocketError:
        return ControlSocketError(f"{self._path}: the datapath closed the control connection "
                                  "(no pipeline loaded?)")

    # --- Lifetime --------------------------------------------------------------

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> SocketTransport:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _xid(msg: bytes) -> int:
    return struct.unpack_from("<I", msg, _XID_OFFSET)[0] if len(msg) >= 12 else 0
