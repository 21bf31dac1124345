"""Parse tree -> IR: builds `ovsp4.compiler.ir.nodes` from grammar.lark's trees.

The builder is purely syntactic: it fills the fields the parser knows and
leaves every *semantic* field (types, resolved declarations) to semantic
analysis. Every node gets the `SourceLocation` of its first token in the
user's original file; declarations get the location of their name, as p4c
does, so that "duplicate declaration" and similar errors point at the name.

Constructs that P4 has but the IR cannot represent yet raise
`UnsupportedError` at their location rather than being dropped.

The builder dispatches on tree names (rule names and `-> alias` names of
grammar.lark) with one method per name, `_e_<name>` for expressions,
`_t_<name>` for types, `_s_<name>` for statements and `_d_<name>` for
declarations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from ovsp4.compiler.diagnostics import CompileError, SourceLocation, UnsupportedError
from ovsp4.compiler.frontend.lexer import (
    INTEGER,
    STRING_LITERAL,
    parse_integer,
    parse_string,
)
from ovsp4.compiler.ir import nodes as ir

if TYPE_CHECKING:
    from ovsp4.compiler.frontend.parser import ParsedSource
    from ovsp4.compiler.source import SourceMap

Item = Tree | Token
_Handler = Callable[[Any, Tree], Any]

_BINARY_OPS = {
    "mul": ir.BinaryOp.MUL, "div": ir.BinaryOp.DIV, "mod": ir.BinaryOp.MOD,
    "add": ir.BinaryOp.ADD, "sub": ir.BinaryOp.SUB, "add_sat": ir.BinaryOp.ADD_SAT,
    "sub_sat": ir.BinaryOp.SUB_SAT, "shl": ir.BinaryOp.SHL, "shr": ir.BinaryOp.SHR,
    "le": ir.BinaryOp.LE, "ge": ir.BinaryOp.GE, "lt": ir.BinaryOp.LT, "gt": ir.BinaryOp.GT,
    "eq": ir.BinaryOp.EQ, "ne": ir.BinaryOp.NE, "band": ir.BinaryOp.BAND,
    "bxor": ir.BinaryOp.BXOR, "bor": ir.BinaryOp.BOR, "concat": ir.BinaryOp.CONCAT,
    "land": ir.BinaryOp.LAND, "lor": ir.BinaryOp.LOR, "mask": ir.BinaryOp.MASK,
    "range": ir.BinaryOp.RANGE,
}
_UNARY_OPS = {
    "lnot": ir.UnaryOp.LNOT, "cmpl": ir.UnaryOp.BNOT, "neg": ir.UnaryOp.NEG,
    "uplus": ir.UnaryOp.POS,
}
_COMPOUND_OPS = {
    "+=": ir.BinaryOp.ADD, "-=": ir.BinaryOp.SUB, "*=": ir.BinaryOp.MUL,
    "/=": ir.BinaryOp.DIV, "%=": ir.BinaryOp.MOD, "<<=": ir.BinaryOp.SHL,
    ">>=": ir.BinaryOp.SHR, "&=": ir.BinaryOp.BAND, "|=": ir.BinaryOp.BOR,
    "^=": ir.BinaryOp.BXOR, "|+|=": ir.BinaryOp.ADD_SAT, "|-|=": ir.BinaryOp.SUB_SAT,
}
_DIRECTIONS = {"in": ir.Direction.IN, "out": ir.Direction.OUT, "inout": ir.Direction.INOUT}
_BASE_TYPES = {
    "bool_type": "bool", "error_type": "error", "match_kind_type": "match_kind",
    "string_type": "string", "void_type": "void", "dontcare_type": "_",
}


def _kids(tree: Tree) -> list[Any]:
    """Children without lark's None placeholders for absent optional parts."""
    return [c for c in tree.children if c is not None]


def _handlers(cls: type, prefix: str) -> dict[str, _Handler]:
    return {name[len(prefix):]: getattr(cls, name) for name in dir(cls)
            if name.startswith(prefix)}


def _integer_base(text: str) -> int:
    digits = text.lstrip("0123456789")
    if digits[:1] in ("w", "s"):
        digits = digits[1:]
    else:
        digits = text
    prefix = digits[:2].lower()
    return {"0x": 16, "0b": 2, "0o": 8}.get(prefix, 10)


class Builder:
    """Builds the IR of one parsed program."""

    def __init__(self, parsed: ParsedSource) -> None:
        self.smap: SourceMap = parsed.source_map
        self.text = parsed.source.text
        self._loc_cache: dict[tuple[int, int], SourceLocation] = {}

    # ------------------------------------------------------------ helpers

    def loc(self, item: Item | None) -> SourceLocation | None:
        if item is None:
            return None
        if isinstance(item, Token):
            key = (item.line, item.column)
        else:
            meta = item.meta
            if meta.empty:
                return None
            key = (meta.line, meta.column)
        loc = self._loc_cache.get(key)
        if loc is None:
            loc = self.smap.location(*key)
            self._loc_cache[key] = loc
        return loc

    def unsupported(self, what: str, item: Item) -> UnsupportedError:
        return UnsupportedError(what, self.loc(item))

    def annotations(self, item: Tree | None) -> list[ir.Annotation]:
        if item is None:
            return []
        return [self.annotation(a) for a in item.children]

    def annotation(self, tree: Tree) -> ir.Annotation:
        name_tok = tree.children[0]
        name = str(name_tok)
        loc = self.loc(tree)
        if tree.data == "annotation_empty":
            return ir.Annotation(name=name, loc=loc)
        body = tree.children[1]
        if tree.data == "annotation_unstructured":
            tokens: list[ir.AnnotationToken] = []
            self._annotation_tokens(body, tokens)
            return ir.Annotation(name=name, loc=loc, kind=ir.AnnotationKind.UNSTRUCTURED,
                                 tokens=tokens, source_text=self._source_text(body),
                                 has_parens=True)
        if body.data == "annotation_kvs":
            kv = [self.kv_pair(p) for p in _kids(body)]
            return ir.Annotation(name=name, loc=loc, kind=ir.AnnotationKind.STRUCTURED_KV,
                                 kv=kv)
        exprs = [self.expr(e) for e in _kids(body)]
        return ir.Annotation(name=name, loc=loc, kind=ir.AnnotationKind.STRUCTURED_EXPRS,
                             exprs=exprs)

    def _annotation_tokens(self, body: Tree, out: list[ir.AnnotationToken]) -> None:
        for child in body.children:
            if isinstance(child, Tree):
                self._annotation_tokens(child, out)
            elif child.type == STRING_LITERAL:
                out.append(ir.AnnotationToken("string", parse_string(str(child))))
            elif child.type == INTEGER:
                out.append(ir.AnnotationToken("int", str(child)))
            else:
                text = str(child)
                word = text[0].isalpha() or (text[0] == "_" and len(text) > 1)
                out.append(ir.AnnotationToken("identifier" if word else "punct", text))

    def _source_text(self, body: Tree) -> str:
        """An annotation body as written: from the original line when the body
        sits on one line untouched by macros, else from the preprocessed text."""
        meta = body.meta
        if meta.empty:
            return ""
        start = self.loc(body)
        end = self.smap.location(meta.end_line, meta.end_column)
        if (start is not None and start.file == end.file and start.line == end.line
                and meta.line == meta.end_line):
            line = self.smap.original_line_text(start.file, start.line)
            if line is not None:
                text = line[start.column - 1:end.column - 1]
                if text.split() == self.text[meta.start_pos:meta.end_pos].split():
                    return text
        return self.text[meta.start_pos:meta.end_pos]

    def kv_pair(self, tree: Tree) -> ir.NamedExpression:
        name, value = tree.children
        return ir.NamedExpression(name=str(name), expr=self.expr(value), loc=self.loc(name))

    def type_parameters(self, tree: Tree | None) -> list[ir.TypeParameter]:
        if tree is None:
            return []
        return [ir.TypeParameter(name=str(t), loc=self.loc(t)) for t in tree.children]

    def parameters(self, tree: Tree | None) -> list[ir.Parameter]:
        if tree is None:
            return []
        return [self.parameter(p) for p in _kids(tree)]

    def parameter(self, tree: Tree) -> ir.Parameter:
        annotations, direction, type_tree, name, default = tree.children
        dir_tok = direction.children[0] if direction.children else None
        return ir.Parameter(
            name=str(name), loc=self.loc(name), annotations=self.annotations(annotations),
            direction=_DIRECTIONS[str(dir_tok)] if dir_tok is not None else ir.Direction.NONE,
            type_ref=self.type_ref(type_tree),
            default=self.expr(default) if default is not None else None,
        )

    def arguments(self, tree: Tree | None) -> list[ir.Argument]:
        if tree is None:
            return []
        return [self.argument(a) for a in _kids(tree)]

    def argument(self, tree: Tree) -> ir.Argument:
        kind = tree.data
        loc = self.loc(tree)
        if kind == "argument":
            return ir.Argument(name=None, expr=self.expr(tree.children[0]), loc=loc)
        if kind == "named_argument":
            name, value = tree.children
            return ir.Argument(name=str(name), expr=self.expr(value), loc=loc)
        if kind == "dontcare_argument":
            return ir.Argument(name=None, expr=ir.DontCare(loc=loc), loc=loc)
        name = tree.children[0]
        # named_dontcare_argument: `name = _`
        return ir.Argument(name=str(name), expr=ir.DontCare(loc=loc), loc=loc)

    def type_args(self, tree: Tree | None) -> list[ir.TypeRef]:
        if tree is None:
            return []
        return [self.type_ref(t) for t in _kids(tree)]

    def with_array_size(self, type_ref: ir.TypeRef, sizes: Tree | None) -> ir.TypeRef:
        """`T name[2][3]` declares name as `T[2][3]`."""
        if sizes is None:
            return type_ref
        for size in sizes.children:
            type_ref = ir.StackTypeRef(element=type_ref, size=self.expr(size),
                                       loc=type_ref.loc)
        return type_ref

    # -------------------------------------------------------------- types

    def type_ref(self, tree: Tree) -> ir.TypeRef:
        try:
            handler = self._TYPE[tree.data]
        except KeyError:
            raise self.unsupported(f"type '{tree.data}'", tree) from None
        return handler(self, tree)

    def _t_bool_type(self, tree: Tree) -> ir.TypeRef:
        return ir.BaseTypeRef(name=_BASE_TYPES[tree.data], loc=self.loc(tree))

    _t_error_type = _t_match_kind_type = _t_string_type = _t_bool_type
    _t_void_type = _t_dontcare_type = _t_bool_type

    def _width(self, tree: Tree) -> ir.Expression | None:
        if not tree.children:
            return None
        width = tree.children[0]
        if isinstance(width, Token):
            return self._constant(width)
        return self.expr(width)

    def _t_bit_type(self, tree: Tree) -> ir.TypeRef:
        return ir.BitsTypeRef(kind="bit", width=self._width(tree), loc=self.loc(tree))

    def _t_int_type(self, tree: Tree) -> ir.TypeRef:
        if not tree.children:
            return ir.BaseTypeRef(name="int", loc=self.loc(tree))
        return ir.BitsTypeRef(kind="int", width=self._width(tree), loc=self.loc(tree))

    def _t_varbit_type(self, tree: Tree) -> ir.TypeRef:
        return ir.BitsTypeRef(kind="varbit", width=self._width(tree), loc=self.loc(tree))

    def _t_type_name(self, tree: Tree) -> ir.NamedTypeRef:
        tok = tree.children[0]
        return ir.NamedTypeRef(name=str(tok), loc=self.loc(tok),
                               is_global=tree.data == "global_type_name")

    _t_global_type_name = _t_type_name

    def _t_type_variable(self, tree: Tree) -> ir.TypeRef:
        tok = tree.children[0]
        return ir.NamedTypeRef(name=str(tok), loc=self.loc(tok))

    def _t_specialized_type(self, tree: Tree) -> ir.TypeRef:
        base, args = tree.children
        named = self._t_type_name(base)
        named.type_args = self.type_args(args)
        return named

    def _t_header_stack_type(self, tree: Tree) -> ir.TypeRef:
        element, size = tree.children
        return ir.StackTypeRef(element=self.type_ref(element), size=self.expr(size),
                               loc=self.loc(tree))

    def _t_tuple_type(self, tree: Tree) -> ir.TypeRef:
        return ir.TupleTypeRef(elements=self.type_args(tree.children[0]), loc=self.loc(tree))

    def _t_list_type(self, tree: Tree) -> ir.TypeRef:
        raise self.unsupported("the list<T> type", tree)

    # -------------------------------------------------------- expressions

    def expr(self, tree: Tree) -> ir.Expression:
        handler = self._EXPR.get(tree.data)
        if handler is None:
            binop = _BINARY_OPS.get(tree.data)
            if binop is not None:
                left, right = tree.children
                return ir.Binary(op=binop, left=self.expr(left), right=self.expr(right),
                                 loc=self.loc(tree))
            unop = _UNARY_OPS.get(tree.data)
            if unop is not None:
                return ir.Unary(op=unop, expr=self.expr(tree.children[0]), loc=self.loc(tree))
            raise self.unsupported(f"expression '{tree.data}'", tree)
        return handler(self, tree)

    def _constant(self, tok: Token) -> ir.Constant:
        text = str(tok)
        lit = parse_integer(text)
        if lit.width is not None and lit.width == 0 and lit.signed:
            raise CompileError(f"invalid integer literal '{text}': a signed integer "
                               "needs at least one bit", self.loc(tok))
        return ir.Constant(value=lit.value, width=lit.width, signed=lit.signed,
                           base=_integer_base(text), loc=self.loc(tok))

    def _e_integer(self, tree: Tree) -> ir.Expression:
        return self._constant(tree.children[0])

    def _e_string_literal(self, tree: Tree) -> ir.Expression:
        return ir.StringLiteral(value=parse_string(str(tree.children[0])), loc=self.loc(tree))

    def _e_true(self, tree: Tree) -> ir.Expression:
        return ir.BoolLiteral(value=True, loc=self.loc(tree))

    def _e_false(self, tree: Tree) -> ir.Expression:
        return ir.BoolLiteral(value=False, loc=self.loc(tree))

    def _e_this(self, tree: Tree) -> ir.Expression:
        return ir.ThisExpression(loc=self.loc(tree))

    def _e_dots(self, tree: Tree) -> ir.Expression:
        raise self.unsupported("'...' outside a struct expression", tree)

    def _e_invalid_header(self, tree: Tree) -> ir.Expression:
        return ir.InvalidHeaderExpression(loc=self.loc(tree))

    def _e_path(self, tree: Tree) -> ir.Expression:
        tok = tree.children[0]
        return ir.PathExpression(name=str(tok), loc=self.loc(tree),
                                 is_global=tree.data == "global_path")

    _e_global_path = _e_path

    def _e_list_expression(self, tree: Tree) -> ir.Expression:
        return ir.ListExpression(elements=[self.expr(e) for e in _kids(tree)],
                                 loc=self.loc(tree))

    _e_tuple_keyset_expression = _e_list_expression

    def _e_struct_expression(self, tree: Tree) -> ir.Expression:
        kids = _kids(tree)
        has_dots = bool(kids) and kids[-1].data == "dots_marker"
        pairs = kids[:-1] if has_dots else kids
        return ir.StructExpression(fields=[self.kv_pair(p) for p in pairs], has_dots=has_dots,
                                   loc=self.loc(tree))

    def _e_member(self, tree: Tree) -> ir.Expression:
        base, name = tree.children
        return ir.Member(expr=self.expr(base), member=str(name), loc=self.loc(tree))

    def _e_type_member(self, tree: Tree) -> ir.Expression:
        type_tree, name = tree.children
        type_ref = self.type_ref(type_tree)
        base = ir.TypeNameExpression(type_ref=type_ref, loc=type_ref.loc)
        return ir.Member(expr=base, member=str(name), loc=self.loc(tree))

    def _e_error_member(self, tree: Tree) -> ir.Expression:
        name = tree.children[0]
        loc = self.loc(tree)
        base = ir.TypeNameExpression(type_ref=ir.BaseTypeRef(name="error", loc=loc), loc=loc)
        return ir.Member(expr=base, member=str(name), loc=loc)

    def _e_array_index(self, tree: Tree) -> ir.Expression:
        base, index = tree.children
        return ir.ArrayIndex(expr=self.expr(base), index=self.expr(index), loc=self.loc(tree))

    def _e_slice(self, tree: Tree) -> ir.Expression:
        base, hi, lo = tree.children
        return ir.Slice(expr=self.expr(base), hi=self.expr(hi), lo=self.expr(lo),
                        loc=self.loc(tree))

    def _e_indexed_slice(self, tree: Tree) -> ir.Expression:
        # `e[lo +: w]` is `e[lo + w - 1 : lo]` (P4 1.2.5).
        base, lo_tree, width_tree = tree.children
        lo = self.expr(lo_tree)
        width = self.expr(width_tree)
        loc = lo.loc
        hi = ir.Binary(op=ir.BinaryOp.SUB, loc=loc,
                       left=ir.Binary(op=ir.BinaryOp.ADD, left=copy.deepcopy(lo), right=width,
                                      loc=loc),
                       right=ir.Constant(value=1, loc=loc))
        return ir.Slice(expr=self.expr(base), hi=hi, lo=lo, loc=self.loc(tree))

    def _e_method_call(self, tree: Tree) -> ir.Expression:
        method, args = tree.children
        return ir.MethodCall(method=self.expr(method), args=self.arguments(args),
                             loc=self.loc(tree))

    def _e_generic_method_call(self, tree: Tree) -> ir.Expression:
        method, type_args, args = tree.children
        return ir.MethodCall(method=self.expr(method), type_args=self.type_args(type_args),
                             args=self.arguments(args), loc=self.loc(tree))

    def _e_constructor_call(self, tree: Tree) -> ir.Expression:
        type_tree, args = tree.children
        return ir.ConstructorCall(type_ref=self.type_ref(type_tree), args=self.arguments(args),
                                  loc=self.loc(tree))

    def _e_cast(self, tree: Tree) -> ir.Expression:
        type_tree, operand = tree.children
        type_ref = self.type_ref(type_tree)
        value = self.expr(operand)
        if isinstance(value, ir.StructExpression) and value.type_ref is None:
            # `(T){f = ...}` is a struct expression of type T.
            value.type_ref = type_ref
            value.loc = self.loc(tree)
            return value
        return ir.Cast(type_ref=type_ref, expr=value, loc=self.loc(tree))

    def _e_mux(self, tree: Tree) -> ir.Expression:
        cond, then, otherwise = tree.children
        return ir.Mux(cond=self.expr(cond), then=self.expr(then),
                      otherwise=self.expr(otherwise), loc=self.loc(tree))

    def _e_default_keyset(self, tree: Tree) -> ir.Expression:
        return ir.DefaultExpression(loc=self.loc(tree))

    _e_default_label = _e_default_keyset

    def _e_dontcare_keyset(self, tree: Tree) -> ir.Expression:
        return ir.DontCare(loc=self.loc(tree))

    # --------------------------------------------------------- statements

    def stmt(self, tree: Tree) -> ir.Node:
        """A statement, or a declaration where a block allows one."""
        handler = self._STMT.get(tree.data)
        if handler is not None:
            return handler(self, tree)
        decl = self._DECL.get(tree.data)
        if decl is not None:
            return decl(self, tree)
        raise self.unsupported(f"statement '{tree.data}'", tree)

    def block(self, tree: Tree) -> ir.BlockStatement:
        annotations, *items = tree.children
        return ir.BlockStatement(components=[self.stmt(s) for s in items],
                                 annotations=self.annotations(annotations), loc=self.loc(tree))

    _s_block_statement = block

    def _s_method_call_statement(self, tree: Tree) -> ir.Statement:
        method, args = tree.children
        call = ir.MethodCall(method=self.expr(method), args=self.arguments(args),
                             loc=self.loc(tree))
        return ir.MethodCallStatement(call=call, loc=self.loc(tree))

    def _s_generic_method_call_statement(self, tree: Tree) -> ir.Statement:
        method, type_args, args = tree.children
        call = ir.MethodCall(method=self.expr(method), type_args=self.type_args(type_args),
                             args=self.arguments(args), loc=self.loc(tree))
        return ir.MethodCallStatement(call=call, loc=self.loc(tree))

    def _s_assignment_statement(self, tree: Tree) -> ir.Statement:
        left, right = tree.children
        return ir.AssignmentStatement(left=self.expr(left), right=self.expr(right),
                                      loc=self.loc(tree))

    def _s_compound_assignment_statement(self, tree: Tree) -> ir.Statement:
        # `a op= b` is `a = a op b`. The IR has no compound assignment, so the
        # target is duplicated (P4 lvalues have no side effects except in
        # array indices, which the front end rejects when they call anything).
        left_tree, op_tree, right_tree = tree.children
        left = self.expr(left_tree)
        op = _COMPOUND_OPS[str(op_tree.children[0])]
        loc = self.loc(tree)
        value = ir.Binary(op=op, left=copy.deepcopy(left), right=self.expr(right_tree),
                          loc=loc)
        return ir.AssignmentStatement(left=left, right=value, loc=loc)

    def _s_direct_application(self, tree: Tree) -> ir.Statement:
        type_tree, args = tree.children
        type_ref = self.type_ref(type_tree)
        loc = self.loc(tree)
        method = ir.Member(expr=ir.TypeNameExpression(type_ref=type_ref, loc=type_ref.loc),
                           member="apply", loc=loc)
        call = ir.MethodCall(method=method, args=self.arguments(args), loc=loc)
        return ir.MethodCallStatement(call=call, loc=loc)

    def _s_if_statement(self, tree: Tree) -> ir.Statement:
        # No placeholder for a missing `else`: `_statement` is an inlined rule.
        cond, then, *otherwise = tree.children
        return ir.IfStatement(cond=self.expr(cond), then=self._statement(then),
                              otherwise=self._statement(otherwise[0]) if otherwise else None,
                              loc=self.loc(tree))

    def _statement(self, tree: Tree) -> ir.Statement:
        node = self.stmt(tree)
        assert isinstance(node, ir.Statement)
        return node

    def _s_empty_statement(self, tree: Tree) -> ir.Statement:
        return ir.EmptyStatement(loc=self.loc(tree))

    def _s_exit_statement(self, tree: Tree) -> ir.Statement:
        return ir.ExitStatement(loc=self.loc(tree))

    def _s_return_statement(self, tree: Tree) -> ir.Statement:
        value = tree.children[0]
        return ir.ReturnStatement(expr=self.expr(value) if value is not None else None,
                                  loc=self.loc(tree))

    def _s_switch_statement(self, tree: Tree) -> ir.Statement:
        subject, *cases = tree.children
        return ir.SwitchStatement(expr=self.expr(subject),
                                  cases=[self._switch_case(c) for c in cases],
                                  loc=self.loc(tree))

    def _switch_case(self, tree: Tree) -> ir.SwitchCase:
        label, body = tree.children
        return ir.SwitchCase(label=self.expr(label),
                             body=self.block(body) if body is not None else None,
                             loc=self.loc(tree))

    # Loops (P4 1.2.5). The IR has no loop nodes yet: these build the nodes
    # proposed to nodes.py (ForStatement, ForInStatement, BreakStatement,
    # ContinueStatement) once it has them, and report "unsupported" until then.

    def _loop_node(self, name: str, what: str, tree: Tree) -> Any:
        cls = getattr(ir, name, None)
        if cls is None:
            raise self.unsupported(what, tree)
        return cls

    def _s_break_statement(self, tree: Tree) -> ir.Statement:
        cls = self._loop_node("BreakStatement", "'break' (loops)", tree)
        return cls(loc=self.loc(tree))  # type: ignore[no-any-return]

    def _s_continue_statement(self, tree: Tree) -> ir.Statement:
        cls = self._loop_node("ContinueStatement", "'continue' (loops)", tree)
        return cls(loc=self.loc(tree))  # type: ignore[no-any-return]

    def _s_for_statement(self, tree: Tree) -> ir.Statement:
        cls = self._loop_node("ForStatement", "the 'for' statement", tree)
        annotations, init, cond, update, body = tree.children
        return cls(  # type: ignore[no-any-return]
            init=[self.stmt(s) for s in _kids(init)], cond=self.expr(cond),
            updates=[self.stmt(s) for s in _kids(update)], body=self._statement(body),
            annotations=self.annotations(annotations), loc=self.loc(tree))

    def _s_for_in_statement(self, tree: Tree) -> ir.Statement:
        cls = self._loop_node("ForInStatement", "the 'for' statement", tree)
        annotations, var_annotations, type_tree, name, collection, body = tree.children
        var = ir.VariableDecl(name=str(name), loc=self.loc(name),
                              annotations=self.annotations(var_annotations),
                              type_ref=self.type_ref(type_tree))
        return cls(decl=var, collection=self.expr(collection),  # type: ignore[no-any-return]
                   body=self._statement(body), annotations=self.annotations(annotations),
                   loc=self.loc(tree))

    # ------------------------------------------------------- declarations

    def decls(self, tree: Tree) -> list[ir.Declaration]:
        """One declaration tree -> its declarations (a typedef of a struct
        declared in place yields the struct and the typedef)."""
        if tree.data == "typedef_declaration" and tree.children[1].data in (
                "header_type_declaration", "header_union_declaration",
                "struct_type_declaration", "enum_declaration", "ser_enum_declaration"):
            annotations, derived_tree, name = tree.children
            derived = self.decl(derived_tree)
            typedef = ir.TypedefDecl(
                name=str(name), loc=self.loc(name), annotations=self.annotations(annotations),
                type_ref=ir.NamedTypeRef(name=derived.name, loc=derived.loc))
            return [derived, typedef]
        return [self.decl(tree)]

    def decl(self, tree: Tree) -> ir.Declaration:
        handler = self._DECL.get(tree.data)
        if handler is None:
            raise self.unsupported(f"declaration '{tree.data}'", tree)
        return handler(self, tree)

    def _d_constant_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, type_tree, name, value = tree.children
        return ir.ConstDecl(name=str(name), loc=self.loc(name),
                            annotations=self.annotations(annotations),
                            type_ref=self.type_ref(type_tree), value=self.expr(value))

    def _d_variable_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, type_tree, name, sizes, init = tree.children
        return ir.VariableDecl(
            name=str(name), loc=self.loc(name), annotations=self.annotations(annotations),
            type_ref=self.with_array_size(self.type_ref(type_tree), sizes),
            init=self.expr(init) if init is not None else None)

    def _d_instantiation(self, tree: Tree) -> ir.Declaration:
        annotations, type_tree, args, name, initializer = tree.children
        init: list[ir.Declaration] | None = None
        if initializer is not None:
            init = [self.decl(d) for d in initializer.children]
        return ir.Instantiation(name=str(name), loc=self.loc(name),
                                annotations=self.annotations(annotations),
                                type_ref=self.type_ref(type_tree), args=self.arguments(args),
                                initializer=init)

    def _prototype(self, tree: Tree) -> tuple[Token, ir.TypeRef, list[ir.TypeParameter],
                                              list[ir.Parameter]]:
        return_type, name, type_params, params = tree.children
        return (name, self.type_ref(return_type), self.type_parameters(type_params),
                self.parameters(params))

    def _d_function_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, prototype, body = tree.children
        name, return_type, type_params, params = self._prototype(prototype)
        return ir.FunctionDecl(name=str(name), loc=self.loc(name),
                               annotations=self.annotations(annotations),
                               type_params=type_params, return_type=return_type,
                               params=params, body=self.block(body))

    def _d_action_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, name, params, body = tree.children
        return ir.ActionDecl(name=str(name), loc=self.loc(name),
                             annotations=self.annotations(annotations),
                             params=self.parameters(params), body=self.block(body))

    def _d_extern_type_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, name, type_params, *methods = tree.children
        return ir.ExternDecl(name=str(name), loc=self.loc(name),
                             annotations=self.annotations(annotations),
                             type_params=self.type_parameters(type_params),
                             methods=[self._method(m) for m in methods])

    def _method(self, tree: Tree) -> ir.MethodDecl:
        if tree.data == "constructor":
            annotations, name, params = tree.children
            return ir.MethodDecl(name=str(name), loc=self.loc(name),
                                 annotations=self.annotations(annotations),
                                 params=self.parameters(params), is_constructor=True)
        annotations, prototype = tree.children
        name, return_type, type_params, params = self._prototype(prototype)
        return ir.MethodDecl(name=str(name), loc=self.loc(name),
                             annotations=self.annotations(annotations),
                             type_params=type_params, return_type=return_type, params=params,
                             is_abstract=tree.data == "abstract_method")

    def _d_extern_function_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, prototype = tree.children
        name, return_type, type_params, params = self._prototype(prototype)
        return ir.ExternFunctionDecl(name=str(name), loc=self.loc(name),
                                     annotations=self.annotations(annotations),
                                     type_params=type_params, return_type=return_type,
                                     params=params)

    def _d_extern_forward_declaration(self, tree: Tree) -> ir.Declaration:
        raise self.unsupported("a forward declaration of an extern", tree)

    def _type_decl_parts(self, tree: Tree) -> tuple[Token, list[ir.Annotation],
                                                    list[ir.TypeParameter], list[ir.Parameter]]:
        annotations, name, type_params, params = tree.children
        return (name, self.annotations(annotations), self.type_parameters(type_params),
                self.parameters(params))

    def _d_parser_type_declaration(self, tree: Tree) -> ir.Declaration:
        name, annotations, type_params, params = self._type_decl_parts(tree)
        return ir.ParserTypeDecl(name=str(name), loc=self.loc(name), annotations=annotations,
                                 type_params=type_params, params=params)

    def _d_control_type_declaration(self, tree: Tree) -> ir.Declaration:
        name, annotations, type_params, params = self._type_decl_parts(tree)
        return ir.ControlTypeDecl(name=str(name), loc=self.loc(name), annotations=annotations,
                                  type_params=type_params, params=params)

    def _d_package_type_declaration(self, tree: Tree) -> ir.Declaration:
        name, annotations, type_params, params = self._type_decl_parts(tree)
        return ir.PackageTypeDecl(name=str(name), loc=self.loc(name), annotations=annotations,
                                  type_params=type_params, params=params)

    def _d_parser_declaration(self, tree: Tree) -> ir.Declaration:
        type_decl, ctor, *body = tree.children
        name, annotations, type_params, params = self._type_decl_parts(type_decl)
        local_trees = [t for t in body if t.data != "parser_state"]
        state_trees = [t for t in body if t.data == "parser_state"]
        return ir.ParserDecl(name=str(name), loc=self.loc(name), annotations=annotations,
                             type_params=type_params, params=params,
                             ctor_params=self.parameters(ctor.children[0]) if ctor else [],
                             locals=[self.decl(t) for t in local_trees],
                             states=[self._parser_state(t) for t in state_trees])

    def _parser_state(self, tree: Tree) -> ir.ParserState:
        annotations, name, *items = tree.children
        transition: ir.Expression | None = None
        if items and items[-1] is not None and items[-1].data == "transition_statement":
            target = items.pop().children[0]
            if isinstance(target, Token):
                transition = ir.PathExpression(name=str(target), loc=self.loc(target))
            else:
                transition = self._select(target)
        components = [self.stmt(s) for s in items if s is not None]
        return ir.ParserState(name=str(name), loc=self.loc(name),
                              annotations=self.annotations(annotations),
                              components=components, transition=transition)

    def _select(self, tree: Tree) -> ir.SelectExpression:
        keys, *cases = tree.children
        return ir.SelectExpression(
            keys=[self.expr(k) for k in _kids(keys)],
            cases=[ir.SelectCase(keyset=self.expr(c.children[0]), loc=self.loc(c),
                                 state=ir.PathExpression(name=str(c.children[1]),
                                                         loc=self.loc(c.children[1])))
                   for c in cases],
            loc=self.loc(tree))

    def _d_value_set_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, type_tree, size, name = tree.children
        return ir.ValueSetDecl(name=str(name), loc=self.loc(name),
                               annotations=self.annotations(annotations),
                               element_type=self.type_ref(type_tree), size=self.expr(size))

    def _d_control_declaration(self, tree: Tree) -> ir.Declaration:
        type_decl, ctor, *local_trees, body = tree.children
        name, annotations, type_params, params = self._type_decl_parts(type_decl)
        return ir.ControlDecl(name=str(name), loc=self.loc(name), annotations=annotations,
                              type_params=type_params, params=params,
                              ctor_params=self.parameters(ctor.children[0]) if ctor else [],
                              locals=[self.decl(t) for t in local_trees],
                              body=self.block(body))

    def _d_table_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, name, *props = tree.children
        return ir.TableDecl(name=str(name), loc=self.loc(name),
                            annotations=self.annotations(annotations),
                            properties=[self._table_property(p) for p in props])

    def _table_property(self, tree: Tree) -> ir.TableProperty:
        loc = self.loc(tree)
        kind = tree.data
        if kind == "key_property":
            keys = []
            for k in tree.children:
                expr, match_kind, annotations = k.children
                keys.append(ir.KeyElement(expr=self.expr(expr), match_kind=str(match_kind),
                                          annotations=self.annotations(annotations),
                                          loc=self.loc(k)))
            return ir.TableProperty(name="key", loc=loc, keys=keys)
        if kind == "actions_property":
            actions = []
            for element in tree.children:
                annotations, ref = element.children
                actions.append(ir.ActionRef(expr=self._action_ref(ref), loc=self.loc(element),
                                            annotations=self.annotations(annotations)))
            return ir.TableProperty(name="actions", loc=loc, actions=actions)
        if kind == "entries_property":
            annotations, is_const, *entries = tree.children
            return ir.TableProperty(name="entries", loc=loc,
                                    annotations=self.annotations(annotations),
                                    is_const=is_const is not None,
                                    entries=[self._entry(e) for e in entries])
        annotations, is_const, name, value = tree.children  # custom_property
        return ir.TableProperty(name=str(name), loc=self.loc(name),
                                annotations=self.annotations(annotations),
                                is_const=is_const is not None, value=self.expr(value))

    def _action_ref(self, tree: Tree) -> ir.Expression:
        path, args = tree.children
        target = self.expr(path)
        if args is None:
            return target
        return ir.MethodCall(method=target, args=self.arguments(args), loc=self.loc(tree))

    def _entry(self, tree: Tree) -> ir.TableEntry:
        is_const, priority_tree, keyset, action, annotations = tree.children
        priority: ir.Expression | None = None
        if priority_tree is not None:
            value = priority_tree.children[0]
            priority = self._constant(value) if isinstance(value, Token) else self.expr(value)
        return ir.TableEntry(keyset=self.expr(keyset), action=self._action_ref(action),
                             priority=priority, is_const=is_const is not None,
                             annotations=self.annotations(annotations), loc=self.loc(tree))

    def _struct_like(self, tree: Tree, cls: type[ir.StructLikeDecl]) -> ir.Declaration:
        annotations, name, type_params, *field_trees = tree.children
        fields = []
        for f in field_trees:
            f_annotations, f_type, f_name, sizes = f.children
            fields.append(ir.StructField(
                name=str(f_name), loc=self.loc(f_name),
                annotations=self.annotations(f_annotations),
                type_ref=self.with_array_size(self.type_ref(f_type), sizes)))
        return cls(name=str(name), loc=self.loc(name), annotations=self.annotations(annotations),
                   type_params=self.type_parameters(type_params), fields=fields)

    def _d_header_type_declaration(self, tree: Tree) -> ir.Declaration:
        return self._struct_like(tree, ir.HeaderDecl)

    def _d_header_union_declaration(self, tree: Tree) -> ir.Declaration:
        return self._struct_like(tree, ir.HeaderUnionDecl)

    def _d_struct_type_declaration(self, tree: Tree) -> ir.Declaration:
        return self._struct_like(tree, ir.StructDecl)

    def _members(self, names: list[Token]) -> list[ir.EnumMember]:
        return [ir.EnumMember(name=str(n), loc=self.loc(n)) for n in names]

    def _d_enum_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, name, *members = tree.children
        return ir.EnumDecl(name=str(name), loc=self.loc(name),
                           annotations=self.annotations(annotations),
                           members=self._members(members))

    def _d_ser_enum_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, underlying, name, *members = tree.children
        return ir.EnumDecl(
            name=str(name), loc=self.loc(name), annotations=self.annotations(annotations),
            underlying=self.type_ref(underlying),
            members=[ir.EnumMember(name=str(m.children[0]), loc=self.loc(m.children[0]),
                                   value=self.expr(m.children[1])) for m in members])

    def _d_error_declaration(self, tree: Tree) -> ir.Declaration:
        return ir.ErrorDecl(name="error", loc=self.loc(tree), members=self._members(tree.children))

    def _d_match_kind_declaration(self, tree: Tree) -> ir.Declaration:
        return ir.MatchKindDecl(name="match_kind", loc=self.loc(tree),
                                members=self._members(tree.children))

    def _d_typedef_declaration(self, tree: Tree) -> ir.Declaration:
        annotations, type_tree, name = tree.children
        return ir.TypedefDecl(name=str(name), loc=self.loc(name),
                              annotations=self.annotations(annotations),
                              type_ref=self.type_ref(type_tree),
                              is_newtype=tree.data == "newtype_declaration")

    _d_newtype_declaration = _d_typedef_declaration

    # ------------------------------------------------------------ program

    def program(self, tree: Tree, main_file: str) -> ir.Program:
        declarations: list[ir.Declaration] = []
        for child in tree.children:
            declarations.extend(self.decls(child))
        return ir.Program(declarations=declarations, loc=SourceLocation(main_file, 1, 1))

    _EXPR: dict[str, _Handler] = {}
    _TYPE: dict[str, _Handler] = {}
    _STMT: dict[str, _Handler] = {}
    _DECL: dict[str, _Handler] = {}


Builder._EXPR = _handlers(Builder, "_e_")
Builder._TYPE = _handlers(Builder, "_t_")
Builder._STMT = _handlers(Builder, "_s_")
Builder._DECL = _handlers(Builder, "_d_")


def build_program(parsed: ParsedSource) -> ir.Program:
    """Build the IR `Program` of a parsed source."""
    try:
        return Builder(parsed).program(parsed.tree, parsed.source.main_file)
    except RecursionError:
        raise CompileError("the program is nested too deeply to compile") from None
