"""The control protocol's Unix-socket transport (ovsp4/control/socket.py)
against a stand-in for ovs-vswitchd's control socket: length framing,
replies split across reads, events (xid 0) between replies."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlClient
from ovsp4.control.socket import ControlSocketError, SocketTransport, socket_path

INFO = p.GetInfoReply(1, 64, "basic", "v1model", "ovs-p4c", b"\x01\x02")


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    b = b""
    while len(b) < n:
        chunk = conn.recv(n - len(b))
        if not chunk:
            raise ConnectionError
        b += chunk
    return b


class FakeDatapath:
    """Answers GET_INFO; before each reply sends ``events_before`` packet-in
    events, and writes the reply in small pieces."""

    def __init__(self, path: Path, events_before: int = 1) -> None:
        self.path = path
        self.events_before = events_before
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(1)
        self.conn: socket.socket | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        self.conn = conn
        try:
            while True:
                (n,) = struct.unpack("<I", _recv_exact(conn, 4))
                req = struct.pack("<I", n) + _recv_exact(conn, n - 4)
                header = p.decode_header(req)
                for i in range(self.events_before):
                    conn.sendall(p.encode(p.PacketIn(i + 1, [], b"pkt%d" % i)))
                reply = p.encode(INFO, xid=header.xid)
                for k in range(0, len(reply), 7):
                    conn.sendall(reply[k:k + 7])
                    time.sleep(0.001)
        except (ConnectionError, OSError):
            pass

    def push_event(self, port: int) -> None:
        assert self.conn is not None
        self.conn.sendall(p.encode(p.PacketIn(port, [], b"late")))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def datapath(tmp_path: Path) -> Iterator[FakeDatapath]:
    dp = FakeDatapath(socket_path(tmp_path, "br0"))
    yield dp
    dp.close()


def test_replies_and_events_are_separated(datapath: FakeDatapath):
    with SocketTransport.connect(datapath.path, timeout=5) as t:
        client = ControlClient(t, t.events)
        for _ in range(3):
            assert client.get_info() == INFO
        events = client.poll_events()
        assert [e.payload for e in events] == [b"pkt0", b"pkt0", b"pkt0"]
        assert client.poll_events() == []
        datapath.push_event(9)
        assert t.wait_events(5.0)
        (late,) = client.poll_events()
        assert isinstance(late, p.PacketIn) and late.ingress_port == 9


def test_closed_connection_is_one_clear_error(datapath: FakeDatapath):
    with SocketTransport.connect(datapath.path, timeout=5) as t:
        client = ControlClient(t)
        client.get_info()
        datapath.close()
        with pytest.raises(ControlSocketError, match="closed the control connection"):
            client.get_info()


def test_connect_failure_names_the_socket(tmp_path: Path):
    path = socket_path(tmp_path, "nobridge")
    with pytest.raises(ControlSocketError, match=r"nobridge\.p4ctl: cannot connect"):
        SocketTransport.connect(path)
