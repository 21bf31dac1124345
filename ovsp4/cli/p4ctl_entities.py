"""ovs-p4ctl's entity commands: table entries, counters, meters, registers,
action profile members and groups, parser value sets, multicast groups,
clone sessions, packet-out and packet-in, over P4Runtime
to ovs-p4rtd (registered on ovs-p4ctl's command group).

The bridge is looked up in OVSDB for its device id (``P4_Bridge.device_id``)
and P4Runtime address; the server is ``--p4runtime HOST:PORT``, else
``$OVSP4_P4RUNTIME``, else the bridge's ``p4runtime_address``, else
127.0.0.1:9559; TLS with ``--p4runtime-ca-cert`` (and, for mutual TLS,
``--p4runtime-certificate`` and ``--p4runtime-private-key``).  The P4Info
comes from the server.  Reads need no arbitration; writes arbitrate first
(``--election-id``, default 0:1) and fail with one line if another client
is the primary.  Texts and formats:
:mod:`ovsp4.entities`; see Documentation/management.md.
"""

from __future__ import annotations

import json
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ovsp4.cli.common import fail
from ovsp4.cli.p4ctl import PROG, Settings, errors, main, pass_settings

if TYPE_CHECKING:
    import grpc

    from ovsp4.entities.index import P4InfoIndex
    from ovsp4.p4runtime.client import P4RuntimeClient, P4RuntimeClientError
    from ovsp4.proto import p4runtime_pb2

DEFAULT_ADDRESS = "127.0.0.1:9559"
MONITOR_ROLE = "ovs-p4ctl-monitor"
DEFAULT_ELECTION_ID = (0, 1)

format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.")


# --- Connection ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    bridge: str
    device_id: int
    address: str


def client_address(listen: str | None) -> str | None:
    """Where to reach a server that listens on `listen` (`:9559`,
    `0.0.0.0:9559`, `[::]:9559` are reached on the loopback)."""
    if not listen:
        return None
    host, sep, port = listen.rpartition(":")
    if not sep:
        return listen
    if host in ("", "0.0.0.0", "*"):
        return f"127.0.0.1:{port}"
    if host in ("[::]", "::"):
        return f"[::1]:{port}"
    return listen


def resolve(s: Settings, bridge: str) -> Target:
    from ovsp4.ovsdb import records as rec
    from ovsp4.ovsdb.db import DbError

    with s.connect() as db:
        br = rec.p4_bridge(db, bridge)
    if not br.managed or br.device_id is None:
        raise DbError(f"{bridge} has no P4Runtime device id (it was made without ovs-p4ctl: "
                      f"'ovs-p4ctl set-pipe {bridge} PROG.p4' gives it one)")
    address = (s.p4runtime or os.environ.get("OVSP4_P4RUNTIME")
               or client_address(br.p4runtime_address) or DEFAULT_ADDRESS)
    return Target(bridge, br.device_id, address)


class _EncryptedKey(Exception):
    pass


def _no_password() -> bytes:
    # Called for an encrypted key only: say so rather than prompt.
    raise _EncryptedKey


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(PROG, f"{path}: cannot read: {exc.strerror or exc}")
    raise AssertionError("unreachable")


def _check_tls_files(s: Settings, ca: bytes | None, cert: bytes | None) -> None:
    """A bad PEM file as one line naming it: gRPC would log it to stderr
    and report only a failed handshake."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for path, data in ((s.ca_cert, ca), (s.certificate, cert)):
        if data is None:
            continue
        try:
            ctx.load_verify_locations(cadata=data.decode("ascii", "replace"))
        except (ssl.SSLError, ValueError):
            fail(PROG, f"{path}: not a PEM certificate")
    if s.certificate is None or s.private_key is None:
        return
    try:
        ctx.load_cert_chain(s.certificate, s.private_key, password=_no_password)
    except _EncryptedKey:
        fail(PROG, f"{s.private_key}: an encrypted private key (give an unencrypted one)")
    except ssl.SSLError as exc:
        why = (f"does not match the certificate {s.certificate}"
               if exc.reason == "KEY_VALUES_MISMATCH" else "not a PEM private key")
        fail(PROG, f"{s.private_key}: {why}")


def channel_credentials(s: Settings) -> grpc.ChannelCredentials | None:
    """TLS credentials from the --p4runtime-* files; None: plaintext."""
    if not s.tls:
        return None
    import grpc

    ca, cert, key = _read(s.ca_cert), _read(s.certificate), _read(s.private_key)
    _check_tls_files(s, ca, cert)
    # Without a CA certificate gRPC verifies the server with its default roots.
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key,
                                        certificate_chain=cert)


def _eid(eid: tuple[int, int]) -> str:
    return f"{eid[0]}:{eid[1]}"


class Session:
    """A P4Runtime connection to one bridge's device, with its P4Info."""

    def __init__(self, s: Settings, target: Target, *, role: str | None = None) -> None:
        from ovsp4.p4runtime.client import P4RuntimeClient

        self.s = s
        self.target = target
        self.role = role if role is not None else (s.role or "")
        self.client: P4RuntimeClient = P4RuntimeClient(
            target.address, target.device_id, election_id=s.election_id or DEFAULT_ELECTION_ID,
            role=self.role, timeout=s.timeout, credentials=channel_credentials(s))
        self._index: P4InfoIndex | None = None

    def close(self) -> None:
        self.client.close()

    @property
    def index(self) -> P4InfoIndex:
        from ovsp4.entities.index import P4InfoIndex

        if self._index is None:
            self._index = P4InfoIndex(self.client.p4info())
        return self._index

    def error(self, exc: P4RuntimeClientError, labels: Sequence[str] | None = None,
              where: str | None = None) -> str:
        """One line for a failed request: the bridge, which update (by its
        label, or its number when there were several), why."""
        import grpc

        where = where or self.target.bridge
        if exc.code == grpc.StatusCode.UNAVAILABLE and not exc.updates:
            return f"{where}: {self.unreachable(exc.message)}"
        if not exc.updates:
            return f"{where}: {exc.code.name}: {exc.message}"
        first = exc.updates[0]
        if labels is None:
            label = ""
        elif first.index < len(labels):
            label = f"{labels[first.index]}: "
        else:
            label = f"update {first.index + 1}: "
        more = f" (and {len(exc.updates) - 1} more)" if len(exc.updates) > 1 else ""
        return f"{where}: {label}{first.code.name}: {first.message}{more}"

    def unreachable(self, message: str) -> str:
        """No connection: a TLS handshake that failed (or a server that
        closed the connection during it) is UNAVAILABLE too."""
        address = self.target.address
        if not self.s.tls:
            return (f"cannot reach ovs-p4rtd at {address} ({message}); see --p4runtime "
                    "(and --p4runtime-ca-cert if it serves TLS)")
        if self.s.certificate is None:
            hint = ("see --p4runtime-ca-cert, and --p4runtime-certificate and "
                    "--p4runtime-private-key if it requires a client certificate")
        else:
            hint = "see --p4runtime-ca-cert, --p4runtime-certificate, --p4runtime-private-key"
        return f"cannot reach ovs-p4rtd at {address} over TLS ({message}); {hint}"

    def become_primary(self) -> None:
        """Arbitrates: the primary client of the device (and role), or one
        clear line saying who is."""
        import grpc

        ok = grpc.StatusCode.OK.value[0]
        not_found = grpc.StatusCode.NOT_FOUND.value[0]
        eid = self.s.election_id or DEFAULT_ELECTION_ID
        answer = self.client.arbitrate(eid, check=False)
        seen = (answer.election_id.high, answer.election_id.low)
        if answer.status.code == not_found and self.s.election_id is None and seen > eid:
            # No client is the primary, but one was, with a higher election
            # id: only that id or above can be the primary now.
            answer = self.client.arbitrate(seen, check=False)
            eid = seen
            seen = (answer.election_id.high, answer.election_id.low)
        if answer.status.code == ok:
            return
        role = f" role '{self.role}'" if self.role else ""
        where = f"{self.target.bridge} (device {self.target.device_id}{role})"
        if answer.status.code == not_found:
            fail(PROG, f"{where}: election id {_eid(eid)} is below the highest one the device "
                       f"has seen ({_eid(seen)}): give --election-id {_eid(seen)} or above")
        fail(PROG, f"{where}: a controller is the primary client, with election id "
                   f"{_eid(seen)}: ovs-p4ctl writes only as the primary; --election-id "
                   f"HIGH:LOW above {_eid(seen)} takes over from it")

    def write(self, updates: Sequence[p4runtime_pb2.Update],
              labels: Sequence[str] | None = None, where: str | None = None) -> None:
        """Writes; a failure is one line (the first failed update's label
        and error, and how many more failed)."""
        from ovsp4.p4runtime.client import P4RuntimeClientError

        if labels is None and len(updates) > 1:
            labels = [f"update {i + 1}" for i in range(len(updates))]
        try:
            self.client.write(updates)
        except P4RuntimeClientError as exc:
            fail(PROG, self.error(exc, labels, where))

    def read(self, entities: Sequence[p4runtime_pb2.Entity]) -> list[p4runtime_pb2.Entity]:
        from ovsp4.p4runtime.client import P4RuntimeClientError

        try:
            return list(self.client.read(entities))
        except P4RuntimeClientError as exc:
            fail(PROG, self.error(exc))
        raise AssertionError("unreachable")


@contextmanager
def session(s: Settings, bridge: str, *, primary: bool = False, role: str | None = None
            ) -> Iterator[Session]:
    from ovsp4.p4runtime.client import P4RuntimeClientError

    sess = Session(s, resolve(s, bridge), role=role)
    try:
        try:
            sess.index  # noqa: B018 -- the P4Info first: a device without pipeline says so
            if primary:
                sess.become_primary()
        except P4RuntimeClientError as exc:
            fail(PROG, sess.error(exc))
        yield sess
    finally:
        sess.close()


def update(kind: str, entity: p4runtime_pb2.Entity) -> p4runtime_pb2.Update:
    from ovsp4.proto import p4runtime_pb2

    return p4runtime_pb2.Update(type=p4runtime_pb2.Update.Type.Value(kind), entity=entity)


def _entity_of_entry(entry: p4runtime_pb2.TableEntry) -> p4runtime_pb2.Entity:
    from ovsp4.proto import p4runtime_pb2

    return p4runtime_pb2.Entity(table_entry=entry)


def emit(fmt: str, lines: Callable[[], list[str]], obj: Callable[[], Any]) -> None:
    if fmt == "json":
        click.echo(json.dumps(obj(), indent=2))
    else:
        for line in lines():
            click.echo(line)


# --- Table entries ------------------------------------------------------------

priority_option = click.option("--priority", type=click.IntRange(1, (1 << 31) - 1),
                               metavar="N", help="The entry's priority (or priority=N).")


def _entry_command(name: str, kind: str, help_text: str) -> None:
    @main.command(name, help=help_text)
    @click.argument("bridge")
    @click.argument("table")
    @click.argument("items", nargs=-1, required=True)
    @priority_option
    @pass_settings
    @errors
    def command(s: Settings, bridge: str, table: str, items: tuple[str, ...],
                priority: int | None) -> None:
        from ovsp4.entities.entries import entry_from_items

        with session(s, bridge, primary=True) as sess:
            entry = entry_from_items(sess.index, table, items, priority=priority,
                                     key_only=kind == "DELETE")
            sess.write([update(kind, _entity_of_entry(entry))])


_ITEMS_HELP = """

ITEMS: FIELD=VALUE (exact V, lpm V/LEN, ternary V&&&MASK, range LOW..HIGH,
optional V, '*' for don't care), priority=N, action=NAME(PARAM=VALUE, ...);
values in decimal, 0x hex, IPv4, IPv6 or MAC."""

_entry_command("add-entry", "INSERT",
               "Add an entry to TABLE of BRIDGE's pipeline." + _ITEMS_HELP)
_entry_command("mod-entry", "MODIFY",
               "Change the action of an entry of TABLE (the entry with this match and "
               "priority)." + _ITEMS_HELP)
_entry_command("del-entry", "DELETE",
               "Delete the entry of TABLE with this match (and priority); an action, if "
               "given, is ignored." + _ITEMS_HELP)


@main.command("del-entries")
@click.argument("bridge")
@click.argument("table", required=False)
@pass_settings
@errors
def del_entries(s: Settings, bridge: str, table: str | None) -> None:
    """Delete every entry of TABLE (of every table), const entries aside."""
    from ovsp4.entities.entries import read_entities

    with session(s, bridge, primary=True) as sess:
        found = sess.read(read_entities(sess.index, table))
        deletes = []
        for e in found:
            entry = e.table_entry
            if entry.is_const:
                continue
            entry.ClearField("action")
            entry.ClearField("counter_data")
            entry.ClearField("meter_config")
            entry.ClearField("time_since_last_hit")
            deletes.append(update("DELETE", _entity_of_entry(entry)))
        if deletes:
            sess.write(deletes)


def _mark_const_default(index: P4InfoIndex, entry: p4runtime_pb2.TableEntry
                        ) -> p4runtime_pb2.TableEntry:
    """The server leaves is_const off default entries; a program's const
    default action is const all the same (set-default-entry refuses it), as
    is the default action of an action profile's table (P4Runtime spec)."""
    table = index.tables_by_id.get(entry.table_id)
    if entry.is_default_action and table is not None and (
            table.const_default_action_id or table.implementation_id):
        entry.is_const = True
    return entry


def _tables_then_defaults(index: P4InfoIndex, entries: list[p4runtime_pb2.TableEntry]
                          ) -> list[p4runtime_pb2.TableEntry]:
    """Each table's entries (sorted), then its default entry, as ovs-ofctl
    dump-flows puts the table-miss flow after a table's flows."""
    from ovsp4.entities.entries import sort_entries

    order = {t.preamble.id: n for n, t in enumerate(index.p4info.tables)}
    by_table: dict[int, list[p4runtime_pb2.TableEntry]] = {}
    for e in sort_entries(index, (e for e in entries if not e.is_default_action)):
        by_table.setdefault(e.table_id, []).append(e)
    for e in entries:
        if e.is_default_action:
            by_table.setdefault(e.table_id, []).append(_mark_const_default(index, e))
    return [e for t in sorted(by_table, key=lambda t: order.get(t, 1 << 30))
            for e in by_table[t]]


@main.command("dump-entries")
@click.argument("bridge")
@click.argument("table", required=False)
@format_option
@pass_settings
@errors
def dump_entries(s: Settings, bridge: str, table: str | None, fmt: str) -> None:
    """Print the entries of TABLE (of every table), one per line as
    ovs-ofctl dump-flows, with their direct counters, then the table's
    default entry; --format json prints a runtime file load-entries reads
    back."""
    from ovsp4.entities.entries import (
        entry_json,
        format_entry,
        read_default_entity,
        read_entities,
    )

    with session(s, bridge) as sess:
        index = sess.index
        names = ([index.table(table).preamble.name] if table
                 else [t.preamble.name for t in index.p4info.tables])
        # One Read: the entries, and the default entries, which a wildcard
        # read leaves out (P4Runtime spec), table by table.
        wanted = read_entities(index, table) + [read_default_entity(index, n) for n in names]
        entries = _tables_then_defaults(index, [e.table_entry for e in sess.read(wanted)])
    emit(fmt, lambda: [format_entry(index, e) for e in entries],
         lambda: {"table_entries": [entry_json(index, e) for e in entries]})


@main.command("set-default-entry")
@click.argument("bridge")
@click.argument("table")
@click.argument("action", nargs=-1)
@click.option("--reset", is_flag=True, help="Back to the program's default action.")
@pass_settings
@errors
def set_default_entry(s: Settings, bridge: str, table: str, action: tuple[str, ...],
                      reset: bool) -> None:
    """Set the action of TABLE's default entry: ACTION is NAME(PARAM=VALUE,
    ...)."""
    from ovsp4.entities.entries import default_entry, split_items

    if bool(action) == reset:
        raise click.UsageError("give either ACTION or --reset")
    items = split_items(action) if action else []
    if len(items) > 1:
        raise click.UsageError(f"one action, not {len(items)}: {' '.join(items)}")
    with session(s, bridge, primary=True) as sess:
        entry = default_entry(sess.index, table, items[0] if items else None)
        sess.write([update("MODIFY", _entity_of_entry(entry))])


@main.command("get-default-entry")
@click.argument("bridge")
@click.argument("table")
@format_option
@pass_settings
@errors
def get_default_entry(s: Settings, bridge: str, table: str, fmt: str) -> None:
    """Print the default entry of TABLE."""
    from ovsp4.entities.entries import entry_json, format_entry, read_default_entity

    with session(s, bridge) as sess:
        index = sess.index
        found = [_mark_const_default(index, e.table_entry)
                 for e in sess.read([read_default_entity(index, table)])]
    emit(fmt, lambda: [format_entry(index, e) for e in found],
         lambda: entry_json(index, found[0]) if len(found) == 1
         else [entry_json(index, e) for e in found])


# --- Counters, meters, registers ------------------------------------------------


@main.command("dump-counters")
@click.argument("bridge")
@click.argument("counter", required=False)
@click.argument("index", required=False)
@format_option
@pass_settings
@errors
def dump_counters(s: Settings, bridge: str, counter: str | None, index: str | None,
                  fmt: str) -> None:
    """Print the cells of COUNTER (of every counter; direct counters are in
    dump-entries), or cell INDEX."""
    from ovsp4.entities.externs import counter_json, counter_read, format_counter

    with session(s, bridge) as sess:
        ix = sess.index
        found = [e.counter_entry for e in sess.read([counter_read(ix, counter, index)])]
    found.sort(key=lambda c: (c.counter_id, c.index.index))
    emit(fmt, lambda: [format_counter(ix, c) for c in found],
         lambda: [counter_json(ix, c) for c in found])


@main.command("read-register")
@click.argument("bridge")
@click.argument("register", required=False)
@click.argument("index", required=False)
@format_option
@pass_settings
@errors
def read_register(s: Settings, bridge: str, register: str | None, index: str | None,
                  fmt: str) -> None:
    """Print the cells of REGISTER (of every register), or cell INDEX."""
    from ovsp4.entities.externs import format_register, register_json, register_read

    with session(s, bridge) as sess:
        ix = sess.index
        found = [e.register_entry for e in sess.read([register_read(ix, register, index)])]
    found.sort(key=lambda r: (r.register_id, r.index.index))
    emit(fmt, lambda: [format_register(ix, r) for r in found],
         lambda: [register_json(ix, r) for r in found])


@main.command("write-register")
@click.argument("bridge")
@click.argument("register")
@click.argument("index")
@click.argument("value")
@pass_settings
@errors
def write_register(s: Settings, bridge: str, register: str, index: str, value: str) -> None:
    """Set cell INDEX ('*': every cell) of REGISTER to VALUE."""
    from ovsp4.entities.externs import register_write

    with session(s, bridge, primary=True) as sess:
        sess.write([update("MODIFY", register_write(sess.index, register, index, value))])


@main.command("set-meter")
@click.argument("bridge")
@click.argument("meter")
@click.argument("items", nargs=-1)
@click.option("--priority", type=click.IntRange(1, (1 << 31) - 1), metavar="N",
              help="A direct meter's entry priority (or priority=N).")
@pass_settings
@errors
def set_meter(s: Settings, bridge: str, meter: str, items: tuple[str, ...],
              priority: int | None) -> None:
    """Configure cell INDEX ('*': every cell) of the meter METER, or, for a
    direct meter (METER: it or its table), the entry with MATCH:
    cir=RATE cburst=BURST [pir=RATE pburst=BURST], in the meter's units
    (packets or bytes) per second and units; without rates, the meter goes
    back to unconfigured (every packet green)."""
    from ovsp4.entities.entries import entry_from_items, split_items
    from ovsp4.entities.externs import (
        METER_KEYS,
        direct_meter_entry,
        meter_config,
        meter_entry,
        meter_table,
    )
    from ovsp4.entities.values import EntityError

    rates: dict[str, str] = {}
    rest: list[str] = []
    for item in split_items(items):
        key, eq, value = item.partition("=")
        if eq and key.strip() in METER_KEYS:
            rates[key.strip()] = value.strip()
        else:
            rest.append(item)
    config = meter_config(rates)
    with session(s, bridge, primary=True) as sess:
        ix = sess.index
        table = meter_table(ix, meter)
        if table is not None:
            key = entry_from_items(ix, table.preamble.name, rest, priority=priority,
                                   key_only=True)
            entity = direct_meter_entry(key, config)
        else:
            if len(rest) != 1:
                ix.meter(meter)  # an unknown name says so
                raise EntityError(f"meter {meter}: give one INDEX ('*': every cell), "
                                  "then the rates")
            entity = meter_entry(ix, meter, rest[0], config)
        sess.write([update("MODIFY", entity)])


@main.command("dump-meters")
@click.argument("bridge")
@click.argument("meter", required=False)
@click.argument("index", required=False)
@format_option
@pass_settings
@errors
def dump_meters(s: Settings, bridge: str, meter: str | None, index: str | None,
                fmt: str) -> None:
    """Print the configuration of the cells of METER (of every meter;
    direct meters are in dump-entries), or of cell INDEX."""
    from ovsp4.entities.externs import format_meter, meter_json, meter_read

    with session(s, bridge) as sess:
        ix = sess.index
        found = [e.meter_entry for e in sess.read([meter_read(ix, meter, index)])]
    found.sort(key=lambda m: (m.meter_id, m.index.index))
    emit(fmt, lambda: [format_meter(ix, m) for m in found],
         lambda: [meter_json(ix, m) for m in found])


# --- Action profiles ------------------------------------------------------------


id_type = click.IntRange(0, (1 << 32) - 1)


def _member_command(name: str, kind: str, help_text: str) -> None:
    @main.command(name, help=help_text)
    @click.argument("bridge")
    @click.argument("profile")
    @click.argument("member_id", metavar="MEMBER_ID", type=id_type)
    @click.argument("action", nargs=-1, required=kind != "DELETE")
    @pass_settings
    @errors
    def command(s: Settings, bridge: str, profile: str, member_id: int,
                action: tuple[str, ...]) -> None:
        from ovsp4.entities.entries import split_items
        from ovsp4.entities.profiles import profile_member

        if kind == "DELETE" and action:
            raise click.UsageError("del-member takes no action")
        items = split_items(action)
        if len(items) > 1:
            raise click.UsageError(f"one action, not {len(items)}: {' '.join(items)}")
        with session(s, bridge, primary=True) as sess:
            entity = profile_member(sess.index, profile, member_id,
                                    items[0] if items else None)
            sess.write([update(kind, entity)])


_member_command("add-member", "INSERT",
                "Add member MEMBER_ID, the action call NAME(PARAM=VALUE, ...), to the "
                "action profile PROFILE.")
_member_command("mod-member", "MODIFY", "Change the action of member MEMBER_ID of PROFILE.")
_member_command("del-member", "DELETE", "Delete member MEMBER_ID of PROFILE.")


def _profile_group_command(name: str, kind: str, help_text: str) -> None:
    @main.command(name, help=help_text)
    @click.argument("bridge")
    @click.argument("profile")
    @click.argument("group_id", metavar="GROUP_ID", type=id_type)
    @click.argument("members", metavar="[MEMBER[:WEIGHT]]...", nargs=-1)
    @click.option("--max-size", type=click.IntRange(0, (1 << 31) - 1), metavar="N",
                  help="The group's maximum size (default: the selector's max group size).")
    @pass_settings
    @errors
    def command(s: Settings, bridge: str, profile: str, group_id: int,
                members: tuple[str, ...], max_size: int | None) -> None:
        from ovsp4.entities.profiles import parse_group_member, profile_group

        if kind == "DELETE" and (members or max_size is not None):
            raise click.UsageError("del-profile-group takes no members")
        parsed = [parse_group_member(m) for m in members]
        with session(s, bridge, primary=True) as sess:
            entity = profile_group(sess.index, profile, group_id, parsed, max_size=max_size,
                                   key_only=kind == "DELETE")
            sess.write([update(kind, entity)])


_profile_group_command("add-profile-group", "INSERT",
                       "Add group GROUP_ID of members MEMBER[:WEIGHT] (weight 1 if left "
                       "out) to the action selector PROFILE.")
_profile_group_command("mod-profile-group", "MODIFY",
                       "Replace the members of group GROUP_ID of PROFILE.")
_profile_group_command("del-profile-group", "DELETE", "Delete group GROUP_ID of PROFILE.")


@main.command("dump-profiles")
@click.argument("bridge")
@click.argument("profile", required=False)
@format_option
@pass_settings
@errors
def dump_profiles(s: Settings, bridge: str, profile: str | None, fmt: str) -> None:
    """Print the members, then the groups, of the action profile PROFILE
    (of every profile), one per line."""
    from ovsp4.entities.profiles import (
        format_profile_entity,
        profile_entity_json,
        profiles_read,
        sort_profile_entities,
    )

    with session(s, bridge) as sess:
        ix = sess.index
        found = sort_profile_entities(ix, sess.read(profiles_read(ix, profile)))
    emit(fmt, lambda: [format_profile_entity(ix, e) for e in found],
         lambda: [profile_entity_json(ix, e) for e in found])


# --- Parser value sets ----------------------------------------------------------------


@main.command("set-value-set")
@click.argument("bridge")
@click.argument("value_set")
@click.argument("matches", nargs=-1)
@pass_settings
@errors
def set_value_set(s: Settings, bridge: str, value_set: str, matches: tuple[str, ...]) -> None:
    """Replace the members of the parser value set VALUE_SET (none: empty
    it): each MATCH a value (V&&&MASK for a ternary field), or
    FIELD=VALUE,... for a set of several fields."""
    from ovsp4.entities.externs import value_set_entry

    with session(s, bridge, primary=True) as sess:
        sess.write([update("MODIFY", value_set_entry(sess.index, value_set, matches))])


@main.command("dump-value-sets")
@click.argument("bridge")
@click.argument("value_set", required=False)
@format_option
@pass_settings
@errors
def dump_value_sets(s: Settings, bridge: str, value_set: str | None, fmt: str) -> None:
    """Print the members of the parser value set VALUE_SET (of every value
    set)."""
    from ovsp4.entities.externs import format_value_set, value_set_json, value_set_read

    with session(s, bridge) as sess:
        ix = sess.index
        found = [e.value_set_entry for e in sess.read([value_set_read(ix, value_set)])]
    order = {v.preamble.id: n for n, v in enumerate(ix.p4info.value_sets)}
    found.sort(key=lambda v: order.get(v.value_set_id, 1 << 30))
    emit(fmt, lambda: [format_value_set(ix, v) for v in found],
         lambda: [value_set_json(ix, v) for v in found])


# --- Packet replication engine -------------------------------------------------


def _group_command(name: str, kind: str, help_text: str) -> None:
    @main.command(name, help=help_text)
    @click.argument("bridge")
    @click.argument("group", type=click.IntRange(1, (1 << 32) - 1))
    @click.argument("replicas", nargs=-1, required=kind != "DELETE")
    @pass_settings
    @errors
    def command(s: Settings, bridge: str, group: int, replicas: tuple[str, ...]) -> None:
        from ovsp4.entities.externs import multicast_group, parse_replica

        if kind == "DELETE" and replicas:
            raise click.UsageError("del-group takes no replicas")
        entity = multicast_group(group, [parse_replica(r) for r in replicas])
        with session(s, bridge, primary=True) as sess:
            sess.write([update(kind, entity)])


_group_command("add-group", "INSERT",
               "Add multicast group GROUP replicating to each PORT[:INSTANCE].")
_group_command("mod-group", "MODIFY",
               "Replace the replicas of multicast group GROUP.")
_group_command("del-group", "DELETE", "Delete multicast group GROUP.")


@main.command("add-clone-session")
@click.argument("bridge")
@click.argument("session_id", metavar="SESSION", type=click.IntRange(1, (1 << 32) - 1))
@click.argument("replicas", nargs=-1, required=True)
@click.option("--class-of-service", type=click.IntRange(0, (1 << 32) - 1), default=0,
              metavar="N", help="The clones' class of service.")
@click.option("--packet-length", type=click.IntRange(0, (1 << 31) - 1), default=0,
              metavar="BYTES", help="Truncate the clones to BYTES (0: whole packets).")
@click.option("--modify", is_flag=True, help="Replace an existing session.")
@pass_settings
@errors
def add_clone_session(s: Settings, bridge: str, session_id: int, replicas: tuple[str, ...],
                      class_of_service: int, packet_length: int, modify: bool) -> None:
    """Add clone session SESSION sending clones to each PORT[:INSTANCE]."""
    from ovsp4.entities.externs import clone_session, parse_replica

    entity = clone_session(session_id, [parse_replica(r) for r in replicas],
                           class_of_service=class_of_service, packet_length_bytes=packet_length)
    with session(s, bridge, primary=True) as sess:
        sess.write([update("MODIFY" if modify else "INSERT", entity)])


@main.command("del-clone-session")
@click.argument("bridge")
@click.argument("session_id", metavar="SESSION", type=click.IntRange(1, (1 << 32) - 1))
@pass_settings
@errors
def del_clone_session(s: Settings, bridge: str, session_id: int) -> None:
    """Delete clone session SESSION."""
    from ovsp4.entities.externs import clone_session

    with session(s, bridge, primary=True) as sess:
        sess.write([update("DELETE", clone_session(session_id, []))])


@main.command("dump-groups")
@click.argument("bridge")
@format_option
@pass_settings
@errors
def dump_groups(s: Settings, bridge: str, fmt: str) -> None:
    """Print the multicast groups and clone sessions; --format json prints
    a runtime file load-entries reads back."""
    from ovsp4.entities.externs import format_pre, pre_json, pre_read

    with session(s, bridge) as sess:
        found = [e.packet_replication_engine_entry for e in sess.read(pre_read())]

    def key(e: Any) -> tuple[int, int]:
        if e.WhichOneof("type") == "multicast_group_entry":
            return 0, e.multicast_group_entry.multicast_group_id
        return 1, e.clone_session_entry.session_id

    found.sort(key=key)
    emit(fmt, lambda: [format_pre(e) for e in found], lambda: pre_json(found))


# --- Runtime files ------------------------------------------------------------------


@main.command("load-entries")
@click.argument("bridge")
@click.argument("runtime", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_settings
@errors
def load_entries(s: Settings, bridge: str, runtime: Path) -> None:
    """Apply a P4 tutorials runtime file (table entries, default actions,
    multicast groups, clone sessions) to BRIDGE's pipeline, over P4Runtime."""
    from ovsp4.entities.runtime_json import load_runtime_file

    with session(s, bridge, primary=True) as sess:
        config = load_runtime_file(runtime, sess.index.p4info)
        if config.updates:
            sess.write(config.updates, config.labels, where=f"{bridge}: {runtime.name}")


# --- Packets ------------------------------------------------------------------------


@main.command("packet-out")
@click.argument("bridge")
@click.argument("payload")
@click.argument("metadata", nargs=-1)
@pass_settings
@errors
def packet_out(s: Settings, bridge: str, payload: str, metadata: tuple[str, ...]) -> None:
    """Send the frame PAYLOAD (hex) into BRIDGE's pipeline as a packet-out,
    with the program's packet_out header fields FIELD=VALUE (left out: 0)."""
    from ovsp4.entities.packets import packet_out as build
    from ovsp4.proto import p4runtime_pb2

    with session(s, bridge, primary=True) as sess:
        msg = p4runtime_pb2.StreamMessageRequest()
        msg.packet.CopyFrom(build(sess.index, payload, metadata))
        sess.client.send(msg)
        _check_stream(sess, 0.3)


def _check_stream(sess: Session, wait: float) -> None:
    """The server answers a bad stream message with a stream error: wait a
    moment for one."""
    from ovsp4.p4runtime.client import P4RuntimeClientError

    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = sess.client.receive(timeout=left, kind="error")
        except queue.Empty:
            return
        except P4RuntimeClientError as exc:
            fail(PROG, sess.error(exc))
        fail(PROG, f"{sess.target.bridge}: {_status_name(msg.error.canonical_code)}: "
                   f"{msg.error.message}")


def _status_name(code: int) -> str:
    import grpc

    for c in grpc.StatusCode:
        if c.value[0] == code:
            return c.name
    return str(code)


@main.command("monitor")
@click.argument("bridge")
@click.option("--digest", "digests", multiple=True, metavar="NAME",
              help="Enable digest NAME first (each list sent at once, acked after 1 s).")
@click.option("--ack", is_flag=True, help="Acknowledge the digest lists received.")
@click.option("-n", "--count", type=click.IntRange(1), metavar="N",
              help="Exit after N messages.")
@click.option("--duration", type=click.FloatRange(0, min_open=True), metavar="SECS",
              help="Exit after SECS seconds.")
@format_option
@pass_settings
@errors
def monitor(s: Settings, bridge: str, digests: tuple[str, ...], ack: bool, count: int | None,
            duration: float | None, fmt: str) -> None:
    """Print the packet-ins, digest lists and idle timeouts of BRIDGE, one
    per line (--format json: one JSON object per line), until interrupted.
    ovs-p4ctl arbitrates in its own role (ovs-p4ctl-monitor, or --role), so
    that it watches beside a controller."""
    from ovsp4.entities import packets
    from ovsp4.p4runtime.client import P4RuntimeClientError
    from ovsp4.proto import p4runtime_pb2

    role = s.role if s.role is not None else MONITOR_ROLE
    with session(s, bridge, primary=True, role=role) as sess:
        ix = sess.index
        for name in digests:
            entity = packets.digest_entry(ix, name)
            try:
                sess.client.write([update("INSERT", entity)])
            except P4RuntimeClientError:
                sess.write([update("MODIFY", entity)])  # configured already
        deadline = time.monotonic() + duration if duration else None
        seen = 0
        try:
            while count is None or seen < count:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                try:
                    msg = sess.client.receive(timeout=min(left or 1.0, 1.0))
                except queue.Empty:
                    continue
                except P4RuntimeClientError as exc:
                    fail(PROG, sess.error(exc))
                kind = msg.WhichOneof("update")
                out: list[tuple[str, Any]] = []
                if kind == "packet":
                    out.append((packets.format_packet_in(ix, msg.packet),
                                packets.packet_in_json(ix, msg.packet)))
                elif kind == "digest":
                    out.append((packets.format_digest(ix, msg.digest),
                                packets.digest_json(ix, msg.digest)))
                    if ack:
                        req = p4runtime_pb2.StreamMessageRequest()
                        req.digest_ack.digest_id = msg.digest.digest_id
                        req.digest_ack.list_id = msg.digest.list_id
                        sess.client.send(req)
                elif kind == "idle_timeout_notification":
                    lines = packets.format_idle_timeout(ix, msg.idle_timeout_notification)
                    out.append(("\n".join(lines),
                                packets.idle_timeout_json(ix, msg.idle_timeout_notification)))
                elif kind == "error":
                    click.echo(f"{PROG}: warning: {_status_name(msg.error.canonical_code)}: "
                               f"{msg.error.message}", err=True)
                elif kind == "arbitration" and msg.arbitration.status.code != 0:
                    eid = msg.arbitration.election_id
                    fail(PROG, f"{bridge}: another client took over role '{role}' "
                               f"(election id {eid.high}:{eid.low})")
                for text, obj in out:
                    click.echo(json.dumps(obj) if fmt == "json" else text)
                    seen += 1
        except KeyboardInterrupt:
            return
