"""What the datapath cannot hold and the translator must remember, per
pipeline: opaque values P4Runtime returns on reads (table entry and
multicast group ``metadata``, group members' watch ports, which replica
port field a client used) and the one-shot action selector programming
(hidden groups and members, see :mod:`ovsp4.p4runtime.oneshot`).

The state changes only when the datapath applied an update
(:meth:`ovsp4.p4runtime.plan.WritePlan.finish`). Entries are keyed by
:func:`key_sig`, which is the same for a key however its values are
encoded, so reads (datapath values, full width) find what writes (client
values, any length) stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# One-shot hidden member and group ids have the top bit set; P4Runtime
# clients cannot use that range for their own members and groups (so
# hidden objects are recognisable after a restart, see Translator.recover).
HIDDEN = 0x80000000

KeySig = tuple[int, tuple[tuple[int, int, int, int], ...]]


def key_sig(priority: int, matches: Iterable[tuple[int, int, int, int]]) -> KeySig:
    """A table entry key: its priority and its (field id, value, mask or
    high bound, prefix length) by field id, values as integers."""
    return priority, tuple(sorted(matches))


@dataclass
class OneShotGroup:
    """A one-shot table entry's hidden group."""

    group_id: int
    member_ids: list[int]
    action_set: bytes       # the canonical ActionProfileActionSet, serialized
    table_id: int
    key: KeySig


@dataclass
class ProfileState:
    """An action selector's programming style and one-shot objects."""

    explicit: int = 0                                   # live client members + groups
    groups: dict[int, OneShotGroup] = field(default_factory=dict)   # by hidden group id
    by_key: dict[tuple[int, KeySig], int] = field(default_factory=dict)
    next_id: int = HIDDEN + 1
    reserved: set[int] = field(default_factory=set)    # hidden ids in use or pending

    def allocate(self, n: int) -> list[int]:
        """n hidden ids free in this profile (members and groups share the
        numbering, which keeps the ids unique in both scopes)."""
        out = []
        while len(out) < n:
            i = self.next_id
            self.next_id = i + 1 if i < 0xFFFFFFFF else HIDDEN + 1
            if i not in self.reserved:
                self.reserved.add(i)
                out.append(i)
        return out

    def release(self, ids: Iterable[int]) -> None:
        self.reserved.difference_update(ids)

    @property
    def oneshot(self) -> bool:
        return bool(self.groups)


@dataclass
class State:
    table_meta: dict[int, dict[KeySig, bytes]] = field(default_factory=dict)
    profiles: dict[int, ProfileState] = field(default_factory=dict)
    # (profile id, group id) -> its members as the client wrote them (watch
    # ports are not in the datapath), serialized, by member id
    watch: dict[tuple[int, int], dict[int, bytes]] = field(default_factory=dict)
    # (control entity, group or session id) -> what the client wrote that
    # the datapath does not keep: (metadata, its replicas serialized, the
    # datapath's replicas they became)
    pre: dict[tuple[int, int], tuple[bytes, list[bytes], list[tuple[int, int]]]] = \
        field(default_factory=dict)

    def profile(self, profile_id: int) -> ProfileState:
        st = self.profiles.get(profile_id)
        if st is None:
            st = self.profiles[profile_id] = ProfileState()
        return st

    def meta_of(self, table_id: int) -> dict[KeySig, bytes]:
        meta = self.table_meta.get(table_id)
        if meta is None:
            meta = self.table_meta[table_id] = {}
        return meta

    def clear(self) -> None:
        self.table_meta.clear()
        self.profiles.clear()
        self.watch.clear()
        self.pre.clear()
