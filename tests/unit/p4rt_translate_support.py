"""Helpers of the P4Runtime translation tests: a pipeline in the simulator
with a Translator, P4Runtime messages built by name, canonical forms (no
test functions here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc

from ovsp4.compiler.backend.build import build_pipeline
from ovsp4.compiler.driver import CompiledProgram, compile_program
from ovsp4.control import protocol as cp
from ovsp4.control.client import ControlClient
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.translate import Translator
from ovsp4.p4runtime.values import canonical
from ovsp4.proto import p4runtime_pb2
from ovsp4.sim.pipeline import Output, Pipeline

PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
Update = p4runtime_pb2.Update
Entity = p4runtime_pb2.Entity
Code = grpc.StatusCode
CPU_PORT = 64

_built: dict[Path, tuple[CompiledProgram, Path]] = {}


def build(path: Path) -> tuple[CompiledProgram, Path]:
    if path not in _built:
        compiled = compile_program(path)
        _built[path] = (compiled, build_pipeline(compiled))
    return _built[path]


class Switch:
    """A pipeline instance, its Translator, and shorthands to write and
    read P4Runtime entities through them."""

    def __init__(self, program: Path, *, cpu_port: int = CPU_PORT) -> None:
        self.compiled, so = build(program)
        self.p4info = self.compiled.p4info
        self.pipe = Pipeline(so, cpu_port=cpu_port)
        self.client = ControlClient(self.pipe.control, self.pipe.poll_events)
        self.tr = Translator(self.p4info, cpu_port=cpu_port)
        # By name; tables and actions win over homonyms (an action profile
        # is named after its table): profile() gets those.
        self.ids: dict[str, int] = {}
        self.profiles = {o.preamble.name: o.preamble.id for o in self.p4info.action_profiles}
        for kind in ("counters", "direct_counters", "meters", "direct_meters", "registers",
                     "digests", "value_sets", "controller_packet_metadata", "actions",
                     "tables"):
            for o in getattr(self.p4info, kind):
                self.ids[o.preamble.name] = o.preamble.id

    def close(self) -> None:
        self.pipe.close()

    def __enter__(self) -> Switch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def profile(self, name: str) -> int:
        return self.profiles[name]

    # -- P4Runtime operations ---------------------------------------------------------

    def write(self, *updates: Update) -> list[P4RuntimeError | None]:
        """Applies updates (each on its own); every update's error."""
        return self.tr.apply(list(updates), self.pipe.control)

    def ok(self, *updates: Update) -> None:
        errors = self.write(*updates)
        assert errors == [None] * len(updates), errors

    def codes(self, *updates: Update) -> list[grpc.StatusCode]:
        return [e.code if e is not None else Code.OK for e in self.write(*updates)]

    def code(self, update: Update) -> grpc.StatusCode:
        (c,) = self.codes(update)
        return c

    def read(self, entity: Entity) -> list[Entity]:
        out = []
        for q in self.tr.read_queries(entity):
            for page in self.tr.reader.run(q, self.pipe.control):
                out += [Entity.FromString(e) for e in page]
        return out

    def read_code(self, entity: Entity) -> grpc.StatusCode:
        try:
            self.read(entity)
        except P4RuntimeError as err:
            return err.code
        return Code.OK

    def send(self, port: int, data: bytes) -> list[Output]:
        return self.pipe.send(port, data)

    # -- builders -------------------------------------------------------------------

    def entry(self, table: str, matches: list[tuple[str, Any]] | None = None,
              action: str | None = None, params: list[bytes] | None = None, *,
              priority: int = 0, **fields: Any) -> Entity:
        """A table entry; matches (kind, value...) by field position (1..),
        params by position."""
        e = Entity()
        te = e.table_entry
        te.table_id = self[table]
        for i, m in enumerate(matches or [], 1):
            if m is None:
                continue
            kind, *vals = m
            fm = te.match.add(field_id=i)
            if kind == "exact":
                fm.exact.value = vals[0]
            elif kind == "lpm":
                fm.lpm.value, fm.lpm.prefix_len = vals
            elif kind == "ternary":
                fm.ternary.value, fm.ternary.mask = vals
            elif kind == "range":
                fm.range.low, fm.range.high = vals
            elif kind == "optional":
                fm.optional.value = vals[0]
        if action is not None:
            self.action(te.action.action, action, params or [])
        te.priority = priority
        for k, v in fields.items():
            if isinstance(v, bool) or isinstance(v, int | bytes):
                setattr(te, k, v)
            else:
                getattr(te, k).CopyFrom(v)
        return e

    def action(self, msg: p4runtime_pb2.Action, name: str, params: list[bytes]) -> None:
        msg.action_id = self[name]
        for i, v in enumerate(params, 1):
            msg.params.add(param_id=i, value=v)


def update(kind: int, entity: Entity) -> Update:
    return Update(type=kind, entity=entity)


def insert(entity: Entity) -> Update:
    return Update(type=Update.INSERT, entity=entity)


def modify(entity: Entity) -> Update:
    return Update(type=Update.MODIFY, entity=entity)


def delete(entity: Entity) -> Update:
    return Update(type=Update.DELETE, entity=entity)


def canonical_entity(e: Entity) -> Entity:
    """An entity with its table entry's bytestrings canonical (what a read
    returns for it)."""
    out = Entity()
    out.CopyFrom(e)
    if out.HasField("table_entry"):
        te = out.table_entry
        for fm in te.match:
            kind = fm.WhichOneof("field_match_type")
            m = getattr(fm, kind)
            for attr in ("value", "mask", "low", "high"):
                if hasattr(m, attr) and getattr(m, attr):
                    setattr(m, attr, canonical(getattr(m, attr)))
        if te.action.WhichOneof("type") == "action":
            for p in te.action.action.params:
                p.value = canonical(p.value)
    return out


def ctl_items(sw: Switch, entity: cp.Entity, obj_id: int = 0) -> list[cp.EntityBody]:
    """What the datapath holds, straight from it."""
    return list(sw.client.read(entity, obj_id))
