"""P4Info aliases: the shortest unique suffix of each name, as p4c computes it.

A name is split at every "." into components. The alias of a name is its
shortest suffix of whole components that no *other* name shares, where the
names considered are all the symbols p4c collects for the program, of every
resource type together (tables, actions, externs, value sets, digests, and
controller headers under their header *type* name), including symbols that
never reach P4Info (``@hidden`` ones, unattached direct counters/meters).
A name collected more than once (e.g. a table and its direct counter that
share a name) counts once.

The search stops as soon as the suffix read so far is unique, or when the
name runs out of components, so a name that is itself a suffix of another
one ("bar" next to "ingress.bar") is its own alias. Aliases are therefore
not guaranteed to be unique across objects; p4c does not make them so and
neither do we. See Documentation/p4info-rules.md ("Aliases").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["SuffixSet", "compute_aliases"]


class SuffixSet:
    """The set of names and, for every component-wise suffix, how many
    distinct names end with it.

    p4c stores this as a tree of reversed components whose nodes count the
    names passing through them; counting suffix tuples is the same thing.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: set[str] = set()
        self._count: dict[tuple[str, ...], int] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        if not name:
            raise ValueError("empty symbol name")
        # A repeated name must not be counted twice, or it would make its own
        # suffixes look shared.
        if name in self._names:
            return
        self._names.add(name)
        components = name.split(".")
        for start in range(len(components) - 1, -1, -1):
            suffix = tuple(components[start:])
            self._count[suffix] = self._count.get(suffix, 0) + 1

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def alias(self, name: str) -> str:
        """The shortest suffix of `name` shared with no other name."""
        if name not in self._names:
            raise KeyError(f"{name!r} is not in the suffix set")
        components = name.split(".")
        needed = len(components)
        for take in range(1, len(components) + 1):
            if self._count[tuple(components[-take:])] < 2:
                needed = take
                break
        return ".".join(components[-needed:])


def compute_aliases(names: Iterable[str]) -> dict[str, str]:
    """{name: alias} for every name of `names` (duplicates allowed)."""
    suffixes = SuffixSet(names)
    return {name: suffixes.alias(name) for name in suffixes}
