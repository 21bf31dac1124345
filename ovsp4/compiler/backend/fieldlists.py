"""v1model field lists: the metadata that clone, resubmit and recirculate
preserve.

`*_preserving_field_list(N)` preserves the user-metadata fields annotated
`@field_list(N)` (as p4c and BMv2); the deprecated `clone3`, `resubmit`
and `recirculate` preserve the fields their `data` argument names (then
each call gets its own list, numbered from 256). As in BMv2, the values
copied are those at the end of the pipeline that asked for the copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovsp4.compiler.backend.ctype_map import strip_newtype
from ovsp4.compiler.backend.env import Binding, Env
from ovsp4.compiler.backend.exprs import ExprGen
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.types import P4Type, StructType

if TYPE_CHECKING:
    from ovsp4.compiler.backend.program import ProgramGen

SYNTHETIC_BASE = 256


def _constants(program: nodes.Program) -> dict[str, int]:
    """What a @field_list argument may name: global integer constants
    (`FL_PACKET_IN`) and members of serializable enums (`FieldLists.cpu_info`),
    as p4c folds them."""
    out: dict[str, int] = {}
    for d in program.declarations:
        if isinstance(d, nodes.ConstDecl) and isinstance(d.value.const_value, int):
            out[d.name] = d.value.const_value
        elif isinstance(d, nodes.EnumDecl) and d.underlying is not None:
            for m in d.members:
                if isinstance(m.const_value, int):
                    out[f"{d.name}.{m.name}"] = m.const_value
    return out


def field_list_ids(f: nodes.StructField, constants: dict[str, int]) -> set[int]:
    a = f.annotation("field_list")
    if a is None:
        return set()
    out: set[int] = set()
    for e in a.exprs:
        if isinstance(e.const_value, int):
            out.add(e.const_value)
    # Unstructured body: comma-separated literals or constant names.
    argument: list[str] = []
    for tok in [*a.tokens, nodes.AnnotationToken("punct", ",")]:
        if tok.kind == "punct" and tok.text == ",":
            text = "".join(argument)
            argument = []
            if not text:
                continue
            if text in constants:
                out.add(constants[text])
            else:
                try:
                    out.add(nodes.parse_int_literal(text)[0])
                except ValueError:
                    raise UnsupportedError(
                        f"@field_list argument '{text}' (not a constant)", a.loc
                    ) from None
        else:
            argument.append(tok.text)
    return out


class FieldLists:
    def __init__(self, prog: ProgramGen) -> None:
        self.prog = prog
        self.constants = _constants(prog.toplevel.program)
        self.used: set[int] = set()
        # synthetic lists: id -> data expressions (l-values of the pipeline's
        # parameters) and the control they were written in
        self.synthetic: dict[int, tuple[list[nodes.Expression], object]] = {}

    def use(self, index: int) -> None:
        self.used.add(index)

    def from_data(self, gen: ExprGen, data: nodes.Expression) -> int:
        elements: list[nodes.Expression]
        if isinstance(data, nodes.ListExpression):
            elements = list(data.elements)
        elif isinstance(data, nodes.StructExpression):
            elements = [f.expr for f in data.fields]
        else:
            elements = [data]
        for e in elements:
            if not gen.is_lvalue(e):
                raise UnsupportedError("preserving a value that is not a field", e.loc)
        index = SYNTHETIC_BASE + len(self.synthetic)
        self.synthetic[index] = (elements, gen.env.block)
        return index

    # -- generation ---------------------------------------------------------------

    def copies(self, meta_t: P4Type, state_params: dict[int, str]) -> dict[int, list[str]]:
        """Copy statements of every field list in use: `dst->...= src->...;`.
        `state_params` maps the ids of the pipeline controls' parameters to
        their member of `struct ovsp4_state` ("hdr", "meta", "sm")."""
        out: dict[int, list[str]] = {}
        for index in sorted(self.used):
            paths = self._annotated(meta_t, "meta", index)
            out[index] = [f"dst->{p} = src->{p};" for p in paths]
        for index, (elements, _block) in sorted(self.synthetic.items()):
            lines = []
            for e in elements:
                d = self._lower(e, "dst", state_params)
                s = self._lower(e, "src", state_params)
                lines.append(f"{d} = {s};")
            out[index] = lines
        return out

    def _annotated(self, t: P4Type, prefix: str, index: int) -> list[str]:
        t = strip_newtype(t)
        if not isinstance(t, StructType):
            return []
        out = []
        for fname, member, ft in self.prog.ctypes.fields(t):
            f = t.decl.field(fname)  # type: ignore[attr-defined]
            if f is not None and index in field_list_ids(f, self.constants):
                out.append(f"{prefix}.{member}")
            elif isinstance(strip_newtype(ft), StructType):
                out.extend(self._annotated(ft, f"{prefix}.{member}", index))
        return out

    def _lower(self, e: nodes.Expression, base: str, state_params: dict[int, str]) -> str:
        env = Env(self.prog, None, exit_code=None)
        gen = ExprGen(env)
        for n in e.walk():
            if isinstance(n, nodes.PathExpression) and n.decl is not None:
                member = state_params.get(id(n.decl))
                if member is None:
                    raise UnsupportedError(
                        "preserving a field that is not metadata of the pipeline", e.loc
                    )
                env.bind(n.decl, Binding(f"{base}->{member}", gen.t(n.decl.resolved_type)))  # type: ignore[attr-defined]
        lv = gen.lvalue(e)
        if lv.slice is not None:
            raise UnsupportedError("preserving a slice", e.loc)
        return lv.code
