"""Helpers of the tutorial simulator tests (tests/sim/test_tutorials.py): a
tutorial program's pipeline in the in-process simulator with its runtime
file installed, the tutorials' own protocol headers as scapy classes, and
the hash and checksum algorithms BMv2 uses, to predict what the switch must
do. No test functions here.

The scapy classes are deliberately *not* bound to Ethernet types with
``bind_layers`` (that would change how every other test in the process
dissects frames, and calc and source_routing both use 0x1234): tests build
frames with explicit types and dissect the tutorial headers by offset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bmv2_hashes import crc16, crc32  # noqa: F401 -- re-exported to the tests
from scapy.fields import BitField, ByteField, IntField, ShortField, XByteField
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from scapy.packet import Packet
from scapy.utils import checksum

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import CompiledProgram, compile_program
from ovsp4.control import protocol as proto
from ovsp4.control.client import ControlClient
from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.runtime_json import RuntimeConfig, load_runtime, load_runtime_file
from ovsp4.p4runtime.translate import Translator
from ovsp4.sim import Output, Pipeline

from conformance_data import TUTORIALS

# -- Building and running -------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A tutorial program, compiled and built into a pipeline .so."""

    program: Path
    # The IR's repr is huge: keep it out of pytest's tracebacks.
    compiled: CompiledProgram = field(repr=False)
    so: Path

    @property
    def directory(self) -> Path:
        return self.program.parent


_BUILT: dict[Path, Built] = {}


def build_tutorial(relpath: str) -> Built:
    """Compile and build ``<tutorials>/<relpath>`` (once per process; the
    build cache makes later processes fast)."""
    program = (TUTORIALS / relpath).resolve()
    if program not in _BUILT:
        compiled = compile_program(program)
        _BUILT[program] = Built(program, compiled, build_pipeline(compiled))
    return _BUILT[program]


class TutorialSwitch:
    """One switch: a fresh pipeline instance (empty tables, zeroed registers
    and counters) and a control client."""

    def __init__(self, built: Built, *, cpu_port: int = 0) -> None:
        self.built = built
        self.p4info = built.compiled.p4info
        self.index = P4InfoIndex(self.p4info)
        self.cpu_port = cpu_port
        self.pipeline = Pipeline(built.so, cpu_port=cpu_port)
        self.client = ControlClient(self.pipeline.control, self.pipeline.poll_events)

    def close(self) -> None:
        self.pipeline.close()

    def __enter__(self) -> TutorialSwitch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuration ------------------------------------------------------------

    def load_runtime_file(self, relpath: str) -> None:
        """Install a runtime file, relative to the program's directory."""
        self._apply(load_runtime_file(self.built.directory / relpath, self.p4info))

    def load_runtime(self, data: dict[str, Any]) -> None:
        """Install runtime-file-shaped data (what a tutorial controller
        would install)."""
        self._apply(load_runtime(data, self.p4info))

    def _apply(self, config: RuntimeConfig) -> None:
        """The file's P4Runtime updates, translated as ovs-p4rtd does, into
        the pipeline's control protocol."""
        errors = Translator(self.p4info, cpu_port=self.cpu_port).apply(
            config.updates, self.pipeline.control)
        failed = [f"{label}: {err}" for label, err in zip(config.labels, errors, strict=True)
                  if err is not None]
        assert not failed, "; ".join(failed)

    # -- packets --------------------------------------------------------------------

    def send(self, port: int, packet: Packet | bytes, now_ns: int | None = None) -> list[Output]:
        return self.pipeline.send(port, bytes(packet), now_ns)

    def send1(self, port: int, packet: Packet | bytes, now_ns: int | None = None) -> Output:
        """Send a packet that must come out exactly once, on a port."""
        outputs = self.send(port, packet, now_ns)
        assert len(outputs) == 1, f"expected one output, got {outputs}"
        assert not outputs[0].to_controller
        return outputs[0]

    def events(self) -> list[object]:
        return self.client.poll_events()

    def packet_ins(self) -> list[proto.PacketIn]:
        return [e for e in self.events() if isinstance(e, proto.PacketIn)]

    # -- state ----------------------------------------------------------------------

    def counter(self, name: str, index: int) -> tuple[int, int]:
        """(packets, bytes) of one counter cell."""
        (entry,) = self.client.read_counter(self.index.counter(name).preamble.id, index)
        return entry.data.packets, entry.data.bytes

    def register(self, name: str, index: int) -> int:
        (entry,) = self.client.read_register(self.index.register(name).preamble.id, index)
        return proto.value_int(entry.value)

    def registers(self, name: str) -> dict[int, int]:
        """Every cell of a register array, by index."""
        cells = self.client.read_register(self.index.register(name).preamble.id)
        return {e.index: proto.value_int(e.value) for e in cells}


def runtime_entries(relpath: str) -> list[dict[str, Any]]:
    """The table entries of a tutorial runtime file (to derive expectations
    from the same data the switch was configured with)."""
    return list(json.loads((TUTORIALS / relpath).read_text()).get("table_entries", []))


def packet_in_fields(switch: TutorialSwitch, event: proto.PacketIn) -> dict[str, int]:
    """A packet-in's metadata by P4Info field name."""
    (meta,) = [
        m for m in switch.p4info.controller_packet_metadata if m.preamble.name == "packet_in"
    ]
    names = {m.id: m.name for m in meta.metadata}
    return {names[i]: proto.value_int(v) for i, v in event.metadata}


# -- Checks -------------------------------------------------------------------------


def ipv4_header(frame: bytes, offset: int = 14) -> bytes:
    ihl = frame[offset] & 0x0F
    return frame[offset : offset + 4 * ihl]


def expected_ipv4_checksum(header: bytes) -> int:
    """What the checksum of an IPv4 header must be (scapy's one's
    complement sum over the header with the checksum field zeroed)."""
    return checksum(header[:10] + b"\0\0" + header[12:])


def assert_ipv4_checksum_valid(frame: bytes, offset: int = 14, *, base_only: bool = False) -> None:
    """The IPv4 checksum of `frame` is right: over the whole header, or
    (`base_only`) over its first 20 bytes, the fields programs whose
    update_checksum does not list the options cover."""
    header = ipv4_header(frame, offset)
    if base_only:
        header = header[:20]
    got = int.from_bytes(header[10:12], "big")
    want = expected_ipv4_checksum(header)
    assert got == want, f"IPv4 checksum {got:#06x}, scapy computes {want:#06x}"


def rechecksummed(ip: IP) -> IP:
    """A copy of an IP layer (with its payload) whose checksum scapy
    recomputed."""
    copy = ip.copy()
    del copy.chksum
    return IP(bytes(copy))


# -- BMv2's hash algorithms (bm_sim/calculations.cpp) ----------------------------------


def v1model_hash(value: int, base: int, max_: int) -> int:
    """v1model ``hash(out, algo, base, data, max)``: base + value % max."""
    return base + value % max_ if max_ else base + value


# -- The tutorials' own headers -----------------------------------------------------


class MyTunnel(Packet):
    """basic_tunnel, p4runtime/advanced_tunnel (Ethernet type 0x1212)."""

    name = "MyTunnel"
    fields_desc = [ShortField("proto_id", 0x0800), ShortField("dst_id", 0)]

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        return IP if self.proto_id == 0x0800 else super().guess_payload_class(payload)


class P4Calc(Packet):
    """calc (Ethernet type 0x1234)."""

    name = "P4calc"
    fields_desc = [
        XByteField("p", 0x50),
        XByteField("four", 0x34),
        XByteField("ver", 0x01),
        XByteField("op", 0x2B),
        IntField("operand_a", 0),
        IntField("operand_b", 0),
        IntField("res", 0xBAD0BAD0),
    ]


class Probe(Packet):
    """link_monitor (Ethernet type 0x812)."""

    name = "Probe"
    fields_desc = [ByteField("hop_cnt", 0)]


class ProbeData(Packet):
    name = "ProbeData"
    fields_desc = [
        BitField("bos", 0, 1),
        BitField("swid", 0, 7),
        ByteField("port", 0),
        IntField("byte_cnt", 0),
        BitField("last_time", 0, 48),
        BitField("cur_time", 0, 48),
    ]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


class SourceRoute(Packet):
    """source_routing (Ethernet type 0x1234), one per hop."""

    name = "SourceRoute"
    fields_desc = [BitField("bos", 0, 1), BitField("port", 0, 15)]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


class SwitchTrace(Packet):
    """mri: one hop of the MRI IPv4 option."""

    name = "SwitchTrace"
    fields_desc = [IntField("swid", 0), IntField("qdepth", 0)]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


def mri_option(swids: list[int]) -> bytes:
    """The MRI IPv4 option (type 31) with these switch ids (qdepth 0)."""
    traces = b"".join(bytes(SwitchTrace(swid=s, qdepth=0)) for s in swids)
    body = len(swids).to_bytes(2, "big") + traces
    return bytes([31, 2 + len(body)]) + body


def parse_mri(frame: bytes) -> tuple[int, int, list[tuple[int, int]]]:
    """(option length, count, [(swid, qdepth), ...]) of an MRI frame."""
    header = ipv4_header(frame)
    option = header[20:]
    assert option[0] & 0x1F == 31, f"not an MRI option: {option.hex()}"
    length, count = option[1], int.from_bytes(option[2:4], "big")
    traces = []
    for i in range(count):
        t = SwitchTrace(option[4 + 8 * i : 12 + 8 * i])
        traces.append((t.swid, t.qdepth))
    return length, count, traces


def ether(frame: bytes) -> Ether:
    return Ether(frame)


def ethertype(frame: bytes) -> int:
    return int.from_bytes(frame[12:14], "big")
