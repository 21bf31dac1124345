"""Rendering the lowered program through the Jinja2 templates."""

from __future__ import annotations

from pathlib import Path

import jinja2

import ovsp4
from ovsp4.compiler.backend.program import ProgramGen
from ovsp4.compiler.backend.tables import MATCH_KINDS
from ovsp4.compiler.backend.v1model import lower_v1model

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _c_bytes(data: bytes) -> str:
    return "{ " + ", ".join(f"0x{b:02x}" for b in data) + " }" if data else "{ 0 }"


def _hexlines(data: bytes) -> list[str]:
    if not data:
        return ["0"]
    return [" ".join(f"0x{b:02x}," for b in data[i : i + 12]) for i in range(0, len(data), 12)]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["c_bytes"] = _c_bytes
    env.filters["hexlines"] = _hexlines
    env.filters["c_bool"] = lambda b: "true" if b else "false"
    env.filters["match_kind"] = lambda k: MATCH_KINDS[k]
    return env


def render(prog: ProgramGen) -> str:
    """Lower the whole program and render it as one C file."""
    v1 = lower_v1model(prog)
    helpers = prog.parsers.helpers + prog.deparsers.helpers
    prototypes = [
        *helpers,
        *prog.functions,
        *prog.actions,
        *prog.key_fns,
        *prog.table_fns,
        *prog.controls,
        *prog.parser_fns,
    ]
    compiled = prog.compiled
    context = {
        "program_name": compiled.path.stem,
        "source": compiled.path.name,
        "compiler": f"ovs-p4c {ovsp4.__version__}",
        "arch": prog.toplevel.arch,
        "wide_limbs": sorted(prog.ctypes.wide_limbs),
        "structs": prog.ctypes.structs,
        "actions": prog.action_descs,
        "frames": prog.frames,
        "prototypes": prototypes,
        "extract_helpers": prog.parsers.helpers,
        "emit_helpers": prog.deparsers.helpers,
        "parsers": prog.parser_fns,
        "p4functions": prog.functions,
        "controls": prog.controls,
        "action_fns": prog.actions,
        "table_fns": prog.table_fns,
        "key_fns": prog.key_fns,
        "v1": v1,
        "p4info": prog.p4info.SerializeToString(),
        "tables": prog.table_descs,
        "counters": prog.counters,
        "meters": prog.meters,
        "registers": prog.registers,
        "profiles": prog.profiles,
        "value_sets": prog.value_sets,
        "digests": prog.digests,
        "packet_in": prog.packet_in,
        "packet_out": prog.packet_out,
    }
    return environment().get_template("pipeline.c.j2").render(**context)
