"""Which arguments of a call need copy-in/copy-out temporaries.

P4 passes `out`/`inout` arguments by copy-in/copy-out; the C code passes
pointers to the argument itself when that cannot be told apart:

- an out/inout argument gets a temporary when another argument of the
  same call overlaps it (one access path is a prefix of the other, a
  run-time index matching any index);
- for an action, whose body also reaches the enclosing control's
  variables directly, any argument that overlaps what the body (or an
  action it calls) accesses outside its own parameters and locals gets a
  temporary too.

Functions, controls and parsers reach nothing of the caller but through
their parameters.
"""

from __future__ import annotations

from ovsp4.compiler.ir import nodes

# An access path: the root declaration's id, then member names and
# constant indices ("*" for a run-time index).
Path = tuple[object, ...]


def access_path(e: nodes.Expression) -> Path | None:
    if isinstance(e, nodes.PathExpression):
        return (id(e.decl),) if e.decl is not None else None
    if isinstance(e, nodes.Member):
        base = access_path(e.expr)
        if base is None:
            return None
        if e.member in ("next", "last"):
            return (*base, "*")
        return (*base, e.member)
    if isinstance(e, nodes.ArrayIndex):
        base = access_path(e.expr)
        if base is None:
            return None
        idx = e.index.const_value
        return (*base, idx if isinstance(idx, int) else "*")
    if isinstance(e, nodes.Slice):
        return access_path(e.expr)
    return None


def overlap(a: Path, b: Path) -> bool:
    for x, y in zip(a, b, strict=False):
        if x == "*" or y == "*":
            continue
        if x != y:
            return False
    return True


def _max_paths(node: nodes.Node, local: set[int]) -> list[Path]:
    """Access paths of the variables `node` reads or writes that are not
    declared in `local` (maximal member chains)."""
    out: list[Path] = []

    def visit(n: nodes.Node) -> None:
        if isinstance(n, (nodes.Member, nodes.ArrayIndex, nodes.Slice, nodes.PathExpression)):
            p = access_path(n)
            root = _root(n)
            if p is not None and root is not None:
                decl = root.decl
                if (
                    isinstance(decl, (nodes.VariableDecl, nodes.Parameter))
                    and id(decl) not in local
                ):
                    out.append(p)
                # indices may read other variables
                for sub in n.walk():
                    if isinstance(sub, nodes.ArrayIndex):
                        visit(sub.index)
                return
        for c in n.children():
            visit(c)

    visit(node)
    return out


def _root(e: nodes.Expression) -> nodes.PathExpression | None:
    while isinstance(e, (nodes.Member, nodes.ArrayIndex, nodes.Slice)):
        e = e.expr
    return e if isinstance(e, nodes.PathExpression) else None


def action_outer_paths(action: nodes.ActionDecl, _seen: set[int] | None = None) -> list[Path]:
    """What an action's body touches outside its own parameters and locals
    (including through the actions it calls)."""
    seen = _seen if _seen is not None else set()
    if id(action) in seen:
        return []
    seen.add(id(action))
    local = {id(p) for p in action.params}
    for n in action.body.walk():
        if isinstance(n, nodes.VariableDecl):
            local.add(id(n))
    paths = _max_paths(action.body, local)
    for n in action.body.walk():
        if isinstance(n, nodes.MethodCall) and isinstance(n.callee, nodes.ActionDecl):
            paths.extend(action_outer_paths(n.callee, seen))
    return paths


def needs_temp(
    index: int,
    args: list[nodes.Expression | None],
    writes: list[bool],
    outer: list[Path],
) -> bool:
    """Whether argument `index` must be passed through a temporary.
    `writes[i]`: argument i is out/inout."""
    e = args[index]
    if e is None:
        return True
    p = access_path(e)
    if p is None:
        return True
    for j, other in enumerate(args):
        if j == index or other is None:
            continue
        if not (writes[index] or writes[j]):
            continue
        q = access_path(other)
        if q is not None and overlap(p, q):
            return True
    return any(overlap(p, q) for q in outer)
