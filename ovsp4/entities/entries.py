"""Table entries as P4Runtime messages, from what people write and back.

What `ovs-p4ctl add-entry` takes after the table name, one item per
argument or several separated by commas (outside parentheses):

    FIELD=VALUE          a match field (full name, alias or unique suffix)
    priority=N           the entry's priority (tables with ternary, range or
                         optional fields; higher wins)
    action=NAME(P=V, ...)   the action and its parameters, by name or in
                         order (`NAME(V, ...)`); `NAME` alone without any
    member=N / group=N   an action profile member or group
    idle_timeout=SECS    (tables with support_timeout)

An item without `=` before its first `(` is the action too.  Match values
(`ovsp4.entities.values` reads the values themselves):

    exact       V
    lpm         V/PREFIX_LEN, or V (the whole width)
    ternary     V&&&MASK, V/PREFIX_LEN, or V (every bit)
    range       LOW..HIGH, or V
    optional    V
    any but exact: `*` (don't care: the field is left out)

Bits outside an LPM prefix or a ternary mask are cleared, and matches that
match everything (mask 0, prefix 0, the whole range) are left out, as
P4Runtime wants.  Entries are printed (:func:`format_entry`) in the style
of `ovs-ofctl dump-flows`, in the same forms, and as the P4 tutorials'
runtime JSON (:func:`entry_json`), which `load-entries` reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.values import (
    BadValue,
    EntityError,
    canonical,
    format_value,
    from_bytes,
    json_value,
    mask,
    parse_value,
)
from ovsp4.proto import p4info_pb2, p4runtime_pb2

MatchType = p4info_pb2.MatchField
Scope = p4info_pb2.ActionRef
CounterUnit = p4info_pb2.CounterSpec
PRIORITY_KINDS = (MatchType.TERNARY, MatchType.RANGE, MatchType.OPTIONAL)
KIND_NAMES = {MatchType.EXACT: "exact", MatchType.LPM: "lpm", MatchType.TERNARY: "ternary",
              MatchType.RANGE: "range", MatchType.OPTIONAL: "optional"}
KEYWORDS = ("action", "priority", "member", "group", "idle_timeout")


# --- Items --------------------------------------------------------------------


def split_items(args: Iterable[str]) -> list[str]:
    """The items of a command line: arguments split at commas outside
    parentheses; arguments the shell split inside parentheses joined."""
    items: list[str] = []
    current = ""
    depth = 0
    for arg in args:
        if depth > 0:
            current += " "
        for ch in arg:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(0, depth - 1)
            if ch == "," and depth == 0:
                items.append(current)
                current = ""
            else:
                current += ch
        if depth == 0:
            items.append(current)
            current = ""
    if depth > 0:
        raise EntityError(f"unbalanced parentheses in '{current.strip()}'")
    return [i.strip() for i in items if i.strip()]


def is_action_item(item: str) -> bool:
    eq, paren = item.find("="), item.find("(")
    return eq < 0 or (0 <= paren < eq)


@dataclass
class EntryItems:
    """A command line's items, sorted out (names not resolved yet)."""

    matches: list[tuple[str, str]] = field(default_factory=list)
    action: str | None = None
    priority: int | None = None
    member: int | None = None
    group: int | None = None
    idle_timeout: float | None = None


def parse_items(args: Iterable[str]) -> EntryItems:
    out = EntryItems()
    for item in split_items(args):
        if is_action_item(item):
            key, value = "action", item
        else:
            key, _, value = item.partition("=")
            key, value = key.strip(), value.strip()
        if key in ("action", "actions"):
            if out.action is not None:
                raise EntityError(f"two actions: '{out.action}' and '{value}'")
            out.action = value
        elif key == "priority":
            out.priority = parse_int(value, "priority", 1, (1 << 31) - 1)
        elif key == "member":
            out.member = parse_int(value, "member", 0, (1 << 32) - 1)
        elif key == "group":
            out.group = parse_int(value, "group", 0, (1 << 32) - 1)
        elif key == "idle_timeout":
            try:
                out.idle_timeout = float(value.removesuffix("s"))
            except ValueError:
                raise BadValue(f"idle_timeout: '{value}' is not a number of seconds") from None
            if out.idle_timeout < 0:
                raise BadValue("idle_timeout: negative")
        elif not key:
            raise EntityError(f"'{item}' has no field name")
        else:
            out.matches.append((key, value))
    return out


def parse_int(text: str, what: str, low: int, high: int) -> int:
    """An integer (any base Python reads) in low..high, or BadValue naming `what`."""
    try:
        v = int(text, 0)
    except ValueError:
        raise BadValue(f"{what}: '{text}' is not a number") from None
    if not low <= v <= high:
        raise BadValue(f"{what}: {v} is not in {low}..{high}")
    return v


# --- Match fields -------------------------------------------------------------


def _field_match(mf: p4info_pb2.MatchField) -> p4runtime_pb2.FieldMatch:
    return p4runtime_pb2.FieldMatch(field_id=mf.id)


def make_match(mf: p4info_pb2.MatchField, first: int, second: int | None = None
               ) -> p4runtime_pb2.FieldMatch | None:
    """A FieldMatch of the field's kind from integers: the value (LPM,
    ternary: with the prefix length or mask in `second`; range: the low
    bound, the high bound in `second`).  None when it matches anything."""
    width = mf.bitwidth
    what = f"match field {mf.name}"
    kind = mf.match_type
    fm = _field_match(mf)
    if kind == MatchType.EXACT:
        fm.exact.value = canonical(first)
    elif kind == MatchType.OPTIONAL:
        fm.optional.value = canonical(first)
    elif kind == MatchType.LPM:
        plen = width if second is None else second
        if not 0 <= plen <= width:
            raise BadValue(f"{what}: prefix length {plen} is not in 0..{width}")
        if plen == 0:
            return None
        keep = mask(width) ^ mask(width - plen)
        fm.lpm.value = canonical(first & keep)
        fm.lpm.prefix_len = plen
    elif kind == MatchType.TERNARY:
        m = mask(width) if second is None else second
        if m == 0:
            return None
        fm.ternary.value = canonical(first & m)
        fm.ternary.mask = canonical(m)
    elif kind == MatchType.RANGE:
        high = first if second is None else second
        if first > high:
            raise BadValue(f"{what}: the range {first}..{high} is empty")
        if first == 0 and high == mask(width):
            return None
        fm.range.low = canonical(first)
        fm.range.high = canonical(high)
    else:
        raise EntityError(f"{what}: match kind {mf.match_type} is not supported")
    return fm


def match_from_text(mf: p4info_pb2.MatchField, text: str) -> p4runtime_pb2.FieldMatch | None:
    """A match field as written on a command line (module docstring)."""
    width = mf.bitwidth
    what = f"match field {mf.name}"
    kind = mf.match_type
    text = text.strip()
    if text == "*":
        if kind == MatchType.EXACT:
            raise BadValue(f"{what}: an exact field cannot be left out ('*')")
        return None
    if kind == MatchType.TERNARY and "&&&" in text:
        v, _, m = text.partition("&&&")
        return make_match(mf, parse_value(v, width, what), parse_value(m, width, f"{what} mask"))
    if kind == MatchType.RANGE and ".." in text and text.count(".") != 3:
        lo, _, hi = text.partition("..")
        return make_match(mf, parse_value(lo, width, what), parse_value(hi, width, what))
    if kind in (MatchType.LPM, MatchType.TERNARY) and "/" in text:
        v, _, plen_text = text.rpartition("/")
        plen = parse_int(plen_text, f"{what} prefix length", 0, width)
        if kind == MatchType.LPM:
            return make_match(mf, parse_value(v, width, what), plen)
        return make_match(mf, parse_value(v, width, what), mask(width) ^ mask(width - plen))
    if any(s in text for s in ("&&&", "/")) or (".." in text and text.count(".") != 3):
        raise BadValue(f"{what}: '{text}' is not a value for a {KIND_NAMES[kind]} field")
    return make_match(mf, parse_value(text, width, what))


def match_from_json(mf: p4info_pb2.MatchField, value: Any) -> p4runtime_pb2.FieldMatch | None:
    """A match field as the P4 tutorials' runtime files write it: exact and
    optional `v` (or `[v]`), LPM `[v, prefix_len]`, ternary `[v, mask]`,
    range `[low, high]`; a string is read as on a command line."""
    width = mf.bitwidth
    what = f"match field {mf.name}"
    if isinstance(value, list):
        if len(value) == 1:
            value = value[0]
        elif len(value) == 2 and mf.match_type in (MatchType.LPM, MatchType.TERNARY,
                                                     MatchType.RANGE):
            first = parse_value(value[0], width, what)
            if mf.match_type == MatchType.LPM:
                return make_match(mf, first, parse_int(str(value[1]), f"{what} prefix length", 0,
                                                  width))
            return make_match(mf, first, parse_value(value[1], width, what))
        else:
            raise BadValue(f"{what}: {value!r} is not a value for a "
                           f"{KIND_NAMES.get(mf.match_type, '?')} field")
    if isinstance(value, str):
        return match_from_text(mf, value)
    return make_match(mf, parse_value(value, width, what))


def match_values(mf: p4info_pb2.MatchField, fm: p4runtime_pb2.FieldMatch
                 ) -> tuple[int, int | None]:
    """(value, prefix length / mask / high bound or None) of a FieldMatch."""
    kind = fm.WhichOneof("field_match_type")
    if kind == "exact":
        return from_bytes(fm.exact.value), None
    if kind == "optional":
        return from_bytes(fm.optional.value), None
    if kind == "lpm":
        return from_bytes(fm.lpm.value), fm.lpm.prefix_len
    if kind == "ternary":
        return from_bytes(fm.ternary.value), from_bytes(fm.ternary.mask)
    if kind == "range":
        return from_bytes(fm.range.low), from_bytes(fm.range.high)
    raise EntityError(f"match field {mf.name}: unsupported match {kind}")


def format_match(mf: p4info_pb2.MatchField, fm: p4runtime_pb2.FieldMatch) -> str:
    width, name = mf.bitwidth, mf.name
    v, second = match_values(mf, fm)
    kind = fm.WhichOneof("field_match_type")
    if kind == "ternary":
        assert second is not None
        return (f"{format_value(v, width, name, is_mask=True)}&&&"
                f"{format_value(second, width, name, is_mask=True)}")
    text = format_value(v, width, name)
    if kind == "lpm":
        return f"{text}/{second}"
    if kind == "range":
        assert second is not None
        return f"{text}..{format_value(second, width, name)}"
    return text


def match_json(mf: p4info_pb2.MatchField, fm: p4runtime_pb2.FieldMatch) -> Any:
    width, name = mf.bitwidth, mf.name
    v, second = match_values(mf, fm)
    kind = fm.WhichOneof("field_match_type")
    if kind == "ternary":
        assert second is not None
        return [json_value(v, width, name, is_mask=True),
                json_value(second, width, name, is_mask=True)]
    value = json_value(v, width, name)
    if kind == "lpm":
        return [value, second]
    if kind == "range":
        assert second is not None
        return [value, json_value(second, width, name)]
    return value


# --- Actions ------------------------------------------------------------------

_CALL = re.compile(r"\s*([A-Za-z_][\w.$]*)\s*(?:\((.*)\))?\s*", re.S)


def parse_call(text: str) -> tuple[str, list[tuple[str | None, str]]]:
    """`NAME(P=V, ...)` or `NAME(V, ...)` or `NAME`: the name and the
    arguments, (parameter name or None, value text)."""
    m = _CALL.fullmatch(text)
    if m is None:
        raise EntityError(f"cannot read the action '{text}' (NAME(PARAM=VALUE, ...))")
    name, inner = m.group(1), m.group(2)
    args: list[tuple[str | None, str]] = []
    if inner is not None and inner.strip():
        for part in inner.split(","):
            part = part.strip()
            if not part:
                raise EntityError(f"action '{text}': an empty argument")
            pname, eq, value = part.partition("=")
            if eq:
                args.append((pname.strip(), value.strip()))
            else:
                args.append((None, part))
    return name, args


def action_from_params(index: P4InfoIndex, table: p4info_pb2.Table | None, name: str,
                       params: Sequence[tuple[str | None, Any]], *,
                       default: bool = False) -> p4runtime_pb2.Action:
    """An action call: parameters by name, or positional (None) in
    declaration order.  With `table`, the action must be one of the
    table's, of the right scope (`default`: for the default entry)."""
    action = index.action(name, table)
    aname = action.preamble.name
    if table is not None:
        ref = index.action_ref(table, action.preamble.id)
        if ref is not None:
            if default and ref.scope == Scope.TABLE_ONLY:
                raise EntityError(f"action {aname} is @tableonly in table "
                                  f"{table.preamble.name}: not a default action")
            if not default and ref.scope == Scope.DEFAULT_ONLY:
                raise EntityError(f"action {aname} is @defaultonly in table "
                                  f"{table.preamble.name}: only a default action")
    values: dict[int, Any] = {}
    named = False
    for n, (pname, value) in enumerate(params):
        if pname is None:
            if named:
                raise EntityError(f"action {aname}: a value by position after one by name")
            if n >= len(action.params):
                raise EntityError(f"action {aname} takes {len(action.params)} "
                                  f"parameter{'s' if len(action.params) != 1 else ''}")
            param = action.params[n]
        else:
            named = True
            param = index.param(action, pname)
        if param.id in values:
            raise EntityError(f"action {aname}: parameter {param.name} given twice")
        values[param.id] = value
    msg = p4runtime_pb2.Action(action_id=action.preamble.id)
    for param in action.params:
        if param.id not in values:
            raise EntityError(f"action {aname}: no value for parameter {param.name}")
        v = parse_value(values[param.id], param.bitwidth, f"{aname}: parameter {param.name}")
        msg.params.add(param_id=param.id, value=canonical(v))
    return msg


def action_from_text(index: P4InfoIndex, table: p4info_pb2.Table | None, text: str, *,
                     default: bool = False) -> p4runtime_pb2.Action:
    name, args = parse_call(text)
    return action_from_params(index, table, name, args, default=default)


def format_action(index: P4InfoIndex, action: p4runtime_pb2.Action) -> str:
    info = index.actions_by_id.get(action.action_id)
    if info is None:
        return f"#{action.action_id}"
    if not info.params:
        return info.preamble.name
    by_id = {p.param_id: p.value for p in action.params}
    args = [f"{p.name}={format_value(from_bytes(by_id.get(p.id, b'')), p.bitwidth, p.name)}"
            for p in info.params]
    return f"{info.preamble.name}({','.join(args)})"


def action_json(index: P4InfoIndex, action: p4runtime_pb2.Action) -> tuple[str, dict[str, Any]]:
    info = index.actions_by_id.get(action.action_id)
    if info is None:
        return f"#{action.action_id}", {}
    by_id = {p.param_id: p.value for p in action.params}
    return info.preamble.name, {
        p.name: json_value(from_bytes(by_id.get(p.id, b"")), p.bitwidth, p.name)
        for p in info.params}


def format_table_action(index: P4InfoIndex, ta: p4runtime_pb2.TableAction) -> str:
    kind = ta.WhichOneof("type")
    if kind == "action":
        return f"action={format_action(index, ta.action)}"
    if kind == "action_profile_member_id":
        return f"member={ta.action_profile_member_id}"
    if kind == "action_profile_group_id":
        return f"group={ta.action_profile_group_id}"
    if kind == "action_profile_action_set":
        parts = [f"{format_action(index, a.action)}*{a.weight}"
                 for a in ta.action_profile_action_set.action_profile_actions]
        return f"action_set=[{';'.join(parts)}]"
    return "action=none"


# --- Entries ------------------------------------------------------------------


def needs_priority(table: p4info_pb2.Table) -> bool:
    return any(mf.match_type in PRIORITY_KINDS for mf in table.match_fields)


def build_entry(index: P4InfoIndex, table: p4info_pb2.Table,
                matches: Sequence[tuple[str, Any]], *, from_json: bool = False,
                action: p4runtime_pb2.Action | None = None, member: int | None = None,
                group: int | None = None, priority: int | None = None,
                idle_timeout_ns: int = 0, key_only: bool = False) -> p4runtime_pb2.TableEntry:
    """A table entry (not a default one).  `key_only`: for a DELETE, the
    action is neither needed nor sent."""
    tname = table.preamble.name
    entry = p4runtime_pb2.TableEntry(table_id=table.preamble.id)
    seen: dict[int, str] = {}
    fms: dict[int, p4runtime_pb2.FieldMatch] = {}
    for name, value in matches:
        mf = index.match_field(table, name)
        if mf.id in seen:
            raise EntityError(f"match field {mf.name} given twice")
        seen[mf.id] = name
        fm = match_from_json(mf, value) if from_json else match_from_text(mf, str(value))
        if fm is not None:
            fms[mf.id] = fm
    for mf in table.match_fields:
        if mf.match_type == MatchType.EXACT and mf.id not in seen:
            raise EntityError(f"table {tname}: no value for the exact match field {mf.name}")
        if mf.id in fms:
            entry.match.append(fms[mf.id])
    if needs_priority(table):
        if priority is None:
            raise EntityError(f"table {tname} has ternary, range or optional fields: its "
                              "entries need a priority (priority=N, higher wins)")
        entry.priority = priority
    elif priority:
        raise EntityError(f"table {tname} has no ternary, range or optional fields: its "
                          "entries have no priority")
    if idle_timeout_ns:
        if table.idle_timeout_behavior != p4info_pb2.Table.NOTIFY_CONTROL:
            raise EntityError(f"table {tname} does not support idle timeouts")
        entry.idle_timeout_ns = idle_timeout_ns
    if key_only:
        return entry
    given = [x for x in (action, member, group) if x is not None]
    if not given:
        raise EntityError(f"table {tname}: no action (action=NAME(PARAM=VALUE, ...))")
    if len(given) > 1:
        raise EntityError("give one of action=, member= and group=")
    if action is not None:
        entry.action.action.CopyFrom(action)
    elif member is not None:
        entry.action.action_profile_member_id = member
    elif group is not None:
        entry.action.action_profile_group_id = group
    return entry


def entry_from_items(index: P4InfoIndex, table_name: str, args: Iterable[str], *,
                     priority: int | None = None, key_only: bool = False
                     ) -> p4runtime_pb2.TableEntry:
    """A table entry from command-line items (module docstring);
    `priority` from an option, if the items do not give one."""
    table = index.table(table_name)
    items = parse_items(args)
    if items.priority is not None and priority is not None and items.priority != priority:
        raise EntityError(f"two priorities: {priority} and {items.priority}")
    action = None
    if items.action is not None and not key_only:
        action = action_from_text(index, table, items.action)
    return build_entry(index, table, items.matches, action=action, member=items.member,
                       group=items.group,
                       priority=items.priority if items.priority is not None else priority,
                       idle_timeout_ns=round((items.idle_timeout or 0) * 1e9),
                       key_only=key_only)


def default_entry(index: P4InfoIndex, table_name: str, action_text: str | None
                  ) -> p4runtime_pb2.TableEntry:
    """The default entry of a table, for a MODIFY: with the action, or,
    without, back to the program's default action."""
    table = index.table(table_name)
    entry = p4runtime_pb2.TableEntry(table_id=table.preamble.id, is_default_action=True)
    if action_text is not None:
        text = action_text.strip()
        if text.startswith("action="):
            text = text[len("action="):]
        if table.const_default_action_id:
            raise EntityError(f"table {table.preamble.name} has a const default action")
        entry.action.action.CopyFrom(action_from_text(index, table, text, default=True))
    return entry


def read_entities(index: P4InfoIndex, table_name: str | None = None
                  ) -> list[p4runtime_pb2.Entity]:
    """What to read for `dump-entries`: one table's entries (or every
    table's), with direct counters and meter configs where there are."""
    tables = [index.table(table_name)] if table_name else list(index.p4info.tables)
    out = []
    for t in tables:
        e = p4runtime_pb2.Entity()
        e.table_entry.table_id = t.preamble.id
        if index.table_direct_counter(t) is not None:
            e.table_entry.counter_data.SetInParent()
        if index.table_direct_meter(t) is not None:
            e.table_entry.meter_config.SetInParent()
        out.append(e)
    return out


def read_default_entity(index: P4InfoIndex, table_name: str) -> p4runtime_pb2.Entity:
    e = p4runtime_pb2.Entity()
    e.table_entry.table_id = index.table(table_name).preamble.id
    e.table_entry.is_default_action = True
    return e


def _counter_items(index: P4InfoIndex, table: p4info_pb2.Table,
                   entry: p4runtime_pb2.TableEntry) -> list[str]:
    dc = index.table_direct_counter(table)
    if dc is None or not entry.HasField("counter_data"):
        return []
    unit = dc.spec.unit
    out = []
    if unit in (CounterUnit.PACKETS, CounterUnit.BOTH, CounterUnit.UNSPECIFIED):
        out.append(f"n_packets={entry.counter_data.packet_count}")
    if unit in (CounterUnit.BYTES, CounterUnit.BOTH, CounterUnit.UNSPECIFIED):
        out.append(f"n_bytes={entry.counter_data.byte_count}")
    return out


def _meter_text(config: p4runtime_pb2.MeterConfig) -> str:
    return (f"cir={config.cir}, cburst={config.cburst}, pir={config.pir}, "
            f"pburst={config.pburst}")


def format_entry(index: P4InfoIndex, entry: p4runtime_pb2.TableEntry) -> str:
    """One line, as `ovs-ofctl dump-flows`:

        table=T, n_packets=3, n_bytes=294, priority=10,F1=V1,F2=V2 action=A(P=V)
    """
    table = index.tables_by_id.get(entry.table_id)
    if table is None:
        return f"table=#{entry.table_id}, (unknown table)"
    head = [f"table={table.preamble.name}"]
    if entry.is_default_action:
        head.append("default")
    if entry.is_const:
        head.append("const")
    if entry.controller_metadata:
        head.append(f"cookie={entry.controller_metadata:#x}")
    head += _counter_items(index, table, entry)
    if entry.idle_timeout_ns:
        head.append(f"idle_timeout={entry.idle_timeout_ns / 1e9:g}")
    if entry.HasField("meter_config") and index.table_direct_meter(table) is not None:
        cfg = entry.meter_config
        if cfg.cir or cfg.pir or cfg.cburst or cfg.pburst:
            head.append(_meter_text(cfg))
    fields = {mf.id: mf for mf in table.match_fields}
    match = [f"priority={entry.priority}"] if entry.priority else []
    for fm in sorted(entry.match, key=lambda m: list(fields).index(m.field_id)
                     if m.field_id in fields else 1 << 30):
        mf = fields.get(fm.field_id)
        if mf is None:
            match.append(f"#{fm.field_id}=?")
        else:
            match.append(f"{mf.name}={format_match(mf, fm)}")
    line = ", ".join(head)
    if match:
        line += ", " + ",".join(match)
    return f"{line} {format_table_action(index, entry.action)}"


def entry_json(index: P4InfoIndex, entry: p4runtime_pb2.TableEntry) -> dict[str, Any]:
    """An entry as the P4 tutorials' runtime files write it (`load-entries`
    reads it back), with what the switch adds: counter_data,
    meter_config, idle_timeout_ns, is_const."""
    table = index.tables_by_id.get(entry.table_id)
    if table is None:
        return {"table": f"#{entry.table_id}"}
    out: dict[str, Any] = {"table": table.preamble.name}
    if entry.is_default_action:
        out["default_action"] = True
    else:
        fields = {mf.id: mf for mf in table.match_fields}
        out["match"] = {fields[fm.field_id].name: match_json(fields[fm.field_id], fm)
                        for fm in sorted(entry.match, key=lambda m: list(fields).index(
                            m.field_id) if m.field_id in fields else 1 << 30)
                        if fm.field_id in fields}
    kind = entry.action.WhichOneof("type")
    if kind == "action":
        out["action_name"], out["action_params"] = action_json(index, entry.action.action)
    elif kind == "action_profile_member_id":
        out["member_id"] = entry.action.action_profile_member_id
    elif kind == "action_profile_group_id":
        out["group_id"] = entry.action.action_profile_group_id
    if entry.priority:
        out["priority"] = entry.priority
    if entry.is_const:
        out["is_const"] = True
    if entry.controller_metadata:
        out["controller_metadata"] = entry.controller_metadata
    if entry.idle_timeout_ns:
        out["idle_timeout_ns"] = entry.idle_timeout_ns
    dc = index.table_direct_counter(table)
    if dc is not None and entry.HasField("counter_data"):
        out["counter_data"] = {"packets": entry.counter_data.packet_count,
                               "bytes": entry.counter_data.byte_count}
    if index.table_direct_meter(table) is not None and entry.HasField("meter_config"):
        cfg = entry.meter_config
        out["meter_config"] = {"cir": cfg.cir, "cburst": cfg.cburst, "pir": cfg.pir,
                               "pburst": cfg.pburst}
    return out


def sort_entries(index: P4InfoIndex, entries: Iterable[p4runtime_pb2.TableEntry]
                 ) -> list[p4runtime_pb2.TableEntry]:
    """Entries in a stable order: by table (P4Info order), then priority
    (highest first), then match."""
    order = {t.preamble.id: n for n, t in enumerate(index.p4info.tables)}

    def key(e: p4runtime_pb2.TableEntry) -> tuple[Any, ...]:
        matches = []
        for fm in sorted(e.match, key=lambda m: m.field_id):
            try:
                v, second = match_values(p4info_pb2.MatchField(name="?"), fm)
            except EntityError:
                v, second = 0, None
            matches.append((fm.field_id, v, -1 if second is None else second))
        return (order.get(e.table_id, 1 << 30), -e.priority, matches)

    return sorted(entries, key=key)
