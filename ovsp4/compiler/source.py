"""Preprocessing of P4 sources with the system C preprocessor, and source maps.

P4 programs are preprocessed exactly as p4c does it: the system `cpp` with
`-C -undef -nostdinc -x assembler-with-cpp` (comments kept, no predefined
macros, no system headers, and the assembler language mode so that a stray
`'` is not taken for an unterminated character constant), plus `-I` for the
user's include directories and for the project's own `p4include/` directory,
which provides `core.p4` and `v1model.p4`.

The preprocessed text keeps cpp's `# LINE "FILE" FLAGS` line markers until
`preprocess` turns them into empty lines and records them in a `SourceMap`,
so that line N of the returned text is line N of what cpp produced and every
(line, column) of it maps back to a `SourceLocation` in the original file.

cpp collapses runs of whitespace between tokens (and expands macros), so
columns are not preserved by cpp itself. `SourceMap` recovers them by
aligning each preprocessed line with its original line, word by word.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ovsp4.compiler.diagnostics import CompileError, Diagnostic, SourceLocation

#: The project's own include directory (core.p4, v1model.p4, ...).
P4INCLUDE_DIR = Path(__file__).resolve().parent.parent / "p4include"

#: Macros defined for every program. p4c's BMv2 simple_switch back end adds
#: `__TARGET_BMV2__`, which programs test to select v1model/BMv2 code paths;
#: OvS.p4 follows BMv2's v1model semantics, so it defines it too.
#: `__p4c__` and its version macros are deliberately not defined: this is not
#: p4c, and programs guard p4c-specific constructs with them.
DEFAULT_DEFINES: dict[str, str | None] = {
    "__TARGET_BMV2__": None,
    "__OVSP4__": "1",
}

CPP_FLAGS = (
    "-C",
    "-undef",
    "-nostdinc",
    "-x",
    "assembler-with-cpp",
    # Plain, uncoloured one-line diagnostics with byte columns (gcc's default
    # "display" columns expand tabs, which would not match our columns).
    "-fno-diagnostics-show-caret",
    "-fdiagnostics-color=never",
    "-fdiagnostics-column-unit=byte",
)

_LINE_MARKER = re.compile(r'#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"((?:\s+\d+)*)\s*$')
_CPP_DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*"
                       r"(?P<sev>fatal error|error|warning|note):\s*(?P<msg>.*)$")
_WORD = re.compile(r"\S+")


def _unescape_marker_name(name: str) -> str:
    # cpp escapes '\' and '"' in file names inside line markers.
    return re.sub(r"\\(.)", r"\1", name)


@dataclass(slots=True)
class _Segment:
    """A word of a preprocessed line and the original word it comes from."""

    pp_start: int  # 0-based column of the word in the preprocessed line
    pp_word: str
    orig_start: int  # 0-based column of the original word
    orig_word: str

    def column(self, col0: int) -> int:
        """0-based original column of 0-based preprocessed column col0."""
        offset = col0 - self.pp_start
        if self.pp_word == self.orig_word or offset >= len(self.pp_word):
            return self.orig_start + offset
        # A word changed by a macro expansion (`ONE;` -> `1;`): keep columns
        # in the common prefix and suffix, else point at the original word.
        prefix = len(os.path.commonprefix([self.pp_word, self.orig_word]))
        if offset < prefix:
            return self.orig_start + offset
        suffix = len(os.path.commonprefix([self.pp_word[::-1], self.orig_word[::-1]]))
        from_end = len(self.pp_word) - offset
        if from_end <= suffix:
            return self.orig_start + len(self.orig_word) - from_end
        return self.orig_start


@dataclass
class SourceMap:
    """Maps positions in preprocessed text back to the user's files.

    `files[i]` / `lines[i]` give, for preprocessed line i+1, the original file
    and 1-based line (file None for lines cpp made up, such as the built-in
    ones before the first marker).
    """

    files: list[str | None] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    #: Original text of files, by the name cpp used (filled lazily from disk;
    #: in-memory sources are registered up front).
    sources: dict[str, list[str]] = field(default_factory=dict)
    pp_lines: list[str] = field(default_factory=list)
    _columns: dict[int, tuple[list[int], list[_Segment]]] = field(default_factory=dict)

    def original_line_text(self, file: str, line: int) -> str | None:
        text = self.sources.get(file)
        if text is None:
            try:
                raw = Path(file).read_text(encoding="utf-8", errors="replace")
            except OSError:
                raw = ""
            text = raw.splitlines()
            self.sources[file] = text
        if 1 <= line <= len(text):
            return text[line - 1]
        return None

    def location(self, line: int, column: int) -> SourceLocation:
        """Original location of preprocessed (line, column), both 1-based."""
        if not self.files:
            return SourceLocation("<unknown>", line, column)
        idx = min(max(line, 1), len(self.files)) - 1
        file = self.files[idx]
        if file is None:
            return SourceLocation("<built-in>", line, column)
        orig_line = self.lines[idx]
        return SourceLocation(file, orig_line, self._column(idx, column))

    def _column(self, idx: int, column: int) -> int:
        cached = self._columns.get(idx)
        if cached is None:
            segments = self._align(idx)
            cached = ([seg.pp_start for seg in segments], segments)
            self._columns[idx] = cached
        starts, segments = cached
        i = bisect.bisect_right(starts, column - 1) - 1
        if i < 0:
            return column
        return segments[i].column(column - 1) + 1

    def _align(self, idx: int) -> list[_Segment]:
        """Pair the words of a preprocessed line with those of its original.

        cpp only changes the whitespace between tokens, except where it
        expands macros; there, the words of an expansion are paired with the
        words of the invocation in order (the extra ones with the last).
        """
        file = self.files[idx]
        if file is None or idx >= len(self.pp_lines):
            return []
        orig = self.original_line_text(file, self.lines[idx])
        if orig is None:
            return []
        pp = self.pp_lines[idx]
        pp_words = [(m.start(), m.group()) for m in _WORD.finditer(pp)]
        orig_words = [(m.start(), m.group()) for m in _WORD.finditer(orig)]
        pp_texts = [w for _, w in pp_words]
        orig_texts = [w for _, w in orig_words]
        if pp_texts == orig_texts:
            return [_Segment(p, w, o, w) for (p, w), (o, _) in zip(pp_words, orig_words,
                                                                  strict=True)]
        segments: list[_Segment] = []
        matcher = difflib.SequenceMatcher(a=pp_texts, b=orig_texts, autojunk=False)
        for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for k in range(i1, i2):
                p, w = pp_words[k]
                if j1 < j2:
                    o, ow = orig_words[min(j1 + (k - i1), j2 - 1)]
                elif j1 < len(orig_words):
                    o, ow = orig_words[j1][0], ""
                else:
                    o, ow = len(orig), ""
                segments.append(_Segment(p, w, o, ow))
        return segments


@dataclass
class PreprocessedSource:
    """The output of `preprocess`: text for the lexer plus its source map."""

    text: str  # cpp's output with its line markers turned into empty lines
    source_map: SourceMap
    main_file: str
    warnings: list[Diagnostic] = field(default_factory=list)
    cpp_output: str = ""  # cpp's output as is, line markers included


def build_source_map(
    cpp_output: str, sources: Mapping[str, str] | None = None
) -> tuple[str, SourceMap]:
    """Turn cpp output into (text without line markers, source map).

    Marker lines become empty lines so that line numbers of the returned text
    are those of cpp's output.
    """
    smap = SourceMap()
    if sources:
        for name, text in sources.items():
            smap.sources[name] = text.splitlines()
    out_lines = cpp_output.split("\n")
    cur_file: str | None = None
    cur_line = 1
    files = smap.files
    lines = smap.lines
    for i, text in enumerate(out_lines):
        if text.startswith("#"):
            m = _LINE_MARKER.match(text)
            if m:
                name = _unescape_marker_name(m.group(2))
                cur_file = None if name.startswith("<") and name.endswith(">") else name
                cur_line = int(m.group(1))
                out_lines[i] = ""
                files.append(None)
                lines.append(0)
                continue
        files.append(cur_file)
        lines.append(cur_line)
        cur_line += 1
    smap.pp_lines = out_lines
    return "\n".join(out_lines), smap


Defines = Mapping[str, str | None] | Iterable[str | tuple[str, str | None]]


def _define_args(defines: Defines) -> list[str]:
    """`-D` options from {NAME: VALUE}, ["NAME=VALUE", ...] or [(NAME, VALUE), ...]
    (VALUE None for a plain `-DNAME`)."""
    items = defines.items() if isinstance(defines, Mapping) else defines
    args: list[str] = []
    for item in items:
        if isinstance(item, str):
            args.append(f"-D{item}")
        else:
            name, value = item
            args.append(f"-D{name}" if value is None else f"-D{name}={value}")
    return args


def _cpp_executable() -> str:
    cpp = os.environ.get("OVSP4_CPP") or shutil.which("cpp")
    if not cpp:
        raise CompileError(
            "the C preprocessor 'cpp' was not found; install gcc (Debian: apt-get install cpp)"
        )
    return cpp


def _diagnostics_from_stderr(stderr: str) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for line in stderr.splitlines():
        m = _CPP_DIAG.match(line)
        if not m:
            continue
        sev = m.group("sev")
        severity = "error" if sev in ("error", "fatal error") else sev
        col = int(m.group("col")) if m.group("col") else 1
        file = m.group("file")
        loc = None if file in ("cc1", "cpp") else SourceLocation(file, int(m.group("line")), col)
        diags.append(Diagnostic(loc, severity, m.group("msg")))
    return diags


def preprocess(
    path: str | os.PathLike[str] | None = None,
    include_dirs: Sequence[str | os.PathLike[str]] = (),
    defines: Defines = (),
    *,
    text: str | None = None,
    filename: str = "<string>",
    use_default_include: bool = True,
) -> PreprocessedSource:
    """Run cpp on a file (or on `text`, reported as `filename`).

    `defines` is a mapping NAME -> VALUE (None for a plain `-DNAME`), or an
    iterable of `NAME` / `NAME=VALUE` strings (as cpp's `-D`) or of
    (NAME, VALUE) pairs.
    A preprocessing error becomes a CompileError with cpp's message at the
    position cpp reports.
    """
    if (path is None) == (text is None):
        raise ValueError("preprocess() needs exactly one of path and text")
    dirs = [os.fspath(d) for d in include_dirs]
    sources: dict[str, str] = {}
    stdin: str | None = None
    if path is not None:
        main = os.fspath(path)
        if not os.path.isfile(main):
            raise CompileError(f"cannot open source file '{main}': no such file")
    else:
        assert text is not None
        main = filename
        stdin = text
        sources[filename] = text
        # cpp resolves '"..."' includes of standard input from its working
        # directory; make them relative to where `filename` says the text is.
        if os.path.dirname(filename):
            dirs.append(os.path.dirname(filename))
    if use_default_include:
        dirs.append(str(P4INCLUDE_DIR))
    cmd = [_cpp_executable(), *CPP_FLAGS]
    cmd += _define_args(DEFAULT_DEFINES)
    cmd += _define_args(defines)
    cmd += [f"-I{d}" for d in dirs]
    cmd.append(main if path is not None else "-")
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CompileError(f"cannot run the C preprocessor: {exc}") from exc
    output = proc.stdout
    if text is not None:
        # cpp names standard input "<stdin>"; report it under `filename`.
        output = output.replace('"<stdin>"', '"' + filename.replace("\\", "\\\\")
                                .replace('"', '\\"') + '"')
    diags = _diagnostics_from_stderr(proc.stderr)
    if text is not None:
        for d in diags:
            if d.location is not None and d.location.file == "<stdin>":
                d.location = SourceLocation(filename, d.location.line, d.location.column)
    errors = [d for d in diags if d.severity == "error"]
    if proc.returncode != 0 or errors:
        if errors:
            first = errors[0]
            raise CompileError(first.message, first.location,
                               notes=[d for d in diags if d is not first])
        detail = proc.stderr.strip() or f"exit status {proc.returncode}"
        raise CompileError(f"the C preprocessor failed: {detail}")
    pp_text, smap = build_source_map(output, sources)
    warnings = [d for d in diags if d.severity == "warning"]
    return PreprocessedSource(pp_text, smap, main, warnings, cpp_output=output)


def identity_source(text: str, filename: str = "<string>") -> PreprocessedSource:
    """Wrap text that needs no preprocessing (its positions are its own)."""
    smap = SourceMap(files=[filename] * (text.count("\n") + 1),
                     lines=list(range(1, text.count("\n") + 2)))
    lines = text.split("\n")
    smap.pp_lines = lines
    smap.sources[filename] = lines
    return PreprocessedSource(text, smap, filename, cpp_output=text)
