"""P4_16 parsing: preprocessed text -> lark parse tree, with P4-level errors.

Entry points:

* `parse(text_or_preprocessed, ...)`: a lark `Tree` whose token and meta
  positions are (line, column) of the preprocessed text;
  `parse_source(...)` also returns the `SourceMap` that maps them back to
  the user's files.
* `parse_program(path, include_dirs, defines)`: preprocess a file with cpp
  and build the IR `Program` from it.

Every problem with the input is a `CompileError` located in the user's
original file; lark's exceptions never escape.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken

from ovsp4.compiler.diagnostics import CompileError, Diagnostic
from ovsp4.compiler.frontend.builder import build_program
from ovsp4.compiler.frontend.lexer import (
    IDENTIFIER,
    INTEGER,
    STRING_LITERAL,
    TYPE_IDENTIFIER,
    LexError,
    P4Lexer,
    literal_terminal_names,
    tokenize,
)
from ovsp4.compiler.source import (
    Defines,
    PreprocessedSource,
    SourceMap,
    identity_source,
    preprocess,
)

if TYPE_CHECKING:
    from ovsp4.compiler.ir.nodes import Program

GRAMMAR_PATH = Path(__file__).resolve().parent / "grammar.lark"

_lock = threading.Lock()
_parser: Lark | None = None


def get_parser() -> Lark:
    """The LALR parser, built once per process.

    Building the LALR tables takes about half a second, so lark caches them
    in a file (keyed by the grammar's hash) in the temporary directory.
    """
    global _parser
    with _lock:
        if _parser is None:
            _parser = Lark(
                GRAMMAR_PATH.read_text(encoding="utf-8"),
                parser="lalr",
                lexer=P4Lexer,
                propagate_positions=True,
                maybe_placeholders=True,
                cache=True,
            )
        return _parser


@dataclass
class ParsedSource:
    """A parse tree and the preprocessed source (with its map) it came from."""

    tree: Tree
    source: PreprocessedSource

    @property
    def source_map(self) -> SourceMap:
        return self.source.source_map


def _prepare(
    source: str | PreprocessedSource,
    filename: str,
    include_dirs: Sequence[str | os.PathLike[str]],
    defines: Defines,
    run_preprocessor: bool,
) -> PreprocessedSource:
    if isinstance(source, PreprocessedSource):
        return source
    if run_preprocessor:
        return preprocess(text=source, filename=filename, include_dirs=include_dirs,
                          defines=defines)
    return identity_source(source, filename)


def parse_source(
    source: str | PreprocessedSource,
    *,
    filename: str = "<string>",
    include_dirs: Sequence[str | os.PathLike[str]] = (),
    defines: Defines = (),
    preprocess: bool = True,
) -> ParsedSource:
    """Parse P4 text (preprocessing it first unless told not to)."""
    pre = _prepare(source, filename, include_dirs, defines, preprocess)
    parser = get_parser()
    try:
        tree = parser.parse(pre.text)
    except LexError as exc:
        raise CompileError(exc.message, pre.source_map.location(exc.line, exc.column)) from None
    except UnexpectedToken as exc:
        raise _syntax_error(exc, pre) from None
    except UnexpectedInput as exc:  # pragma: no cover - our lexer raises LexError
        loc = pre.source_map.location(getattr(exc, "line", 1), getattr(exc, "column", 1))
        raise CompileError("syntax error", loc) from None
    return ParsedSource(tree, pre)


def parse(
    source: str | PreprocessedSource,
    *,
    filename: str = "<string>",
    include_dirs: Sequence[str | os.PathLike[str]] = (),
    defines: Defines = (),
    preprocess: bool = True,
) -> Tree:
    """Parse P4 text into a lark Tree (positions in the preprocessed text)."""
    return parse_source(source, filename=filename, include_dirs=include_dirs,
                        defines=defines, preprocess=preprocess).tree


def parse_file(
    path: str | os.PathLike[str],
    include_dirs: Sequence[str | os.PathLike[str]] = (),
    defines: Defines = (),
) -> ParsedSource:
    """Preprocess and parse a P4 file.

    As with p4c (and cpp itself), `#include "..."` is looked up first in the
    including file's own directory.
    """
    pre = preprocess(path, include_dirs=include_dirs, defines=defines)
    return parse_source(pre)


def parse_program(
    path: str | os.PathLike[str],
    include_dirs: Sequence[str | os.PathLike[str]] = (),
    defines: Defines = (),
) -> Program:
    """Preprocess, parse and build the IR of a P4 program."""
    return build_program(parse_file(path, include_dirs, defines))


# ------------------------------------------------------------------ errors

# Terminals shown by a description rather than by their text.
_TERMINAL_DESCRIPTIONS = {
    IDENTIFIER: "identifier",
    TYPE_IDENTIFIER: "type name",
    INTEGER: "integer",
    STRING_LITERAL: "string literal",
    "_LT_ARGS": "'<'",
    "_GT_SHIFT": "'>'",
    "$END": "end of file",
}
_NAME_KEYWORDS = frozenset({"apply", "key", "actions", "state", "entries", "type", "priority"})
_EXPRESSION_START = frozenset({
    INTEGER, STRING_LITERAL, IDENTIFIER, TYPE_IDENTIFIER, "(", "!", "~", "-", "+", "{",
    "{#}", "...", "true", "false", "this", "error", ".", *_NAME_KEYWORDS,
})
_TYPE_START = frozenset({"bit", "int", "varbit", "bool", "string", "error", "match_kind",
                         "tuple", "list", TYPE_IDENTIFIER, "."})
# Preferred order of expected tokens in messages (others follow, sorted).
_PRIORITY = (";", ")", "}", "]", ">", ",", ":", "=", "{", "(")


def _terminal_texts(parser: Lark) -> dict[str, str]:
    return {name: text for text, name in literal_terminal_names(parser.terminals).items()}


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type == TYPE_IDENTIFIER:
        return f"type name '{tok.value}'"
    if tok.type == STRING_LITERAL:
        return f"string {tok.value}"
    return f"'{tok.value}'"


def describe_expected(expected: Iterable[str], texts: dict[str, str]) -> list[str]:
    """Expected terminals in P4 terms, most useful first."""
    lits = {texts.get(t, t) for t in expected}
    lits = {"<" if t == "_LT_ARGS" else ">" if t == "_GT_SHIFT" else t for t in lits}
    items: list[str] = []
    if {INTEGER, IDENTIFIER, "("} <= lits:
        lits -= _EXPRESSION_START
        items.append("expression")
    elif {"bit", "bool", TYPE_IDENTIFIER} <= lits:
        lits -= _TYPE_START
        items.append("type")
    if IDENTIFIER in lits:
        lits -= _NAME_KEYWORDS | {IDENTIFIER, TYPE_IDENTIFIER, "list"}
        items.append("name")
    ordered = [t for t in _PRIORITY if t in lits]
    ordered += sorted(t for t in lits if t not in _PRIORITY)
    for t in ordered:
        items.append(_TERMINAL_DESCRIPTIONS.get(t, f"'{t}'"))
    # Put the punctuation the user most likely forgot first.
    items.sort(key=lambda s: 0 if s in ("';'", "')'", "'}'") else 1)
    return items


def _join_expected(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) > 6:
        return "one of " + ", ".join(items[:6]) + ", ..."
    return "one of " + ", ".join(items)


def _unmatched_opener(tokens: list[Token], texts: dict[str, str]) -> Token | None:
    stack: list[Token] = []
    pairs = {"}": "{", ")": "(", "]": "["}
    for tok in tokens:
        text = texts.get(tok.type, tok.type)
        if text in ("{", "(", "["):
            stack.append(tok)
        elif text in pairs:
            if stack and texts.get(stack[-1].type) == pairs[text]:
                stack.pop()
    return stack[-1] if stack else None


def _syntax_error(exc: UnexpectedToken, pre: PreprocessedSource) -> CompileError:
    parser = get_parser()
    texts = _terminal_texts(parser)
    smap = pre.source_map
    tok: Token = exc.token
    try:
        accepts = exc.interactive_parser.accepts() if exc.interactive_parser else exc.expected
    except Exception:  # pragma: no cover - fall back to the raw LALR lookaheads
        accepts = exc.expected
    accepts = {a for a in accepts if a != "$END"} or set(accepts)
    expected = describe_expected(accepts, texts)
    if tok.type == "$END":
        # At the very end of the file (where the missing '}' would go), with
        # a note at the unclosed bracket, as gcc does.
        last_line = pre.text.count("\n") + 1
        last_col = len(pre.text) - (pre.text.rfind("\n") + 1) + 1
        tokens = tokenize(pre.text, literal_terminal_names(parser.terminals))
        opener = _unmatched_opener(tokens, texts)
        notes: list[Diagnostic] = []
        closer = {"{": "}", "(": ")", "[": "]"}.get(opener.value) if opener else None
        if opener is not None and f"'{closer}'" in expected:
            # The usual cause: an unbalanced bracket. Name the one to close.
            expected = [f"'{closer}'"]
            notes.append(Diagnostic(smap.location(opener.line, opener.column), "note",
                                    f"to match this '{opener.value}'"))
        msg = "syntax error: unexpected end of file"
        if expected:
            msg += f", expected {_join_expected(expected)}"
        return CompileError(msg, smap.location(last_line, last_col), notes=notes)

    what = _describe_token(tok)
    if {texts.get(a, a) for a in accepts} == {INTEGER, "("}:
        # After `bit<`, `int<` or `varbit<`: the one place where only these fit.
        return CompileError(
            f"syntax error: unexpected {what}: a width must be an integer literal or a "
            f"compile-time constant expression in parentheses, as in bit<({tok.value})>",
            smap.location(tok.line, tok.column))
    msg = f"syntax error: unexpected {what}"
    if expected:
        msg += f", expected {_join_expected(expected)}"
    return CompileError(msg, smap.location(tok.line, tok.column))

