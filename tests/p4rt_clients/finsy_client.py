"""A finsy (0.30) client of ovs-p4rtd, driven by the tests over the line
protocol of driver.py.  Runs in build/venv-finsy (protobuf 6.33, finsy's
own P4Runtime and google.rpc modules), never in ./.venv.

    python finsy_client.py --addr 127.0.0.1:9559 --device-id 1 \\
        --p4info prog.p4info.txtpb --config prog.p4

Connects the way finsy does (``async with finsy.Switch(...)``):
arbitration, Capabilities, a gNMI Subscribe (UNIMPLEMENTED is tolerated),
GetForwardingPipelineConfig(COOKIE_ONLY), and SetForwardingPipelineConfig
(VERIFY_AND_COMMIT) with the P4Info and the P4 source as the device
config when the switch's cookie is not the one finsy computes for them.
Every request is a finsy entity (P4TableEntry, P4CounterEntry,
P4MeterEntry, P4RegisterEntry, P4MulticastGroupEntry, P4PacketOut...);
packet-ins and digest lists come from Switch.read_packets and
Switch.read_digests, and every digest list is acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driver  # noqa: E402
import finsy as fy  # noqa: E402
from finsy.proto import p4r  # noqa: E402


class Errors(logging.Handler):
    """finsy's ERROR and CRITICAL messages (a failed connection is logged,
    not raised)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f": {record.exc_info[1]}"
        self.messages.append(msg)


def error_info(exc: BaseException) -> tuple[str | None, list[object]]:
    if isinstance(exc, fy.P4ClientError):
        return exc.code.name, [{"index": i, "code": e.canonical_code.name,
                                "message": e.message} for i, e in sorted(exc.details.items())]
    return None, []


def finsy_match(m: dict) -> str:
    """The neutral match form as finsy's match strings."""
    (kind, v), = m.items()
    if kind in ("exact", "optional"):
        return str(v)
    if kind == "lpm":
        return f"{v[0]}/{v[1]}"
    if kind == "ternary":
        return f"{v[0]}/&{v[1]}"
    if kind == "range":
        return f"{v[0]}...{v[1]}"
    raise ValueError(f"unknown match kind {kind}")


def _plain(v):
    """finsy's decoded values (int, tuples of them) as JSON."""
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return int(v)


def meter_config(c: fy.P4MeterConfig | None) -> dict | None:
    if c is None:
        return None
    return {"cir": c.cir, "cburst": c.cburst, "pir": c.pir, "pburst": c.pburst}


class FinsyClient:
    def __init__(self, sw: fy.Switch, addr: str, device_id: int) -> None:
        self.sw = sw
        self.addr = addr
        self.device_id = device_id
        self.packets: asyncio.Queue[fy.P4PacketIn] = asyncio.Queue()
        self.digest_lists: asyncio.Queue[dict] = asyncio.Queue()
        self.tasks = [sw.create_task(self._read_packets())]
        for digest in sw.p4info.digests:
            self.tasks.append(sw.create_task(self._read_digests(digest.alias)))

    def handlers(self) -> dict:
        return {name[3:]: getattr(self, name) for name in dir(self) if name.startswith("op_")}

    async def _read_packets(self) -> None:
        async for packet in self.sw.read_packets():
            await self.packets.put(packet)

    async def _read_digests(self, name: str) -> None:
        async for dl in self.sw.read_digests(name):
            await self.sw.write([dl.ack()])
            await self.digest_lists.put({
                "digest": self.sw.p4info.digests[dl.digest_id].name, "list_id": dl.list_id,
                "data": [{k: _plain(v) for k, v in item.items()} for item in dl.data]})

    # Names: finsy decodes to aliases; the protocol uses the P4Info names.

    def _action_name(self, alias: str) -> str:
        return self.sw.p4info.actions[alias].name

    def _match_field_name(self, table: str, alias: str) -> str:
        return self.sw.p4info.tables[table].match_fields[alias].name

    # Tables

    def _entry(self, table: str, match: dict | None = None, action: str | None = None,
               params: dict | None = None, priority: int = 0, default: bool = False,
               counter_data: dict | None = None, meter_config: dict | None = None
               ) -> fy.P4TableEntry:
        return fy.P4TableEntry(
            table,
            match=fy.P4TableMatch({f: finsy_match(m) for f, m in match.items()})
            if match else None,
            action=fy.P4TableAction(action, **{k: str(v) for k, v in (params or {}).items()})
            if action else None,
            priority=priority,
            is_default_action=default,
            counter_data=fy.P4CounterData(packet_count=counter_data.get("packets", 0),
                                          byte_count=counter_data.get("bytes", 0))
            if counter_data is not None else None,
            meter_config=fy.P4MeterConfig(**meter_config) if meter_config is not None else None,
        )

    async def _update(self, type: str, entity) -> None:  # noqa: A002
        op = {"insert": entity.__pos__, "modify": entity.__invert__,
              "delete": entity.__neg__}[type]
        await self.sw.write([op()])

    async def op_table(self, type: str, table: str, **kw) -> None:  # noqa: A002
        await self._update(type, self._entry(table, **kw))

    async def op_read_table(self, table: str, match: dict | None = None, priority: int = 0,
                            default: bool = False) -> list[dict]:
        out = []
        async for e in self.sw.read(self._entry(table, match, None, None, priority, default)):
            entry = {
                "match": {self._match_field_name(table, k): {
                    self.sw.p4info.tables[table].match_fields[k].match_type.name.lower():
                        _plain(v)} for k, v in (e.match or {}).items()},
                "priority": e.priority,
                "default": e.is_default_action,
                "action": self._action_name(e.action.name) if e.action else None,
                "params": {k: _plain(v) for k, v in e.action.args.items()} if e.action else {},
            }
            if e.counter_data is not None:
                entry["counter_data"] = {"packets": e.counter_data.packet_count,
                                         "bytes": e.counter_data.byte_count}
            if e.meter_config is not None:
                entry["meter_config"] = meter_config(e.meter_config)
            out.append(entry)
        return out

    # Counters

    async def op_counter_read(self, name: str, index: int | None = None) -> list[dict]:
        return [{"index": c.index, "packets": c.packet_count, "bytes": c.byte_count}
                async for c in self.sw.read(fy.P4CounterEntry(name, index=index))]

    async def op_counter_write(self, name: str, index: int, packets: int = 0,
                               bytes: int = 0) -> None:  # noqa: A002
        await self.sw.write([~fy.P4CounterEntry(
            name, index=index, data=fy.P4CounterData(packet_count=packets, byte_count=bytes))])

    def _direct_entry(self, name: str, kind: str, match: dict, priority: int) -> fy.P4TableEntry:
        objs = self.sw.p4info.direct_counters if kind == "counter" else \
            self.sw.p4info.direct_meters
        table = self.sw.p4info.tables[objs[name].direct_table_id].name
        return self._entry(table, match, priority=priority)

    async def op_direct_counter_read(self, name: str, match: dict, priority: int = 0
                                     ) -> list[dict]:
        entry = self._direct_entry(name, "counter", match, priority)
        return [{"packets": c.packet_count, "bytes": c.byte_count}
                async for c in self.sw.read(fy.P4DirectCounterEntry(name, table_entry=entry))]

    async def op_direct_counter_write(self, name: str, match: dict, priority: int = 0,
                                      packets: int = 0, bytes: int = 0) -> None:  # noqa: A002
        entry = self._direct_entry(name, "counter", match, priority)
        await self.sw.write([~fy.P4DirectCounterEntry(
            name, table_entry=entry,
            data=fy.P4CounterData(packet_count=packets, byte_count=bytes))])

    # Meters

    async def op_meter_write(self, name: str, index: int, config: dict | None) -> None:
        await self.sw.write([~fy.P4MeterEntry(
            name, index=index, config=fy.P4MeterConfig(**config) if config else None)])

    async def op_meter_read(self, name: str, index: int | None = None) -> list[dict]:
        return [{"index": m.index, "config": meter_config(m.config)}
                async for m in self.sw.read(fy.P4MeterEntry(name, index=index))]

    async def op_direct_meter_write(self, name: str, match: dict, config: dict | None,
                                    priority: int = 0) -> None:
        entry = self._direct_entry(name, "meter", match, priority)
        await self.sw.write([~fy.P4DirectMeterEntry(
            table_entry=entry, config=fy.P4MeterConfig(**config) if config else None)])

    async def op_direct_meter_read(self, name: str, match: dict, priority: int = 0
                                   ) -> list[dict]:
        entry = self._direct_entry(name, "meter", match, priority)
        return [{"config": meter_config(m.config)}
                async for m in self.sw.read(fy.P4DirectMeterEntry(table_entry=entry))]

    # Registers

    async def op_register_write(self, name: str, index: int, value: int) -> None:
        await self.sw.write([~fy.P4RegisterEntry(name, index=index, data=value)])

    async def op_register_read(self, name: str, index: int | None = None) -> list[dict]:
        return [{"index": r.index, "value": _plain(r.data)}
                async for r in self.sw.read(fy.P4RegisterEntry(name, index=index))]

    # Packet replication

    async def op_mcast(self, type: str, group: int, ports: list[int] | None = None  # noqa: A002
                       ) -> None:
        await self._update(type, fy.P4MulticastGroupEntry(group, replicas=tuple(ports or ())))

    async def op_mcast_read(self, group: int = 0) -> list[dict]:
        return [{"group": g.multicast_group_id,
                 "ports": sorted(r if isinstance(r, int) else r.port for r in g.replicas)}
                async for g in self.sw.read(fy.P4MulticastGroupEntry(group))]

    async def op_clone(self, type: str, session: int, ports: list[int] | None = None,  # noqa: A002
                       packet_length_bytes: int = 0) -> None:
        await self._update(type, fy.P4CloneSessionEntry(
            session, replicas=tuple(ports or ()), packet_length_bytes=packet_length_bytes))

    async def op_clone_read(self, session: int = 0) -> list[dict]:
        return [{"session": c.session_id,
                 "ports": sorted(r if isinstance(r, int) else r.port for r in c.replicas)}
                async for c in self.sw.read(fy.P4CloneSessionEntry(session))]

    # Digests

    async def op_digest_config(self, type: str, name: str, max_timeout_ns: int = 0,  # noqa: A002
                               max_list_size: int = 1, ack_timeout_ns: int = 0) -> None:
        await self._update(type, fy.P4DigestEntry(
            name, max_timeout_ns=max_timeout_ns, max_list_size=max_list_size,
            ack_timeout_ns=ack_timeout_ns))

    async def op_digest_read(self, name: str) -> list[dict]:
        return [{"max_timeout_ns": d.max_timeout_ns, "max_list_size": d.max_list_size,
                 "ack_timeout_ns": d.ack_timeout_ns}
                async for d in self.sw.read(fy.P4DigestEntry(name))]

    async def op_digests(self, count: int, timeout: float) -> list[dict]:
        return await _drain(self.digest_lists, count, timeout)

    # Packet I/O

    async def op_packet_out(self, payload: str, metadata: dict) -> None:
        await self.sw.write([fy.P4PacketOut(bytes.fromhex(payload), **metadata)])

    async def op_packet_ins(self, count: int, timeout: float) -> list[dict]:
        return [{"payload": p.payload.hex(),
                 "metadata": {k: _plain(v) for k, v in p.metadata.items()}}
                for p in await _drain(self.packets, count, timeout)]

    # Pipeline

    async def op_pipeline(self) -> dict:
        """GetForwardingPipelineConfig through a second finsy P4Client (no
        arbitration needed for it)."""
        client = fy.P4Client(self.addr)
        await client.open()
        try:
            reply = await client.request(p4r.GetForwardingPipelineConfigRequest(
                device_id=self.device_id,
                response_type=p4r.GetForwardingPipelineConfigRequest.ResponseType.ALL))
        finally:
            await client.close()
        cfg = reply.config
        return {"name": cfg.p4info.pkg_info.name, "version": cfg.p4info.pkg_info.version,
                "cookie": cfg.cookie.cookie if cfg.HasField("cookie") else None,
                "device_config_bytes": len(cfg.p4_device_config),
                "tables": sorted(t.preamble.name for t in cfg.p4info.tables),
                "finsy_cookie": self.sw.p4info.p4cookie}


async def _drain(q: asyncio.Queue, count: int, timeout: float) -> list:
    out: list = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(out) < count:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            out.append(await asyncio.wait_for(q.get(), left))
        except TimeoutError:
            break
    return out


async def run(args: argparse.Namespace, out) -> int:
    opts = fy.SwitchOptions(
        p4info=Path(args.p4info) if args.p4info else None,
        p4blob=Path(args.config) if args.config else None,
        device_id=args.device_id,
        initial_election_id=args.election_id,
    )
    sw = fy.Switch("ovsp4", args.addr, opts)
    errors = Errors()
    logging.getLogger("finsy").addHandler(errors)
    try:
        await sw.__aenter__()
    except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 -- to the test
        # A failing switch task is logged by finsy, and __aenter__ then
        # only sees its cancellation: report what was logged.
        err = RuntimeError(" | ".join(errors.messages)) if errors.messages else exc
        driver.fail_to_connect(out, err, *error_info(err)[:1])
        return 1
    logging.getLogger("finsy").removeHandler(errors)
    try:
        client = FinsyClient(sw, args.addr, args.device_id)
        ready = {"client": "finsy", "api_version": str(sw.p4runtime_version),
                 "is_primary": sw.is_primary,
                 "pipeline": {"name": sw.p4info.name,
                              "tables": sorted(t.name for t in sw.p4info.tables)},
                 "finsy_cookie": sw.p4info.p4cookie}
        await driver.aserve(out, client.handlers(), ready, error_info)
    finally:
        await sw.__aexit__(None, None, None)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--device-id", type=int, required=True)
    ap.add_argument("--election-id", type=int, default=10)
    ap.add_argument("--p4info", help="P4Info (text) of the pipeline to push")
    ap.add_argument("--config", help="device config file to push (OvS.p4: the P4 source)")
    args = ap.parse_args()
    out = driver.protocol_stream()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return asyncio.run(run(args, out))


if __name__ == "__main__":
    sys.exit(main())
