"""ovs-p4-sandbox: a private Open vSwitch with P4 bridges, all in one directory.

    eval "$(ovs-p4-sandbox start DIR [--ovs-bindir BINDIR] [--netns NS] [--enable-dummy])"
    ovs-p4ctl add-br br0 --program basic.p4
    ovs-vsctl show
    ovs-p4-sandbox stop DIR

``start`` runs, with every file under DIR (database, sockets, pidfiles,
logs, pipeline artifacts): ovsdb-server with the Open_vSwitch schema
extended with the P4 records (an existing DIR/conf.db without them is
upgraded), this project's ovs-vswitchd (``make ovs``'s build, or
``--ovs-bindir``; optionally inside network namespace NS), and, with
``--with-p4rtd``, ovs-p4rtd.  What already runs is left running, so
``start`` again after a daemon stopped restarts just that daemon, with the
options DIR was first started with.  It prints the shell exports that make
``ovs-vsctl``, ``ovs-appctl`` and ``ovs-p4ctl`` use it.  ``stop`` stops
exactly the processes of DIR's pidfiles.  See Documentation/management.md.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import click

from ovsp4.cli.common import OvsGroup, fail, report_errors
from ovsp4.cli.daemons import Daemon, DaemonError
from ovsp4.ovsdb import paths
from ovsp4.ovsdb import schema as p4schema

PROG = "ovs-p4-sandbox"
F = TypeVar("F", bound=Callable[..., object])
STATE = "sandbox.json"
DAEMONS = ("ovs-p4rtd", "ovs-vswitchd", "ovsdb-server")  # stop order


@dataclass
class Config:
    """How DIR's daemons are run (kept in DIR/sandbox.json)."""

    bindir: str
    netns: str | None = None
    enable_dummy: bool = False
    with_p4rtd: bool = False
    vswitchd_args: list[str] = field(default_factory=list)
    p4rtd_listen: str | None = None

    @classmethod
    def load(cls, d: Path) -> Config | None:
        try:
            return cls(**json.loads((d / STATE).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, d: Path) -> None:
        (d / STATE).write_text(json.dumps(asdict(self), indent=1) + "\n")


class Sandbox:
    def __init__(self, directory: Path, config: Config) -> None:
        self.dir = directory
        self.config = config
        self.bindir = Path(config.bindir)

    # --- Environment -------------------------------------------------------

    @property
    def db(self) -> str:
        return f"unix:{self.dir}/db.sock"

    def venv_bindir(self) -> Path:
        return Path(sys.executable).parent

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            env[var] = str(self.dir)
        env["PATH"] = f"{self.bindir}{os.pathsep}{self.venv_bindir()}{os.pathsep}" \
                      f"{env.get('PATH', '')}"
        if self.config.p4rtd_listen:
            env["OVSP4_P4RUNTIME"] = self.config.p4rtd_listen
        return env

    def exports(self) -> str:
        d = shlex.quote(str(self.dir))
        lines = [f"export OVS_RUNDIR={d} OVS_DBDIR={d} OVS_LOGDIR={d} OVS_SYSCONFDIR={d}",
                 f"export PATH={shlex.quote(str(self.bindir))}:"
                 f"{shlex.quote(str(self.venv_bindir()))}:\"$PATH\""]
        if self.config.p4rtd_listen:
            # Where ovs-p4ctl's entity commands find ovs-p4rtd.
            lines.append(f"export OVSP4_P4RUNTIME={shlex.quote(self.config.p4rtd_listen)}")
        if self.config.netns:
            lines.append(f"# ovs-vswitchd runs in network namespace {self.config.netns}")
        return "\n".join(lines)

    def daemon(self, name: str) -> Daemon:
        return Daemon(name, self.dir)

    def program(self, name: str) -> str:
        return str(paths.find_ovs_program(name, self.bindir))

    def _run(self, argv: list[str]) -> None:
        r = subprocess.run(argv, env=self.env(), capture_output=True, text=True, check=False,
                           timeout=120)
        if r.returncode:
            detail = (r.stderr or r.stdout).strip().splitlines()
            raise DaemonError(f"{Path(argv[0]).name} failed: "
                              f"{detail[-1] if detail else r.returncode}")

    # --- Start -------------------------------------------------------------

    def base_schema(self) -> Path:
        for candidate in (self.bindir.parent / "share" / "vswitch.ovsschema",
                          Path("/usr/share/openvswitch/vswitch.ovsschema")):
            if candidate.is_file():
                return candidate
        raise DaemonError(f"no vswitch.ovsschema beside {self.bindir} (run 'make ovs')")

    def schema_file(self) -> Path:
        """DIR/vswitch-p4.ovsschema, made from the OVS build's schema."""
        out = self.dir / "vswitch-p4.ovsschema"
        p4schema.write_schema(p4schema.extend(p4schema.read_schema_file(self.base_schema())),
                              out)
        return out

    def start(self) -> list[str]:
        """Starts what is not running; returns what it did."""
        from ovsp4.ovsdb import upgrade

        done = []
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config.save(self.dir)
        server = self.daemon("ovsdb-server")
        conf = self.dir / "conf.db"
        if not server.running():
            schema = self.schema_file()
            if not conf.exists():
                self._run([self.program("ovsdb-tool"), "create", str(conf), str(schema)])
                done.append(f"created {conf}")
            else:
                result = upgrade.upgrade_file(conf, ovs_bindir=self.bindir)
                if result.changed:
                    done.append(result.describe(str(conf)))
            server.start([
                self.program("ovsdb-server"), str(conf), f"--remote=punix:{self.dir}/db.sock",
                "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                f"--pidfile={server.pidfile}", f"--log-file={server.logfile}",
                "--detach", "--no-chdir", "-vconsole:off"], self.env())
            done.append("started ovsdb-server")
            self._run([self.program("ovs-vsctl"), f"--db={self.db}", "--no-wait", "init"])
        vswitchd = self.daemon("ovs-vswitchd")
        if not vswitchd.running():
            done += self._sync()
            argv = [self.program("ovs-vswitchd"), self.db, f"--pidfile={vswitchd.pidfile}",
                    f"--log-file={vswitchd.logfile}", "--detach", "--no-chdir",
                    "-vconsole:off"]
            if self.config.enable_dummy:
                argv.append("--enable-dummy")
            argv += self.config.vswitchd_args
            if self.config.netns:
                argv = ["ip", "netns", "exec", self.config.netns, *argv]
            vswitchd.start(argv, self.env())
            done.append("started ovs-vswitchd"
                        + (f" in network namespace {self.config.netns}"
                           if self.config.netns else ""))
            self._wait_vswitchd()
        if self.config.with_p4rtd:
            done += self._start_p4rtd()
        return done

    def _sync(self) -> list[str]:
        """Pipelines rebuilt where missing, before ovs-vswitchd loads them."""
        from ovsp4 import programs
        from ovsp4.ovsdb.db import Database

        with Database(self.db, timeout=60) as db:
            return [f"{a.bridge}: {a.what}" for a in programs.sync(db, self.dir, wait=False)]

    def _wait_vswitchd(self) -> None:
        from ovsp4.ovsdb.db import Database

        with Database(self.db, timeout=60) as db:
            db.transact(lambda txn: None, wait=True)

    def _start_p4rtd(self) -> list[str]:
        """The P4Runtime server, started like the OVS daemons.  It runs in
        the caller's network namespace even with --netns: it reaches
        OVSDB and the control sockets through the file system, and the
        controllers reach it on its address."""
        p4rtd = self.daemon("ovs-p4rtd")
        if p4rtd.running():
            return []
        exe = self.venv_bindir() / "ovs-p4rtd"
        if not exe.exists():
            raise DaemonError(f"--with-p4rtd: {exe} is not installed")
        listen = [f"--listen={self.config.p4rtd_listen}"] if self.config.p4rtd_listen else []
        p4rtd.start([str(exe), f"--db={self.db}", f"--pidfile={p4rtd.pidfile}",
                     f"--log-file={p4rtd.logfile}", "--detach", *listen], self.env())
        return [f"started ovs-p4rtd ({self.config.p4rtd_listen or 'default address'})"]

    # --- Stop --------------------------------------------------------------

    def stop(self) -> list[str]:
        done = []
        for name in DAEMONS:
            d = self.daemon(name)
            pid = d.pid()
            if pid is None:
                continue
            graceful = None
            if name != "ovs-p4rtd":
                ctl = self.dir / f"{name}.{pid}.ctl"
                graceful = [self.program("ovs-appctl"), "-t", str(ctl), "exit"]
                if name == "ovs-vswitchd":
                    graceful.append("--cleanup")  # its datapath and ports go too
            d.stop(graceful=graceful, env=self.env())
            done.append(f"stopped {name} (pid {pid})")
        return done


def _directory(d: Path) -> Path:
    return Path(os.path.abspath(d))


@click.group(name=PROG, cls=OvsGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A private Open vSwitch with P4 bridges, in one directory."""


def _errors(func: F) -> F:
    """One line for the errors of the daemons and the database."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        from ovsp4.ovsdb.db import DbError
        from ovsp4.ovsdb.schema import SchemaError

        try:
            return func(*args, **kwargs)
        except (DaemonError, DbError, SchemaError) as exc:
            fail(PROG, str(exc))
        return None

    return report_errors(PROG)(wrapper)  # type: ignore[return-value]


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--ovs-bindir", type=click.Path(file_okay=False, path_type=Path),
              help="Where ovs-vswitchd, ovsdb-server... are (default: make ovs's build/ovs/bin).")
@click.option("--netns", metavar="NS", help="Run ovs-vswitchd in network namespace NS.")
@click.option("--enable-dummy", is_flag=True, help="Pass --enable-dummy to ovs-vswitchd.")
@click.option("--with-p4rtd", is_flag=True, help="Start ovs-p4rtd too.")
@click.option("--p4rtd-listen", metavar="HOST:PORT",
              help="ovs-p4rtd's address (default: its own, 127.0.0.1:9559).")
@click.option("--vswitchd-arg", "vswitchd_args", multiple=True, metavar="ARG",
              help="An extra ovs-vswitchd argument.")
@_errors
def start(directory: Path, ovs_bindir: Path | None, netns: str | None, enable_dummy: bool,
          with_p4rtd: bool, p4rtd_listen: str | None, vswitchd_args: tuple[str, ...]) -> None:
    """Start the sandbox in DIRECTORY; print its shell exports."""
    d = _directory(directory)
    config = Config.load(d)
    given = ovs_bindir or netns or enable_dummy or with_p4rtd or vswitchd_args or p4rtd_listen
    if config is None or given:
        bindir = Path(os.path.abspath(ovs_bindir)) if ovs_bindir else paths.build_ovs_bindir()
        config = Config(str(bindir), netns, enable_dummy, with_p4rtd or bool(p4rtd_listen),
                        list(vswitchd_args), p4rtd_listen)
    if config.netns and not Path(f"/run/netns/{config.netns}").exists():
        fail(PROG, f"network namespace {config.netns} does not exist (ip netns add "
                   f"{config.netns})")
    sandbox = Sandbox(d, config)
    for line in sandbox.start():
        click.echo(f"{PROG}: {line}", err=True)
    click.echo(sandbox.exports())


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_errors
def stop(directory: Path) -> None:
    """Stop the daemons of the sandbox in DIRECTORY."""
    d = _directory(directory)
    config = Config.load(d) or Config(str(paths.build_ovs_bindir()))
    for line in Sandbox(d, config).stop():
        click.echo(f"{PROG}: {line}", err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_errors
def env(directory: Path) -> None:
    """Print the shell exports of the sandbox in DIRECTORY."""
    d = _directory(directory)
    config = Config.load(d)
    if config is None:
        fail(PROG, f"{d} is not a sandbox (no {STATE})")
    click.echo(Sandbox(d, config).exports())


if __name__ == "__main__":
    main()
