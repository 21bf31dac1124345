"""Regenerate the P4Runtime stubs of the installed `p4runtime` wheel.

The wheel's modules embed their FileDescriptorProtos as `serialized_pb`
byte literals. We read those without importing the modules (they do not
import under current protobuf), hand them to the protoc bundled with
grpcio-tools as a descriptor set, and write current `_pb2`/`_pb2_grpc`
modules over the wheel's. No .proto file is copied anywhere.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tempfile
from pathlib import Path

from google.protobuf import any_pb2, descriptor_pb2
from google.rpc import status_pb2

# In dependency order: protoc needs every import before its importer.
WHEEL_MODULES = (
    "p4/config/v1/p4types_pb2.py",
    "p4/config/v1/p4info_pb2.py",
    "p4/v1/p4data_pb2.py",
    "p4/v1/p4runtime_pb2.py",
)


def _wheel_root() -> Path:
    spec = importlib.util.find_spec("p4")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("regenerate: the 'p4runtime' package is not installed")
    return Path(next(iter(spec.submodule_search_locations))).parent


def _embedded_descriptor(path: Path) -> descriptor_pb2.FileDescriptorProto:
    source = path.read_text()
    for node in ast.walk(ast.parse(source)):
        # Old style: FileDescriptor(..., serialized_pb=b'...')
        if isinstance(node, ast.keyword) and node.arg == "serialized_pb":
            return descriptor_pb2.FileDescriptorProto.FromString(node.value.value)
        # New style: AddSerializedFile(b'...') -- already current, reuse it.
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "AddSerializedFile"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return descriptor_pb2.FileDescriptorProto.FromString(node.args[0].value)
    raise SystemExit(f"regenerate: no embedded descriptor found in {path}")


def _descriptor_set(root: Path) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    for module in (any_pb2, status_pb2):
        fdp = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(fdp)
        fds.file.append(fdp)
    for rel in WHEEL_MODULES:
        fds.file.append(_embedded_descriptor(root / rel))
    return fds


def regenerate() -> Path:
    from grpc_tools import protoc

    root = _wheel_root()
    fds = _descriptor_set(root)
    with tempfile.TemporaryDirectory() as tmp:
        set_path = Path(tmp) / "p4runtime.pb"
        set_path.write_bytes(fds.SerializeToString())
        protos = [rel.replace("_pb2.py", ".proto") for rel in WHEEL_MODULES]
        rc = protoc.main(
            [
                "protoc",
                f"--descriptor_set_in={set_path}",
                f"--python_out={root}",
                f"--grpc_python_out={root}",
                *protos,
            ]
        )
    if rc != 0:
        raise SystemExit(f"regenerate: protoc failed with exit code {rc}")
    return root


def main() -> None:
    root = regenerate()
    print(f"regenerated P4Runtime stubs in {root / 'p4'}", file=sys.stderr)


if __name__ == "__main__":
    main()
