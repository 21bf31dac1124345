"""P4Runtime ids, assigned exactly as p4c assigns them.

A top-level P4Info id is ``prefix << 24 | low``: the 8-bit prefix says which
kind of resource it is (``p4.config.v1.P4Ids``), the low 24 bits come from
the Jenkins one-at-a-time hash of the resource's fully qualified name
(without a leading dot). Collisions are resolved by linear probing on the
hash value, and because the result of probing depends on the order in which
names are hashed, p4c hashes the names of one resource type in byte-wise
sorted order. An ``@id`` annotation takes precedence and is reserved before
any hashing, so hashed ids probe around it. See Documentation/p4info-rules.md
("Ids") for the full rules and the conformance samples that demonstrate them.

Nested ids (match fields, action parameters, packet metadata fields, value
set match fields) are small integers counted from 1; `field_ids` allocates
them.

Typical use::

    allocator = IdAllocator()
    for kind, name, explicit in all_collected_symbols:
        allocator.add(kind, name, explicit)
    allocator.allocate()
    table_id = allocator.id_of(ResourceType.TABLE, "MyIngress.ipv4_lpm")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum

__all__ = [
    "IdAllocationError",
    "IdAllocator",
    "ResourceType",
    "allocate_ids",
    "field_ids",
    "hashed_id",
    "jenkins_one_at_a_time",
]

_MASK32 = 0xFFFFFFFF
_LOW_BITS = 24
_LOW_MASK = (1 << _LOW_BITS) - 1
_PREFIX_MASK = 0xFF << _LOW_BITS


class ResourceType(IntEnum):
    """The 8-bit id prefix of each P4Info resource type (``P4Ids.Prefix``).

    These are the values of the ``p4.config.v1.P4Ids`` enum; they are
    repeated here (and checked against the generated stubs by the unit
    tests) so that this module needs no protobuf import.
    """

    ACTION = 0x01
    TABLE = 0x02
    VALUE_SET = 0x03
    CONTROLLER_HEADER = 0x04
    # v1model action_profile and action_selector instances are both
    # ACTION_PROFILE (a selector is an action profile `with_selector`).
    ACTION_PROFILE = 0x11
    COUNTER = 0x12
    DIRECT_COUNTER = 0x13
    METER = 0x14
    DIRECT_METER = 0x15
    REGISTER = 0x16
    DIGEST = 0x17


class IdAllocationError(ValueError):
    """An ``@id`` is invalid or used twice, or an id space is exhausted."""


def jenkins_one_at_a_time(key: str | bytes) -> int:
    """The 32-bit Jenkins one-at-a-time hash of `key`.

    A str is hashed as its UTF-8 bytes: p4c hashes the bytes of its
    (UTF-8) name strings, and names may contain any character an ``@name``
    annotation allows (see the conformance sample
    nonstandard_table_names-bmv2).
    """
    data = key.encode("utf-8") if isinstance(key, str) else key
    h = 0
    for byte in data:
        h = (h + byte) & _MASK32
        h = (h + (h << 10)) & _MASK32
        h ^= h >> 6
    h = (h + (h << 3)) & _MASK32
    h ^= h >> 11
    h = (h + (h << 15)) & _MASK32
    return h


def _sort_key(name: str) -> bytes:
    # p4c keeps names in a std::map<cstring, ...>, ordered by strcmp(), i.e.
    # by the bytes of the UTF-8 encoding. (UTF-8 byte order equals code-point
    # order, so this is also Python's str order; the bytes state the intent.)
    return name.encode("utf-8")


class IdAllocator:
    """Assigns top-level P4Info ids for all symbols of a program, like p4c.

    Add every symbol p4c collects (including ones that never reach P4Info,
    e.g. ``@hidden`` tables and actions or unattached direct counters: they
    still take part in probing), then call `allocate` once.

    A symbol is identified by (resource type, name). Adding the same pair
    again is ignored, and so is an ``@id`` on the repeated addition: p4c
    keeps the first one (top-level actions are added once per control that
    uses them).
    """

    def __init__(self) -> None:
        # {(kind, name): @id or None}. Insertion-ordered so that `ids()` is
        # deterministic; the order does not influence the ids.
        self._symbols: dict[tuple[ResourceType, str], int | None] = {}
        self._ids: dict[tuple[ResourceType, str], int] | None = None

    def add(self, kind: ResourceType, name: str, explicit_id: int | None = None) -> None:
        """Register a symbol; `explicit_id` is the value of its ``@id``.

        Raises IdAllocationError for an ``@id`` whose 8-bit prefix is set but
        is not `kind`'s (p4c: "@id has the wrong 8-bit prefix").
        """
        if self._ids is not None:
            raise RuntimeError("IdAllocator.add() after allocate()")
        if not name:
            raise ValueError("empty symbol name")
        kind = ResourceType(kind)
        key = (kind, name)
        if key in self._symbols:
            return
        if explicit_id is not None:
            explicit_id = self._with_prefix(kind, name, explicit_id)
        self._symbols[key] = explicit_id

    def reserve(self, kind: ResourceType, name: str, explicit_id: int) -> None:
        """`add` for a symbol that has an ``@id``."""
        self.add(kind, name, explicit_id)

    @staticmethod
    def _with_prefix(kind: ResourceType, name: str, explicit_id: int) -> int:
        if not 0 <= explicit_id <= _MASK32:
            raise IdAllocationError(f"{name}: @id should be an unsigned 32-bit integer")
        prefix = explicit_id & _PREFIX_MASK
        if prefix not in (0, kind << _LOW_BITS):
            raise IdAllocationError(f"{name}: @id has the wrong 8-bit prefix")
        # An @id without a prefix gets the resource type's prefix.
        return explicit_id | (kind << _LOW_BITS)

    def allocate(self) -> Mapping[tuple[ResourceType, str], int]:
        """Assign all ids; returns {(kind, name): id}. Idempotent."""
        if self._ids is not None:
            return self._ids
        ids: dict[tuple[ResourceType, str], int] = {}
        taken: set[int] = set()

        # First every @id, in the order the symbols were added (p4c checks
        # them as it collects the symbols).
        for key, explicit in self._symbols.items():
            if explicit is None:
                continue
            if explicit in taken:
                raise IdAllocationError(
                    f"{key[1]}: @id {explicit} is assigned to multiple declarations"
                )
            taken.add(explicit)
            ids[key] = explicit

        # Then the hashed ids, type by type in ascending prefix order and
        # within a type in sorted name order: linear probing makes the
        # result depend on this order, so it must be p4c's.
        pending: dict[ResourceType, list[str]] = {}
        for (kind, name), explicit in self._symbols.items():
            if explicit is None:
                pending.setdefault(kind, []).append(name)
        for kind in sorted(pending):
            for name in sorted(pending[kind], key=_sort_key):
                new_id = self._probe(kind, jenkins_one_at_a_time(name), taken)
                if new_id is None:
                    raise IdAllocationError(f"no available id to represent {name} in P4Runtime")
                taken.add(new_id)
                ids[(kind, name)] = new_id

        # Report in insertion order.
        self._ids = {key: ids[key] for key in self._symbols}
        return self._ids

    @staticmethod
    def _probe(kind: ResourceType, hash_value: int, taken: set[int]) -> int | None:
        # p4c increments the 32-bit hash value (not the id) and keeps its low
        # 24 bits, so probing wraps from 0xffffff to 0 within the prefix.
        # Only the low 24 bits matter, hence at most 2**24 candidates.
        prefix = int(kind) << _LOW_BITS
        low = hash_value & _LOW_MASK
        for step in range(1 << _LOW_BITS):
            candidate = prefix | ((low + step) & _LOW_MASK)
            if candidate not in taken:
                return candidate
        return None

    def id_of(self, kind: ResourceType, name: str) -> int:
        """The id of a symbol; allocates on first use."""
        ids = self.allocate()
        try:
            return ids[(ResourceType(kind), name)]
        except KeyError:
            raise KeyError(f"{ResourceType(kind).name} {name!r} was never added") from None

    def ids(self) -> Mapping[tuple[ResourceType, str], int]:
        """All ids, allocating first if needed."""
        return self.allocate()


def field_ids(explicit_ids: Sequence[int | None]) -> list[int]:
    """Ids of the fields of one P4Info object, in declaration order.

    Used for match fields (over *all* key elements, including the
    ``selector`` ones that do not become match fields, so those still use up
    their position), action parameters, controller packet metadata fields
    (including ``@hidden`` ones) and value-set struct members. `explicit_ids`
    holds each field's ``@id`` value or None.

    Without ``@id`` this is just 1, 2, 3, ...: the id of a field is its
    position. With ``@id``, p4c reserves all explicit ids first, then walks
    the fields with a counter that starts at 1 and advances by one per field
    (also past fields with an ``@id``); a field without ``@id`` takes the
    first counter value not already used.
    """
    assigned: set[int] = set()
    for explicit in explicit_ids:
        if explicit is None:
            continue
        if explicit == 0:
            raise IdAllocationError("0 is not a valid @id value")
        if explicit in assigned:
            raise IdAllocationError(f"@id {explicit} is used multiple times")
        assigned.add(explicit)

    result: list[int] = []
    index = 1
    for explicit in explicit_ids:
        if explicit is not None:
            result.append(explicit)
            index += 1
            continue
        while index in assigned:
            index += 1
        result.append(index)
        assigned.add(index)
    return result


def hashed_id(kind: ResourceType, name: str) -> int:
    """The id `name` gets when nothing collides with it (no probing)."""
    return (int(kind) << _LOW_BITS) | (jenkins_one_at_a_time(name) & _LOW_MASK)


def allocate_ids(
    symbols: Iterable[tuple[ResourceType, str, int | None]],
) -> Mapping[tuple[ResourceType, str], int]:
    """Convenience: ids for (kind, name, @id or None) triples."""
    allocator = IdAllocator()
    for kind, name, explicit in symbols:
        allocator.add(kind, name, explicit)
    return allocator.allocate()
