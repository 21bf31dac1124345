"""P4Info ids and aliases, checked against every p4c reference P4Info.

For each p4c v1model sample that has a reference P4Info, the ids of all
top-level entities are recomputed from their names alone (Jenkins hash,
prefix, probing in p4c's order) and the aliases from the set of names; both
must equal what p4c wrote. This validates the rules of
Documentation/p4info-rules.md on real data. The small tests below pin the
corner cases the samples do not exercise (collisions, ``@id``, wrap-around).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf import text_format

from ovsp4.compiler.p4info.aliases import SuffixSet, compute_aliases
from ovsp4.compiler.p4info.compare import compare_p4info, diff_p4info
from ovsp4.compiler.p4info.ids import (
    IdAllocationError,
    IdAllocator,
    ResourceType,
    allocate_ids,
    field_ids,
    hashed_id,
    jenkins_one_at_a_time,
)
from ovsp4.proto import p4info_pb2

from conformance_data import P4C_V1MODEL, SKIP_REASON, requires_conformance

# Top-level P4Info lists and the resource type of their elements.
ENTITY_LISTS: dict[str, ResourceType] = {
    "tables": ResourceType.TABLE,
    "actions": ResourceType.ACTION,
    "action_profiles": ResourceType.ACTION_PROFILE,
    "counters": ResourceType.COUNTER,
    "direct_counters": ResourceType.DIRECT_COUNTER,
    "meters": ResourceType.METER,
    "direct_meters": ResourceType.DIRECT_METER,
    "controller_packet_metadata": ResourceType.CONTROLLER_HEADER,
    "value_sets": ResourceType.VALUE_SET,
    "registers": ResourceType.REGISTER,
    "digests": ResourceType.DIGEST,
}

_REFERENCE_SUFFIX = ".p4info.txtpb"
_ID_ANNOTATION = re.compile(r"@id\s*\(\s*(?:\d+w)?(0[xX][0-9a-fA-F]+|\d+)\s*\)")
# `@controller_header("packet_in") [more annotations] header packet_in_t {`
_CONTROLLER_HEADER = re.compile(
    r'@controller_header\s*\(\s*"([^"]*)"\s*\)'
    r"(?:\s*@\w+(?:\s*\([^)]*\))?)*\s*header\s+(\w+)"
)


def _references() -> list[Path | None]:
    found = sorted(P4C_V1MODEL.glob("*" + _REFERENCE_SUFFIX)) if P4C_V1MODEL.is_dir() else []
    # A None entry makes the test report the skip reason instead of pytest's
    # "empty parameter set".
    return list(found) or [None]


def _reference_id(path: Path | None) -> str:
    return "no-data" if path is None else path.name[: -len(_REFERENCE_SUFFIX)]


def _load(path: Path) -> p4info_pb2.P4Info:
    message = p4info_pb2.P4Info()
    text_format.Parse(path.read_text(encoding="utf-8"), message)
    return message


def _source_of(reference: Path) -> str:
    source = reference.with_name(reference.name[: -len(".p4info.txtpb")])
    return source.read_text(encoding="utf-8") if source.exists() else ""


def _explicit_id_values(source: str) -> set[int]:
    """Values of all @id annotations in the source (the only ids that may
    legitimately differ from the name hash)."""
    return {int(v, 0) for v in _ID_ANNOTATION.findall(source)}


def _declared(ref_id: int, kind: ResourceType, explicit_values: set[int]) -> bool:
    # An @id is written with or without the resource type's 8-bit prefix.
    if ref_id in explicit_values:
        return True
    return ref_id >> 24 == kind and (ref_id & 0xFFFFFF) in explicit_values


@requires_conformance
@pytest.mark.parametrize("reference", _references(), ids=_reference_id)
def test_ids_and_aliases_reproduce_p4c(reference: Path | None) -> None:
    if reference is None:
        pytest.skip(SKIP_REASON)
    p4info = _load(reference)
    source = _source_of(reference)
    explicit_values = _explicit_id_values(source)
    # The controller header id hashes the header *type* name; the preamble
    # name is the @controller_header argument.
    header_types = dict(_CONTROLLER_HEADER.findall(source))

    allocator = IdAllocator()
    entities: list[tuple[str, ResourceType, str, p4info_pb2.Preamble]] = []
    for list_name, kind in ENTITY_LISTS.items():
        for entity in getattr(p4info, list_name):
            preamble = entity.preamble
            symbol = preamble.name
            if kind is ResourceType.CONTROLLER_HEADER:
                assert symbol in header_types, f"no @controller_header({symbol!r}) in the source"
                symbol = header_types[symbol]
            explicit = preamble.id if _declared(preamble.id, kind, explicit_values) else None
            allocator.add(kind, symbol, explicit)
            entities.append((list_name, kind, symbol, preamble))

    ids = allocator.allocate()
    wrong_ids = [
        f"{list_name} {p.name}: p4c {p.id:#010x}, ours {ids[(kind, symbol)]:#010x}"
        for list_name, kind, symbol, p in entities
        if ids[(kind, symbol)] != p.id
    ]
    assert not wrong_ids, "\n".join(wrong_ids)

    aliases = compute_aliases(symbol for _, _, symbol, _ in entities)
    wrong_aliases = []
    for list_name, kind, symbol, p in entities:
        # Controller packet metadata use the annotation string as both name
        # and alias.
        expected = p.name if kind is ResourceType.CONTROLLER_HEADER else aliases[symbol]
        if p.alias != expected:
            wrong_aliases.append(f"{list_name} {p.name}: p4c {p.alias!r}, ours {expected!r}")
    assert not wrong_aliases, "\n".join(wrong_aliases)


@requires_conformance
@pytest.mark.parametrize("reference", _references(), ids=_reference_id)
def test_field_ids_reproduce_p4c(reference: Path | None) -> None:
    """Match fields, params, packet metadata and value-set members are
    numbered from 1 in declaration order (no sample uses @id on them, and no
    sample has a selector key before a match key)."""
    if reference is None:
        pytest.skip(SKIP_REASON)
    p4info = _load(reference)
    if _explicit_id_values(_source_of(reference)):
        pytest.skip("program uses @id")
    lists = [(f"{t.preamble.name} match_fields", t.match_fields) for t in p4info.tables]
    lists += [(f"{a.preamble.name} params", a.params) for a in p4info.actions]
    lists += [
        (f"{c.preamble.name} metadata", c.metadata) for c in p4info.controller_packet_metadata
    ]
    lists += [(f"{v.preamble.name} match", v.match) for v in p4info.value_sets]
    for what, fields in lists:
        assert [f.id for f in fields] == field_ids([None] * len(fields)), what


# -- ids -------------------------------------------------------------------------


def test_resource_types_are_the_p4runtime_prefixes() -> None:
    for kind in ResourceType:
        assert p4info_pb2.P4Ids.Prefix.Value(kind.name) == kind.value


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("", 0),
        ("a", 0xCA2E9442),  # reference values of the published algorithm
        ("The quick brown fox jumps over the lazy dog", 0x519E91F5),
        ("NoAction", 0x14445B37),
    ],
)
def test_jenkins_one_at_a_time(key: str, expected: int) -> None:
    assert jenkins_one_at_a_time(key) == expected
    assert jenkins_one_at_a_time(key.encode()) == expected


def test_hash_is_over_utf8_bytes() -> None:
    name = "ingress.tables.prefix◕‿◕😀ツsimple_table_1"
    assert jenkins_one_at_a_time(name) == jenkins_one_at_a_time(name.encode("utf-8"))
    # The id p4c gives this table in nonstandard_table_names-bmv2.
    assert hashed_id(ResourceType.TABLE, name) == 41307018


def test_noaction_id() -> None:
    assert hashed_id(ResourceType.ACTION, "NoAction") == 21257015


# "c.t1626" and "c.t3872" have the same low 24 hash bits (0x3a2734).
_COLLIDING = ("c.t1626", "c.t3872")


def test_collision_probes_in_sorted_name_order() -> None:
    first, second = _COLLIDING
    base = hashed_id(ResourceType.TABLE, first)
    assert base == hashed_id(ResourceType.TABLE, second) == 0x023A2734
    for order in (_COLLIDING, tuple(reversed(_COLLIDING))):
        ids = allocate_ids((ResourceType.TABLE, name, None) for name in order)
        assert ids[(ResourceType.TABLE, first)] == base
        assert ids[(ResourceType.TABLE, second)] == base + 1


def test_same_hash_different_types_do_not_collide() -> None:
    first, second = _COLLIDING
    ids = allocate_ids([(ResourceType.TABLE, first, None), (ResourceType.ACTION, second, None)])
    assert ids[(ResourceType.TABLE, first)] == 0x023A2734
    assert ids[(ResourceType.ACTION, second)] == 0x013A2734


def test_explicit_id_gets_prefix_and_hashed_ids_probe_around_it() -> None:
    first, _ = _COLLIDING
    allocator = IdAllocator()
    allocator.add(ResourceType.TABLE, first)
    allocator.add(ResourceType.TABLE, "other", 0x3A2734)  # no prefix: TABLE's is added
    assert allocator.id_of(ResourceType.TABLE, "other") == 0x023A2734
    assert allocator.id_of(ResourceType.TABLE, first) == 0x023A2735


def test_explicit_id_with_the_right_prefix_is_kept() -> None:
    allocator = IdAllocator()
    allocator.reserve(ResourceType.COUNTER, "c", 0x12000005)
    assert allocator.id_of(ResourceType.COUNTER, "c") == 0x12000005


def test_explicit_id_with_a_wrong_prefix_is_an_error() -> None:
    with pytest.raises(IdAllocationError, match="wrong 8-bit prefix"):
        IdAllocator().add(ResourceType.TABLE, "t", 0x01000005)


def test_explicit_id_used_twice_is_an_error() -> None:
    allocator = IdAllocator()
    allocator.add(ResourceType.ACTION, "a", 7)
    allocator.add(ResourceType.ACTION, "b", 0x01000007)
    with pytest.raises(IdAllocationError, match="multiple declarations"):
        allocator.allocate()


def test_repeated_symbol_keeps_its_first_addition() -> None:
    allocator = IdAllocator()
    allocator.add(ResourceType.ACTION, "a", 7)
    allocator.add(ResourceType.ACTION, "a", 9)  # e.g. a second copy of an action
    allocator.add(ResourceType.ACTION, "b")
    assert allocator.id_of(ResourceType.ACTION, "a") == 0x01000007
    assert len(allocator.ids()) == 2


def test_unknown_symbol() -> None:
    with pytest.raises(KeyError, match="never added"):
        IdAllocator().id_of(ResourceType.TABLE, "t")


def test_probing_wraps_within_the_prefix() -> None:
    taken = {0x02FFFFFF}
    assert IdAllocator._probe(ResourceType.TABLE, 0x12FFFFFF, taken) == 0x02000000
    full = {0x02000000 | low for low in range(1 << 24)}
    assert IdAllocator._probe(ResourceType.TABLE, 0, full) is None


def test_field_ids() -> None:
    assert field_ids([]) == []
    assert field_ids([None, None, None]) == [1, 2, 3]
    # Explicit ids are reserved first; the others take the next free
    # position-based value.
    assert field_ids([None, 1, None]) == [2, 1, 3]
    assert field_ids([5, None, None]) == [5, 2, 3]
    assert field_ids([None, 2, None]) == [1, 2, 3]
    with pytest.raises(IdAllocationError):
        field_ids([0])
    with pytest.raises(IdAllocationError):
        field_ids([3, 3])


# -- aliases ---------------------------------------------------------------------


def test_aliases_are_shortest_unique_suffixes() -> None:
    # From actions-almost-duplicate-names1 and issue1520-bmv2.
    aliases = compute_aliases(
        [
            "ingressImpl.t1",
            "ingressImpl.c1.t2",
            "bar",
            "ingressImpl.bar",
            "ingressImpl.c1.bar",
            "MyIngress.h.c1.r",
            "MyIngress.h.c2.r",
        ]
    )
    assert aliases == {
        "ingressImpl.t1": "t1",
        "ingressImpl.c1.t2": "t2",
        # A name that is a suffix of others is its own alias.
        "bar": "bar",
        "ingressImpl.bar": "ingressImpl.bar",
        "ingressImpl.c1.bar": "c1.bar",
        "MyIngress.h.c1.r": "c1.r",
        "MyIngress.h.c2.r": "c2.r",
    }


def test_a_repeated_name_counts_once() -> None:
    # e.g. a table and its direct counter both named "egress_bd_stats".
    assert compute_aliases(["x.egress_bd_stats", "x.egress_bd_stats"]) == {
        "x.egress_bd_stats": "egress_bd_stats"
    }


def test_components_are_whole() -> None:
    # "b.c" vs "ab.c": sharing the characters "b.c" is not sharing a suffix.
    assert compute_aliases(["x.b.c", "y.ab.c"]) == {"x.b.c": "b.c", "y.ab.c": "ab.c"}


def test_suffix_set_errors() -> None:
    with pytest.raises(ValueError):
        SuffixSet([""])
    with pytest.raises(KeyError):
        SuffixSet(["a"]).alias("b")


# -- compare ---------------------------------------------------------------------

_SMALL = """
pkg_info { arch: "v1model" }
tables {
  preamble { id: 33554433 name: "c.t1" alias: "t1" }
  match_fields { id: 1 name: "h.a" bitwidth: 8 match_type: EXACT }
  match_fields { id: 2 name: "h.b" bitwidth: 8 match_type: EXACT }
  size: 1024
}
tables { preamble { id: 33554434 name: "c.t2" alias: "t2" } size: 1024 }
actions { preamble { id: 16777217 name: "c.a" alias: "a" } }
"""


def _small() -> p4info_pb2.P4Info:
    return text_format.Parse(_SMALL, p4info_pb2.P4Info())


def test_compare_ignores_only_top_level_order() -> None:
    expected, got = _small(), _small()
    tables = list(got.tables)
    del got.tables[:]
    got.tables.extend(reversed(tables))
    assert diff_p4info(expected, got) == []

    fields = list(got.tables[1].match_fields)
    del got.tables[1].match_fields[:]
    got.tables[1].match_fields.extend(reversed(fields))
    assert [d.path for d in compare_p4info(expected, got)] == [
        'tables["c.t1"].match_fields[0].id',
        'tables["c.t1"].match_fields[0].name',
        'tables["c.t1"].match_fields[1].id',
        'tables["c.t1"].match_fields[1].name',
    ]


def test_compare_reports_presence_ids_and_missing_entities() -> None:
    expected, got = _small(), _small()
    got.type_info.SetInParent()  # an empty message is still a difference
    got.tables[0].match_fields[0].ClearField("match_type")
    got.actions[0].preamble.id += 1
    del got.tables[1]
    lines = diff_p4info(expected, got)
    assert lines == [
        'tables["c.t1"].match_fields[0].match_type: expected EXACT, got <absent>',
        'tables["c.t2"]: expected {preamble { id: 33554434 name: "c.t2" alias: "t2" } '
        "size: 1024}, got <absent>",
        'actions["c.a"].preamble.id: expected 16777217 (0x01000001), got 16777218 (0x01000002)',
        "type_info: expected <absent>, got {}",
    ]
