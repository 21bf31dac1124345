"""Client arbitration (P4Runtime spec, "Client Arbitration and Controller
Replication"), as pure bookkeeping: no gRPC, no I/O.

Per (device, role) the clients that opened a StreamChannel are known by
their election id (a 128-bit number; ``None`` for a client that sent none,
which can only ever be a backup).  The primary is the client with the
highest election id, provided it is at least the highest election id the
server has seen for that (device, role) while a primary existed: the
election id of successive primaries never goes down, so a stale controller
coming back cannot take over.  Writes (and pipeline changes) are accepted
only from the primary, identified by the election id it carries.

Every change of primary produces :class:`Notice` items: the arbitration
update each client of the (device, role) must be sent -- status OK for the
primary, ALREADY_EXISTS for backups while a primary exists, NOT_FOUND when
there is none -- with the primary's election id (or the highest seen).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import grpc

from ovsp4.p4runtime.errors import P4RuntimeError

ElectionId = int  # (high << 64) | low


def election_id(high: int, low: int) -> ElectionId:
    return (high << 64) | low


def split_election_id(eid: ElectionId) -> tuple[int, int]:
    return eid >> 64, eid & 0xFFFFFFFFFFFFFFFF


@dataclass
class Client:
    """One StreamChannel's arbitration state.  ``stream`` is the caller's
    handle for sending to it (opaque here)."""

    stream: Hashable
    device_id: int
    role: str
    election_id: ElectionId | None


@dataclass(frozen=True)
class Notice:
    """An arbitration update to send: to ``client``, saying whether it is
    the primary (``status`` OK), a backup with a primary elsewhere
    (ALREADY_EXISTS) or a client of a (device, role) without primary
    (NOT_FOUND); ``election_id`` is the primary's, or the highest seen."""

    client: Client
    status: grpc.StatusCode
    election_id: ElectionId | None


@dataclass
class _Group:
    clients: dict[Hashable, Client] = field(default_factory=dict)
    primary: Client | None = None
    highest: ElectionId | None = None  # the highest primary election id seen


class Arbiter:
    """Arbitration for every device and role of one server."""

    def __init__(self) -> None:
        self._groups: dict[tuple[int, str], _Group] = {}
        self._by_stream: dict[Hashable, Client] = {}

    # --- Streams -----------------------------------------------------------

    def update(self, stream: Hashable, device_id: int, role: str,
               eid: ElectionId | None) -> list[Notice]:
        """A MasterArbitrationUpdate received on ``stream``.  Returns the
        notices to send (always at least the reply to this client).
        Raises P4RuntimeError for a request the spec refuses: the stream
        must then be closed with that status."""
        old = self._by_stream.get(stream)
        if old is not None and (old.device_id, old.role) != (device_id, role):
            raise P4RuntimeError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"this stream is bound to device {old.device_id} role '{old.role}': "
                "open another stream for another device or role")
        group = self._groups.setdefault((device_id, role), _Group())
        if eid is not None:
            for other in group.clients.values():
                if other.stream != stream and other.election_id == eid:
                    raise P4RuntimeError(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        f"election id {_fmt(eid)} is already used by another client of "
                        f"device {device_id} role '{role}'")
        client = old or Client(stream, device_id, role, eid)
        client.election_id = eid
        group.clients[stream] = client
        self._by_stream[stream] = client
        return self._elect(group, always=client)

    def remove(self, stream: Hashable) -> list[Notice]:
        """The stream closed: notices for the clients left, if the primary
        went away."""
        client = self._by_stream.pop(stream, None)
        if client is None:
            return []
        group = self._groups[(client.device_id, client.role)]
        del group.clients[stream]
        if group.primary is not client:
            return []
        # The other clients learn that there is no primary now; one of them
        # becomes primary only by sending an election id at least the
        # highest seen ('highest' is kept, so a stale controller cannot
        # take over later).
        group.primary = None
        return [self._notice(group, c) for c in group.clients.values()]

    def remove_device(self, device_id: int) -> list[Client]:
        """The device went away: every client bound to it (their streams
        must be closed)."""
        gone: list[Client] = []
        for key in [k for k in self._groups if k[0] == device_id]:
            group = self._groups.pop(key)
            gone += group.clients.values()
        for c in gone:
            self._by_stream.pop(c.stream, None)
        return gone

    def _elect(self, group: _Group, *, always: Client) -> list[Notice]:
        before = group.primary
        best = max((c for c in group.clients.values() if c.election_id is not None),
                   key=lambda c: c.election_id or 0, default=None)
        if best is not None and best.election_id is not None and (
                group.highest is None or best.election_id >= group.highest):
            group.primary = best
            group.highest = best.election_id
        elif before is not None and before.election_id != group.highest:
            # The primary lowered its own election id: it is demoted.
            group.primary = None
        changed = group.primary is not before
        targets = list(group.clients.values()) if changed else [always]
        return [self._notice(group, c) for c in targets]

    def _notice(self, group: _Group, client: Client) -> Notice:
        if group.primary is None:
            return Notice(client, grpc.StatusCode.NOT_FOUND, group.highest)
        status = (grpc.StatusCode.OK if group.primary is client
                  else grpc.StatusCode.ALREADY_EXISTS)
        return Notice(client, status, group.primary.election_id)

    # --- Queries -----------------------------------------------------------

    def client(self, stream: Hashable) -> Client | None:
        return self._by_stream.get(stream)

    def primary(self, device_id: int, role: str = "") -> Client | None:
        group = self._groups.get((device_id, role))
        return group.primary if group else None

    def primaries(self, device_id: int) -> list[Client]:
        """The primary of every role of a device (packet-ins, digests and
        idle timeouts go to them)."""
        return [g.primary for (dev, _), g in self._groups.items()
                if dev == device_id and g.primary is not None]

    def check_primary(self, device_id: int, role: str, eid: ElectionId, what: str) -> None:
        """Raises PERMISSION_DENIED unless ``eid`` is the election id of the
        primary client of (device, role)."""
        primary = self.primary(device_id, role)
        if primary is None:
            raise P4RuntimeError(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{what}: device {device_id} role '{role}' has no primary client "
                "(open a StreamChannel and send a MasterArbitrationUpdate first)")
        if primary.election_id != eid:
            raise P4RuntimeError(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{what}: election id {_fmt(eid)} is not the primary's "
                f"({_fmt(primary.election_id)}) for device {device_id} role '{role}'")


def _fmt(eid: ElectionId | None) -> str:
    if eid is None:
        return "none"
    high, low = split_election_id(eid)
    return f"{high}:{low}" if high else str(low)
