"""Writing and reading P4Info files in the formats p4c uses.

Like p4c's `--p4runtime-files`, the format follows the file extension:
`.txtpb`/`.txt` protobuf text, `.bin` binary, `.json` JSON.
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf import json_format, text_format

from ovsp4.proto import p4info_pb2

FORMATS = {".txtpb": "text", ".txt": "text", ".bin": "binary", ".json": "json"}


def format_for(path: str | Path) -> str:
    suffix = Path(path).suffix
    try:
        return FORMATS[suffix]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(
            f"{path}: unknown P4Runtime file extension '{suffix}' (use one of {known})"
        ) from None


def dumps(p4info: p4info_pb2.P4Info, fmt: str) -> bytes:
    if fmt == "text":
        header = "# proto-file: p4/config/v1/p4info.proto\n# proto-message: p4.config.v1.P4Info\n\n"
        return (header + text_format.MessageToString(p4info)).encode()
    if fmt == "binary":
        return p4info.SerializeToString()
    if fmt == "json":
        return (json_format.MessageToJson(p4info) + "\n").encode()
    raise ValueError(f"unknown P4Info format '{fmt}'")


def write(p4info: p4info_pb2.P4Info, path: str | Path) -> None:
    Path(path).write_bytes(dumps(p4info, format_for(path)))


def read(path: str | Path) -> p4info_pb2.P4Info:
    data = Path(path).read_bytes()
    fmt = format_for(path)
    msg = p4info_pb2.P4Info()
    if fmt == "text":
        text_format.Parse(data.decode(), msg)
    elif fmt == "binary":
        msg.ParseFromString(data)
    else:
        json_format.Parse(data.decode(), msg)
    return msg
