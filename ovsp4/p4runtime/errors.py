"""P4Runtime errors and how they are reported (spec section "Error Reporting
Messages" and the Write and Read RPCs' "Error Reporting").

A failed update or read request is a :class:`P4RuntimeError` with the
canonical gRPC code the spec prescribes. A batch with failures is reported
as a ``google.rpc.Status`` with code ``UNKNOWN`` whose ``details`` hold one
``p4.v1.Error`` per update (or read request), in order, ``OK`` for the ones
that succeeded (:func:`batch_error_status`, :func:`write_error_status`);
:func:`to_grpc_status` turns it into what
``context.abort_with_status()`` takes.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from ovsp4.control import protocol as cp
from ovsp4.proto import p4runtime_pb2

# The p4.v1.Error "space" of errors the datapath reported; their "code" is
# the control protocol's status (Documentation/control-protocol.md).
CONTROL_SPACE = "ovsp4.control"

Code = grpc.StatusCode
MAX_MESSAGE = 400


class P4RuntimeError(Exception):
    """One failed update or read request. ``control_status`` is the
    datapath's status when the datapath refused it."""

    def __init__(self, code: grpc.StatusCode, message: str,
                 control_status: int | None = None) -> None:
        if len(message) > MAX_MESSAGE:
            # Errors travel in gRPC trailers, whose size is limited: a
            # message quoting a client's 100 kB value must not exceed it.
            message = message[:MAX_MESSAGE - 3] + "..."
        super().__init__(message)
        self.code = code
        self.message = message
        self.control_status = control_status

    def __repr__(self) -> str:
        return f"P4RuntimeError({self.code.name}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, P4RuntimeError) and self.code == other.code
                and self.message == other.message)

    def __hash__(self) -> int:
        return hash((self.code, self.message))

    def to_proto(self) -> p4runtime_pb2.Error:
        err = p4runtime_pb2.Error(canonical_code=self.code.value[0], message=self.message)
        if self.control_status is not None:
            err.space = CONTROL_SPACE
            err.code = int(self.control_status)
        return err


def invalid(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.INVALID_ARGUMENT, message)


def not_found(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.NOT_FOUND, message)


def out_of_range(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.OUT_OF_RANGE, message)


def permission_denied(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.PERMISSION_DENIED, message)


def unimplemented(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.UNIMPLEMENTED, message)


def exhausted(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.RESOURCE_EXHAUSTED, message)


def already_exists(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.ALREADY_EXISTS, message)


def internal(message: str) -> P4RuntimeError:
    return P4RuntimeError(Code.INTERNAL, message)


# Datapath status -> (code, what it means). The spec's codes: CONST is a
# write to a const table or a const default action (PERMISSION_DENIED, spec
# "Constant Tables" and "Default Entry"); IN_USE is deleting a member or
# group still referenced (FAILED_PRECONDITION, spec "Action Profile Member
# Programming"); RANGE an index past a counter, meter or register array
# (OUT_OF_RANGE, spec "CounterEntry", "MeterEntry", "RegisterEntry").
_CONTROL: dict[int, tuple[grpc.StatusCode, str]] = {
    cp.Status.INVALID: (Code.INVALID_ARGUMENT, "invalid"),
    cp.Status.NOT_FOUND: (Code.NOT_FOUND, "not found"),
    cp.Status.EXISTS: (Code.ALREADY_EXISTS, "already exists"),
    cp.Status.FULL: (Code.RESOURCE_EXHAUSTED, "no room left"),
    cp.Status.RANGE: (Code.OUT_OF_RANGE, "index out of range"),
    cp.Status.UNSUPPORTED: (Code.UNIMPLEMENTED, "not supported by the datapath"),
    cp.Status.CONST: (Code.PERMISSION_DENIED, "constant, cannot be changed"),
    cp.Status.NOMEM: (Code.RESOURCE_EXHAUSTED, "datapath out of memory"),
    cp.Status.TOOBIG: (Code.INTERNAL, "datapath reply too big"),
    cp.Status.IN_USE: (Code.FAILED_PRECONDITION, "still in use"),
}


def from_control_status(status: cp.Status | int, what: str) -> P4RuntimeError:
    """The P4Runtime error for a datapath status; ``what`` names the object
    ("table I.ipv4_lpm entry")."""
    code, reason = _CONTROL.get(int(status), (Code.UNKNOWN, f"datapath status {int(status)}"))
    return P4RuntimeError(code, f"{what}: {reason}", int(status))


def batch_error_status(errors: Sequence[P4RuntimeError | None],
                       message: str = "Write failure.") -> status_pb2.Status:
    """The status of a batch in which some items failed: ``UNKNOWN`` with
    one ``p4.v1.Error`` per item, in order (``OK`` and nothing else for the
    ones that succeeded), as the spec's Write and Read RPCs require."""
    status = status_pb2.Status(code=Code.UNKNOWN.value[0], message=message)
    ok = any_pb2.Any()
    ok.Pack(p4runtime_pb2.Error(canonical_code=0))
    details = status.details
    for err in errors:
        if err is None:
            details.append(ok)
        else:
            details.add().Pack(err.to_proto())
    return status


class RichStatus(collections.namedtuple(
        "RichStatus", ("code", "details", "trailing_metadata", "proto")), grpc.Status):
    """A ``grpc.Status`` (what ``context.abort_with_status()`` takes: the
    code, the message, and ``proto`` serialized in the
    ``grpc-status-details-bin`` trailer) that also holds its
    ``google.rpc.Status``."""


def to_grpc_status(status: status_pb2.Status) -> RichStatus:
    s = rpc_status.to_status(status)
    return RichStatus(s.code, s.details, s.trailing_metadata, status)


def write_error_status(errors: Sequence[P4RuntimeError | None]) -> RichStatus:
    """The status of a Write whose updates did not all succeed
    (``errors[i]`` is update i's error, None if it succeeded): pass it to
    ``context.abort_with_status()``; ``.proto`` is the google.rpc.Status."""
    n = sum(e is not None for e in errors)
    return to_grpc_status(batch_error_status(
        errors, f"Write failure: {n} of {len(errors)} updates failed."))


def errors_of_status(status: status_pb2.Status) -> list[p4runtime_pb2.Error]:
    """The ``p4.v1.Error`` details of a batch status (for tests and tools)."""
    out = []
    for detail in status.details:
        err = p4runtime_pb2.Error()
        detail.Unpack(err)
        out.append(err)
    return out
