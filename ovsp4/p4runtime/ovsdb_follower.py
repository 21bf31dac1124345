"""ovs-p4rtd's view of OVSDB: the P4 bridges and their device ids, followed
as they come and go, and the transactions the server makes (pipeline
commits).

The ``ovs`` IDL is not thread-safe and blocks, so one thread owns the
:class:`~ovsp4.ovsdb.db.Database`: it runs the jobs it is given
(:meth:`OvsdbFollower.call`, answered through a future), follows the
database, and calls ``on_change`` with a fresh snapshot whenever the P4
records change.  The database may be down at start or go away: the thread
keeps trying, as OVS daemons do.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import queue
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import ovs.poller

from ovsp4.ovsdb import records as rec
from ovsp4.ovsdb.db import Database, DbError

log = logging.getLogger("ovs-p4rtd.ovsdb")
T = TypeVar("T")


@dataclass(frozen=True)
class DeviceRecord:
    """A P4 bridge as ovs-p4rtd serves it."""

    device_id: int
    bridge: str
    program: rec.Program | None
    p4runtime_address: str | None
    pipeline: str | None          # other_config:p4-pipeline
    cpu_port: int


def snapshot(db: Database) -> dict[int, DeviceRecord]:
    """Every managed P4 bridge by device id."""
    out: dict[int, DeviceRecord] = {}
    for br in rec.p4_bridges(db):
        if not br.managed or br.device_id is None:
            continue
        out[br.device_id] = DeviceRecord(
            br.device_id, br.name, br.program, br.p4runtime_address, br.pipeline,
            int(br.other_config.get(rec.CPU_PORT_KEY, "0") or 0))
    return out


class OvsdbFollower:
    def __init__(self, remote: str, on_change: Callable[[dict[int, DeviceRecord]], None],
                 *, timeout: float = 60.0) -> None:
        self.remote = remote
        self._on_change = on_change
        self._timeout = timeout
        self._jobs: queue.SimpleQueue[tuple[Callable[[Database], Any],
                                            concurrent.futures.Future[Any]]] = (
            queue.SimpleQueue())
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="ovsdb", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        self._thread.join(timeout=5)

    def call(self, job: Callable[[Database], T]) -> concurrent.futures.Future[T]:
        """Runs ``job(db)`` in the database thread."""
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((job, fut))
        self._wake()
        return fut

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except BlockingIOError:
            pass

    # --- The thread --------------------------------------------------------

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                db = Database(self.remote, timeout=self._timeout)
            except DbError as exc:
                log.warning("%s (retrying)", exc)
                self._fail_jobs(exc)
                select.select([self._wake_r], [], [], 2.0)
                self._drain()
                continue
            self.connected.set()
            try:
                self._follow(db)
            finally:
                db.close()

    def _follow(self, db: Database) -> None:
        seqno = None
        while not self._stop.is_set():
            self._drain()
            while True:
                try:
                    job, fut = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(job(db))
                except BaseException as exc:  # the caller gets it
                    fut.set_exception(exc)
            db.refresh()
            if db.idl.change_seqno != seqno:
                seqno = db.idl.change_seqno
                try:
                    self._on_change(snapshot(db))
                except Exception:
                    log.exception("following OVSDB")
            poller = ovs.poller.Poller()
            db.idl.wait(poller)
            poller.fd_wait(self._wake_r, ovs.poller.POLLIN)
            poller.timer_wait(1000)
            poller.block()

    def _drain(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _fail_jobs(self, exc: Exception) -> None:
        while True:
            try:
                _, fut = self._jobs.get_nowait()
            except queue.Empty:
                return
            if fut.set_running_or_notify_cancel():
                fut.set_exception(exc)
