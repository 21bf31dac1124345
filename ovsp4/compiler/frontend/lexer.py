"""The P4_16 lexer, including the "lexer hack" that P4's grammar needs.

P4's grammar is LALR(1) only if the lexer tells type names from other
identifiers (p4c's lexer asks the parser's symbol table). Here the lexer
tracks declarations itself, from the token stream, which is possible because
P4 types are declared by a few unmistakable token patterns:

* `header|header_union|struct|enum|extern|parser|control|package NAME` and
  `typedef|type TYPE ... NAME ;` declare NAME as a type, from the point of
  its declaration on (P4 requires declaration before use, so forward
  references need no support);
* `NAME <A, B>` right after one of those keywords, or after a return type
  (`T f<T>(...)`), declares the type parameters A and B, visible until the
  end of that declaration (the `;` or the `}` that closes it);
* `extern NAME ...` declares an extern object type when NAME is followed by
  `{`, `<...> {` or `;`, and an extern function otherwise.

Other names (variables, parameters, actions, tables, instances, fields) are
identifiers; a field or variable that happens to share a type's name is
still accepted wherever the grammar expects a `name`, which accepts both.

The lexer also produces the two context tokens described in grammar.lark:
_LT_ARGS (a '<' opening type arguments in an expression: the next token
starts a type) and _GT_SHIFT (a '>' immediately followed by another '>').

Errors (bad characters, unterminated strings or comments, malformed integer
literals) raise `LexError` with a position in the lexed text; the parser
module maps it back to the user's file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lark import Token
from lark.common import LexerConf
from lark.lexer import Lexer, TerminalDef

# Literal tokens (keywords are recognised among identifiers). Longest first,
# so that the regex alternation prefers e.g. '&&&' over '&&' over '&'.
OPERATORS = (
    "{#}", "|+|=", "|-|=", "...", "&&&", "<<=", "|+|", "|-|",
    "..", "<<", "<=", ">=", "==", "!=", "&&", "||", "++",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "{", "}", "(", ")", "[", "]", "<", ">", ";", ":", ",", ".", "=", "?", "@",
    "+", "-", "*", "/", "%", "&", "|", "^", "~", "!",
)

KEYWORDS = frozenset({
    "abstract", "action", "actions", "apply", "bool", "bit", "break", "const",
    "continue", "control", "default", "else", "entries", "enum", "error", "exit",
    "extern", "false", "for", "header", "header_union", "if", "in", "inout", "int",
    "key", "list", "match_kind", "out", "package", "parser", "priority", "return",
    "select", "state", "string", "struct", "switch", "table", "this", "transition",
    "true", "tuple", "type", "typedef", "value_set", "varbit", "void",
})

IDENTIFIER = "IDENTIFIER"
TYPE_IDENTIFIER = "TYPE_IDENTIFIER"
INTEGER = "INTEGER"
STRING_LITERAL = "STRING_LITERAL"
LT_ARGS = "_LT_ARGS"
GT_SHIFT = "_GT_SHIFT"

_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t\r\f\v\n]+)"
    r"|(?P<lcomment>//[^\n]*)"
    r"|(?P<bcomment>/\*.*?\*/)"
    r"|(?P<badcomment>/\*)"
    r"|(?P<directive>(?<![^\n])[ \t]*\#[^\n]*)"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<num>[0-9][A-Za-z0-9_]*)"
    r'|(?P<str>"(?:[^"\\\n]|\\.)*")'
    r'|(?P<badstr>")'
    r"|(?P<op>" + "|".join(re.escape(op) for op in OPERATORS) + r")"
    r"|(?P<bad>.)",
    re.DOTALL,
)

_INTEGER_RE = re.compile(
    r"(?:(?P<width>[0-9]+)(?P<sign>[ws]))?"
    r"(?:0[xX](?P<hex>[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*)"
    r"|0[bB](?P<bin>[01_]*[01][01_]*)"
    r"|0[oO](?P<oct>[0-7_]*[0-7][0-7_]*)"
    r"|0[dD](?P<dec2>[0-9_]*[0-9][0-9_]*)"
    r"|(?P<dec>[0-9][0-9_]*))$"
)

# Tokens that can end a type, so that a name right after one is declared:
# `bit<8> x`, `H[2] s`, `T f<T>(...)`.
_TYPE_END = frozenset({IDENTIFIER, TYPE_IDENTIFIER, ">", GT_SHIFT, "]", "void", "bool",
                       "bit", "int", "string", "error", "match_kind"})
# What may follow the name of a parameter, variable or field.
_AFTER_DECLARED_NAME = frozenset({";", "=", ",", ")", "["})
# Keywords that start a type (a '<' before one of them opens type arguments).
_TYPE_START_KEYWORDS = frozenset({"bit", "int", "varbit", "bool", "string", "void",
                                  "tuple", "list", "match_kind", "_"})
# Declarations whose name may be followed by type parameters.
_CONTAINER_KEYWORDS = frozenset({"header", "header_union", "struct", "parser", "control",
                                 "package"})
_OPEN = frozenset({"(", "[", "{"})
_CLOSE = frozenset({")", "]", "}"})


class LexError(Exception):
    """A lexical error at (line, column) of the lexed text (1-based)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class IntegerLiteral:
    """The value of a P4 integer literal: `8w5` is (5, 8, False)."""

    value: int
    width: int | None
    signed: bool


def parse_integer(text: str) -> IntegerLiteral:
    """Decode an INTEGER token's text (already validated by the lexer)."""
    m = _INTEGER_RE.match(text)
    if m is None:
        raise ValueError(f"invalid integer literal '{text}'")
    if m.group("hex") is not None:
        value = int(m.group("hex").replace("_", ""), 16)
    elif m.group("bin") is not None:
        value = int(m.group("bin").replace("_", ""), 2)
    elif m.group("oct") is not None:
        value = int(m.group("oct").replace("_", ""), 8)
    elif m.group("dec2") is not None:
        value = int(m.group("dec2").replace("_", ""), 10)
    else:
        value = int(m.group("dec").replace("_", ""), 10)
    width = int(m.group("width")) if m.group("width") else None
    return IntegerLiteral(value, width, m.group("sign") == "s")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}


def parse_string(text: str) -> str:
    """Decode a STRING_LITERAL token's text (with its quotes)."""
    body = text[1:-1]
    if "\\" not in body:
        return body
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


@dataclass(slots=True)
class RawToken:
    kind: str  # the terminal: a literal ('{', 'header'), IDENTIFIER, INTEGER, ...
    text: str
    pos: int
    end: int


def _raw_tokens(text: str, line_starts: list[int]) -> list[RawToken]:
    """Split text into tokens (no type/identifier distinction yet)."""

    def where(pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, pos)
        return line, pos - line_starts[line - 1] + 1

    tokens: list[RawToken] = []
    append = tokens.append
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "ws" or kind == "lcomment" or kind == "bcomment":
            continue
        value = m.group()
        if kind == "id":
            append(RawToken(value if value in KEYWORDS or value == "_" else IDENTIFIER,
                            value, m.start(), m.end()))
        elif kind == "op":
            append(RawToken(value, value, m.start(), m.end()))
        elif kind == "num":
            if _INTEGER_RE.match(value) is None:
                raise LexError(f"invalid integer literal '{value}'", *where(m.start()))
            append(RawToken(INTEGER, value, m.start(), m.end()))
        elif kind == "str":
            append(RawToken(STRING_LITERAL, value, m.start(), m.end()))
        elif kind == "badstr":
            raise LexError("unterminated string literal", *where(m.start()))
        elif kind == "badcomment":
            raise LexError("unterminated comment", *where(m.start()))
        elif kind == "directive":
            directive = value.strip()
            raise LexError(f"invalid preprocessing directive '{directive.split()[0]}'",
                           *where(m.start() + value.index("#")))
        else:
            raise LexError(f"unexpected character {value!r}", *where(m.start()))
    return tokens


@dataclass(slots=True)
class _Scope:
    """Names declared for the rest of a declaration or block.

    The scope ends at the first ';' at `end_depth` (the end of a prototype
    or declaration) or at the '}' that brings the nesting back to it.
    """

    end_depth: int
    types: set[str] = field(default_factory=set)  # type parameters
    values: set[str] = field(default_factory=set)  # variables hiding a type


class TypeTracker:
    """Classifies identifiers as type names while walking the raw tokens."""

    def __init__(self, tokens: list[RawToken]) -> None:
        self.tokens = tokens
        self.global_types: set[str] = set()
        self.scopes: list[_Scope] = []
        self.depth = 0
        self.annotation_depth: int | None = None  # inside @name( ... )
        # Declared names become types right after their own token (index ->
        # name), so that the name in its declaration is an IDENTIFIER.
        self.pending_types: dict[int, str] = {}
        # Index of the '>' closing a type parameter list -> its names.
        self.pending_params: dict[int, tuple[_Scope, set[str]]] = {}
        # Field names do not hide types: depths of open struct-like bodies.
        self.field_list_depths: set[int] = set()
        self.expect_field_list = False

    def is_type(self, name: str) -> bool:
        for scope in reversed(self.scopes):
            if name in scope.types:
                return True
            if name in scope.values:
                return False
        return name in self.global_types

    def _scope(self, end_depth: int) -> _Scope:
        """The innermost scope ending at end_depth, opened if needed."""
        if self.scopes and self.scopes[-1].end_depth == end_depth:
            return self.scopes[-1]
        scope = _Scope(end_depth)
        self.scopes.append(scope)
        return scope

    def _param_list_end(self, i: int) -> int | None:
        """If tokens[i] is '<' opening `<A, B, ...>`, the index of its '>'."""
        toks = self.tokens
        n = len(toks)
        j = i + 1
        while j < n and toks[j].kind == IDENTIFIER:
            if j + 1 < n and toks[j + 1].kind == ",":
                j += 2
                continue
            if j + 1 < n and toks[j + 1].kind == ">":
                return j + 1
            return None
        return None

    def _declare_params(self, i: int, end: int, end_depth: int) -> None:
        """Type parameters tokens[i+1:end]: types from their closing '>' on."""
        names = {t.text for t in self.tokens[i + 1:end] if t.kind == IDENTIFIER}
        scope = _Scope(end_depth)
        self.scopes.append(scope)
        self.pending_params[end] = (scope, names)

    def _declared_name_index(self, i: int) -> int | None:
        """For a declaration keyword at i, the index of the declared name."""
        toks = self.tokens
        n = len(toks)
        kw = toks[i].kind
        if kw in _CONTAINER_KEYWORDS:
            if i + 1 < n and toks[i + 1].kind == IDENTIFIER:
                return i + 1
            return None
        if kw == "enum":
            # `enum NAME {` or `enum TYPE NAME {`: the name precedes the '{'.
            j = i + 1
            while j < n and toks[j].kind not in ("{", ";", "}"):
                j += 1
            if j < n and toks[j].kind == "{" and toks[j - 1].kind == IDENTIFIER and j - 1 > i:
                return j - 1
            return None
        if kw == "extern":
            if i + 2 < n and toks[i + 1].kind == IDENTIFIER:
                nxt = toks[i + 2].kind
                if nxt in ("{", ";"):
                    return i + 1
                if nxt == "<":
                    end = self._param_list_end(i + 2)
                    if end is not None and end + 1 < n and toks[end + 1].kind == "{":
                        return i + 1
            return None
        return None

    def _typedef_name_index(self, i: int) -> int | None:
        """For `typedef`/`type` at i, the index of the declared name."""
        toks = self.tokens
        n = len(toks)
        if toks[i].kind == "type":
            # `type` is also an ordinary name (a field called `type`): it
            # declares a type only if a type follows it.
            if i + 1 >= n:
                return None
            nxt = toks[i + 1]
            if not (nxt.kind in _TYPE_START_KEYWORDS or nxt.kind == "." or
                    (nxt.kind == IDENTIFIER and self.is_type(nxt.text))):
                return None
            if i > 0 and toks[i - 1].kind == ".":
                return None
        depth = 0
        j = i + 1
        while j < n:
            k = toks[j].kind
            if k in _OPEN:
                depth += 1
            elif k in _CLOSE:
                depth -= 1
                if depth < 0:
                    return None
            elif k == ";" and depth == 0:
                if toks[j - 1].kind == IDENTIFIER:
                    return j - 1
                return None
            j += 1
        return None

    def classify(self) -> Iterator[tuple[RawToken, str]]:
        """Yield (raw token, final terminal kind) pairs."""
        toks = self.tokens
        n = len(toks)
        pending = self.pending_types
        prev_kind = ""
        prev2_kind = ""
        i = 0
        while i < n:
            tok = toks[i]
            kind = tok.kind
            in_annotation = self.annotation_depth is not None
            if kind == IDENTIFIER:
                if self.is_type(tok.text):
                    kind = TYPE_IDENTIFIER
                    if (prev_kind in _TYPE_END and self.depth > 0 and i + 1 < n
                            and toks[i + 1].kind in _AFTER_DECLARED_NAME
                            and not in_annotation and i not in pending
                            and self.depth not in self.field_list_depths):
                        # `inout eth_t eth_t` or `eth_t eth_t;`: a parameter or
                        # variable named like a type hides the type until the
                        # end of its declaration or block (the name itself is
                        # accepted as either kind by the grammar).
                        self._scope(self.depth - 1).values.add(tok.text)
            elif kind == ">":
                if i + 1 < n and toks[i + 1].pos == tok.end:
                    if toks[i + 1].kind == ">":
                        kind = GT_SHIFT
                    elif toks[i + 1].kind == ">=" and not in_annotation:
                        # `>>=` is lexed as '>' '>=': merge the two.
                        yield RawToken(">>=", ">>=", tok.pos, toks[i + 1].end), ">>="
                        self._after(">>=")
                        prev2_kind, prev_kind = prev_kind, ">>="
                        i += 2
                        continue
            elif kind == "+" and i + 1 < n and toks[i + 1].kind == ":":
                # `[e +: w]`: one token, or LALR(1) could not tell it from `e + x`.
                yield RawToken("+:", "+:", tok.pos, toks[i + 1].end), "+:"
                self._after("+:")
                prev2_kind, prev_kind = prev_kind, "+:"
                i += 2
                continue
            elif in_annotation:
                pass
            elif kind == "<":
                kind = self._classify_less(i, prev_kind, prev2_kind)
            elif kind in _CONTAINER_KEYWORDS or kind == "enum" or kind == "extern":
                j = self._declared_name_index(i)
                if j is not None:
                    pending[j] = toks[j].text
                self.expect_field_list = kind in ("header", "header_union", "struct")
            elif kind == "typedef" or kind == "type":
                j = self._typedef_name_index(i)
                if j is not None:
                    pending[j] = toks[j].text
            elif kind == "(" and i >= 2 and toks[i - 2].kind == "@":
                # `@name(` starts an unstructured annotation body: arbitrary
                # tokens, which must not be taken for declarations.
                self.annotation_depth = self.depth
            yield tok, kind
            if pending and i in pending:
                self.global_types.add(pending.pop(i))
            if self.pending_params and i in self.pending_params:
                scope, names = self.pending_params.pop(i)
                scope.types |= names
            self._after(kind)
            prev2_kind, prev_kind = prev_kind, kind
            i += 1

    def _classify_less(self, i: int, prev_kind: str, prev2_kind: str) -> str:
        """Tell a '<' opening type parameters or arguments from less-than."""
        toks = self.tokens
        n = len(toks)
        if prev_kind in (IDENTIFIER, TYPE_IDENTIFIER):
            end = self._param_list_end(i)
            if end is not None:
                kw = toks[i - 2].kind if i >= 2 else ""
                after = toks[end + 1].kind if end + 1 < n else ""
                # `header H<T> {`, `control C<H>(`, `extern E<T> {`, ...
                generic_type = (kw in _CONTAINER_KEYWORDS and after in ("{", "(")
                                or kw == "extern" and after == "{")
                # `R f<T>(`: a name right after a return type.
                generic_function = prev2_kind in _TYPE_END and after == "("
                if generic_type or generic_function:
                    self._declare_params(i, end, self.depth)
                    return "<"
        # A '<' followed by the start of a type opens type arguments.
        if i + 1 < n:
            nxt = toks[i + 1]
            member_follows = i + 2 < n and toks[i + 2].kind == "."
            if nxt.kind in _TYPE_START_KEYWORDS:
                return LT_ARGS
            if nxt.kind == "error" and not member_follows:
                return LT_ARGS
            if nxt.kind == IDENTIFIER and not member_follows and self.is_type(nxt.text):
                return LT_ARGS
        return "<"

    def _after(self, kind: str) -> None:
        """Update nesting depth and close scopes after emitting a token."""
        if kind in ("(", "[", "{"):
            self.depth += 1
            if kind == "{" and self.expect_field_list:
                self.field_list_depths.add(self.depth)
                self.expect_field_list = False
        elif kind in (")", "]", "}"):
            if kind == "}":
                self.field_list_depths.discard(self.depth)
            self.depth -= 1
            if kind == ")" and self.annotation_depth == self.depth:
                self.annotation_depth = None
            if kind == "}":
                while self.scopes and self.scopes[-1].end_depth == self.depth:
                    self.scopes.pop()
        elif kind == ";":
            while self.scopes and self.scopes[-1].end_depth == self.depth:
                self.scopes.pop()


def line_starts_of(text: str) -> list[int]:
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


def tokenize(text: str, terminal_names: dict[str, str] | None = None) -> list[Token]:
    """Lex P4 text into lark Tokens (positions: 1-based line and column).

    `terminal_names` maps a literal token's text (';', 'header') to the name
    of its lark terminal; without it the literal text is the token type.
    """
    line_starts = line_starts_of(text)
    raw = _raw_tokens(text, line_starts)
    result: list[Token] = []
    names = terminal_names or {}
    for tok, kind in TypeTracker(raw).classify():
        line = bisect.bisect_right(line_starts, tok.pos)
        col = tok.pos - line_starts[line - 1] + 1
        end_line = bisect.bisect_right(line_starts, tok.end - 1) if tok.end > tok.pos else line
        end_col = tok.end - line_starts[end_line - 1] + 1
        result.append(Token(names.get(kind, kind), tok.text, tok.pos, line, col,
                            end_line, end_col, tok.end))
    return result


def literal_terminal_names(terminals: Iterable[TerminalDef]) -> dict[str, str]:
    """Map the text of each literal terminal (';', 'header') to its name."""
    return {t.pattern.value: t.name for t in terminals if t.pattern.type == "str"}


class P4Lexer(Lexer):
    """Adapter that lets lark's LALR parser consume `tokenize`'s output."""

    def __init__(self, lexer_conf: LexerConf) -> None:
        self.terminal_names = literal_terminal_names(lexer_conf.terminals)

    # lark's "interface 0" for custom lexers: lex() receives the whole text.
    __future_interface__ = 0

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        yield from tokenize(text, self.terminal_names)
