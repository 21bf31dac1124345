"""A small layer over the ``ovs`` Python IDL for OvS.p4's tools.

    db = Database("unix:/var/run/openvswitch/db.sock")
    def build(txn: Txn) -> None:
        br = txn.insert("Bridge")
        br.name = "br0"
        ...
    db.transact(build, wait=True)   # retried on a concurrent change;
                                    # waits for ovs-vswitchd to apply it

- The schema comes from the server; without the P4 tables
  :class:`SchemaNotUpgraded` says to run ``ovs-p4ctl upgrade-db``.
- Transactions are built by a function called on a fresh replica, so a
  TRY_AGAIN (a ``verify()``-ed column changed meanwhile) simply rebuilds
  and commits again.
- ``wait=True`` increments ``Open_vSwitch.next_cfg`` in the transaction
  and waits until ovs-vswitchd has applied it (``cur_cfg``), as ovs-vsctl
  does without ``--no-wait``.
- Every failure is a :class:`DbError` whose text is one line.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import ovs.db.idl
import ovs.jsonrpc
import ovs.poller
import ovs.stream
import ovs.vlog

from ovsp4.ovsdb import schema as p4schema
from ovsp4.ovsdb.paths import default_remote

T = TypeVar("T")
Row = Any  # ovs.db.idl.Row: columns are attributes

DB_NAME = p4schema.DB_NAME
Transaction = ovs.db.idl.Transaction


class DbError(Exception):
    """A database failure, said in one line."""


class SchemaNotUpgraded(DbError):
    """The server's Open_vSwitch schema has no (or older) P4 records."""


def _quiet_ovs_logging() -> None:
    # The ovs library logs to stderr through vlog when it is not set up;
    # our errors are reported by us, once.
    ovs.vlog.Vlog.set_levels_from_string("any:console:off")


def _connect_error(remote: str, err: int) -> DbError:
    return DbError(f"{remote}: database connection failed ({os.strerror(err)})")


def fetch_schema(remote: str, timeout: float = 30.0) -> dict[str, Any]:
    """The server's Open_vSwitch schema (JSON)."""
    result = rpc(remote, "get_schema", [DB_NAME], timeout)
    if not isinstance(result, dict):
        raise DbError(f"{remote}: bad get_schema reply")
    return result


def rpc(remote: str, method: str, params: list[Any], timeout: float = 30.0) -> Any:
    """One JSON-RPC request; its result (an error reply raises DbError)."""
    _quiet_ovs_logging()
    err, stream = ovs.stream.Stream.open_block(ovs.stream.Stream.open(remote),
                                               int(timeout * 1000))
    if err:
        raise _connect_error(remote, err)
    conn = ovs.jsonrpc.Connection(stream)
    try:
        request = ovs.jsonrpc.Message.create_request(method, params)
        err = conn.send(request)
        deadline = time.monotonic() + timeout
        while not err:
            err, msg = conn.recv()
            if err == errno.EAGAIN:
                if time.monotonic() > deadline:
                    raise DbError(f"{remote}: no reply to '{method}' within {timeout:g} s")
                poller = ovs.poller.Poller()
                conn.run()
                conn.wait(poller)
                conn.recv_wait(poller)
                poller.timer_wait(100)
                poller.block()
                err = 0
                continue
            if err:
                break
            if msg.id == request.id:
                if msg.type == ovs.jsonrpc.Message.T_ERROR:
                    raise DbError(f"{remote}: {method}: {format_error(msg.error)}")
                return msg.result
        raise _connect_error(remote, err) if err != errno.EOF else DbError(
            f"{remote}: connection closed during '{method}'")
    finally:
        conn.close()


def format_error(error: Any) -> str:
    """An OVSDB error object ({"error": ..., "details": ...}) as one line."""
    if isinstance(error, str):
        try:
            error = json.loads(error)
        except ValueError:
            return error.replace("\n", " ")
    if isinstance(error, dict):
        text = str(error.get("error", "error"))
        if error.get("details"):
            text += f": {error['details']}"
        return text.replace("\n", " ")
    return str(error).replace("\n", " ")


class Txn:
    """A transaction being built: inserts, row lookups and the replica."""

    def __init__(self, db: Database, txn: Transaction) -> None:
        self.db = db
        self.txn = txn

    def insert(self, table: str) -> Row:
        return self.txn.insert(self.db.idl.tables[table])

    def comment(self, text: str) -> None:
        self.txn.add_comment(text)


class Database:
    """An IDL replica of the Open_vSwitch database, with the P4 tables."""

    def __init__(self, remote: str | None = None, *, timeout: float = 30.0,
                 require_p4: bool = True) -> None:
        self.remote = remote or default_remote()
        self.timeout = timeout
        self._deadline = 0.0
        self._start()
        schema = fetch_schema(self.remote, timeout)
        self.schema = schema
        if require_p4:
            check_schema(schema, self.remote)
        helper = ovs.db.idl.SchemaHelper(schema_json=schema)
        helper.register_all()
        self.idl = ovs.db.idl.Idl(self.remote, helper, probe_interval=0)
        self._run_until(lambda: self.idl.has_ever_connected(), "the database contents")

    def close(self) -> None:
        self.idl.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- Reading -------------------------------------------------------------

    def rows(self, table: str) -> list[Row]:
        return list(self.idl.tables[table].rows.values())

    def root(self) -> Row:
        rows = self.rows("Open_vSwitch")
        if not rows:
            raise DbError(f"{self.remote}: the database has no Open_vSwitch record "
                          "(run 'ovs-vsctl init')")
        return rows[0]

    def refresh(self) -> None:
        """Processes what the server sent meanwhile."""
        self.idl.run()

    # --- Writing -------------------------------------------------------------

    def transact(self, build: Callable[[Txn], T], *, wait: bool = False) -> T:
        """Builds a transaction with ``build`` and commits it, rebuilding on
        TRY_AGAIN.  With ``wait``, returns once ovs-vswitchd has applied
        it.  ``timeout`` (from the constructor) bounds the whole of it."""
        self._start()
        while True:
            self.idl.run()
            seqno = self.idl.change_seqno  # what the transaction is built from
            txn = Transaction(self.idl)
            try:
                result = build(Txn(self, txn))
                if wait:
                    self.root().increment("next_cfg")
            except BaseException:
                txn.abort()
                raise
            status = self._commit(txn)
            if status == Transaction.TRY_AGAIN:
                # Rebuild once the replica has what made the commit fail.
                self._run_until(lambda s=seqno: self.idl.change_seqno != s,
                                "the database to change")
                continue
            if status in (Transaction.SUCCESS, Transaction.UNCHANGED):
                break
            if status == Transaction.ERROR:
                raise DbError(f"transaction error: {format_error(txn.get_error())}")
            raise DbError(f"transaction {status}")
        if wait and status == Transaction.SUCCESS:
            next_cfg = txn.get_increment_new_value()
            self._run_until(lambda: self.root().cur_cfg >= next_cfg,
                            "ovs-vswitchd to apply the change (is it running? "
                            "--no-wait does not wait)")
        return result

    def wait_until(self, cond: Callable[[], bool], what: str) -> None:
        """Follows the database until ``cond()`` holds (within ``timeout``)."""
        self._start()
        self._run_until(cond, what)

    def _start(self) -> None:
        self._deadline = time.monotonic() + self.timeout

    def _commit(self, txn: Transaction) -> str:
        while True:
            status = txn.commit()
            if status != Transaction.INCOMPLETE:
                return status
            if time.monotonic() > self._deadline:
                txn.abort()
                raise DbError(f"{self.remote}: no reply to the transaction within "
                              f"{self.timeout:g} s")
            self.idl.run()
            poller = ovs.poller.Poller()
            self.idl.wait(poller)
            txn.wait(poller)
            poller.timer_wait(100)
            poller.block()

    def _run_until(self, cond: Callable[[], bool], what: str) -> None:
        while True:
            self.idl.run()
            if cond():
                return
            if time.monotonic() > self._deadline:
                if not self.idl.has_ever_connected():
                    raise DbError(f"{self.remote}: database connection failed (timed out)")
                raise DbError(f"timed out after {self.timeout:g} s waiting for {what}")
            poller = ovs.poller.Poller()
            self.idl.wait(poller)
            poller.timer_wait(100)
            poller.block()


def check_schema(schema: dict[str, Any], remote: str) -> None:
    """Raises SchemaNotUpgraded, with what to do, for a server whose schema
    lacks the P4 records of this ovsp4."""
    rev = p4schema.p4_revision(schema)
    want = p4schema.revision()
    if rev is None:
        raise SchemaNotUpgraded(
            f"{remote}: the database (schema {schema.get('name')} {schema.get('version')}) "
            "has no P4 tables: upgrade it with 'ovs-p4ctl upgrade-db' "
            "(see Documentation/management.md)")
    if rev < want:
        raise SchemaNotUpgraded(
            f"{remote}: the database has P4 schema revision {rev}, this ovs-p4ctl needs "
            f"{want}: upgrade it with 'ovs-p4ctl upgrade-db'")
