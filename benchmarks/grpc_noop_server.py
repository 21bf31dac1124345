#!/usr/bin/env python3
"""A grpc.aio server whose P4Runtime Write does nothing: the floor of any
RPC a Python gRPC server answers on this machine, measured beside
ovs-p4rtd by benchmarks/p4runtime_bench.py.  Serves ADDR until killed.

    grpc_noop_server.py HOST:PORT
"""

from __future__ import annotations

import asyncio
import sys

import grpc


async def _write(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return b""


async def serve(addr: str) -> None:
    server = grpc.aio.server()
    same = lambda b: b  # noqa: E731  (bytes in, bytes out: no protobuf work)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "p4.v1.P4Runtime",
        {"Write": grpc.unary_unary_rpc_method_handler(_write, same, same)}),))
    server.add_insecure_port(addr)
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
