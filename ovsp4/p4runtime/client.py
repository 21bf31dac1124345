"""A small synchronous P4Runtime client: what ovs-p4ctl, the tests and the
benchmarks need to talk to ovs-p4rtd (or any P4Runtime server).

    with P4RuntimeClient("127.0.0.1:9559", device_id=1) as c:
        c.arbitrate()                      # become primary (election id 1)
        c.write([update, ...])
        for entity in c.read([wildcard]):
            ...

Errors are :class:`P4RuntimeClientError` with the gRPC code, the message
and, for a Write, every update's p4.v1.Error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

import grpc
from google.rpc import status_pb2

from ovsp4.proto import p4info_pb2, p4runtime_pb2, p4runtime_pb2_grpc

_STATUS_KEY = "grpc-status-details-bin"


@dataclass
class UpdateError:
    index: int
    code: grpc.StatusCode
    message: str


@dataclass
class P4RuntimeClientError(Exception):
    code: grpc.StatusCode
    message: str
    updates: list[UpdateError] = field(default_factory=list)

    def __str__(self) -> str:
        if self.updates:
            first = self.updates[0]
            more = f" (and {len(self.updates) - 1} more)" if len(self.updates) > 1 else ""
            return f"update {first.index + 1}: {first.code.name}: {first.message}{more}"
        return f"{self.code.name}: {self.message}"


_CODES = {c.value[0]: c for c in grpc.StatusCode}


def _error(exc: grpc.RpcError) -> P4RuntimeClientError:
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    message = exc.details() if hasattr(exc, "details") else str(exc)
    updates: list[UpdateError] = []
    for key, value in (exc.trailing_metadata() or ()) if hasattr(
            exc, "trailing_metadata") else ():
        if key != _STATUS_KEY:
            continue
        st = status_pb2.Status()
        st.ParseFromString(value)
        for i, detail in enumerate(st.details):
            err = p4runtime_pb2.Error()
            if detail.Unpack(err) and err.canonical_code != 0:
                updates.append(UpdateError(i, _CODES.get(err.canonical_code,
                                                         grpc.StatusCode.UNKNOWN),
                                           err.message))
    return P4RuntimeClientError(code, message or "", updates)


class P4RuntimeClient:
    def __init__(self, address: str, device_id: int, *, election_id: tuple[int, int] = (0, 1),
                 role: str = "", timeout: float = 30.0,
                 credentials: grpc.ChannelCredentials | None = None) -> None:
        self.address = address
        self.device_id = device_id
        self.election_id = election_id
        self.role = role
        self.timeout = timeout
        # A failed Write of many updates reports one p4.v1.Error per update
        # in the trailers: more than gRPC's default 16 KiB of metadata.
        options = [("grpc.max_receive_message_length", 256 << 20),
                   ("grpc.max_send_message_length", 256 << 20),
                   ("grpc.max_metadata_size", 64 << 20)]
        self.channel = (grpc.secure_channel(address, credentials, options) if credentials
                        else grpc.insecure_channel(address, options))
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        self._out: queue.Queue[p4runtime_pb2.StreamMessageRequest | None] = queue.Queue()
        self.stream_in: queue.Queue[p4runtime_pb2.StreamMessageResponse | Exception] = (
            queue.Queue())
        self._stream: grpc.Future | None = None
        self._reader: threading.Thread | None = None

    # --- Lifetime ------------------------------------------------------------

    def close(self) -> None:
        if self._stream is not None:
            self._out.put(None)
            self._stream.cancel()  # type: ignore[attr-defined]
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.channel.close()

    def __enter__(self) -> P4RuntimeClient:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- Stream ----------------------------------------------------------------

    def open_stream(self) -> None:
        if self._stream is not None:
            return

        def requests() -> Iterator[p4runtime_pb2.StreamMessageRequest]:
            while True:
                msg = self._out.get()
                if msg is None:
                    return
                yield msg

        self._stream = self.stub.StreamChannel(requests())

        def read() -> None:
            try:
                for msg in self._stream:  # type: ignore[union-attr]
                    self.stream_in.put(msg)
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
                    self.stream_in.put(_error(exc))

        self._reader = threading.Thread(target=read, daemon=True, name="p4rt-stream")
        self._reader.start()

    def send(self, msg: p4runtime_pb2.StreamMessageRequest) -> None:
        self.open_stream()
        self._out.put(msg)

    def receive(self, timeout: float | None = None, *, kind: str | None = None
                ) -> p4runtime_pb2.StreamMessageResponse:
        """The next stream message (of ``kind``, e.g. "packet", skipping
        others); queue.Empty after ``timeout``; a stream failure raises."""
        while True:
            msg = self.stream_in.get(timeout=timeout if timeout is not None else self.timeout)
            if isinstance(msg, Exception):
                raise msg
            if kind is None or msg.WhichOneof("update") == kind:
                return msg

    def arbitrate(self, election_id: tuple[int, int] | None = None, *, check: bool = True
                  ) -> p4runtime_pb2.MasterArbitrationUpdate:
        """Sends a MasterArbitrationUpdate and returns the server's answer;
        with ``check``, not being primary raises."""
        if election_id is not None:
            self.election_id = election_id
        req = p4runtime_pb2.StreamMessageRequest()
        req.arbitration.device_id = self.device_id
        if self.role:
            req.arbitration.role.name = self.role
        req.arbitration.election_id.high, req.arbitration.election_id.low = self.election_id
        self.send(req)
        answer = self.receive(kind="arbitration").arbitration
        if check and answer.status.code != grpc.StatusCode.OK.value[0]:
            raise P4RuntimeClientError(
                grpc.StatusCode.PERMISSION_DENIED,
                f"not the primary client of device {self.device_id} "
                f"(primary election id {answer.election_id.high}:{answer.election_id.low})")
        return answer

    # --- RPCs ----------------------------------------------------------------

    def _call(self, method: object, request: object) -> object:
        try:
            return method(request, timeout=self.timeout)  # type: ignore[operator]
        except grpc.RpcError as exc:
            raise _error(exc) from None

    def write_request(self, updates: Iterable[p4runtime_pb2.Update]
                      ) -> p4runtime_pb2.WriteRequest:
        req = p4runtime_pb2.WriteRequest(device_id=self.device_id, role=self.role,
                                         updates=updates)
        req.election_id.high, req.election_id.low = self.election_id
        return req

    def write(self, updates: Iterable[p4runtime_pb2.Update]) -> None:
        self._call(self.stub.Write, self.write_request(updates))

    def read(self, entities: Iterable[p4runtime_pb2.Entity]) -> Iterator[p4runtime_pb2.Entity]:
        req = p4runtime_pb2.ReadRequest(device_id=self.device_id, role=self.role,
                                        entities=entities)
        try:
            for resp in self.stub.Read(req, timeout=self.timeout):
                yield from resp.entities
        except grpc.RpcError as exc:
            raise _error(exc) from None

    def get_pipeline(self, response_type: int = p4runtime_pb2.GetForwardingPipelineConfigRequest.ALL
                     ) -> p4runtime_pb2.ForwardingPipelineConfig:
        req = p4runtime_pb2.GetForwardingPipelineConfigRequest(
            device_id=self.device_id, response_type=response_type)
        return self._call(self.stub.GetForwardingPipelineConfig, req).config  # type: ignore

    def p4info(self) -> p4info_pb2.P4Info:
        return self.get_pipeline(
            p4runtime_pb2.GetForwardingPipelineConfigRequest.P4INFO_AND_COOKIE).p4info

    def set_pipeline(self, p4info: p4info_pb2.P4Info | None, device_config: bytes = b"", *,
                     cookie: int | None = None,
                     action: int = p4runtime_pb2.SetForwardingPipelineConfigRequest
                     .VERIFY_AND_COMMIT) -> None:
        req = p4runtime_pb2.SetForwardingPipelineConfigRequest(
            device_id=self.device_id, role=self.role, action=action)
        req.election_id.high, req.election_id.low = self.election_id
        if p4info is not None:
            req.config.p4info.CopyFrom(p4info)
        req.config.p4_device_config = device_config
        if cookie is not None:
            req.config.cookie.cookie = cookie
        self._call(self.stub.SetForwardingPipelineConfig, req)

    def capabilities(self) -> p4runtime_pb2.CapabilitiesResponse:
        return self._call(self.stub.Capabilities,  # type: ignore[return-value]
                          p4runtime_pb2.CapabilitiesRequest())
