"""The OvS.p4 intermediate representation: one typed, resolved program tree.

Like p4c's IR, one set of node classes serves from parsing to code
generation:

1. The parser (`frontend/builder.py`) builds these nodes from the source,
   each with its `loc` in the user's original file. Fields documented as
   *semantic* are left at their defaults (None / empty).
2. Semantic analysis (`frontend/` passes) resolves every name, types every
   expression, folds constants, and fills the semantic fields in place:
   `PathExpression.decl`, `Expression.type`, `TypeRef.resolved`,
   `Declaration.resolved_type`, ..., and evaluates `main` into the instance
   tree of `ir/blocks.py` (which also holds the control-plane names).
3. Back ends (`p4info/`, `backend/`) only read: nothing downstream re-parses
   source or guesses a type.

Conventions:
- Every node has `loc: SourceLocation | None` (None only for nodes the
  compiler synthesises).
- Names are plain `str`; a name written with a leading dot (`.NoAction`) is a
  `PathExpression` with `is_global=True`.
- Lists keep source order, which matters (P4Info field and parameter ids
  are numbered in declaration order).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from enum import Enum

from ovsp4.compiler.diagnostics import SourceLocation
from ovsp4.compiler.ir.types import P4Type

IR_VERSION = 1


@dataclass(eq=False, kw_only=True)
class Node:
    """Base of all IR nodes. Nodes compare by identity."""

    loc: SourceLocation | None = None

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in field order (for generic traversals)."""
        for f in fields(self):
            if f.metadata.get("semantic"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, Node):
                        yield item

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, in source order."""
        yield self
        for child in self.children():
            yield from child.walk()


def semantic(default: object = None) -> object:
    """A field filled by semantic analysis (not by the parser)."""
    if isinstance(default, list):
        return field(default_factory=list, metadata={"semantic": True})
    if isinstance(default, dict):
        return field(default_factory=dict, metadata={"semantic": True})
    return field(default=default, metadata={"semantic": True})


# --------------------------------------------------------------------------
# Annotations
# --------------------------------------------------------------------------


class AnnotationKind(Enum):
    UNSTRUCTURED = "unstructured"  # @name or @name(token sequence)
    STRUCTURED_EXPRS = "exprs"  # @name[e1, e2]
    STRUCTURED_KV = "kv"  # @name[k1 = e1, k2 = e2]


@dataclass(frozen=True, slots=True)
class AnnotationToken:
    """One token of an unstructured annotation body, as written.

    `kind` is one of "string" (text is the *unquoted, unescaped* content),
    "int" (text as written, e.g. "32w5"), "identifier", "punct".
    """

    kind: str
    text: str


@dataclass(eq=False, kw_only=True)
class Annotation(Node):
    """`@name`, `@name(body tokens)`, `@name[exprs]` or `@name[k=v, ...]`.

    Unstructured bodies are kept as tokens (P4 allows any token sequence
    there); `source_text` is the body exactly as written between the
    parentheses (for printing, e.g. into P4Info preambles).
    `has_parens` distinguishes `@foo` from `@foo()`.
    """

    name: str
    kind: AnnotationKind = AnnotationKind.UNSTRUCTURED
    tokens: list[AnnotationToken] = field(default_factory=list)
    source_text: str = ""
    has_parens: bool = False
    exprs: list[Expression] = field(default_factory=list)  # STRUCTURED_EXPRS
    kv: list[NamedExpression] = field(default_factory=list)  # STRUCTURED_KV

    def string_value(self) -> str | None:
        """The value of a single-string-literal body, e.g. @name("x") -> "x"."""
        if len(self.tokens) == 1 and self.tokens[0].kind == "string":
            return self.tokens[0].text
        if self.kind is AnnotationKind.STRUCTURED_EXPRS and len(self.exprs) == 1:
            e = self.exprs[0]
            if isinstance(e, StringLiteral):
                return e.value
        return None

    def int_value(self) -> int | None:
        """The value of a single-integer body, e.g. @id(5) -> 5."""
        if len(self.tokens) == 1 and self.tokens[0].kind == "int":
            return parse_int_literal(self.tokens[0].text)[0]
        return None


def parse_int_literal(text: str) -> tuple[int, int | None, bool]:
    """Parse a P4 integer literal: value, width (None if unsized), signed.

    `8w5` -> (5, 8, False); `0xFF` -> (255, None, False); `16s0x10` ->
    (16, 16, True); `_` separators allowed. A minus sign is an operator,
    never part of the literal.
    """
    t = text.replace("_", "")
    width: int | None = None
    signed = False
    for sep in ("w", "s"):
        idx = t.find(sep)
        if idx > 0 and t[:idx].isdigit() and not t.lower().startswith("0x"):
            width = int(t[:idx])
            signed = sep == "s"
            t = t[idx + 1 :]
            break
    low = t.lower()
    if low.startswith("0x"):
        value = int(low[2:], 16)
    elif low.startswith("0b"):
        value = int(low[2:], 2)
    elif low.startswith("0o"):
        value = int(low[2:], 8)
    elif low.startswith("0d"):
        value = int(low[2:], 10)
    else:
        value = int(low, 10)
    return value, width, signed


# --------------------------------------------------------------------------
# Type references (types as written in the source)
# --------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class TypeRef(Node):
    """A type as written; semantic analysis sets `resolved`."""

    resolved: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class BaseTypeRef(TypeRef):
    """`bool`, `error`, `match_kind`, `string`, `void`, `int` (unsized),
    `packet_in`? (no: that is an extern, a NamedTypeRef), `_` (dont_care)."""

    name: str  # "bool" | "error" | "match_kind" | "string" | "void" | "int" | "_"


@dataclass(eq=False, kw_only=True)
class BitsTypeRef(TypeRef):
    """`bit<W>`, `int<W>`, `varbit<W>`, or bare `bit` (W=1). The width is an
    expression (usually a literal, possibly a constant or `(N)`)."""

    kind: str  # "bit" | "int" | "varbit"
    width: Expression | None  # None for bare `bit`


@dataclass(eq=False, kw_only=True)
class NamedTypeRef(TypeRef):
    """A type name, optionally specialised: `H`, `register<bit<32>>`,
    `.Global` (is_global)."""

    name: str
    type_args: list[TypeRef] = field(default_factory=list)
    is_global: bool = False
    decl: Declaration | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class StackTypeRef(TypeRef):
    """`T[size]`."""

    element: TypeRef
    size: Expression


@dataclass(eq=False, kw_only=True)
class TupleTypeRef(TypeRef):
    """`tuple<T1, ...>`."""

    elements: list[TypeRef] = field(default_factory=list)


# --------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Expression(Node):
    """Base of expressions. Semantic analysis sets `type` on every one, and
    `const_value` on those that are compile-time constants (int, bool, str,
    or an `EnumMemberValue`/`ErrorValue`)."""

    type: P4Type | None = semantic()  # type: ignore[assignment]
    const_value: object = semantic()


@dataclass(eq=False, kw_only=True)
class Constant(Expression):
    """An integer literal. `width` None means unsized (type `int`)."""

    value: int
    width: int | None = None
    signed: bool = False
    base: int = 10  # as written, for printing


@dataclass(eq=False, kw_only=True)
class BoolLiteral(Expression):
    value: bool


@dataclass(eq=False, kw_only=True)
class StringLiteral(Expression):
    value: str  # unescaped content


@dataclass(eq=False, kw_only=True)
class PathExpression(Expression):
    """A name in expression position: a variable, parameter, constant,
    action, table, instance, state, ... `decl` is what it resolves to."""

    name: str
    is_global: bool = False
    decl: Declaration | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class TypeNameExpression(Expression):
    """A type used in expression position: `HashAlgorithm` in
    `HashAlgorithm.crc32`, `error` in `error.NoError`, `bit<8>` as the
    argument of `sizeInBits`."""

    type_ref: TypeRef


@dataclass(eq=False, kw_only=True)
class Member(Expression):
    """`expr.member`: a field, an enum/error member, a method reference,
    `t.apply`, `.hit`/`.miss`/`.action_run`, stack `.next`/`.last`/
    `.lastIndex`/`.size`, `h.isValid` ..."""

    expr: Expression
    member: str


@dataclass(eq=False, kw_only=True)
class ArrayIndex(Expression):
    """`stack[index]`."""

    expr: Expression
    index: Expression


@dataclass(eq=False, kw_only=True)
class Slice(Expression):
    """`expr[hi:lo]` (hi and lo fold to constants)."""

    expr: Expression
    hi: Expression
    lo: Expression


class UnaryOp(Enum):
    NEG = "-"
    POS = "+"
    LNOT = "!"
    BNOT = "~"


@dataclass(eq=False, kw_only=True)
class Unary(Expression):
    op: UnaryOp
    expr: Expression


class BinaryOp(Enum):
    MUL = "*"
    DIV = "/"
    MOD = "%"
    ADD = "+"
    SUB = "-"
    ADD_SAT = "|+|"
    SUB_SAT = "|-|"
    SHL = "<<"
    SHR = ">>"
    LE = "<="
    GE = ">="
    LT = "<"
    GT = ">"
    EQ = "=="
    NE = "!="
    BAND = "&"
    BXOR = "^"
    BOR = "|"
    CONCAT = "++"
    LAND = "&&"
    LOR = "||"
    MASK = "&&&"  # keysets only
    RANGE = ".."  # keysets only


@dataclass(eq=False, kw_only=True)
class Binary(Expression):
    op: BinaryOp
    left: Expression
    right: Expression


@dataclass(eq=False, kw_only=True)
class Cast(Expression):
    """`(T) expr`."""

    type_ref: TypeRef
    expr: Expression


@dataclass(eq=False, kw_only=True)
class Mux(Expression):
    """`cond ? a : b`."""

    cond: Expression
    then: Expression
    otherwise: Expression


@dataclass(eq=False, kw_only=True)
class Argument(Node):
    """A call argument, positional (`name` None) or named (`f(x = 1)`).
    `expr` is a `DontCare` for `_`."""

    name: str | None
    expr: Expression


class CallKind(Enum):
    """What a `MethodCall` calls (set by semantic analysis)."""

    ACTION = "action"  # direct action call
    FUNCTION = "function"  # P4 function with a body
    EXTERN_FUNCTION = "extern_function"  # mark_to_drop, hash, digest, ...
    EXTERN_METHOD = "extern_method"  # counter.count, pkt.extract, ...
    TABLE_APPLY = "table_apply"
    CONTROL_APPLY = "control_apply"  # sub-control
    PARSER_APPLY = "parser_apply"  # sub-parser
    BUILTIN = "builtin"  # isValid/setValid/setInvalid/push_front/pop_front/minSizeInBits...


@dataclass(eq=False, kw_only=True)
class MethodCall(Expression):
    """`method<type_args>(args)`. `method` is a PathExpression or Member.

    Semantic fields: `kind`; `callee` the declaration called (ActionDecl,
    FunctionDecl, MethodDecl of an extern, TableDecl, ControlDecl, ...);
    `target` for methods on objects (the instance / header / table
    expression, i.e. `method.expr`); `builtin` the builtin's name;
    `bound_args` the arguments matched to the callee's parameters in
    parameter order (named and default arguments resolved; None for an
    omitted @optional parameter); `type_bindings` type variables -> types.
    """

    method: Expression
    type_args: list[TypeRef] = field(default_factory=list)
    args: list[Argument] = field(default_factory=list)
    kind: CallKind | None = semantic()  # type: ignore[assignment]
    callee: Declaration | None = semantic()  # type: ignore[assignment]
    builtin: str | None = semantic()  # type: ignore[assignment]
    bound_args: list[Expression | None] = semantic([])  # type: ignore[assignment]
    type_bindings: dict[str, P4Type] = semantic({})  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class ConstructorCall(Expression):
    """`T(args)` in expression position: `action_profile(32w128)` in a table
    property, `V1Switch(...)` arguments `MyIngress()`."""

    type_ref: TypeRef
    args: list[Argument] = field(default_factory=list)
    # Semantic: the extern constructor chosen among the overloads (None for
    # parsers, controls and packages, whose constructor parameters are the
    # declaration's), and the arguments matched to those parameters in
    # parameter order (as MethodCall.bound_args).
    constructor: MethodDecl | None = semantic()  # type: ignore[assignment]
    bound_args: list[Expression | None] = semantic([])  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class ListExpression(Expression):
    """`{a, b, c}` (a tuple, or a keyset tuple in select cases)."""

    elements: list[Expression] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class NamedExpression(Node):
    name: str
    expr: Expression


@dataclass(eq=False, kw_only=True)
class StructExpression(Expression):
    """`{f1 = a, f2 = b}` or `(T){...}`/`T {...}`; `type_ref` when written.
    `has_dots` for a trailing `...` (P4 1.2.4)."""

    type_ref: TypeRef | None = None
    fields: list[NamedExpression] = field(default_factory=list)
    has_dots: bool = False


@dataclass(eq=False, kw_only=True)
class InvalidHeaderExpression(Expression):
    """`{#}`: an invalid header or union."""


@dataclass(eq=False, kw_only=True)
class DefaultExpression(Expression):
    """`default` as a keyset or switch label."""


@dataclass(eq=False, kw_only=True)
class DontCare(Expression):
    """`_`: a keyset matching anything, or an ignored `out` argument."""


@dataclass(eq=False, kw_only=True)
class ThisExpression(Expression):
    """`this` inside an abstract method implementation."""


@dataclass(eq=False, kw_only=True)
class SelectCase(Node):
    keyset: Expression  # value, mask, range, ListExpression, DefaultExpression, DontCare, value set
    state: PathExpression


@dataclass(eq=False, kw_only=True)
class SelectExpression(Expression):
    """`select(keys) { cases }` (a transition target)."""

    keys: list[Expression] = field(default_factory=list)
    cases: list[SelectCase] = field(default_factory=list)


# --------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Statement(Node):
    pass


@dataclass(eq=False, kw_only=True)
class AssignmentStatement(Statement):
    left: Expression
    right: Expression


@dataclass(eq=False, kw_only=True)
class MethodCallStatement(Statement):
    call: MethodCall


@dataclass(eq=False, kw_only=True)
class BlockStatement(Statement):
    """`{ ... }`; `components` are statements and local declarations
    (VariableDecl, ConstDecl, Instantiation) in order."""

    components: list[Node] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class IfStatement(Statement):
    cond: Expression
    then: Statement
    otherwise: Statement | None = None


@dataclass(eq=False, kw_only=True)
class SwitchCase(Node):
    """`label: body` or a fall-through `label:` (body None).
    `label` is a PathExpression of an action (action_run switch), an
    expression, or DefaultExpression."""

    label: Expression
    body: BlockStatement | None


@dataclass(eq=False, kw_only=True)
class SwitchStatement(Statement):
    expr: Expression
    cases: list[SwitchCase] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class ForStatement(Statement):
    """`for (init; cond; updates) body` (p4c's loops, beyond spec v1.2.4).
    init: VariableDecl / AssignmentStatement / MethodCallStatement;
    updates: AssignmentStatement / MethodCallStatement."""

    init: list[Node] = field(default_factory=list)
    cond: Expression
    updates: list[Statement] = field(default_factory=list)
    body: Statement
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class ForInStatement(Statement):
    """`for (T x in collection) body`; collection may be Binary(RANGE)."""

    decl: VariableDecl
    collection: Expression
    body: Statement
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class BreakStatement(Statement):
    pass


@dataclass(eq=False, kw_only=True)
class ContinueStatement(Statement):
    pass


@dataclass(eq=False, kw_only=True)
class ExitStatement(Statement):
    pass


@dataclass(eq=False, kw_only=True)
class ReturnStatement(Statement):
    expr: Expression | None = None


@dataclass(eq=False, kw_only=True)
class EmptyStatement(Statement):
    pass


# --------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Declaration(Node):
    """Anything with a name. `annotations` in source order."""

    name: str
    annotations: list[Annotation] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        for a in self.annotations:
            if a.name == name:
                return a
        return None

    def has_annotation(self, name: str) -> bool:
        return self.annotation(name) is not None

    def name_annotation(self) -> str | None:
        """The value of `@name("...")`, if any."""
        a = self.annotation("name")
        return a.string_value() if a is not None else None


class Direction(Enum):
    NONE = ""  # directionless (action data, constructor parameters)
    IN = "in"
    OUT = "out"
    INOUT = "inout"


@dataclass(eq=False, kw_only=True)
class Parameter(Declaration):
    """A parameter; `default` for `T x = expr` (P4 1.2.2 default values);
    @optional is an annotation."""

    direction: Direction = Direction.NONE
    type_ref: TypeRef
    default: Expression | None = None
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class TypeParameter(Declaration):
    """A type variable `T` in `extern E<T>`, `control C<H>(...)`."""

    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class ConstDecl(Declaration):
    """`const T name = value;` (global or local). Semantic analysis folds
    `value` (its `const_value`)."""

    type_ref: TypeRef
    value: Expression
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class VariableDecl(Declaration):
    """`T name [= init];` local to a block, parser, control or action."""

    type_ref: TypeRef
    init: Expression | None = None
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class TypedefDecl(Declaration):
    """`typedef T name;` (transparent) or `type T name;` (is_newtype: a new,
    distinct type, P4Info type_info `new_types`)."""

    type_ref: TypeRef
    is_newtype: bool = False
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class StructField(Declaration):
    type_ref: TypeRef
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class StructLikeDecl(Declaration):
    """Common base of header, header_union and struct declarations
    (generic ones have type_params)."""

    type_params: list[TypeParameter] = field(default_factory=list)
    fields: list[StructField] = field(default_factory=list)

    def field(self, name: str) -> StructField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(eq=False, kw_only=True)
class HeaderDecl(StructLikeDecl):
    pass


@dataclass(eq=False, kw_only=True)
class HeaderUnionDecl(StructLikeDecl):
    pass


@dataclass(eq=False, kw_only=True)
class StructDecl(StructLikeDecl):
    pass


@dataclass(eq=False, kw_only=True)
class EnumMember(Declaration):
    """A member of an enum; `value` only in serializable enums."""

    value: Expression | None = None
    const_value: int | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class EnumDecl(Declaration):
    """`enum E { A, B }` or serializable `enum bit<8> E { A = 1, ... }`."""

    underlying: TypeRef | None = None
    members: list[EnumMember] = field(default_factory=list)
    resolved_underlying: P4Type | None = semantic()  # type: ignore[assignment]

    def member(self, name: str) -> EnumMember | None:
        for m in self.members:
            if m.name == name:
                return m
        return None


@dataclass(eq=False, kw_only=True)
class ErrorDecl(Declaration):
    """`error { A, B }` (name is "error"; all declarations are merged)."""

    members: list[EnumMember] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class MatchKindDecl(Declaration):
    """`match_kind { exact, ternary, lpm }` (name is "match_kind")."""

    members: list[EnumMember] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class MethodDecl(Declaration):
    """A method prototype inside an extern: return type, generic params,
    params. A constructor has `is_constructor` (its name is the extern's,
    return_type None). `is_abstract` for `abstract` methods (implemented in
    the instance's initializer block)."""

    type_params: list[TypeParameter] = field(default_factory=list)
    return_type: TypeRef | None = None
    params: list[Parameter] = field(default_factory=list)
    is_abstract: bool = False
    is_constructor: bool = False


@dataclass(eq=False, kw_only=True)
class ExternDecl(Declaration):
    """`extern Name<T> { constructors and methods }`."""

    type_params: list[TypeParameter] = field(default_factory=list)
    methods: list[MethodDecl] = field(default_factory=list)

    def constructors(self) -> list[MethodDecl]:
        return [m for m in self.methods if m.is_constructor]

    def methods_named(self, name: str) -> list[MethodDecl]:
        return [m for m in self.methods if m.name == name and not m.is_constructor]


@dataclass(eq=False, kw_only=True)
class ExternFunctionDecl(Declaration):
    """`extern R f<T>(params);` -- a function implemented by the target."""

    type_params: list[TypeParameter] = field(default_factory=list)
    return_type: TypeRef
    params: list[Parameter] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class FunctionDecl(Declaration):
    """`R f<T>(params) { body }` -- a P4 function."""

    type_params: list[TypeParameter] = field(default_factory=list)
    return_type: TypeRef
    params: list[Parameter] = field(default_factory=list)
    body: BlockStatement


@dataclass(eq=False, kw_only=True)
class ActionDecl(Declaration):
    """`action a(dir params..., action-data params...) { body }`."""

    params: list[Parameter] = field(default_factory=list)
    body: BlockStatement

    def data_params(self) -> list[Parameter]:
        """The directionless parameters: set by the control plane."""
        return [p for p in self.params if p.direction is Direction.NONE]


@dataclass(eq=False, kw_only=True)
class ParserTypeDecl(Declaration):
    """`parser P<T>(params);` -- a parser type (no body)."""

    type_params: list[TypeParameter] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class ControlTypeDecl(Declaration):
    """`control C<T>(params);` -- a control type (no body)."""

    type_params: list[TypeParameter] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class PackageTypeDecl(Declaration):
    """`package V1Switch<H, M>(Parser<H, M> p, ...);`."""

    type_params: list[TypeParameter] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class ValueSetDecl(Declaration):
    """`value_set<T>(size) name;` in a parser."""

    element_type: TypeRef
    size: Expression
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class Instantiation(Declaration):
    """`T(args) name [= { initializer }];`: an extern, parser, control or
    package instance (global or local). `initializer` holds implementations
    of abstract methods (FunctionDecl) and nested instantiations."""

    type_ref: TypeRef
    args: list[Argument] = field(default_factory=list)
    initializer: list[Declaration] | None = None
    resolved_type: P4Type | None = semantic()  # type: ignore[assignment]
    # Semantic, as in ConstructorCall.
    constructor: MethodDecl | None = semantic()  # type: ignore[assignment]
    bound_args: list[Expression | None] = semantic([])  # type: ignore[assignment]


@dataclass(eq=False, kw_only=True)
class ParserState(Declaration):
    """`state name { components; transition ...; }`. `transition` is a
    PathExpression naming the next state (accept/reject included) or a
    SelectExpression; None when the state has no transition (implicitly
    reject, per spec)."""

    components: list[Node] = field(default_factory=list)
    transition: Expression | None = None


@dataclass(eq=False, kw_only=True)
class ParserDecl(Declaration):
    """`parser P<T>(apply params)(constructor params) { locals; states }`."""

    type_params: list[TypeParameter] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)
    ctor_params: list[Parameter] = field(default_factory=list)
    locals: list[Declaration] = field(default_factory=list)
    states: list[ParserState] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class KeyElement(Node):
    """`expr : match_kind @annotations;` in a table key."""

    expr: Expression
    match_kind: str
    annotations: list[Annotation] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        for a in self.annotations:
            if a.name == name:
                return a
        return None

    def has_annotation(self, name: str) -> bool:
        return self.annotation(name) is not None


@dataclass(eq=False, kw_only=True)
class ActionRef(Node):
    """An element of `actions = { ... }`: `a` or `a(bound args)` with
    annotations (@tableonly, @defaultonly, ...). `expr` is a PathExpression
    or a MethodCall."""

    expr: Expression
    annotations: list[Annotation] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        for a in self.annotations:
            if a.name == name:
                return a
        return None

    def has_annotation(self, name: str) -> bool:
        return self.annotation(name) is not None


@dataclass(eq=False, kw_only=True)
class TableEntry(Node):
    """An entry of `entries = { ... }`: `keyset : action(args);` with an
    optional `priority = N:` and `const` prefix (P4 1.2.4)."""

    keyset: Expression  # one expression or ListExpression of them
    action: Expression  # MethodCall or PathExpression
    priority: Expression | None = None
    is_const: bool = False
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class TableProperty(Declaration):
    """One property of a table. Which field is used depends on `name`:

    - "key": `keys`
    - "actions": `actions`
    - "entries": `entries`
    - "default_action": `value` (PathExpression or MethodCall)
    - any other ("size", "implementation", "counters", "meters",
      "support_timeout", custom): `value`.
    `is_const` for `const default_action`, `const entries`, `const size`...
    """

    is_const: bool = False
    keys: list[KeyElement] = field(default_factory=list)
    actions: list[ActionRef] = field(default_factory=list)
    entries: list[TableEntry] = field(default_factory=list)
    value: Expression | None = None


@dataclass(eq=False, kw_only=True)
class TableDecl(Declaration):
    properties: list[TableProperty] = field(default_factory=list)

    def property(self, name: str) -> TableProperty | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None


@dataclass(eq=False, kw_only=True)
class ControlDecl(Declaration):
    """`control C<T>(apply params)(constructor params) { locals apply {...} }`."""

    type_params: list[TypeParameter] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)
    ctor_params: list[Parameter] = field(default_factory=list)
    locals: list[Declaration] = field(default_factory=list)
    body: BlockStatement


@dataclass(eq=False, kw_only=True)
class Program(Node):
    """A whole preprocessed program (includes expanded), in source order.

    Semantic analysis sets `toplevel` (the evaluated `main`, see
    `ir/blocks.py`; None when the program has no `main`, as in
    `ovs-p4c --check`)."""

    declarations: list[Declaration] = field(default_factory=list)
    toplevel: object = semantic()
