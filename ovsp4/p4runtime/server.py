"""ovs-p4rtd's P4Runtime service (gRPC, asyncio): one server for every P4
bridge, each the device of its OVSDB ``P4_Bridge.device_id``.

- Devices follow OVSDB (:mod:`ovsp4.p4runtime.ovsdb_follower`); requests
  for an unknown device id are NOT_FOUND.
- Arbitration is :class:`~ovsp4.p4runtime.arbitration.Arbiter`'s: Write and
  SetForwardingPipelineConfig only from the primary of the (device, role).
- Write applies updates each on its own (CONTINUE_ON_ERROR) and reports
  every update's status in the error details; ROLLBACK_ON_ERROR and
  DATAPLANE_ATOMIC are UNIMPLEMENTED, as the spec allows.
- SetForwardingPipelineConfig compiles the P4 source in the device config
  (:mod:`ovsp4.p4runtime.pipeline_config`), stores it in OVSDB and waits
  for ovs-vswitchd to run it (:mod:`ovsp4.p4runtime.pipelines`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from ovsp4.p4runtime import arbitration as arb
from ovsp4.p4runtime import pbout, pipelines, wire
from ovsp4.p4runtime.device import Device
from ovsp4.p4runtime.errors import P4RuntimeError, write_error_status
from ovsp4.p4runtime.ovsdb_follower import DeviceRecord, OvsdbFollower
from ovsp4.proto import p4runtime_pb2, p4runtime_pb2_grpc

log = logging.getLogger("ovs-p4rtd")

API_VERSION = "1.5.0"
Code = grpc.StatusCode
_FPC = p4runtime_pb2.SetForwardingPipelineConfigRequest
_END = object()
_WRITE_UPDATES = 4          # WriteRequest.updates
_PACKET_OUTS_IN_FLIGHT = 256
_ENTITY_KEY = b"\x0a"      # ReadResponse.entities (field 1, length-delimited)


def role_of(role: str, role_id: int = 0) -> str:
    """The role a request names: the name (v1.4+), else the deprecated
    numeric id, else the default role ''."""
    return role or (f"#{role_id}" if role_id else "")


class Devices:
    """The devices of the server, following OVSDB snapshots."""

    def __init__(self, rundir: Path, arbiter: arb.Arbiter) -> None:
        self.rundir = rundir
        self.arbiter = arbiter
        self.by_id: dict[int, Device] = {}
        self.streams: dict[object, StreamState] = {}
        self.ready = asyncio.Event()

    def get(self, device_id: int) -> Device:
        if device_id == 0:
            raise P4RuntimeError(Code.INVALID_ARGUMENT, "device_id 0 is invalid")
        dev = self.by_id.get(device_id)
        if dev is None:
            known = ", ".join(f"{d} ({v.bridge})" for d, v in sorted(self.by_id.items()))
            raise P4RuntimeError(Code.NOT_FOUND, f"no device with id {device_id} "
                                 f"(P4 bridges: {known or 'none'})")
        return dev

    async def apply(self, records: dict[int, DeviceRecord]) -> None:
        for device_id in list(self.by_id):
            if device_id not in records:
                dev = self.by_id.pop(device_id)
                log.info("device %d (%s) removed", device_id, dev.bridge)
                for client in self.arbiter.remove_device(device_id):
                    state = self.streams.get(client.stream)
                    if state is not None:
                        state.fail(P4RuntimeError(
                            Code.NOT_FOUND, f"device {device_id} ({dev.bridge}) was removed"))
                await dev.close()
        for device_id, record in records.items():
            dev = self.by_id.get(device_id)
            if dev is None:
                dev = Device(record, self.rundir, self.deliver)
                self.by_id[device_id] = dev
                dev.start()
                log.info("device %d: bridge %s", device_id, record.bridge)
            else:
                dev.update(record)
        self.ready.set()

    def deliver(self, device_id: int, msg: p4runtime_pb2.StreamMessageResponse) -> None:
        """An event of a device: to the primary client of each role."""
        for client in self.arbiter.primaries(device_id):
            state = self.streams.get(client.stream)
            if state is not None:
                state.send(msg)

    def notify(self, notices: list[arb.Notice]) -> None:
        for n in notices:
            state = self.streams.get(n.client.stream)
            if state is None:
                continue
            msg = p4runtime_pb2.StreamMessageResponse()
            upd = msg.arbitration
            upd.device_id = n.client.device_id
            if n.client.role:
                upd.role.name = n.client.role
            if n.election_id is not None:
                high, low = arb.split_election_id(n.election_id)
                upd.election_id.high = high
                upd.election_id.low = low
            upd.status.code = n.status.value[0]
            upd.status.message = {
                Code.OK: "this client is the primary",
                Code.ALREADY_EXISTS: "another client is the primary",
                Code.NOT_FOUND: "there is no primary client",
            }.get(n.status, "")
            state.send(msg)


class StreamState:
    """The outgoing side of one StreamChannel."""

    MAX_QUEUED = 4096  # packet-ins beyond this are dropped, not buffered

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.dropped = 0

    def send(self, msg: p4runtime_pb2.StreamMessageResponse) -> None:
        if self.queue.qsize() >= self.MAX_QUEUED and not msg.HasField("arbitration"):
            self.dropped += 1
            return
        self.queue.put_nowait(msg)

    def fail(self, error: P4RuntimeError) -> None:
        self.queue.put_nowait(error)

    def end(self) -> None:
        self.queue.put_nowait(_END)


def _election_id(msg: Any) -> int | None:
    if not msg.HasField("election_id"):
        return None
    return arb.election_id(msg.election_id.high, msg.election_id.low)


async def _abort(context: grpc.aio.ServicerContext, err: P4RuntimeError) -> None:
    await context.abort(err.code, err.message)


class P4RuntimeService(p4runtime_pb2_grpc.P4RuntimeServicer):
    def __init__(self, devices: Devices, follower: OvsdbFollower, dbdir: Path) -> None:
        self.devices = devices
        self.arbiter = devices.arbiter
        self.follower = follower
        self.dbdir = dbdir

    # --- Write / Read ------------------------------------------------------

    async def Write(self, data: bytes,  # noqa: N802
                    context: grpc.aio.ServicerContext) -> p4runtime_pb2.WriteResponse:
        """Takes the WriteRequest serialized (see :func:`handlers`): the
        updates go to the translator as bytes, never parsed as objects."""
        try:
            try:
                raws, rest = wire.split_repeated(data, _WRITE_UPDATES)
                request = p4runtime_pb2.WriteRequest.FromString(rest)
            except (wire.WireError, DecodeError) as exc:
                raise P4RuntimeError(Code.INVALID_ARGUMENT,
                                     f"malformed WriteRequest: {exc}") from None
            dev = self.devices.get(request.device_id)
            role = role_of(request.role, request.role_id)
            eid = _election_id(request)
            if eid is None:
                raise P4RuntimeError(Code.INVALID_ARGUMENT, "Write without election_id")
            self.arbiter.check_primary(request.device_id, role, eid, "Write")
            if request.atomicity != p4runtime_pb2.WriteRequest.CONTINUE_ON_ERROR:
                name = p4runtime_pb2.WriteRequest.Atomicity.Name(request.atomicity)
                raise P4RuntimeError(Code.UNIMPLEMENTED,
                                     f"atomicity {name} is not supported: use CONTINUE_ON_ERROR")
            if not raws:
                return p4runtime_pb2.WriteResponse()
            # A client that gives up on its Write (a cancelled RPC) must not
            # cut it short: the datapath would hold updates the translator
            # never heard the outcome of.
            errors = await asyncio.shield(dev.write(raws))
        except P4RuntimeError as err:
            await _abort(context, err)
            raise AssertionError("unreachable") from None
        if any(e is not None for e in errors):
            await context.abort_with_status(write_error_status(errors))
        return p4runtime_pb2.WriteResponse()

    async def Read(self, request: p4runtime_pb2.ReadRequest,  # noqa: N802
                   context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        """Yields serialized ReadResponses (see :func:`handlers`), built
        from the translator's serialized entities."""
        try:
            dev = self.devices.get(request.device_id)
            for entity in request.entities:
                async for batch in dev.read(entity):
                    yield b"".join([_ENTITY_KEY + pbout.ln(len(e)) + e for e in batch])
        except P4RuntimeError as err:
            await _abort(context, err)

    # --- Pipeline ----------------------------------------------------------

    async def SetForwardingPipelineConfig(  # noqa: N802
            self, request: _FPC, context: grpc.aio.ServicerContext
    ) -> p4runtime_pb2.SetForwardingPipelineConfigResponse:
        try:
            dev = self.devices.get(request.device_id)
            role = role_of(request.role, request.role_id)
            eid = _election_id(request)
            if eid is None:
                raise P4RuntimeError(Code.INVALID_ARGUMENT,
                                     "SetForwardingPipelineConfig without election_id")
            self.arbiter.check_primary(request.device_id, role, eid,
                                       "SetForwardingPipelineConfig")
            await pipelines.set_config(dev, request, self.follower, self.dbdir)
        except P4RuntimeError as err:
            await _abort(context, err)
        return p4runtime_pb2.SetForwardingPipelineConfigResponse()

    async def GetForwardingPipelineConfig(  # noqa: N802
            self, request: p4runtime_pb2.GetForwardingPipelineConfigRequest,
            context: grpc.aio.ServicerContext
    ) -> p4runtime_pb2.GetForwardingPipelineConfigResponse:
        try:
            dev = self.devices.get(request.device_id)
            return pipelines.get_config(dev, request.response_type)
        except P4RuntimeError as err:
            await _abort(context, err)
            raise AssertionError("unreachable") from None

    async def Capabilities(  # noqa: N802
            self, request: p4runtime_pb2.CapabilitiesRequest,
            context: grpc.aio.ServicerContext) -> p4runtime_pb2.CapabilitiesResponse:
        return p4runtime_pb2.CapabilitiesResponse(p4runtime_api_version=API_VERSION)

    # --- StreamChannel -----------------------------------------------------

    async def StreamChannel(  # noqa: N802
            self, request_iterator: AsyncIterator[p4runtime_pb2.StreamMessageRequest],
            context: grpc.aio.ServicerContext
    ) -> AsyncIterator[p4runtime_pb2.StreamMessageResponse]:
        state = StreamState()
        key = object()
        self.devices.streams[key] = state
        reader = asyncio.get_running_loop().create_task(
            self._stream_reader(key, state, request_iterator))
        try:
            while True:
                item = await state.queue.get()
                if item is _END:
                    return
                if isinstance(item, P4RuntimeError):
                    await _abort(context, item)
                    return
                yield item
        finally:
            reader.cancel()
            self.devices.streams.pop(key, None)
            self.devices.notify(self.arbiter.remove(key))

    async def _stream_reader(self, key: object, state: StreamState,
                             requests: AsyncIterator[p4runtime_pb2.StreamMessageRequest]
                             ) -> None:
        in_flight = asyncio.Semaphore(_PACKET_OUTS_IN_FLIGHT)
        try:
            async for req in requests:
                kind = req.WhichOneof("update")
                if kind == "arbitration":
                    try:
                        self._arbitration(key, req.arbitration)
                    except P4RuntimeError as err:
                        state.fail(err)
                        return
                    continue
                client = self.arbiter.client(key)
                if client is None:
                    state.send(_stream_error(
                        req, Code.FAILED_PRECONDITION,
                        "send a MasterArbitrationUpdate before any other stream message"))
                    continue
                if kind == "packet":
                    # Packet-outs are pipelined: the next one is read while
                    # the datapath handles this one (in order: tasks start
                    # in creation order and write before they wait).
                    await in_flight.acquire()
                    task = asyncio.get_running_loop().create_task(
                        self._checked_stream_message(client, req, state))
                    task.add_done_callback(lambda _t: in_flight.release())
                    continue
                await self._checked_stream_message(client, req, state)
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away mid-message
            log.debug("stream reader ended", exc_info=True)
        state.end()

    async def _checked_stream_message(self, client: arb.Client,
                                      req: p4runtime_pb2.StreamMessageRequest,
                                      state: StreamState) -> None:
        try:
            await self._stream_message(client, req)
        except P4RuntimeError as err:
            state.send(_stream_error(req, err.code, err.message))

    def _arbitration(self, key: object, upd: p4runtime_pb2.MasterArbitrationUpdate) -> None:
        if upd.role.HasField("config"):
            raise P4RuntimeError(Code.UNIMPLEMENTED,
                                 "role configurations are not supported: every role has "
                                 "full access (leave Role.config unset)")
        self.devices.get(upd.device_id)
        notices = self.arbiter.update(key, upd.device_id, role_of(upd.role.name, upd.role.id),
                                      _election_id(upd))
        self.devices.notify(notices)

    async def _stream_message(self, client: arb.Client,
                              req: p4runtime_pb2.StreamMessageRequest) -> None:
        kind = req.WhichOneof("update")
        dev = self.devices.get(client.device_id)
        if kind == "packet":
            if self.arbiter.primary(client.device_id, client.role) is not client:
                raise P4RuntimeError(Code.PERMISSION_DENIED,
                                     "packet-out from a client that is not the primary")
            await dev.packet_out(req.packet)
        elif kind == "digest_ack":
            if self.arbiter.primary(client.device_id, client.role) is not client:
                raise P4RuntimeError(Code.PERMISSION_DENIED,
                                     "digest list ack from a client that is not the primary")
            await dev.digest_ack(req.digest_ack)
        elif kind == "other":
            raise P4RuntimeError(Code.UNIMPLEMENTED,
                                 f"stream message {req.other.type_url or '(empty Any)'} "
                                 "is not supported")
        else:
            raise P4RuntimeError(Code.INVALID_ARGUMENT, "empty stream message")


def _stream_error(req: p4runtime_pb2.StreamMessageRequest, code: grpc.StatusCode,
                  message: str) -> p4runtime_pb2.StreamMessageResponse:
    msg = p4runtime_pb2.StreamMessageResponse()
    err = msg.error
    err.canonical_code = code.value[0]
    err.message = message
    kind = req.WhichOneof("update")
    if kind == "packet":
        err.packet_out.packet_out.CopyFrom(req.packet)
    elif kind == "digest_ack":
        err.digest_list_ack.digest_list_ack.CopyFrom(req.digest_ack)
    elif kind == "other":
        err.other.other.CopyFrom(req.other)
    return msg


def handlers(service: P4RuntimeService) -> grpc.GenericRpcHandler:
    """The service's gRPC handlers: as the generated ones, but Write takes
    its request serialized and Read yields serialized responses (the
    translator works on protobuf bytes; objects would cost more than the
    translation itself)."""
    ser = {
        "Write": grpc.unary_unary_rpc_method_handler(
            service.Write, request_deserializer=None,
            response_serializer=p4runtime_pb2.WriteResponse.SerializeToString),
        "Read": grpc.unary_stream_rpc_method_handler(
            service.Read, request_deserializer=p4runtime_pb2.ReadRequest.FromString,
            response_serializer=None),
        "SetForwardingPipelineConfig": grpc.unary_unary_rpc_method_handler(
            service.SetForwardingPipelineConfig,
            request_deserializer=_FPC.FromString,
            response_serializer=p4runtime_pb2.SetForwardingPipelineConfigResponse
            .SerializeToString),
        "GetForwardingPipelineConfig": grpc.unary_unary_rpc_method_handler(
            service.GetForwardingPipelineConfig,
            request_deserializer=p4runtime_pb2.GetForwardingPipelineConfigRequest.FromString,
            response_serializer=p4runtime_pb2.GetForwardingPipelineConfigResponse
            .SerializeToString),
        "StreamChannel": grpc.stream_stream_rpc_method_handler(
            service.StreamChannel,
            request_deserializer=p4runtime_pb2.StreamMessageRequest.FromString,
            response_serializer=p4runtime_pb2.StreamMessageResponse.SerializeToString),
        "Capabilities": grpc.unary_unary_rpc_method_handler(
            service.Capabilities,
            request_deserializer=p4runtime_pb2.CapabilitiesRequest.FromString,
            response_serializer=p4runtime_pb2.CapabilitiesResponse.SerializeToString),
    }
    return grpc.method_handlers_generic_handler("p4.v1.P4Runtime", ser)
