"""ovs-p4ctl: P4 bridges, ports and programs of Open vSwitch, and the
entities of their pipelines over P4Runtime.

    ovs-p4ctl [--db SERVER] [--timeout SECS] [--no-wait] [--p4runtime HOST:PORT]
              [--election-id HIGH:LOW] [--role NAME] [--p4runtime-ca-cert FILE]
              [--p4runtime-certificate FILE --p4runtime-private-key FILE] COMMAND ...

  Bridges, ports, programs (OVSDB):
    add-br BRIDGE --program PROG.p4 [--device-id N] [--p4runtime-addr HOST:PORT]
                  [--cpu-port N] [-I DIR] [-D NAME[=VAL]]
    del-br BRIDGE
    add-port BRIDGE IFACE [--port-id N] [--type TYPE] [-o KEY=VALUE]
    del-port BRIDGE IFACE
    list-br
    show [BRIDGE]
    set-pipe BRIDGE PROG.p4 [-I DIR] [-D NAME[=VAL]]
    get-pipe BRIDGE [-o FILE] [--source]
    sync
    upgrade-db [--db-file FILE] [--base-schema FILE] [--force]

  Entities (P4Runtime, through ovs-p4rtd; ovsp4/cli/p4ctl_entities.py):
    add-entry / mod-entry / del-entry BRIDGE TABLE [FIELD=VALUE]... [priority=N]
              action=NAME(PARAM=VALUE, ...) | member=N | group=N
    del-entries BRIDGE [TABLE]
    dump-entries BRIDGE [TABLE]
    set-default-entry BRIDGE TABLE ACTION | --reset;  get-default-entry BRIDGE TABLE
    dump-counters BRIDGE [COUNTER [INDEX]]
    read-register BRIDGE [REGISTER [INDEX]];  write-register BRIDGE REGISTER INDEX VALUE
    set-meter BRIDGE METER INDEX|MATCH... [cir=R cburst=B [pir=R pburst=B]]
    dump-meters BRIDGE [METER [INDEX]]
    add-group / mod-group BRIDGE GROUP PORT[:INSTANCE]...;  del-group BRIDGE GROUP
    add-clone-session BRIDGE SESSION PORT[:INSTANCE]...;  del-clone-session BRIDGE SESSION
    dump-groups BRIDGE
    add-member / mod-member BRIDGE PROFILE MEMBER_ID ACTION;  del-member BRIDGE PROFILE MEMBER_ID
    add-profile-group / mod-profile-group BRIDGE PROFILE GROUP_ID MEMBER[:WEIGHT]...
              [--max-size N];  del-profile-group BRIDGE PROFILE GROUP_ID
    dump-profiles BRIDGE [PROFILE]
    set-value-set BRIDGE VALUE_SET [MATCH]...;  dump-value-sets BRIDGE [VALUE_SET]
    packet-out BRIDGE PAYLOAD [FIELD=VALUE]...
    monitor BRIDGE [--digest NAME]...
    load-entries BRIDGE RUNTIME.json

Like ovs-vsctl: the database is ``--db`` (default
unix:$OVS_RUNDIR/db.sock); changes wait for ovs-vswitchd to apply them
unless ``--no-wait``; errors are one line on stderr and a non-zero exit
status.  Pipelines are kept in $OVS_DBDIR/p4/ (``--dbdir``), control
sockets are in $OVS_RUNDIR (``--rundir``).  See
Documentation/management.md.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from ovsp4.cli.common import OvsGroup, fail, parse_defines, report_errors
from ovsp4.ovsdb import paths

if TYPE_CHECKING:
    from ovsp4.ovsdb.db import Database
    from ovsp4.programs import BuiltProgram

PROG = "ovs-p4ctl"
F = TypeVar("F", bound=Callable[..., object])


@dataclass
class Settings:
    db: str
    timeout: float
    wait: bool
    dbdir: Path
    rundir: Path
    p4runtime: str | None = None                 # --p4runtime
    election_id: tuple[int, int] | None = None   # --election-id
    role: str | None = None                      # --role
    ca_cert: Path | None = None                  # --p4runtime-ca-cert
    certificate: Path | None = None              # --p4runtime-certificate
    private_key: Path | None = None              # --p4runtime-private-key

    @property
    def tls(self) -> bool:
        """Whether the entity commands talk TLS to ovs-p4rtd."""
        return self.ca_cert is not None or self.certificate is not None

    def connect(self, *, require_p4: bool = True) -> Database:
        from ovsp4.ovsdb.db import Database

        return Database(self.db, timeout=self.timeout, require_p4=require_p4)


def errors(func: F) -> F:
    """The project's error reporting, plus the errors of this tool's
    layers as one line each."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        from google.protobuf.message import DecodeError

        from ovsp4.control.client import ControlError
        from ovsp4.control.protocol import ProtocolError
        from ovsp4.entities.values import EntityError
        from ovsp4.ovsdb.db import DbError
        from ovsp4.ovsdb.schema import SchemaError

        try:
            return func(*args, **kwargs)
        except (DbError, SchemaError, EntityError, ControlError, ProtocolError,
                DecodeError) as exc:
            fail(PROG, str(exc))
        except Exception as exc:
            # Only loaded by the entity commands (it imports grpc).
            client = sys.modules.get("ovsp4.p4runtime.client")
            if client is None or not isinstance(exc, client.P4RuntimeClientError):
                raise
            fail(PROG, str(exc))
        return None

    return report_errors(PROG)(wrapper)  # type: ignore[return-value]


def warn(message: str) -> None:
    click.echo(f"{PROG}: warning: {message}", err=True)


@click.group(name=PROG, cls=OvsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="SERVER", help="OVSDB server (default: unix:$OVS_RUNDIR/db.sock).")
@click.option("-t", "--timeout", type=float, default=60.0, show_default=True, metavar="SECS",
              help="Give up on the database or ovs-vswitchd after SECS seconds.")
@click.option("--no-wait", is_flag=True,
              help="Do not wait for ovs-vswitchd to apply the changes.")
@click.option("--dbdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the database is: pipelines are kept in DBDIR/p4 "
                   "(default: $OVS_DBDIR).")
@click.option("--rundir", type=click.Path(file_okay=False, path_type=Path),
              help="ovs-vswitchd's run directory with the control sockets "
                   "(default: $OVS_RUNDIR).")
@click.option("--p4runtime", metavar="HOST:PORT",
              help="ovs-p4rtd's address for the entity commands (default: $OVSP4_P4RUNTIME, "
                   "else the bridge's p4runtime_address, else 127.0.0.1:9559).")
@click.option("--election-id", metavar="HIGH:LOW",
              help="The election id the entity commands that write arbitrate with "
                   "(default: 0:1, or the highest the device has seen when no client is "
                   "the primary).")
@click.option("--role", metavar="NAME",
              help="The P4Runtime role to arbitrate in (default: the default role; "
                   "monitor: ovs-p4ctl-monitor).")
@click.option("--p4runtime-ca-cert", "ca_cert", metavar="FILE", envvar="OVSP4_P4RUNTIME_CA_CERT",
              show_envvar=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Talk TLS to ovs-p4rtd and verify its certificate with this CA "
                   "certificate (PEM).")
@click.option("--p4runtime-certificate", "certificate", metavar="FILE",
              envvar="OVSP4_P4RUNTIME_CERTIFICATE", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Client certificate (PEM) for an ovs-p4rtd that requires one (mutual "
                   "TLS); with --p4runtime-private-key.")
@click.option("--p4runtime-private-key", "private_key", metavar="FILE",
              envvar="OVSP4_P4RUNTIME_PRIVATE_KEY", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The client certificate's private key (PEM, unencrypted).")
@click.version_option(package_name="ovsp4", prog_name=PROG)
@click.pass_context
def main(ctx: click.Context, db: str | None, timeout: float, no_wait: bool,
         dbdir: Path | None, rundir: Path | None, p4runtime: str | None,
         election_id: str | None, role: str | None, ca_cert: Path | None,
         certificate: Path | None, private_key: Path | None) -> None:
    """Manage the P4 bridges of Open vSwitch and the entities of their
    pipelines."""
    if (certificate is None) != (private_key is None):
        raise click.UsageError(
            "--p4runtime-certificate and --p4runtime-private-key (or "
            "$OVSP4_P4RUNTIME_CERTIFICATE and $OVSP4_P4RUNTIME_PRIVATE_KEY) go together")
    ctx.obj = Settings(db or paths.default_remote(), timeout, not no_wait,
                       dbdir or paths.dbdir(), rundir or paths.rundir(),
                       p4runtime=p4runtime, election_id=_election_id(election_id),
                       role=role, ca_cert=ca_cert, certificate=certificate,
                       private_key=private_key)


def _election_id(text: str | None) -> tuple[int, int] | None:
    """`HIGH:LOW` or a plain number (LOW)."""
    if text is None:
        return None
    high_text, colon, low_text = text.partition(":")
    try:
        high, low = (int(high_text, 0), int(low_text, 0)) if colon else (0, int(text, 0))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not HIGH:LOW",
                                 param_hint="--election-id") from None
    if not (0 <= high < 1 << 64 and 0 <= low < 1 << 64) or (high, low) == (0, 0):
        raise click.BadParameter(f"'{text}': HIGH and LOW are 64-bit numbers, not both 0",
                                 param_hint="--election-id")
    return high, low


pass_settings = click.make_pass_decorator(Settings)

include_option = click.option("-I", "include_dirs", multiple=True, metavar="DIR",
                              help="Add DIR to the P4 include path.")
define_option = click.option("-D", "defines", multiple=True, metavar="NAME[=VAL]",
                             help="Define a P4 preprocessor macro.")


def _compile(program: Path, include_dirs: tuple[str, ...], defines: tuple[str, ...]
             ) -> BuiltProgram:
    from ovsp4 import programs

    if not program.is_file():
        fail(PROG, f"{program}: no such file")
    return programs.compile_file(program, tuple(include_dirs), parse_defines(defines))


def _check_running(s: Settings, bridge: str, p4info: object) -> None:
    """After a wait: is the pipeline ovs-vswitchd runs the one we stored?"""
    from ovsp4.control.client import ControlClient
    from ovsp4.control.socket import ControlSocketError, SocketTransport, socket_path

    if not s.wait:
        return
    path = socket_path(s.rundir, bridge)
    hint = f"see 'ovs-appctl p4/show {bridge}' and ovs-vswitchd's log"
    try:
        with SocketTransport.connect(path, timeout=10) as t:
            info = ControlClient(t).get_info()
    except ControlSocketError as exc:
        warn(f"{bridge}: cannot check the running pipeline: {exc}; {hint}")
        return
    if info.p4info != p4info.SerializeToString():  # type: ignore[attr-defined]
        warn(f"{bridge}: ovs-vswitchd runs another pipeline ({info.program_name}); {hint}")


# --- Bridges ------------------------------------------------------------------


@main.command("add-br")
@click.argument("bridge")
@click.option("--program", "program", required=True, metavar="PROG.p4",
              type=click.Path(dir_okay=False, path_type=Path), help="The P4 program to run.")
@click.option("--device-id", type=click.IntRange(1, (1 << 63) - 1), metavar="N",
              help="P4Runtime device id (default: the smallest free one).")
@click.option("--p4runtime-addr", metavar="HOST:PORT",
              help="Address ovs-p4rtd serves this bridge on (default: its own).")
@click.option("--cpu-port", type=click.IntRange(1, 510), metavar="N",
              help="v1model CPU port for packet-in/out (default: none).")
@include_option
@define_option
@pass_settings
@errors
def add_br(s: Settings, bridge: str, program: Path, device_id: int | None,
           p4runtime_addr: str | None, cpu_port: int | None, include_dirs: tuple[str, ...],
           defines: tuple[str, ...]) -> None:
    """Compile PROG.p4 and create the P4 bridge BRIDGE running it."""
    from ovsp4 import programs
    from ovsp4.ovsdb import bridges as brs

    with s.connect() as db:
        if _bridge_exists(db, bridge):
            fail(PROG, f"a bridge named {bridge} already exists")
        built = _compile(program, include_dirs, defines)
        path = programs.store(built, s.dbdir)
        brs.add_bridge(db, bridge, built.record, str(path), device_id=device_id,
                       p4runtime_address=p4runtime_addr, cpu_port=cpu_port, wait=s.wait)
    _check_running(s, bridge, built.p4info)


def _bridge_exists(db: Database, name: str) -> bool:
    from ovsp4.ovsdb import records as rec

    return rec.bridge_row(db, name) is not None


@main.command("del-br")
@click.argument("bridge")
@click.option("--if-exists", is_flag=True, help="No error if BRIDGE does not exist.")
@pass_settings
@errors
def del_br(s: Settings, bridge: str, if_exists: bool) -> None:
    """Delete the P4 bridge BRIDGE with its ports and P4 records."""
    from ovsp4 import programs
    from ovsp4.ovsdb import bridges as brs

    with s.connect() as db:
        if if_exists and not _bridge_exists(db, bridge):
            return
        brs.del_bridge(db, bridge, wait=s.wait)
        programs.collect_garbage(db, s.dbdir)


@main.command("list-br")
@pass_settings
@errors
def list_br(s: Settings) -> None:
    """Print the names of the P4 bridges, one per line."""
    from ovsp4.ovsdb import records as rec

    with s.connect() as db:
        for br in rec.p4_bridges(db):
            click.echo(br.name)


# --- Ports --------------------------------------------------------------------


@main.command("add-port")
@click.argument("bridge")
@click.argument("iface")
@click.option("--port-id", type=click.IntRange(1, 65279), metavar="N",
              help="P4 port number (the interface's ofport_request; default: the "
                   "smallest free one).")
@click.option("--type", "iface_type", default="system", show_default=True,
              type=click.Choice(["system", "tap", "internal", "afxdp", "dummy", "dummy-pmd"]),
              help="The interface type (OVS's Interface type).")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE",
              help="An interface option (Interface options:KEY=VALUE).")
@pass_settings
@errors
def add_port(s: Settings, bridge: str, iface: str, port_id: int | None, iface_type: str,
             options: tuple[str, ...]) -> None:
    """Add interface IFACE to BRIDGE as a P4 port."""
    from ovsp4.ovsdb import bridges as brs
    from ovsp4.ovsdb import records as rec

    opts = {}
    for o in options:
        key, eq, value = o.partition("=")
        if not key or not eq:
            raise click.BadParameter(f"'{o}' is not KEY=VALUE", param_hint="-o")
        opts[key] = value
    with s.connect() as db:
        n = brs.add_port(db, bridge, iface, port_id=port_id, iface_type=iface_type,
                         options=opts, wait=s.wait)
        if not s.wait:
            return
        for i in rec.bridge(db, bridge).interfaces:
            if i.name != iface:
                continue
            if i.error:
                warn(f"{iface}: {i.error} (see ovs-vswitchd's log)")
            elif i.ofport is not None and i.ofport != n:
                warn(f"{iface}: got P4 port {i.ofport}, not {n}")


@main.command("del-port")
@click.argument("bridge")
@click.argument("iface")
@pass_settings
@errors
def del_port(s: Settings, bridge: str, iface: str) -> None:
    """Remove the port IFACE from BRIDGE."""
    from ovsp4.ovsdb import bridges as brs

    with s.connect() as db:
        brs.del_port(db, bridge, iface, wait=s.wait)


# --- Showing ------------------------------------------------------------------


def _stats_line(stats: dict[str, int], d: str) -> str:
    def g(k: str) -> str:
        v = stats.get(f"{d}_{k}")
        return "?" if v is None else str(v)

    return (f"{d}: {g('packets')} packets, {g('bytes')} bytes, {g('dropped')} dropped, "
            f"{g('errors')} errors")


def format_bridge(br: object) -> list[str]:
    from ovsp4.ovsdb.records import Bridge

    assert isinstance(br, Bridge)
    lines = [f"Bridge {br.name}"]
    if br.managed:
        lines.append(f"    device_id: {br.device_id}")
    else:
        lines.append("    device_id: none (made without ovs-p4ctl: no P4_Bridge record)")
    if br.program is not None:
        p = br.program
        lines.append(f"    program: {p.name} ({p.arch}), sha256 {p.artifact_sha256[:16]}")
        lines.append(f"    compiler: {p.compiler}")
    else:
        lines.append("    program: none")
    lines.append(f"    pipeline: {br.pipeline or 'none'}")
    if br.managed:
        lines.append(f"    p4runtime_address: {br.p4runtime_address or 'default'}")
    cpu = br.other_config.get("p4-cpu-port")
    if cpu:
        lines.append(f"    cpu_port: {cpu}")
    for i in br.p4_ports:
        num = str(i.ofport) if i.ofport is not None else f"? (requested {i.ofport_request})"
        state = f"link {i.link_state or '?'}, admin {i.admin_state or '?'}"
        lines.append(f"    port {num}: {i.name} ({i.type}): {state}")
        if i.error:
            lines.append(f"        error: {i.error}")
        if i.statistics:
            lines.append(f"        {_stats_line(i.statistics, 'rx')}")
            lines.append(f"        {_stats_line(i.statistics, 'tx')}")
    return lines


@main.command("show")
@click.argument("bridge", required=False)
@pass_settings
@errors
def show(s: Settings, bridge: str | None) -> None:
    """Show the P4 bridges (or BRIDGE): device id, program, ports."""
    from ovsp4.ovsdb import records as rec

    with s.connect() as db:
        bridges = [rec.p4_bridge(db, bridge)] if bridge else rec.p4_bridges(db)
    for br in bridges:
        for line in format_bridge(br):
            click.echo(line)


# --- Pipelines ----------------------------------------------------------------


@main.command("set-pipe")
@click.argument("bridge")
@click.argument("program", type=click.Path(dir_okay=False, path_type=Path))
@include_option
@define_option
@pass_settings
@errors
def set_pipe(s: Settings, bridge: str, program: Path, include_dirs: tuple[str, ...],
             defines: tuple[str, ...]) -> None:
    """Make BRIDGE run PROG.p4, replacing its pipeline without stopping
    traffic.  The new pipeline starts with empty tables (as P4Runtime's
    SetForwardingPipelineConfig); the same program again resets it."""
    from ovsp4 import programs
    from ovsp4.ovsdb import bridges as brs
    from ovsp4.ovsdb import records as rec

    with s.connect() as db:
        current = rec.p4_bridge(db, bridge)
        built = _compile(program, include_dirs, defines)
        path = str(programs.store(built, s.dbdir))
        if current.pipeline == path:
            # Same file: ovs-vswitchd would keep the running instance.
            brs.unload_pipeline(db, bridge, wait=s.wait)
        brs.set_program(db, bridge, built.record, path, wait=s.wait)
        programs.collect_garbage(db, s.dbdir)
    _check_running(s, bridge, built.p4info)


@main.command("get-pipe")
@click.argument("bridge")
@click.option("-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the P4Info to FILE (.txtpb/.txt, .bin or .json) instead.")
@click.option("--source", is_flag=True, help="Print the program's stored P4 source instead.")
@pass_settings
@errors
def get_pipe(s: Settings, bridge: str, output: Path | None, source: bool) -> None:
    """Print the P4Info of the program BRIDGE runs (protobuf text)."""
    from ovsp4.ovsdb import records as rec
    from ovsp4.ovsdb.db import DbError

    with s.connect() as db:
        br = rec.p4_bridge(db, bridge)
    if br.program is None:
        raise DbError(f"{bridge} has no program")
    if source:
        click.echo(br.program.source, nl=False)
        return
    if output is None:
        click.echo(br.program.p4info, nl=False)
        return
    from google.protobuf import text_format

    from ovsp4.compiler.p4info import serialize
    from ovsp4.proto import p4info_pb2

    msg = text_format.Parse(br.program.p4info, p4info_pb2.P4Info())
    try:
        serialize.write(msg, output)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command("sync")
@pass_settings
@errors
def sync(s: Settings) -> None:
    """Make every P4 bridge's pipeline file exist (rebuilt from the source
    in OVSDB when missing) and be the one ovs-vswitchd loads; remove
    unused pipeline files.  Run it before ovs-vswitchd starts."""
    from ovsp4 import programs

    with s.connect() as db:
        for action in programs.sync(db, s.dbdir, wait=s.wait):
            click.echo(f"{action.bridge}: {action.what}", err=True)


@main.command("upgrade-db")
@click.option("--db-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Convert this database file (the server must be stopped) instead of the "
                   "running server's database.")
@click.option("--base-schema", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extend this Open_vSwitch schema (e.g. a newer OVS's vswitch.ovsschema) "
                   "instead of the database's own.")
@click.option("--ovs-bindir", type=click.Path(file_okay=False, path_type=Path),
              help="Where ovsdb-tool is (default: make ovs's build, then PATH).")
@click.option("--force", is_flag=True, help="Convert even if tables or columns would be lost.")
@click.option("--no-backup", is_flag=True, help="With --db-file: no backup copy.")
@pass_settings
@errors
def upgrade_db(s: Settings, db_file: Path | None, base_schema: Path | None,
               ovs_bindir: Path | None, force: bool, no_backup: bool) -> None:
    """Add the P4 records to an Open_vSwitch database, keeping everything
    in it."""
    from ovsp4.ovsdb import upgrade
    from ovsp4.ovsdb.schema import read_schema_file

    base = read_schema_file(base_schema) if base_schema else None
    if db_file is not None:
        result = upgrade.upgrade_file(db_file, base, ovs_bindir=ovs_bindir, force=force,
                                      backup=not no_backup)
        click.echo(result.describe(str(db_file)))
    else:
        result = upgrade.upgrade_online(s.db, base, timeout=s.timeout, force=force)
        click.echo(result.describe(s.db))


# The entity commands (P4Runtime) register themselves on the group.
from ovsp4.cli import p4ctl_entities  # noqa: E402, F401

if __name__ == "__main__":
    sys.exit(main())
