"""Load a pipeline .so into this process and run packets through it.

The same binary runs inside ovs-vswitchd's p4 datapath; here one Python
thread plays the part of a PMD thread: it owns one `ovsp4_thread`, sends
batches, and calls control operations between batches.
"""

from __future__ import annotations

import ctypes as C
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ovsp4.sim import abi

MAX_BATCH = 256
HEADROOM = 256  # bytes before each packet, as a host's buffers have
MAX_PACKET = 16384  # bytes of packet data per input buffer
MAX_OUTPUTS = 4096  # replicas and clones included
CONTROL_REPLY_START = 64 * 1024
CONTROL_REPLY_MAX = 64 * 1024 * 1024


class PipelineError(Exception):
    """The .so is not an OvS.p4 pipeline of this ABI, or it failed."""


@dataclass(frozen=True)
class Output:
    """A packet out of the pipeline: to a port, or to the controller."""

    port: int
    data: bytes
    input: int  # index of the input packet in its batch
    to_controller: bool = False


class Pipeline:
    """A running instance of a pipeline .so (one P4 bridge's worth)."""

    def __init__(
        self,
        path: str | Path,
        *,
        cpu_port: int = 0,
        seed: int = 0,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        try:
            # RTLD_LOCAL: two pipelines in one process keep their own symbols.
            self._lib = C.CDLL(str(self.path), mode=os.RTLD_NOW | os.RTLD_LOCAL)
            get = getattr(self._lib, abi.PIPELINE_SYMBOL)
        except (OSError, AttributeError) as exc:
            raise PipelineError(f"{self.path}: not an OvS.p4 pipeline: {exc}") from None
        get.restype = C.POINTER(abi.PipelineDef)
        get.argtypes = []
        defn = get()
        if not defn:
            raise PipelineError(f"{self.path}: {abi.PIPELINE_SYMBOL}() returned NULL")
        self._def = defn.contents
        if self._def.abi_version != abi.ABI_VERSION:
            raise PipelineError(
                f"{self.path}: pipeline ABI version {self._def.abi_version}, "
                f"this simulator speaks {abi.ABI_VERSION}: rebuild it with this ovs-p4c"
            )
        config = abi.InstanceConfig(cpu_port=cpu_port, max_threads=1, seed=seed)
        self._instance = self._def.instance_create(C.byref(config))
        if not self._instance:
            raise PipelineError(f"{self.path}: instance_create failed")
        self._thread = self._def.thread_create(self._instance)
        if not self._thread:
            self._def.instance_destroy(self._instance)
            raise PipelineError(f"{self.path}: thread_create failed")
        # Buffers are allocated once: the pipeline writes into them.
        self._buffers = (C.c_uint8 * ((HEADROOM + MAX_PACKET) * MAX_BATCH))()
        self._packets = (abi.Packet * MAX_BATCH)()
        self._outputs = (abi.Output * MAX_OUTPUTS)()
        self._reply = (C.c_uint8 * CONTROL_REPLY_START)()
        self._events: list[bytes] = []
        self._event_cb = abi.EventCallback(self._on_event)

    # -- identity -------------------------------------------------------------

    @property
    def program_name(self) -> str:
        return (self._def.program_name or b"").decode()

    @property
    def arch(self) -> str:
        return (self._def.arch or b"").decode()

    @property
    def p4info_bytes(self) -> bytes:
        return C.string_at(self._def.p4info, self._def.p4info_len)

    def p4info(self):  # type: ignore[no-untyped-def]
        from ovsp4.proto import p4info_pb2

        return p4info_pb2.P4Info.FromString(self.p4info_bytes)

    # -- packets ---------------------------------------------------------------

    def process(
        self, packets: Sequence[tuple[int, bytes]], now_ns: int | None = None
    ) -> list[Output]:
        """Run a batch of (ingress port, bytes) and return what comes out."""
        self._check_open()
        outputs: list[Output] = []
        for start in range(0, len(packets), MAX_BATCH):
            outputs += self._batch(packets[start : start + MAX_BATCH], start, now_ns)
        return outputs

    def send(self, port: int, data: bytes, now_ns: int | None = None) -> list[Output]:
        return self.process([(port, data)], now_ns)

    def _batch(
        self, packets: Sequence[tuple[int, bytes]], base: int, now_ns: int | None
    ) -> list[Output]:
        stride = HEADROOM + MAX_PACKET
        base_addr = C.addressof(self._buffers)
        for i, (port, data) in enumerate(packets):
            if len(data) > MAX_PACKET:
                raise ValueError(f"packet of {len(data)} bytes exceeds {MAX_PACKET}")
            offset = i * stride + HEADROOM
            C.memmove(base_addr + offset, data, len(data))
            p = self._packets[i]
            p.data = C.cast(base_addr + offset, C.POINTER(C.c_uint8))
            p.len = len(data)
            p.headroom = HEADROOM
            p.in_port = port
        now = self.clock() if now_ns is None else now_ns
        n = self._def.process_batch(
            self._thread, self._packets, len(packets), self._outputs, MAX_OUTPUTS, now
        )
        result = []
        for i in range(n):
            o = self._outputs[i]
            if o.in_place:
                p = self._packets[o.input]
                data = C.string_at(p.data, p.len)
            else:
                data = C.string_at(o.data, o.len)
            result.append(Output(o.port, data, base + o.input, o.kind == abi.OUT_CONTROLLER))
        return result

    # -- control ---------------------------------------------------------------

    def control(self, request: bytes) -> bytes:
        """One control-protocol request -> its reply (between batches)."""
        self._check_open()
        while True:
            n = self._def.control(
                self._instance, request, len(request), self._reply, len(self._reply)
            )
            if n:
                return bytes(self._reply[:n])
            if len(self._reply) >= CONTROL_REPLY_MAX:
                raise PipelineError("control reply larger than 64 MiB")
            self._reply = (C.c_uint8 * (len(self._reply) * 4))()

    def _on_event(self, _aux: object, data: object, length: int) -> None:
        self._events.append(C.string_at(data, length))

    def poll_events(self, limit: int = 1024) -> list[bytes]:
        """Queued events (packet-in, digests, idle timeouts), each a
        control-protocol message."""
        self._check_open()
        self._events = []
        self._def.poll_events(self._instance, self._event_cb, None, limit)
        events, self._events = self._events, []
        return events

    # -- life cycle ------------------------------------------------------------

    def _check_open(self) -> None:
        if self._instance is None:
            raise PipelineError("pipeline is closed")

    def close(self) -> None:
        if self._instance is None:
            return
        self._def.thread_destroy(self._thread)
        self._def.instance_destroy(self._instance)
        self._instance = None
        self._thread = None

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- interpreter shutdown
            pass
