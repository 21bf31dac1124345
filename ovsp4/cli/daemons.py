"""OVS-style daemons by their pidfiles: is it running, start it, stop it.

Only the process a pidfile names is ever signalled, and only when its
command line still names the program (a stale pidfile whose pid was
reused by another process is ignored).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class DaemonError(RuntimeError):
    pass


@dataclass(frozen=True)
class Daemon:
    name: str           # program name: ovs-vswitchd, ovsdb-server, ...
    rundir: Path

    @property
    def pidfile(self) -> Path:
        return self.rundir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.rundir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The daemon's pid if it runs, else None."""
        try:
            pid = int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if self.name.encode() not in cmdline:
            return None  # a stale pidfile, the pid reused
        return pid

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, argv: list[str], env: dict[str, str], *, timeout: float = 60.0) -> int:
        """Runs a daemon that detaches itself (``--detach``); its pid."""
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                           check=False)
        if r.returncode:
            detail = (r.stderr or r.stdout).strip().splitlines()
            raise DaemonError(f"{self.name} did not start: "
                              f"{detail[-1] if detail else f'exit status {r.returncode}'}"
                              f" (see {self.logfile})")
        pid = self.pid()
        if pid is None:
            raise DaemonError(f"{self.name} did not start (see {self.logfile})")
        return pid

    def stop(self, *, graceful: list[str] | None = None, env: dict[str, str] | None = None,
             timeout: float = 10.0) -> bool:
        """Stops the daemon: ``graceful`` (e.g. an ovs-appctl exit command)
        first, then SIGTERM, then SIGKILL.  False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        if graceful:
            subprocess.run(graceful, env=env, capture_output=True, timeout=timeout, check=False)
            if self._wait_gone(pid, timeout):
                return True
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return True
            if self._wait_gone(pid, wait):
                if sig == signal.SIGKILL:
                    self.pidfile.unlink(missing_ok=True)
                return True
        raise DaemonError(f"{self.name} (pid {pid}) does not stop")

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.05)
        return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our child that exited) is gone for our purposes.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
