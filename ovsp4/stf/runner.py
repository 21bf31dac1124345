"""Run an STF test against a target, with BMv2's rules.

Names are resolved as p4c's BMv2 STF driver does: a table, key field or
action may be given by a suffix of its control-plane name at a `.`
boundary (`ipv4_lpm` for `MyIngress.ipv4_lpm`, `ipv4.dstAddr` for
`hdr.ipv4.dstAddr`), when that suffix is unique.

Outputs are checked as BMv2's driver checks them: on every port the STF
mentions, the packets received must be the expected ones, in order, and
no more; a pattern matches a packet at least as long as it (exactly as
long with `$`), `*` matching any nibble. Packets to ports the STF never
mentions are not checked (BMv2 has no interface there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ovsp4.control import protocol as p
from ovsp4.control.client import ControlClient
from ovsp4.proto import p4info_pb2
from ovsp4.sim.pipeline import Output
from ovsp4.stf import parser as stf

MatchType = p4info_pb2.MatchField


class StfError(Exception):
    """The STF cannot be run (unknown name, bad value, target error)."""


Sender = Callable[[int, bytes], list[Output]]


@dataclass
class StfResult:
    passed: bool
    message: str = ""
    packets_sent: int = 0
    packets_checked: int = 0


def _by_suffix(names: dict[str, object], wanted: str, what: str, line: int) -> object:
    if wanted in names:
        return names[wanted]
    found = [n for n in names if n.endswith("." + wanted)]
    if len(found) == 1:
        return names[found[0]]
    if not found:
        raise StfError(f"line {line}: no {what} '{wanted}'")
    raise StfError(f"line {line}: {what} '{wanted}' is ambiguous: {', '.join(sorted(found))}")


def _number(text: str, width: int, what: str, line: int) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise StfError(f"line {line}: {what}: '{text}' is not a number") from None
    if value < 0 or value >= 1 << max(width, 1):
        raise StfError(f"line {line}: {what}: {text} does not fit in {width} bits")
    return value


def _to_bytes(value: int, width: int) -> bytes:
    return value.to_bytes(max(1, (width + 7) // 8), "big")


def _wildcard(text: str, width: int, what: str, line: int) -> tuple[int, int, int]:
    """`0x1**` -> (value, mask, significant bits): `*` digits are don't-care."""
    prefix = text[:2].lower()
    bits = {"0x": 4, "0b": 1, "0o": 3}.get(prefix)
    if bits is None:
        raise StfError(f"line {line}: {what}: wildcards need 0x, 0b or 0o: '{text}'")
    digits = text[2:]
    value = mask = 0
    for d in digits:
        value <<= bits
        mask <<= bits
        if d != "*":
            value |= int(d, 1 << bits)
            mask |= (1 << bits) - 1
    significant = len(digits.rstrip("*")) * bits
    full = (1 << width) - 1
    return value & full, mask & full, significant


class StfRunner:
    def __init__(self, p4info: p4info_pb2.P4Info, client: ControlClient, send: Sender) -> None:
        self.p4info = p4info
        self.client = client
        self.send = send
        self.tables = {t.preamble.name: t for t in p4info.tables}
        self.actions = {a.preamble.id: a for a in p4info.actions}
        self.mc_nodes: list[tuple[int, list[int]]] = []
        self.mc_groups: dict[int, list[tuple[int, int]]] = {}

    # -- entries ----------------------------------------------------------------

    def _field_match(self, mf: p4info_pb2.MatchField, text: str, line: int) -> p.FieldMatch:
        width = mf.bitwidth
        what = f"key {mf.name}"
        kind = mf.match_type
        if kind == MatchType.TERNARY:
            if "&&&" in text:
                v, m = text.split("&&&", 1)
                value, mask = _number(v, width, what, line), _number(m, width, what, line)
            elif "*" in text:
                value, mask, _ = _wildcard(text, width, what, line)
            else:
                value, mask = _number(text, width, what, line), (1 << width) - 1
            return p.FieldMatch.ternary(
                mf.id, _to_bytes(value & mask, width), _to_bytes(mask, width)
            )
        if kind == MatchType.LPM:
            if "/" in text:
                v, plen = text.split("/", 1)
                value = _number(v, width, what, line)
                prefix_len = _number(plen, 32, what, line)
            elif "*" in text:
                value, _, prefix_len = _wildcard(text, width, what, line)
            else:
                value, prefix_len = _number(text, width, what, line), width
            if prefix_len > width:
                raise StfError(f"line {line}: {what}: prefix /{prefix_len} longer than {width}")
            keep = ((1 << prefix_len) - 1) << (width - prefix_len)
            return p.FieldMatch.lpm(mf.id, _to_bytes(value & keep, width), prefix_len)
        if kind == MatchType.RANGE:
            lo, sep, hi = text.partition("..")
            low = _number(lo, width, what, line)
            high = _number(hi, width, what, line) if sep else low
            return p.FieldMatch.range(mf.id, _to_bytes(low, width), _to_bytes(high, width))
        value = _to_bytes(_number(text, width, what, line), width)
        if kind == MatchType.OPTIONAL:
            return p.FieldMatch.optional(mf.id, value)
        return p.FieldMatch.exact(mf.id, value)

    def _action(
        self, table: p4info_pb2.Table, name: str, args: list[tuple[str, str]], line: int
    ) -> p.Action:
        candidates = {
            self.actions[r.id].preamble.name: self.actions[r.id] for r in table.action_refs
        }
        action = _by_suffix(candidates, name, f"action of {table.preamble.name}", line)
        assert isinstance(action, p4info_pb2.Action)
        given = dict(args)
        params = []
        for param in action.params:
            if param.name not in given:
                raise StfError(f"line {line}: action {name}: no value for parameter {param.name}")
            text = given.pop(param.name)
            value = _number(text, param.bitwidth, f"parameter {param.name}", line)
            params.append((param.id, _to_bytes(value, param.bitwidth)))
        if given:
            raise StfError(f"line {line}: action {name} has no parameter {', '.join(given)}")
        return p.Action(p.ActionKind.DIRECT, action.preamble.id, params)

    def _table(self, name: str, line: int) -> p4info_pb2.Table:
        table = _by_suffix(self.tables, name, "table", line)  # type: ignore[arg-type]
        assert isinstance(table, p4info_pb2.Table)
        return table

    def _add(self, cmd: stf.Add) -> None:
        table = self._table(cmd.table, cmd.line)
        fields = {mf.name: mf for mf in table.match_fields}
        matches = []
        for name, text in cmd.keys:
            mf = _by_suffix(fields, name, f"key field of {table.preamble.name}", cmd.line)
            assert isinstance(mf, p4info_pb2.MatchField)
            matches.append(self._field_match(mf, text, cmd.line))
        action = self._action(table, cmd.action, cmd.args, cmd.line)
        has_priority = any(
            mf.match_type in (MatchType.TERNARY, MatchType.RANGE, MatchType.OPTIONAL)
            for mf in table.match_fields
        )
        priority = cmd.priority if cmd.priority is not None else (1 if has_priority else 0)
        entry = p.TableEntry(table.preamble.id, matches, priority, action)
        self.client.insert_entries([entry])

    # -- running ----------------------------------------------------------------

    def run(self, commands: list[stf.Command]) -> StfResult:
        expected: dict[int, list[stf.Expect]] = {}
        any_ok: set[int] = set()
        ports: set[int] = set()
        received: dict[int, list[bytes]] = {}
        sent = 0
        for cmd in commands:
            if isinstance(cmd, stf.Packet):
                ports.add(cmd.port)
                sent += 1
                for out in self.send(cmd.port, cmd.data):
                    received.setdefault(out.port, []).append(out.data)
            elif isinstance(cmd, stf.Expect):
                ports.add(cmd.port)
                if cmd.pattern is None:
                    any_ok.add(cmd.port)
                else:
                    expected.setdefault(cmd.port, []).append(cmd)
            elif isinstance(cmd, stf.Add):
                self._add(cmd)
            elif isinstance(cmd, stf.SetDefault):
                table = self._table(cmd.table, cmd.line)
                self.client.set_default(
                    table.preamble.id, self._action(table, cmd.action, cmd.args, cmd.line)
                )
            elif isinstance(cmd, stf.MirroringAdd):
                self.client.set_clone_session(cmd.session, [(cmd.port, 0)])
            elif isinstance(cmd, stf.McGroupCreate):
                self.mc_groups[cmd.group] = []
                self.client.set_mcast_group(cmd.group, [])
            elif isinstance(cmd, stf.McNodeCreate):
                self.mc_nodes.append((cmd.rid, cmd.ports))
            elif isinstance(cmd, stf.McNodeAssociate):
                if cmd.handle >= len(self.mc_nodes):
                    raise StfError(f"line {cmd.line}: no multicast node {cmd.handle}")
                rid, node_ports = self.mc_nodes[cmd.handle]
                replicas = self.mc_groups.setdefault(cmd.group, [])
                replicas.extend((port, rid) for port in node_ports)
                self.client.set_mcast_group(cmd.group, replicas)
            elif isinstance(cmd, stf.Wait):
                pass  # the simulator runs every packet to completion
        return self._check(ports, expected, any_ok, received, sent)

    @staticmethod
    def _check(
        ports: set[int],
        expected: dict[int, list[stf.Expect]],
        any_ok: set[int],
        received: dict[int, list[bytes]],
        sent: int,
    ) -> StfResult:
        checked = 0
        for port in sorted(ports):
            if port in any_ok:
                continue
            want = expected.get(port, [])
            got = received.get(port, [])
            for i, (exp, data) in enumerate(zip(want, got, strict=False)):
                problem = match_packet(exp.pattern or "", exp.exact_length, data)
                if problem:
                    return StfResult(
                        False,
                        f"port {port}, packet {i} (expect on line {exp.line}): {problem}\n"
                        f"  expected {exp.pattern}{' $' if exp.exact_length else ''}\n"
                        f"  got      {data.hex().upper()}",
                        sent,
                        checked,
                    )
                checked += 1
            if len(got) != len(want):
                if len(got) > len(want):
                    detail = f"; first unexpected: {got[len(want)].hex().upper()}"
                else:
                    missing = want[len(got)]
                    detail = (
                        f"; first missing (expect on line {missing.line}): "
                        f"{missing.pattern}{' $' if missing.exact_length else ''}"
                    )
                return StfResult(
                    False,
                    f"port {port}: expected {len(want)} packets, got {len(got)}{detail}",
                    sent,
                    checked,
                )
        return StfResult(True, "", sent, checked)


def match_packet(pattern: str, exact_length: bool, data: bytes) -> str:
    """'' if `data` matches the STF pattern, else what differs."""
    got = data.hex().upper()
    if len(got) < len(pattern):
        return f"packet too short: {len(data)} bytes, expected {(len(pattern) + 1) // 2}"
    if exact_length and len(got) != len(pattern):
        return f"packet length {len(data)} bytes, expected exactly {(len(pattern) + 1) // 2}"
    for i, want in enumerate(pattern):
        if want != "*" and want != got[i]:
            return f"differs at nibble {i} (byte {i // 2}): expected {want}, got {got[i]}"
    return ""
