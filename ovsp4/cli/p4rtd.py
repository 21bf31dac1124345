"""ovs-p4rtd: the P4Runtime server of OvS.p4 (see Documentation/p4runtime.md).

    ovs-p4rtd [--db=unix:.../db.sock] [--listen=127.0.0.1:9559]
              [--cert=FILE --key=FILE [--ca=FILE]]
              [--pidfile=FILE] [--log-file=FILE] [--detach] [-v]

Options follow the OVS daemons': ``--detach`` returns once the server
listens (or fails with the reason), ``--pidfile`` names the daemon's pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

import click

from ovsp4.cli.common import report_errors

PROG = "ovs-p4rtd"
DEFAULT_LISTEN = "127.0.0.1:9559"


def _detach() -> int | None:
    """Forks; in the parent, waits for the child's readiness and exits
    with its outcome.  In the child, returns the pipe to report on."""
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(w)
        with os.fdopen(r, "rb") as f:
            msg = f.read().decode(errors="replace")
        if msg.startswith("ok"):
            os._exit(0)
        click.echo(f"{PROG}: {msg.strip() or 'exited during start-up'}", err=True)
        os._exit(1)
    os.close(r)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    return w


def _setup_logging(log_file: str | None, verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose or log_file else \
        logging.WARNING
    handler: logging.Handler = (logging.FileHandler(log_file) if log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter(
        "%(asctime)s|%(name)s|%(levelname)s|%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # gRPC's own Python logging is too chatty below WARNING.
    logging.getLogger("grpc").setLevel(logging.WARNING)


def _credentials(cert: str | None, key: str | None, ca: str | None) -> object | None:
    import grpc

    if not cert and not key and not ca:
        return None
    if not cert or not key:
        raise click.UsageError("--cert and --key go together (and --ca needs them)")
    return grpc.ssl_server_credentials(
        [(Path(key).read_bytes(), Path(cert).read_bytes())],
        root_certificates=Path(ca).read_bytes() if ca else None,
        require_client_auth=bool(ca))


async def _serve(db: str, listen: tuple[str, ...], creds: object | None, ready_fd: int | None,
                 pidfile: str | None) -> None:
    import grpc

    from ovsp4.ovsdb import paths
    from ovsp4.p4runtime.arbitration import Arbiter
    from ovsp4.p4runtime.ovsdb_follower import OvsdbFollower
    from ovsp4.p4runtime.server import Devices, P4RuntimeService, handlers

    log = logging.getLogger(PROG)
    loop = asyncio.get_running_loop()
    devices = Devices(paths.rundir(), Arbiter())
    follower = OvsdbFollower(
        db, lambda records: asyncio.run_coroutine_threadsafe(devices.apply(records), loop))
    follower.start()

    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", 256 << 20),
        ("grpc.max_send_message_length", 256 << 20),
    ])
    server.add_generic_rpc_handlers(
        (handlers(P4RuntimeService(devices, follower, paths.dbdir())),))
    for addr in listen:
        port = (server.add_secure_port(addr, creds) if creds is not None  # type: ignore[arg-type]
                else server.add_insecure_port(addr))
        if not port:
            raise OSError(f"cannot listen on {addr}")
    await server.start()
    if pidfile:
        Path(pidfile).write_text(f"{os.getpid()}\n")
    log.info("listening on %s (%s), database %s", ", ".join(listen),
             "TLS" if creds else "plaintext", db)
    if ready_fd is not None:
        os.write(ready_fd, b"ok\n")
        os.close(ready_fd)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("exiting")
    await server.stop(grace=1.0)
    for dev in list(devices.by_id.values()):
        await dev.close()
    follower.stop()
    if pidfile:
        with contextlib.suppress(OSError):
            os.unlink(pidfile)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", default=None, metavar="REMOTE",
              help="OVSDB remote (default: the OVS run directory's db.sock).")
@click.option("--listen", "listen", multiple=True, metavar="HOST:PORT",
              help=f"Address to serve P4Runtime on (repeatable; default {DEFAULT_LISTEN}).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False),
              help="Server certificate (PEM): serve TLS.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False),
              help="Server private key (PEM).")
@click.option("--ca", type=click.Path(exists=True, dir_okay=False),
              help="CA certificate (PEM): require client certificates it signed (mTLS).")
@click.option("--pidfile", type=click.Path(dir_okay=False), help="Write the pid here.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Log here (else stderr).")
@click.option("--detach", is_flag=True, help="Run in the background once listening.")
@click.option("-v", "--verbose", count=True, help="More logging (-vv: debug).")
@report_errors(PROG)
def main(db: str | None, listen: tuple[str, ...], cert: str | None, key: str | None,
         ca: str | None, pidfile: str | None, log_file: str | None, detach: bool,
         verbose: int) -> None:
    """The P4Runtime server for the P4 bridges of Open vSwitch."""
    from ovsp4.ovsdb.paths import default_remote

    db = db or default_remote()
    listen = listen or (DEFAULT_LISTEN,)
    if pidfile:
        pidfile = os.path.abspath(pidfile)
    if log_file:
        log_file = os.path.abspath(log_file)
    ready_fd = _detach() if detach else None
    try:
        _setup_logging(log_file, verbose)
        creds = _credentials(cert, key, ca)
        asyncio.run(_serve(db, listen, creds, ready_fd, pidfile))
    except BaseException as exc:
        if ready_fd is not None:
            with contextlib.suppress(OSError):
                os.write(ready_fd, f"{exc}\n".encode())
            logging.getLogger(PROG).error("%s", exc)
            os._exit(1)
        raise
