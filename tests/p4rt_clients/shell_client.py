"""A p4runtime-shell (p4runtime_sh 0.0.6) client of ovs-p4rtd, driven by
the tests over the line protocol of driver.py.  Runs in
build/venv-p4rt-shell (protobuf 3.20, p4runtime 1.4.1), never in ./.venv.

    python shell_client.py --addr 127.0.0.1:9559 --device-id 1 \\
        --p4info prog.p4info.txtpb --config prog.p4

Connects the way the shell does (``p4runtime_sh.shell.setup``):
arbitration, SetForwardingPipelineConfig(VERIFY_AND_COMMIT) with the P4Info
and the device config file (for OvS.p4, the P4 source), then
GetForwardingPipelineConfig.  Every request goes through the shell's
objects (TableEntry, CounterEntry, MeterEntry, MulticastGroupEntry,
PacketOut, PacketIn, DigestList...), except registers: p4runtime-shell
0.0.6 has no RegisterEntry, so those use the shell's own client
(``p4runtime_sh.shell.client``) with a RegisterEntry message.
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driver  # noqa: E402
import grpc  # noqa: E402
import p4runtime_sh.shell as sh  # noqa: E402
from google.rpc import code_pb2  # noqa: E402
from p4.v1 import p4runtime_pb2  # noqa: E402
from p4runtime_sh import bytes_utils  # noqa: E402
from p4runtime_sh.p4runtime import P4RuntimeException, P4RuntimeWriteException  # noqa: E402


class Critical(logging.Handler):
    """The shell reports failures of setup() with logging.critical and
    sys.exit(1): keep the messages for the reply."""

    def __init__(self) -> None:
        super().__init__(logging.CRITICAL)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def error_info(exc: BaseException) -> tuple[str | None, list[object]]:
    if isinstance(exc, P4RuntimeWriteException):
        return "UNKNOWN", [{"index": i, "code": code_pb2.Code.Name(e.canonical_code),
                            "message": e.message} for i, e in exc.errors]
    if isinstance(exc, P4RuntimeException):
        return exc.grpc_error.code().name, [exc.grpc_error.details()]
    if isinstance(exc, grpc.RpcError):
        return exc.code().name, [exc.details()]
    return None, []


# --- Values -------------------------------------------------------------------


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def shell_match(m: dict) -> str:
    """The neutral match form as the shell's match strings."""
    (kind, v), = m.items()
    if kind in ("exact", "optional"):
        return str(v)
    if kind == "lpm":
        return f"{v[0]}/{v[1]}"
    if kind == "ternary":
        return f"{v[0]}&&&{v[1]}"
    if kind == "range":
        return f"{v[0]}..{v[1]}"
    raise ValueError(f"unknown match kind {kind}")


def field_match(fm: p4runtime_pb2.FieldMatch) -> dict:
    kind = fm.WhichOneof("field_match_type")
    if kind == "exact":
        return {"exact": _int(fm.exact.value)}
    if kind == "lpm":
        return {"lpm": [_int(fm.lpm.value), fm.lpm.prefix_len]}
    if kind == "ternary":
        return {"ternary": [_int(fm.ternary.value), _int(fm.ternary.mask)]}
    if kind == "range":
        return {"range": [_int(fm.range.low), _int(fm.range.high)]}
    if kind == "optional":
        return {"optional": _int(fm.optional.value)}
    raise ValueError(f"unknown field match {kind}")


def counter_data(d: p4runtime_pb2.CounterData) -> dict:
    return {"packets": d.packet_count, "bytes": d.byte_count}


def meter_config(c: p4runtime_pb2.MeterConfig) -> dict:
    return {"cir": c.cir, "cburst": c.cburst, "pir": c.pir, "pburst": c.pburst}


def replica_port(r: p4runtime_pb2.Replica) -> int:
    """The port of a replica read back: the shell writes the deprecated
    ``egress_port``; a P4Runtime 1.4+ server may answer with ``port``
    (bytes) instead."""
    if r.WhichOneof("port_kind") == "port":
        return _int(r.port)
    return r.egress_port


def entry_json(te: sh.TableEntry) -> dict:
    msg = te.msg()
    out: dict = {
        "match": {sh.context.get_mf_name(te.name, fm.field_id): field_match(fm)
                  for fm in msg.match},
        "priority": msg.priority,
        "default": msg.is_default_action,
        "action": None,
        "params": {},
    }
    if msg.action.HasField("action"):
        a = msg.action.action
        name = sh.context.get_name_from_id(a.action_id)
        out["action"] = name
        out["params"] = {sh.context.get_param_name(name, p.param_id): _int(p.value)
                         for p in a.params}
    if msg.HasField("counter_data"):
        out["counter_data"] = counter_data(msg.counter_data)
    if msg.HasField("meter_config"):
        out["meter_config"] = meter_config(msg.meter_config)
    return out


# --- The client -----------------------------------------------------------------


class ShellClient:
    def __init__(self) -> None:
        self.packet_in = sh.PacketIn()
        self.digest_list = sh.DigestList()   # acknowledges every list it gets

    def handlers(self) -> dict:
        return {name[3:]: getattr(self, name) for name in dir(self) if name.startswith("op_")}

    # Tables

    def _entry(self, table: str, match: dict | None, action: str | None,
               params: dict | None, priority: int, default: bool) -> sh.TableEntry:
        te = sh.TableEntry(table)(action=action) if action else sh.TableEntry(table)
        if default:
            te.is_default = True
        for field, m in (match or {}).items():
            te.match[field] = shell_match(m)
        for name, value in (params or {}).items():
            te.action[name] = str(value)
        if priority:
            te.priority = priority
        return te

    def op_table(self, type: str, table: str, match: dict | None = None,  # noqa: A002
                 action: str | None = None, params: dict | None = None, priority: int = 0,
                 default: bool = False, counter_data: dict | None = None,
                 meter_config: dict | None = None) -> None:
        te = self._entry(table, match, action, params, priority, default)
        if counter_data is not None:
            te.counter_data.packet_count = counter_data.get("packets", 0)
            te.counter_data.byte_count = counter_data.get("bytes", 0)
        if meter_config is not None:
            for k, v in meter_config.items():
                setattr(te.meter_config, k, v)
        {"insert": te.insert, "modify": te.modify, "delete": te.delete}[type]()

    def op_read_table(self, table: str, match: dict | None = None, priority: int = 0,
                      default: bool = False) -> list[dict]:
        te = self._entry(table, match, None, None, priority, default)
        return [entry_json(e) for e in te.read()]

    # Counters

    def op_counter_read(self, name: str, index: int | None = None) -> list[dict]:
        ce = sh.CounterEntry(name)
        ce.index = index
        return [{"index": c.index, "packets": c.packet_count, "bytes": c.byte_count}
                for c in ce.read()]

    def op_counter_write(self, name: str, index: int, packets: int = 0, bytes: int = 0  # noqa: A002
                         ) -> None:
        ce = sh.CounterEntry(name)
        ce.index = index
        ce.packet_count = packets
        ce.byte_count = bytes
        ce.modify()

    def _direct(self, cls, name: str, match: dict, priority: int):
        d = cls(name)
        for field, m in match.items():
            d.table_entry.match[field] = shell_match(m)
        if priority:
            d.table_entry.priority = priority
        return d

    def op_direct_counter_read(self, name: str, match: dict, priority: int = 0) -> list[dict]:
        d = self._direct(sh.DirectCounterEntry, name, match, priority)
        return [{"packets": c.packet_count, "bytes": c.byte_count} for c in d.read()]

    def op_direct_counter_write(self, name: str, match: dict, priority: int = 0,
                                packets: int = 0, bytes: int = 0) -> None:  # noqa: A002
        d = self._direct(sh.DirectCounterEntry, name, match, priority)
        d.packet_count = packets
        d.byte_count = bytes
        d.modify()

    # Meters

    @staticmethod
    def _set_config(me, config: dict | None) -> None:
        if config is None:
            me.config = None
            return
        for k, v in config.items():
            setattr(me, k, v)

    @staticmethod
    def _config_json(me) -> dict | None:
        msg = me.msg()
        return meter_config(msg.config) if msg.HasField("config") else None

    def op_meter_write(self, name: str, index: int, config: dict | None) -> None:
        me = sh.MeterEntry(name)
        me.index = index
        self._set_config(me, config)
        me.modify()

    def op_meter_read(self, name: str, index: int | None = None) -> list[dict]:
        me = sh.MeterEntry(name)
        me.index = index
        return [{"index": m.index, "config": self._config_json(m)} for m in me.read()]

    def op_direct_meter_write(self, name: str, match: dict, config: dict | None,
                              priority: int = 0) -> None:
        d = self._direct(sh.DirectMeterEntry, name, match, priority)
        self._set_config(d, config)
        d.modify()

    def op_direct_meter_read(self, name: str, match: dict, priority: int = 0) -> list[dict]:
        d = self._direct(sh.DirectMeterEntry, name, match, priority)
        return [{"config": self._config_json(m)} for m in d.read()]

    # Registers: no RegisterEntry in p4runtime-shell 0.0.6 (nor registers in
    # its P4Info context); its client does the work.

    @staticmethod
    def _register_info(name: str):
        for r in sh.context.p4info.registers:
            if name in (r.preamble.name, r.preamble.alias):
                return r
        raise KeyError(f"no register {name} in the P4Info")

    def _register(self, name: str, index: int | None) -> p4runtime_pb2.Entity:
        entity = p4runtime_pb2.Entity()
        entity.register_entry.register_id = self._register_info(name).preamble.id
        if index is not None:
            entity.register_entry.index.index = index
        return entity

    def op_register_write(self, name: str, index: int, value: int) -> None:
        width = self._register_info(name).type_spec.bitstring.bit.bitwidth
        update = p4runtime_pb2.Update(type=p4runtime_pb2.Update.MODIFY)
        update.entity.CopyFrom(self._register(name, index))
        update.entity.register_entry.data.bitstring = bytes_utils.make_canonical_if_option_set(
            bytes_utils.parse_value(str(value), width))
        sh.client.write_update(update)

    def op_register_read(self, name: str, index: int | None = None) -> list[dict]:
        out = []
        for reply in sh.client.read_one(self._register(name, index)):
            for e in reply.entities:
                r = e.register_entry
                out.append({"index": r.index.index, "value": _int(r.data.bitstring)})
        return out

    # Packet replication

    def op_mcast(self, type: str, group: int, ports: list[int] | None = None) -> None:  # noqa: A002
        m = sh.MulticastGroupEntry(group)
        for port in ports or []:
            m.add(port)
        {"insert": m.insert, "modify": m.modify, "delete": m.delete}[type]()

    @staticmethod
    def _pre_read(obj, kind: str) -> list:
        """Reads with the shell's entity, decoded from the messages: the
        shell's own objects keep only ``egress_port`` (``shell_ports``)."""
        entity = p4runtime_pb2.Entity()
        entity.packet_replication_engine_entry.CopyFrom(obj.msg())
        out = []
        for reply in sh.client.read_one(entity):
            for e in reply.entities:
                out.append(getattr(e.packet_replication_engine_entry, kind))
        shell = [[r.egress_port for r in o.replicas] for o in obj.read()]
        return list(zip(out, shell, strict=True))

    def op_mcast_read(self, group: int = 0) -> list[dict]:
        return [{"group": g.multicast_group_id, "ports": sorted(map(replica_port, g.replicas)),
                 "fields": sorted({r.WhichOneof("port_kind") for r in g.replicas}),
                 "shell_ports": sorted(shell)}
                for g, shell in self._pre_read(sh.MulticastGroupEntry(group),
                                               "multicast_group_entry")]

    def op_clone(self, type: str, session: int, ports: list[int] | None = None,  # noqa: A002
                 packet_length_bytes: int = 0) -> None:
        c = sh.CloneSessionEntry(session)
        for port in ports or []:
            c.add(port)
        if packet_length_bytes:
            c.packet_length_bytes = packet_length_bytes
        {"insert": c.insert, "modify": c.modify, "delete": c.delete}[type]()

    def op_clone_read(self, session: int = 0) -> list[dict]:
        return [{"session": c.session_id, "ports": sorted(map(replica_port, c.replicas)),
                 "fields": sorted({r.WhichOneof("port_kind") for r in c.replicas}),
                 "shell_ports": sorted(shell)}
                for c, shell in self._pre_read(sh.CloneSessionEntry(session),
                                               "clone_session_entry")]

    # Digests

    def op_digest_config(self, type: str, name: str, max_timeout_ns: int = 0,  # noqa: A002
                         max_list_size: int = 1, ack_timeout_ns: int = 0) -> None:
        d = sh.DigestEntry(name)
        if type != "delete":
            d.max_timeout_ns = max_timeout_ns
            d.max_list_size = max_list_size
            d.ack_timeout_ns = ack_timeout_ns
        {"insert": d.insert, "modify": d.modify, "delete": d.delete}[type]()

    def op_digest_read(self, name: str) -> list[dict]:
        out = []
        for d in sh.DigestEntry(name).read():
            c = d.msg().config
            out.append({"max_timeout_ns": c.max_timeout_ns, "max_list_size": c.max_list_size,
                        "ack_timeout_ns": c.ack_timeout_ns})
        return out

    def op_digests(self, count: int, timeout: float) -> list[dict]:
        out = []
        for msg in _drain(self.digest_list.digest_list_queue, count, timeout):
            d = msg.digest
            info = sh.context.get_obj_by_id(d.digest_id)
            members = [m.name for m in sh.context.p4info.type_info.structs[
                info.type_spec.struct.name].members]
            out.append({
                "digest": info.preamble.name, "list_id": d.list_id,
                "data": [{n: _int(v.bitstring)
                          for n, v in zip(members, item.struct.members, strict=True)}
                         for item in d.data]})
        return out

    # Packet I/O

    def op_packet_out(self, payload: str, metadata: dict) -> None:
        sh.PacketOut(bytes.fromhex(payload), **{k: str(v) for k, v in metadata.items()}).send()

    def op_packet_ins(self, count: int, timeout: float) -> list[dict]:
        # (PacketIn.md_info_list stays empty in 0.0.6: its `"packet_in" in
        # P4Objects(...)` test is always false.)
        names = {m.id: m.name for cpm in sh.context.p4info.controller_packet_metadata
                 if cpm.preamble.name == "packet_in" for m in cpm.metadata}
        return [{"payload": msg.packet.payload.hex(),
                 "metadata": {names[m.metadata_id]: _int(m.value) for m in msg.packet.metadata}}
                for msg in _drain(self.packet_in.packet_in_queue, count, timeout)]

    # Pipeline

    def op_pipeline(self) -> dict:
        p4info = sh.client.get_p4info()
        req = p4runtime_pb2.GetForwardingPipelineConfigRequest(
            device_id=sh.client.device_id,
            response_type=p4runtime_pb2.GetForwardingPipelineConfigRequest.COOKIE_ONLY)
        cookie = sh.client.stub.GetForwardingPipelineConfig(req).config
        return {"name": p4info.pkg_info.name, "version": p4info.pkg_info.version,
                "cookie": cookie.cookie.cookie if cookie.HasField("cookie") else None,
                "tables": sorted(t.preamble.name for t in p4info.tables)}

    def op_set_pipeline(self, p4info: str, config: str) -> dict:
        """Another VERIFY_AND_COMMIT through the shell's client; the shell
        then works with the P4Info the server returns."""
        sh.client.set_fwd_pipe_config(p4info, config)
        sh.context.set_p4info(sh.client.get_p4info())
        return self.op_pipeline()


def _drain(q: queue.Queue, count: int, timeout: float) -> list:
    out: list = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            msg = q.get(timeout=left)
        except queue.Empty:
            break
        if msg is None:      # the stream ended
            break
        out.append(msg)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--device-id", type=int, required=True)
    ap.add_argument("--election-id", type=int, default=1)
    ap.add_argument("--p4info", help="P4Info (text) to push with --config")
    ap.add_argument("--config", help="device config file to push (OvS.p4: the P4 source)")
    args = ap.parse_args()
    out = driver.protocol_stream()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    critical = Critical()
    logging.getLogger().addHandler(critical)

    config = sh.FwdPipeConfig(args.p4info, args.config) if args.config else None
    try:
        sh.setup(device_id=args.device_id, grpc_addr=args.addr,
                 election_id=(0, args.election_id), config=config, verbose=False)
    except SystemExit as exc:
        driver.fail_to_connect(out, RuntimeError(
            "p4runtime_sh.shell.setup failed: " + " | ".join(critical.messages)), None)
        return int(exc.code or 1)
    try:
        client = ShellClient()
        p4info = sh.context.p4info
        ready = {"client": "p4runtime-shell", "api_version": sh.APIVersion(),
                 "pipeline": {"name": p4info.pkg_info.name,
                              "tables": sorted(t.preamble.name for t in p4info.tables)}}
        driver.serve(out, client.handlers(), ready, error_info)
    finally:
        sh.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
