"""Building pipeline shared objects with gcc, through a content-addressed
cache.

    <cache>/runtime/<sha256>/libovsp4rt.a    the C runtime (PIC), keyed by
                                             its sources, flags and gcc
    <cache>/pipelines/<sha256>/<name>.so     a pipeline, keyed by its C
                                             source, flags and the runtime

The cache is `~/.cache/ovsp4` (`OVSP4_CACHE_DIR` overrides). Entries are
written to a temporary name and renamed into place, so concurrent builds
of the same program are safe. The runtime sources are found next to the
installed package (`<repo>/datapath`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import ovsp4
from ovsp4.compiler.driver import CompiledProgram

CFLAGS = ("-std=gnu11", "-O2", "-fPIC", "-Wall", "-pthread")
RUNTIME_CFLAGS = ("-std=gnu11", "-O2", "-fPIC", "-Wall", "-pthread")
# The runtime's symbols stay inside the pipeline: the .so exports only its
# entry point (OVSP4_PIPELINE_SYMBOL), and calls into the runtime are direct
# calls, not calls through the PLT.
LDFLAGS = ("-Wl,--exclude-libs,ALL",)


class BuildError(RuntimeError):
    """gcc failed. On generated code that is a bug in the C back end."""


def datapath_dir() -> Path:
    return Path(ovsp4.__file__).resolve().parents[1] / "datapath"


def cache_dir() -> Path:
    env = os.environ.get("OVSP4_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "ovsp4"


def _cc() -> str:
    return os.environ.get("OVSP4_CC", "gcc")


def _cc_version(cc: str) -> str:
    out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else cc


def include_flags() -> list[str]:
    dp = datapath_dir()
    return [f"-I{dp / 'include'}", f"-I{dp / 'runtime'}"]


def _runtime_sources() -> list[Path]:
    runtime = datapath_dir() / "runtime"
    return sorted(runtime.glob("*.c"))


def runtime_hash(cflags: tuple[str, ...] = RUNTIME_CFLAGS) -> str:
    h = hashlib.sha256()
    runtime = datapath_dir() / "runtime"
    include = datapath_dir() / "include"
    for p in sorted([*runtime.glob("*.[ch]"), *include.rglob("*.h")]):
        h.update(str(p.relative_to(datapath_dir())).encode() + b"\0")
        h.update(p.read_bytes())
    h.update("\0".join(cflags).encode())
    h.update(_cc_version(_cc()).encode())
    return h.hexdigest()


def build_runtime(cflags: tuple[str, ...] = RUNTIME_CFLAGS) -> Path:
    """The runtime as a static library of PIC objects, built once per
    distinct source/flags/compiler."""
    key = runtime_hash(cflags)
    out_dir = cache_dir() / "runtime" / key
    lib = out_dir / "libovsp4rt.a"
    if lib.is_file():
        return lib
    sources = _runtime_sources()
    if not sources:
        raise BuildError(f"no runtime sources in {datapath_dir() / 'runtime'}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        objs = []
        for src in sources:
            obj = Path(tmp) / (src.stem + ".o")
            _run(
                [_cc(), *cflags, *include_flags(), "-c", str(src), "-o", str(obj)],
                what=f"the runtime ({src.name})",
            )
            objs.append(str(obj))
        staged = Path(tmp) / "libovsp4rt.a"
        _run(["ar", "rcs", str(staged), *objs], what="the runtime library")
        _install(staged, lib)
    return lib


def _install(staged: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}")
    shutil.copyfile(staged, tmp)
    os.replace(tmp, final)


def _run(cmd: list[str], *, what: str, c_file: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        detail = "\n".join(lines[:40])
        if c_file is not None:
            raise BuildError(
                f"gcc failed on the generated C code: this is a bug in the OvS.p4 compiler. "
                f"The C file is kept at {c_file}\n{detail}"
            )
        raise BuildError(f"gcc failed building {what}:\n{detail}")


def pipeline_key(source: str, cflags: tuple[str, ...], runtime: str) -> str:
    h = hashlib.sha256()
    h.update(source.encode())
    h.update(b"\0" + "\0".join(cflags).encode())
    h.update(b"\0" + runtime.encode())
    return h.hexdigest()


def compile_c(
    source: str, name: str, *, cflags: tuple[str, ...] = CFLAGS, object_only: bool = False
) -> Path:
    """Compile C source into a pipeline .so (or, `object_only`, a .o),
    through the cache. Returns its path."""
    rt_key = runtime_hash()
    key = pipeline_key(source, cflags + (("-c",) if object_only else LDFLAGS), rt_key)
    out_dir = cache_dir() / "pipelines" / key
    out = out_dir / (name + (".o" if object_only else ".so"))
    if out.is_file():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    c_file = out_dir / (name + ".c")
    c_file.write_text(source)
    tmp = out_dir / f".{out.name}.{os.getpid()}"
    if object_only:
        cmd = [_cc(), *cflags, *include_flags(), "-c", str(c_file), "-o", str(tmp)]
    else:
        lib = build_runtime()
        cmd = [
            _cc(),
            *cflags,
            "-shared",
            *include_flags(),
            str(c_file),
            str(lib),
            *LDFLAGS,
            "-o",
            str(tmp),
            "-lm",
        ]
    _run(cmd, what=name, c_file=c_file)
    os.replace(tmp, out)
    return out


def build_pipeline(compiled: CompiledProgram, *, cflags: tuple[str, ...] = CFLAGS) -> Path:
    """The pipeline .so of a compiled program (built, or found in the cache)."""
    from ovsp4.compiler.backend import generate_c

    source = generate_c(compiled)
    return compile_c(source, compiled.path.stem, cflags=cflags)
