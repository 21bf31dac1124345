"""The line protocol between the tests and a client script (standard
library only: imported by scripts that run in the clients' own virtual
environments, never by ovsp4).

A client script connects to ovs-p4rtd with its library (pushing the
pipeline), prints one JSON line ``{"ok": true, "result": {...}}`` (the
connection: what the library learnt), then answers one JSON request per
line on stdin, ``{"op": NAME, ...arguments}``, with one JSON line:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": TEXT,
"code": GRPC_CODE_NAME, "details": [...]}``.  ``{"op": "quit"}`` ends it.

The protocol lines go to the process's original stdout; anything the
libraries print (p4runtime-shell prints a lot) goes to stderr.

The request vocabulary, the same for every client (README.md):

table       type (insert|modify|delete), table, match, action, params,
            priority, default (bool), meter_config, counter_data
read_table  table -> [entry]            entry: match, action, params,
                                        priority, default, [counter_data,
                                        meter_config]
counter_read / counter_write              name, index, packets, bytes
direct_counter_read / direct_counter_write  table, match, priority, ...
meter_read / meter_write                 name, index, config|null
direct_meter_read / direct_meter_write   table, match, priority, config|null
register_read / register_write           name, index, value
mcast       type, group, ports           mcast_read group -> [ports]
clone       type, session, ports         clone_read session -> [ports]
digest_config  type, name, max_timeout_ns, max_list_size, ack_timeout_ns
digest_read    name -> config
packet_out  payload (hex), metadata {name: int}
packet_ins  count, timeout -> [{payload, metadata}]
digests     count, timeout -> [{digest, list_id, data: [{member: int}]}]
            (each list acknowledged by the client)
pipeline    -> {name, version, cookie}

Match values (in requests): ``{"exact": V}``, ``{"lpm": [V, PREFIX]}``,
``{"ternary": [V, MASK]}``, ``{"range": [LOW, HIGH]}``, ``{"optional":
V}``; V a string the library parses ("10.0.0.1", "02:00:00:00:00:01",
"17", "0x11").  Replies carry integers in the same shapes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[..., Any]


def protocol_stream():
    """The original stdout for the protocol; fd 1 and sys.stdout become
    stderr, so that what libraries print cannot corrupt the protocol."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _reply(out, obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, default=_jsonable) + "\n")
    out.flush()


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (set, tuple)):
        return list(v)
    return str(v)


def failure(exc: BaseException, code: str | None = None,
            details: list[Any] | None = None) -> dict[str, Any]:
    traceback.print_exception(exc, file=sys.stderr)
    return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "code": code,
            "details": details or []}


def serve(out, handlers: dict[str, Handler], ready: dict[str, Any],
          error_info: Callable[[BaseException], tuple[str | None, list[Any]]]) -> None:
    """The request loop of a synchronous client."""
    _reply(out, {"ok": True, "result": ready})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.pop("op")
        if op == "quit":
            _reply(out, {"ok": True, "result": None})
            return
        try:
            handler = handlers[op]
        except KeyError:
            _reply(out, {"ok": False, "error": f"unknown op {op}", "code": None, "details": []})
            continue
        try:
            _reply(out, {"ok": True, "result": handler(**req)})
        except Exception as exc:  # noqa: BLE001 -- reported to the test
            _reply(out, failure(exc, *error_info(exc)))


async def aserve(out, handlers: dict[str, Callable[..., Awaitable[Any]]],
                 ready: dict[str, Any],
                 error_info: Callable[[BaseException], tuple[str | None, list[Any]]]) -> None:
    """The request loop of an asyncio client (stdin read in a thread)."""
    loop = asyncio.get_running_loop()
    _reply(out, {"ok": True, "result": ready})
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.pop("op")
        if op == "quit":
            _reply(out, {"ok": True, "result": None})
            return
        handler = handlers.get(op)
        if handler is None:
            _reply(out, {"ok": False, "error": f"unknown op {op}", "code": None, "details": []})
            continue
        try:
            _reply(out, {"ok": True, "result": await handler(**req)})
        except Exception as exc:  # noqa: BLE001 -- reported to the test
            _reply(out, failure(exc, *error_info(exc)))


def fail_to_connect(out, exc: BaseException, code: str | None = None) -> None:
    _reply(out, failure(exc, code))
