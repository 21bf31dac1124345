"""A translated Write batch: the control-protocol updates to apply, and how
their statuses become the P4Runtime updates' errors.

Most P4Runtime updates become one control update. Some become several
(:class:`Multi`): a one-shot table entry is its hidden members, group and
entry; modifying an entry of a table with a direct meter also resets the
meter when the new entry has no meter config. The first ``n_status`` of a
Multi's updates decide its status; the rest clean up after it (deleting the
hidden objects a one-shot modify replaced) and their failures do not count.
When a Multi fails after some of its updates succeeded, their ``undo``
updates are sent (:meth:`WritePlan.finish`) so that a failed P4Runtime
update leaves nothing behind.

A plan is applied in order, in one or more WRITE requests (at most
``MAX_UPDATES`` updates each): the datapath applies the updates of a request
in order, each on its own, which is P4Runtime's CONTINUE_ON_ERROR.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.errors import P4RuntimeError

Transport = Callable[[bytes], bytes]


@dataclass(eq=False, slots=True)
class Multi:
    """One P4Runtime update as several control updates (or one with side
    effects on the translator state)."""

    data: bytes                 # the control updates, encoded and concatenated
    n: int                      # how many
    n_status: int               # the first n_status decide the status
    undo: dict[int, bytes] = field(default_factory=dict)   # update index -> its undo
    commit: Callable[[], None] | None = None    # on success
    abort: Callable[[], None] | None = None     # on failure
    what: str = ""


class WritePlan:
    """The control updates of a Write batch. ``errors[i]`` is update i's
    error: set by translation, then by :meth:`finish` from the datapath's
    statuses."""

    def __init__(self, n: int, describe: Callable[[int], str]) -> None:
        self.errors: list[P4RuntimeError | None] = [None] * n
        self.chunks: list[bytes] = []           # encoded control updates
        self.counts: list[int] = [0] * n        # control updates per P4Runtime update
        self.sizes: dict[int, int] = {}         # chunk index -> updates, when not 1
        self.multis: dict[int, Multi] = {}
        self._describe = describe
        self.finished = False
        self.n = n                              # updates translated
        # An update's outcome changes the translator state (a Multi with a
        # commit or abort): the plan must be finished before more updates
        # are translated.
        self.stateful = False

    # -- building -------------------------------------------------------------

    def add(self, i: int, chunk: bytes, n: int = 1) -> None:
        if n != 1:
            self.sizes[len(self.chunks)] = n
        self.chunks.append(chunk)
        self.counts[i] = n

    def add_multi(self, i: int, m: Multi) -> None:
        self.add(i, m.data, m.n)
        self.multis[i] = m
        if m.commit is not None or m.abort is not None:
            self.stateful = True

    def truncate(self, n: int) -> None:
        """Ends the plan after its first ``n`` updates (the rest were not
        translated)."""
        self.n = n
        del self.errors[n:]
        del self.counts[n:]

    def fail(self, i: int, err: P4RuntimeError) -> None:
        self.errors[i] = err

    # -- applying -------------------------------------------------------------

    def requests(self, xid: int | Callable[[], int] = 0, max_updates: int = cp.MAX_UPDATES
                 ) -> list[bytes]:
        """The WRITE requests to send, in order (none if nothing to do).
        ``xid``: theirs, or a function giving each its own."""
        next_xid = xid if callable(xid) else (lambda: xid)  # type: ignore[misc]
        c = self.chunks
        if not self.sizes:
            return [cp.encode_write_raw(c[i:i + max_updates], next_xid())
                    for i in range(0, len(c), max_updates)]
        out = []
        batch: list[bytes] = []
        n = 0
        for k, chunk in enumerate(c):
            size = self.sizes.get(k, 1)
            if n and n + size > max_updates:
                out.append(_write(batch, n, next_xid()))
                batch, n = [], 0
            batch.append(chunk)
            n += size
        if batch:
            out.append(_write(batch, n, next_xid()))
        return out

    def finish(self, statuses: bytes | Sequence[int]) -> list[bytes]:
        """Takes the statuses of every control update (the WRITE replies'
        status arrays, concatenated), sets the errors of the updates that
        failed and commits the translator state of the ones that succeeded.
        Returns the undo updates to send, encoded (their statuses do not
        matter; empty in the common case)."""
        total = sum(self.counts)
        if len(statuses) != total:
            raise ValueError(f"{len(statuses)} statuses for {total} updates")
        self.finished = True
        multis = self.multis
        if not multis and not any(statuses):
            return []
        undo: list[bytes] = []
        errors = self.errors
        pos = 0
        for i, n in enumerate(self.counts):
            if not n:
                continue
            m = multis.get(i)
            if m is None:
                failed = next((s for s in statuses[pos:pos + n] if s), 0) if n != 1 \
                    else statuses[pos]
                if failed:
                    errors[i] = E.from_control_status(failed, self._describe(i))
                pos += n
                continue
            own = statuses[pos:pos + m.n_status]
            failed = next((s for s in own if s), 0)
            if failed:
                errors[i] = E.from_control_status(failed, m.what or self._describe(i))
                for k in range(len(own) - 1, -1, -1):
                    if not own[k] and k in m.undo:
                        undo.append(m.undo[k])
                if m.abort is not None:
                    m.abort()
            elif m.commit is not None:
                m.commit()
            pos += n
        return undo

    def abort(self) -> None:
        """Gives up on the plan without applying it (releases what its
        translation reserved)."""
        for m in self.multis.values():
            if m.abort is not None:
                m.abort()
        self.finished = True

    def run(self, transport: Transport, xid: int = 0) -> list[P4RuntimeError | None]:
        """Applies the plan through a control-protocol transport (a callable
        taking a request's bytes and returning its reply's, as
        :class:`ovsp4.control.client.ControlClient` takes) and returns the
        errors. A WRITE the datapath refuses as a whole (which translation
        never produces) fails its updates with INTERNAL."""
        statuses = bytearray()
        for req in self.requests(xid):
            _, st = cp.write_reply_statuses(transport(req))
            if st is None:
                n = int.from_bytes(req[cp.HEADER_LEN:cp.HEADER_LEN + 4], "little")
                st = bytes([cp.Status.TOOBIG]) * n     # -> INTERNAL
            statuses += st
        undo = self.finish(bytes(statuses))
        for i in range(0, len(undo), cp.MAX_UPDATES):
            transport(cp.encode_write_raw(undo[i:i + cp.MAX_UPDATES], xid))
        return self.errors


def _write(chunks: list[bytes], n: int, xid: int) -> bytes:
    body = b"".join(chunks)
    return (cp.HEADER.pack(cp.HEADER_LEN + 4 + len(body), cp.VERSION, cp.MsgType.WRITE, xid, 0)
            + n.to_bytes(4, "little") + body)
