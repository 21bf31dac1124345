"""What ``ForwardingPipelineConfig.p4_device_config`` holds for OvS.p4, and
how a pushed config is verified.

The device config is the P4 program, never a binary: a pipeline .so runs
inside ovs-vswitchd, so accepting one from the network would let any
controller run code in the switch.  The server compiles what it is given
(the build cache makes a repeated push cheap).  Two forms are accepted:

- the P4_16 source text (UTF-8), self-contained: it may include only the
  compiler's own headers (``core.p4``, ``v1model.p4``);
- a JSON object ``{"ovsp4": 1, "name": "basic", "source": "...",
  "defines": {"NAME": "VALUE"}, "arch": "v1model"}`` when the program
  needs a name or ``-D`` macros.

GetForwardingPipelineConfig returns the stored program in the first form
when it has no macros, else in the second.  The P4Info pushed with a
config must be the one the compiler derives from it (compared field by
field, list order aside), else the push is refused with INVALID_ARGUMENT
and the first difference.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

import grpc

from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.proto import p4info_pb2

FORMAT_KEY = "ovsp4"
FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
# The compiler changes directory while it runs (see programs.compile_text).
_compile_lock = threading.Lock()


@dataclass(frozen=True)
class DeviceConfig:
    name: str
    source: str
    defines: dict[str, str] = field(default_factory=dict)
    arch: str = "v1model"


def _invalid(message: str) -> P4RuntimeError:
    return P4RuntimeError(grpc.StatusCode.INVALID_ARGUMENT, message)


def parse_device_config(data: bytes, p4info: p4info_pb2.P4Info,
                        default_name: str | None = None) -> DeviceConfig:
    """The program in ``p4_device_config``; INVALID_ARGUMENT if it is not
    one of the accepted forms.  A bare source is named ``default_name``
    (the device's current program: pushing its source again gives the same
    pipeline), else after the P4Info's package."""
    default_name = default_name or p4info.pkg_info.name or "program"
    if not _NAME.match(default_name):
        default_name = "program"
    if not data:
        raise _invalid("p4_device_config is empty: it must hold the P4 program "
                       "(its source text, or the JSON form; see ovs-p4rtd(8))")
    if data.startswith(b"\x7fELF"):
        raise _invalid("p4_device_config holds a binary: OvS.p4 accepts the P4 source "
                       "(it compiles it), never a compiled pipeline")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(f"p4_device_config is not UTF-8 text (byte {exc.start}): "
                       "it must hold the P4 source") from None
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _invalid(f"p4_device_config: invalid JSON at line {exc.lineno} "
                           f"column {exc.colno}: {exc.msg}") from None
        if not isinstance(doc, dict) or FORMAT_KEY not in doc:
            hint = (" (it looks like a BMv2 JSON: OvS.p4 takes the P4 source)"
                    if isinstance(doc, dict) and "header_types" in doc else "")
            raise _invalid(f"p4_device_config: a JSON config needs the key '{FORMAT_KEY}'"
                           + hint)
        if doc[FORMAT_KEY] != FORMAT_VERSION:
            raise _invalid(f"p4_device_config: unsupported format version {doc[FORMAT_KEY]!r}")
        source = doc.get("source")
        defines = doc.get("defines", {})
        name = doc.get("name", default_name)
        arch = doc.get("arch", "v1model")
        if not isinstance(source, str) or not source:
            raise _invalid("p4_device_config: 'source' must be the program's text")
        if not isinstance(defines, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in defines.items()):
            raise _invalid("p4_device_config: 'defines' must map names to strings")
        if not isinstance(name, str) or not _NAME.match(name):
            raise _invalid(f"p4_device_config: bad program name {name!r}")
        if not isinstance(arch, str):
            raise _invalid("p4_device_config: 'arch' must be a string")
        return DeviceConfig(name, source, dict(defines), arch)
    return DeviceConfig(default_name, text)


def encode_device_config(name: str, source: str, defines: dict[str, str],
                         arch: str = "v1model") -> bytes:
    if not defines and arch == "v1model":
        return source.encode()
    return json.dumps({FORMAT_KEY: FORMAT_VERSION, "name": name, "source": source,
                       "defines": defines, "arch": arch}, indent=1).encode()


def compile_config(config: DeviceConfig, p4info: p4info_pb2.P4Info, *, build: bool
                   ) -> object:
    """Compiles the program (the front end only unless ``build``) and
    checks that ``p4info`` is its P4Info.  Returns the
    :class:`ovsp4.programs.BuiltProgram`.  Blocking: run it in a worker
    thread."""
    from ovsp4 import programs
    from ovsp4.compiler.backend.build import BuildError
    from ovsp4.compiler.diagnostics import CompileError
    from ovsp4.compiler.p4info.compare import diff_p4info

    with _compile_lock:
        try:
            built = programs.compile_text(config.name, config.source, config.defines,
                                          config.arch, build=build)
        except CompileError as exc:
            raise _invalid(f"the P4 program in p4_device_config does not compile: {exc}"
                           ) from None
        except ValueError as exc:
            raise _invalid(f"p4_device_config: {exc}") from None
        except BuildError as exc:
            # gcc refused the generated C: a compiler bug, not the client's.
            raise P4RuntimeError(grpc.StatusCode.INTERNAL,
                                 f"building the pipeline failed (a bug in OvS.p4): {exc}"
                                 ) from None
    diffs = diff_p4info(built.p4info, p4info)  # type: ignore[arg-type]
    if diffs:
        more = f" (and {len(diffs) - 1} more differences)" if len(diffs) > 1 else ""
        raise _invalid("the P4Info does not match the program in p4_device_config: "
                       f"{diffs[0]}{more}")
    return built
