"""Tables: keys and their match kinds, the actions list (with the binding of
directional arguments), default_action, entries typed against the keys,
and the other properties.
"""

from __future__ import annotations

from ovsp4.compiler.frontend import typeutil as tu
from ovsp4.compiler.frontend.calls import (
    BindError,
    CallChecker,
    bind_arguments,
    bind_directional,
)
from ovsp4.compiler.frontend.exprfmt import fmt
from ovsp4.compiler.frontend.scopes import describe
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.nodes import CallKind, Direction
from ovsp4.compiler.ir.types import (
    ActionType,
    BitsType,
    DontCareType,
    EnumType,
    MatchKindType,
    NewType,
    P4Type,
    StructLikeType,
    TupleType,
    VarbitType,
)

_STANDARD = ("key", "actions", "default_action", "entries")


class TableChecker(CallChecker):
    """Table declarations (mixin of the TypeChecker)."""

    def check_table(self, table: nodes.TableDecl) -> None:
        props: dict[str, nodes.TableProperty] = {}
        for p in table.properties:
            if p.name in props:
                raise self.error(f"table '{table.name}' has two '{p.name}' properties", p)
            props[p.name] = p
        with self.inside(table=table, in_apply=True):  # keys may apply other tables
            key = props.get("key")
            key_types = self._check_keys(key) if key is not None else []
            actions_prop = props.get("actions")
            if actions_prop is None:
                raise self.error(f"table '{table.name}' has no 'actions' property", table)
            actions = self._check_action_list(actions_prop)
            default = props.get("default_action")
            if default is not None:
                self._check_default_action(table, default, actions)
            entries = props.get("entries")
            if entries is not None:
                if key is None or not key.keys:
                    raise self.error(f"table '{table.name}' has entries but no key", entries)
                for entry in entries.entries:
                    self._check_entry(table, entry, key.keys, key_types, actions)
            for p in table.properties:
                if p.name not in _STANDARD:
                    self._check_other_property(p)

    # -- key -------------------------------------------------------------------

    def _check_keys(self, prop: nodes.TableProperty) -> list[P4Type]:
        types: list[P4Type] = []
        for k in prop.keys:
            k.expr = self.check_value(k.expr)
            t = k.expr.type
            assert t is not None
            mk = self.names.match_kinds.get(k.match_kind)
            if mk is None:
                known = ", ".join(self.names.match_kinds) or "none declared"
                raise self.error(f"unknown match kind '{k.match_kind}' (known: {known})", k)
            if not _is_key_type(t) and k.match_kind != "selector":
                raise self.error(f"'{fmt(k.expr)}' of type {t} cannot be a table key", k.expr)
            types.append(t)
        return types

    # -- actions ---------------------------------------------------------------

    def _check_action_list(self, prop: nodes.TableProperty) -> list[nodes.ActionDecl]:
        actions: list[nodes.ActionDecl] = []
        for ref in prop.actions:
            ref.expr = self._action_ref(ref.expr, mode="list")
            decl = _action_of(ref.expr)
            if decl in actions:
                raise self.error(f"action '{decl.name}' is listed twice", ref)
            actions.append(decl)
        return actions

    def _action_ref(self, e: nodes.Expression, *, mode: str) -> nodes.Expression:
        """An action named in a table: `a` or `a(args)`. `mode` "list" (the
        actions property: directional arguments only) or "default"
        (default_action and entries: all arguments, data ones constant)."""
        if isinstance(e, nodes.PathExpression):
            decl = self._lookup_action(e)
            e.decl = decl
            e.type = ActionType(decl)
            try:
                if mode == "list":
                    bind_directional(decl.params, [])
                else:
                    bind_arguments(decl.params, [])
            except BindError as exc:
                raise self.error(f"action '{decl.name}': {exc}", e) from None
            return e
        if isinstance(e, nodes.MethodCall) and isinstance(e.method, nodes.PathExpression):
            decl = self._lookup_action(e.method)
            if mode == "list":
                for a, p in _positional(decl.params, e.args):
                    if p is not None and p.direction is Direction.NONE:
                        raise self.error(
                            f"action '{decl.name}': parameter '{p.name}' cannot be bound here: "
                            "it is set by the control plane",
                            a.expr,
                        )
            result = self.check_action_call(e, decl, in_table=mode == "list")
            if mode != "list":
                for p, arg in zip(decl.params, e.bound_args, strict=True):
                    if (
                        p.direction is Direction.NONE
                        and arg is not None
                        and not self.is_compile_time(arg)
                    ):
                        raise self.error(
                            f"action argument '{fmt(arg)}' must be a compile-time constant", arg
                        )
            return result
        raise self.error(f"'{fmt(e)}' is not an action", e)

    def _lookup_action(self, e: nodes.PathExpression) -> nodes.ActionDecl:
        found = (self.global_scope if e.is_global else self.scope).lookup(e.name)
        if not found:
            raise self.error(f"action '{e.name}' is not declared", e)
        decl = found[0]
        if not isinstance(decl, nodes.ActionDecl):
            raise self.error(f"'{e.name}' is a {describe(decl)}, not an action", e)
        return decl

    def _check_default_action(
        self, table: nodes.TableDecl, prop: nodes.TableProperty, actions: list[nodes.ActionDecl]
    ) -> None:
        if prop.value is None:
            raise self.error("default_action needs an action", prop)
        prop.value = self._action_ref(prop.value, mode="default")
        decl = _action_of(prop.value)
        if decl not in actions:
            raise self.error(
                f"default action '{decl.name}' is not in the actions of table '{table.name}'",
                prop.value,
            )
        ref = self._action_list_entry(table, decl)
        if ref is not None and ref.has_annotation("tableonly"):
            raise self.error(
                f"action '{decl.name}' is @tableonly and cannot be the default action", prop.value
            )

    @staticmethod
    def _action_list_entry(
        table: nodes.TableDecl, decl: nodes.ActionDecl
    ) -> nodes.ActionRef | None:
        prop = table.property("actions")
        for ref in prop.actions if prop is not None else []:
            if _action_of(ref.expr) is decl:
                return ref
        return None

    # -- entries ---------------------------------------------------------------------

    def _check_entry(
        self,
        table: nodes.TableDecl,
        entry: nodes.TableEntry,
        keys: list[nodes.KeyElement],
        key_types: list[P4Type],
        actions: list[nodes.ActionDecl],
    ) -> None:
        ks = entry.keyset
        if isinstance(ks, nodes.ListExpression) and (len(keys) != 1 or len(ks.elements) == 1):
            elements = ks.elements
            if len(elements) != len(keys):
                raise self.error(
                    f"the entry has {len(elements)} key value(s), but table '{table.name}' has "
                    f"{len(keys)} key(s)",
                    ks,
                )
            ks.elements = [
                self._entry_key(x, k, t) for x, k, t in zip(elements, keys, key_types, strict=True)
            ]
            ks.type = TupleType(tuple(x.type for x in ks.elements))  # type: ignore[misc]
        elif len(keys) == 1 or isinstance(ks, (nodes.DefaultExpression, nodes.DontCare)):
            entry.keyset = (
                self._entry_key(ks, keys[0], key_types[0])
                if len(keys) == 1
                else (self.check_keyset(ks, tu.DONT_CARE, "a table entry"))
            )
        else:
            raise self.error(
                f"the entry has 1 key value, but table '{table.name}' has {len(keys)} keys", ks
            )
        entry.action = self._action_ref(entry.action, mode="default")
        decl = _action_of(entry.action)
        if decl not in actions:
            raise self.error(
                f"action '{decl.name}' is not in the actions of table '{table.name}'", entry.action
            )
        ref = self._action_list_entry(table, decl)
        if ref is not None and ref.has_annotation("defaultonly"):
            raise self.error(
                f"action '{decl.name}' is @defaultonly and cannot be used in entries",
                entry.action,
            )
        if entry.priority is not None:
            value = self.const_int(entry.priority, "an entry priority")
            entry.priority = self.check_expr(entry.priority)
            if value < 0:
                raise self.error("an entry priority must not be negative", entry.priority)

    def _entry_key(
        self, e: nodes.Expression, key: nodes.KeyElement, key_type: P4Type
    ) -> nodes.Expression:
        e = self.check_keyset(e, key_type, f"a value for key '{fmt(key.expr)}'")
        if not isinstance(e.type, DontCareType) and e.const_value is None:
            raise self.error(f"entry key value '{fmt(e)}' must be a compile-time constant", e)
        return e

    # -- other properties --------------------------------------------------------------

    def _check_other_property(self, p: nodes.TableProperty) -> None:
        if p.value is None:
            return
        p.value = self.check_expr(p.value)
        if p.name == "size":
            if not isinstance(p.value.const_value, int) or isinstance(p.value.const_value, bool):
                raise self.error("table size must be a compile-time constant integer", p.value)
            if p.value.const_value < 0:
                raise self.error("table size must not be negative", p.value)
        elif p.name == "largest_priority_wins" and not isinstance(p.value.const_value, bool):
            raise self.error("largest_priority_wins must be a compile-time bool", p.value)


def _action_of(e: nodes.Expression) -> nodes.ActionDecl:
    if isinstance(e, nodes.MethodCall):
        assert isinstance(e.callee, nodes.ActionDecl) and e.kind is CallKind.ACTION
        return e.callee
    assert isinstance(e, nodes.PathExpression) and isinstance(e.decl, nodes.ActionDecl)
    return e.decl


def _positional(
    params: list[nodes.Parameter], args: list[nodes.Argument]
) -> list[tuple[nodes.Argument, nodes.Parameter | None]]:
    by_name = {p.name: p for p in params}
    out: list[tuple[nodes.Argument, nodes.Parameter | None]] = []
    for i, a in enumerate(args):
        if a.name is not None:
            out.append((a, by_name.get(a.name)))
        else:
            out.append((a, params[i] if i < len(params) else None))
    return out


def _is_key_type(t: P4Type) -> bool:
    if isinstance(t, (BitsType, VarbitType, EnumType, MatchKindType)):
        return True
    if isinstance(t, NewType):
        return _is_key_type(t.underlying)
    if isinstance(t, StructLikeType):
        return False
    return tu.is_key_type(t)
