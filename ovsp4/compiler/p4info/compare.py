"""Compare two P4Info messages field by field, the way the conformance test needs.

The comparison is on the protobuf messages, not on their text: every field of
every message is compared, including *presence* (an empty ``type_info {}`` is
not the same as no ``type_info``: p4c emits it in some programs and not in
others, and binary serialisation differs). The only normalisation is the order
of the top-level entity lists (``tables``, ``actions``, ``counters``, ...,
``externs``): p4c's order there is an artefact of its traversal and is of no
meaning to a P4Runtime client. Entities are matched by name (falling back to
id), so a wrong id shows up as one difference on the id, not as a missing and
an unexpected entity. Every nested list (``match_fields``, ``action_refs``,
``params``, ``table_ids``, ``annotations``, ...) keeps its order and is
compared position by position; map fields (``type_info.new_types`` etc.) are
compared by key, having no order.

`compare_p4info` returns `Difference` records (path, expected, got);
`diff_p4info` returns them as printable lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from ovsp4.proto import p4info_pb2

__all__ = [
    "ABSENT",
    "TOP_LEVEL_ENTITY_LISTS",
    "Difference",
    "compare_messages",
    "compare_p4info",
    "diff_p4info",
]

#: The repeated top-level P4Info fields whose order is normalised. Each
#: element has a `preamble`.
TOP_LEVEL_ENTITY_LISTS: tuple[str, ...] = (
    "tables",
    "actions",
    "action_profiles",
    "counters",
    "direct_counters",
    "meters",
    "direct_meters",
    "controller_packet_metadata",
    "value_sets",
    "registers",
    "digests",
)

#: Shown as `expected` or `got` when a field, element or entity is missing.
ABSENT = "<absent>"

# Long message values are cut in the report; the path already says where.
_MAX_VALUE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference: where, what p4c has (`expected`), what we have (`got`)."""

    path: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.got}"


def diff_p4info(expected: p4info_pb2.P4Info, got: p4info_pb2.P4Info) -> list[str]:
    """`compare_p4info` as printable lines (empty when equal)."""
    return [str(d) for d in compare_p4info(expected, got)]


def compare_p4info(expected: p4info_pb2.P4Info, got: p4info_pb2.P4Info) -> list[Difference]:
    """All differences between two P4Info messages (empty when equal)."""
    diffs: list[Difference] = []
    for field in expected.DESCRIPTOR.fields:
        if field.name in TOP_LEVEL_ENTITY_LISTS:
            diffs.extend(
                _compare_entity_lists(
                    field.name, getattr(expected, field.name), getattr(got, field.name)
                )
            )
        elif field.name == "externs":
            diffs.extend(_compare_externs(expected.externs, got.externs))
        else:
            diffs.extend(_compare_field(field, expected, got, field.name))
    return diffs


def compare_messages(expected: Message, got: Message, path: str = "") -> list[Difference]:
    """Field-by-field differences of two messages of the same type, without
    any normalisation. `path` prefixes every reported path."""
    if expected.DESCRIPTOR is not got.DESCRIPTOR:
        raise TypeError(
            f"cannot compare {expected.DESCRIPTOR.full_name} with {got.DESCRIPTOR.full_name}"
        )
    return list(_walk(expected, got, path))


# -- top-level entity lists ---------------------------------------------------


def _entity_sort_key(entity: Any) -> tuple[int, str]:
    return (entity.preamble.id, entity.preamble.name)


def _pair_entities(
    expected: Sequence[Any], got: Sequence[Any]
) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pairs (expected, got) by name, then leftovers by id.

    Returns (pairs, unmatched expected, unmatched got), each sorted by id.
    """
    exp_sorted = sorted(expected, key=_entity_sort_key)
    got_left = sorted(got, key=_entity_sort_key)

    pairs: list[tuple[Any, Any]] = []
    exp_left: list[Any] = []
    for entity in exp_sorted:
        match = next((g for g in got_left if g.preamble.name == entity.preamble.name), None)
        if match is None:
            exp_left.append(entity)
        else:
            got_left.remove(match)
            pairs.append((entity, match))

    # A renamed entity with the right id is still better reported as one
    # difference on the name than as one missing and one unexpected entity.
    still_left: list[Any] = []
    for entity in exp_left:
        match = next((g for g in got_left if g.preamble.id == entity.preamble.id), None)
        if match is None:
            still_left.append(entity)
        else:
            got_left.remove(match)
            pairs.append((entity, match))

    pairs.sort(key=lambda pair: _entity_sort_key(pair[0]))
    return pairs, still_left, got_left


def _entity_path(list_name: str, entity: Any) -> str:
    return f"{list_name}[{_quote(entity.preamble.name)}]"


def _compare_entity_lists(
    list_name: str, expected: Sequence[Any], got: Sequence[Any]
) -> Iterator[Difference]:
    pairs, missing, unexpected = _pair_entities(expected, got)
    for exp, act in pairs:
        yield from _walk(exp, act, _entity_path(list_name, exp))
    for exp in missing:
        yield Difference(_entity_path(list_name, exp), _format_message(exp), ABSENT)
    for act in unexpected:
        yield Difference(_entity_path(list_name, act), ABSENT, _format_message(act))


def _compare_externs(
    expected: Sequence[p4info_pb2.Extern], got: Sequence[p4info_pb2.Extern]
) -> Iterator[Difference]:
    # Externs have no preamble; they are keyed by extern type. Their
    # `instances` are nested, so their order is compared as is.
    def key(extern: p4info_pb2.Extern) -> tuple[int, str]:
        return (extern.extern_type_id, extern.extern_type_name)

    got_by_key = {key(e): e for e in got}
    for exp in sorted(expected, key=key):
        path = f"externs[{_quote(exp.extern_type_name)}]"
        act = got_by_key.pop(key(exp), None)
        if act is None:
            yield Difference(path, _format_message(exp), ABSENT)
        else:
            yield from _walk(exp, act, path)
    for k in sorted(got_by_key):
        act = got_by_key[k]
        yield Difference(f"externs[{_quote(act.extern_type_name)}]", ABSENT, _format_message(act))


# -- generic field-by-field walk ----------------------------------------------


def _is_repeated(field: FieldDescriptor) -> bool:
    # `is_repeated` is the current API; older protobuf only has `label`.
    is_repeated = getattr(field, "is_repeated", None)
    if is_repeated is not None:
        return bool(is_repeated)
    return field.label == FieldDescriptor.LABEL_REPEATED  # pragma: no cover


def _is_map(field: FieldDescriptor) -> bool:
    return (
        field.type == FieldDescriptor.TYPE_MESSAGE
        and field.message_type.GetOptions().map_entry
        and _is_repeated(field)
    )


def _walk(expected: Message, got: Message, path: str) -> Iterator[Difference]:
    for field in expected.DESCRIPTOR.fields:
        yield from _compare_field(field, expected, got, _join(path, field.name))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _compare_field(
    field: FieldDescriptor, expected: Message, got: Message, path: str
) -> Iterator[Difference]:
    if _is_map(field):
        yield from _compare_map(
            field, getattr(expected, field.name), getattr(got, field.name), path
        )
    elif _is_repeated(field):
        yield from _compare_list(
            field, getattr(expected, field.name), getattr(got, field.name), path
        )
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        has_exp, has_got = expected.HasField(field.name), got.HasField(field.name)
        if has_exp and has_got:
            yield from _walk(getattr(expected, field.name), getattr(got, field.name), path)
        elif has_exp != has_got:
            yield Difference(
                path,
                _format_message(getattr(expected, field.name)) if has_exp else ABSENT,
                _format_message(getattr(got, field.name)) if has_got else ABSENT,
            )
    else:
        exp_value, got_value = getattr(expected, field.name), getattr(got, field.name)
        if field.has_presence:
            # e.g. MatchField.match_type (a oneof member): "EXACT" set
            # explicitly and "nothing set" are different messages.
            has_exp, has_got = expected.HasField(field.name), got.HasField(field.name)
            if has_exp != has_got or exp_value != got_value:
                yield Difference(
                    path,
                    _format_scalar(field, exp_value) if has_exp else ABSENT,
                    _format_scalar(field, got_value) if has_got else ABSENT,
                )
        elif exp_value != got_value:
            yield Difference(
                path, _format_scalar(field, exp_value), _format_scalar(field, got_value)
            )


def _compare_list(
    field: FieldDescriptor, expected: Sequence[Any], got: Sequence[Any], path: str
) -> Iterator[Difference]:
    is_message = field.type == FieldDescriptor.TYPE_MESSAGE
    for index in range(max(len(expected), len(got))):
        item_path = f"{path}[{index}]"
        if index >= len(got):
            yield Difference(item_path, _format_item(field, expected[index]), ABSENT)
        elif index >= len(expected):
            yield Difference(item_path, ABSENT, _format_item(field, got[index]))
        elif is_message:
            yield from _walk(expected[index], got[index], item_path)
        elif expected[index] != got[index]:
            yield Difference(
                item_path,
                _format_scalar(field, expected[index]),
                _format_scalar(field, got[index]),
            )


def _compare_map(
    field: FieldDescriptor, expected: Any, got: Any, path: str
) -> Iterator[Difference]:
    value_field = field.message_type.fields_by_name["value"]
    is_message = value_field.type == FieldDescriptor.TYPE_MESSAGE
    for key in sorted(set(expected) | set(got)):
        item_path = f"{path}[{_quote(key) if isinstance(key, str) else key}]"
        if key not in got:
            yield Difference(item_path, _format_item(value_field, expected[key]), ABSENT)
        elif key not in expected:
            yield Difference(item_path, ABSENT, _format_item(value_field, got[key]))
        elif is_message:
            yield from _walk(expected[key], got[key], item_path)
        elif expected[key] != got[key]:
            yield Difference(
                item_path,
                _format_scalar(value_field, expected[key]),
                _format_scalar(value_field, got[key]),
            )


# -- formatting ----------------------------------------------------------------


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _format_item(field: FieldDescriptor, value: Any) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _format_message(value)
    return _format_scalar(field, value)


def _format_scalar(field: FieldDescriptor, value: Any) -> str:
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else str(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return repr(bytes(value))
    if field.type == FieldDescriptor.TYPE_STRING:
        return _quote(value)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    if isinstance(value, int) and (field.name == "id" or field.name.endswith(("_id", "_ids"))):
        # P4Info ids are easier to compare in hex: prefix and hash show.
        return f"{value} (0x{value:08x})"
    return str(value)


def _format_message(message: Message) -> str:
    text = text_format.MessageToString(message, as_utf8=True, as_one_line=True).strip()
    text = "{" + text + "}" if text else "{}"
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text
