"""The P4_16 front-end parsing layer: preprocessing and source maps, the
lexer (with its type-name tracking), the grammar, syntax errors, and the
parse-tree -> IR builder, plus the whole conformance corpus."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import pytest
from lark import Lark, Tree

from ovsp4.compiler.diagnostics import CompileError, SourceLocation, UnsupportedError
from ovsp4.compiler.frontend import lexer
from ovsp4.compiler.frontend.builder import build_program
from ovsp4.compiler.frontend.lexer import P4Lexer, parse_integer, tokenize
from ovsp4.compiler.frontend.parser import (
    GRAMMAR_PATH,
    get_parser,
    parse,
    parse_file,
    parse_program,
    parse_source,
)
from ovsp4.compiler.ir import nodes as ir
from ovsp4.compiler.source import preprocess

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = (REPO / ".." / "shared" / "conformance").resolve()
NO_CONFORMANCE = "conformance data not found at ../shared/conformance"

# Just enough of core.p4 for snippets that do not preprocess.
PRELUDE = """
error { NoError, NoMatch }
match_kind { exact, ternary, lpm }
extern packet_in {
    void extract<T>(out T hdr);
    T lookahead<T>();
    void advance(in bit<32> bits);
}
extern packet_out { void emit<T>(in T hdr); }
extern void verify(in bool check, in error toSignal);
action NoAction() {}
"""


def build(text: str, *, prelude: bool = True) -> ir.Program:
    """IR of a snippet (no cpp), without the prelude's declarations."""
    source = (PRELUDE if prelude else "") + text
    program = build_program(parse_source(source, filename="t.p4", preprocess=False))
    if prelude:
        skip = len(build_program(parse_source(PRELUDE, preprocess=False)).declarations)
        program.declarations = program.declarations[skip:]
    return program


def error_of(text: str, *, prelude: bool = False, **kwargs: object) -> CompileError:
    with pytest.raises(CompileError) as info:
        source = (PRELUDE if prelude else "") + text
        build_program(parse_source(source, filename="t.p4", **kwargs))  # type: ignore[arg-type]
    return info.value


def decl(program: ir.Program, name: str) -> ir.Declaration:
    for d in program.declarations:
        if d.name == name:
            return d
    raise KeyError(name)


def sx(e: ir.Node | None) -> str:
    """A compact s-expression of an IR expression, for precedence tests."""
    match e:
        case None:
            return "None"
        case ir.Constant(value=v, width=w, signed=s):
            return f"{w}{'s' if s else 'w'}{v}" if w is not None else str(v)
        case ir.BoolLiteral(value=v):
            return str(v).lower()
        case ir.StringLiteral(value=v):
            return repr(v)
        case ir.PathExpression(name=n, is_global=g):
            return ("." if g else "") + n
        case ir.Member(expr=b, member=m):
            return f"{sx(b)}.{m}"
        case ir.TypeNameExpression(type_ref=t):
            return sx_type(t)
        case ir.ArrayIndex(expr=b, index=i):
            return f"{sx(b)}[{sx(i)}]"
        case ir.Slice(expr=b, hi=h, lo=lo):
            return f"{sx(b)}[{sx(h)}:{sx(lo)}]"
        case ir.Unary(op=op, expr=x):
            return f"({op.value} {sx(x)})"
        case ir.Binary(op=op, left=a, right=b):
            return f"({op.value} {sx(a)} {sx(b)})"
        case ir.Mux(cond=c, then=a, otherwise=b):
            return f"(? {sx(c)} {sx(a)} {sx(b)})"
        case ir.Cast(type_ref=t, expr=x):
            return f"(cast {sx_type(t)} {sx(x)})"
        case ir.MethodCall(method=m, type_args=ta, args=args):
            targs = f"<{', '.join(sx_type(t) for t in ta)}>" if ta else ""
            return f"{sx(m)}{targs}({', '.join(sx(a) for a in args)})"
        case ir.Argument(name=n, expr=x):
            return f"{n}={sx(x)}" if n else sx(x)
        case ir.ConstructorCall(type_ref=t, args=args):
            return f"new {sx_type(t)}({', '.join(sx(a) for a in args)})"
        case ir.ListExpression(elements=els):
            return "{" + ", ".join(sx(x) for x in els) + "}"
        case ir.StructExpression(type_ref=t, fields=fs, has_dots=dots):
            body = ", ".join(f"{f.name}={sx(f.expr)}" for f in fs) + (", ..." if dots else "")
            return (sx_type(t) if t else "") + "{" + body + "}"
        case ir.InvalidHeaderExpression():
            return "{#}"
        case ir.DontCare():
            return "_"
        case ir.DefaultExpression():
            return "default"
        case ir.ThisExpression():
            return "this"
    raise AssertionError(f"no s-expression for {e!r}")


def sx_type(t: ir.TypeRef | None) -> str:
    match t:
        case ir.BaseTypeRef(name=n):
            return n
        case ir.BitsTypeRef(kind=k, width=None):
            return k
        case ir.BitsTypeRef(kind=k, width=w):
            return f"{k}<{sx(w)}>"
        case ir.NamedTypeRef(name=n, type_args=args, is_global=g):
            targs = f"<{', '.join(sx_type(a) for a in args)}>" if args else ""
            return ("." if g else "") + n + targs
        case ir.StackTypeRef(element=el, size=size):
            return f"{sx_type(el)}[{sx(size)}]"
        case ir.TupleTypeRef(elements=els):
            return f"tuple<{', '.join(sx_type(x) for x in els)}>"
    raise AssertionError(f"no s-expression for {t!r}")


def expr_of(text: str, decls: str = "") -> str:
    """s-expression of `text` used as a constant's initializer."""
    program = build(f"{decls}\nconst bit<8> RESULT = {text};")
    result = decl(program, "RESULT")
    assert isinstance(result, ir.ConstDecl)
    return sx(result.value)


# ----------------------------------------------------------- preprocessing


class TestPreprocessing:
    def test_includes_defines_and_target_macro(self, tmp_path: Path) -> None:
        inc = tmp_path / "inc"
        inc.mkdir()
        (inc / "consts.p4").write_text("const bit<8> FROM_INCLUDE = WIDTH;\n")
        main = tmp_path / "main.p4"
        main.write_text(
            "#include <consts.p4>\n"
            "#ifdef __TARGET_BMV2__\n"
            "const bool BMV2 = true;\n"
            "#endif\n"
            "const bit<8> FLAG = FLAG_VALUE;\n"
            "#ifdef PLAIN\n"
            "const bool PLAIN_SET = true;\n"
            "#endif\n"
        )
        for defines in (["WIDTH=8", "FLAG_VALUE=3", "PLAIN"],
                        {"WIDTH": "8", "FLAG_VALUE": "3", "PLAIN": None},
                        [("WIDTH", "8"), ("FLAG_VALUE", "3"), ("PLAIN", None)]):
            program = parse_program(main, include_dirs=[inc], defines=defines)
            names = [d.name for d in program.declarations]
            assert names == ["FROM_INCLUDE", "BMV2", "FLAG", "PLAIN_SET"]
            flag = decl(program, "FLAG")
            assert isinstance(flag, ir.ConstDecl) and sx(flag.value) == "3"

    def test_project_include_dir_provides_core_p4(self, tmp_path: Path) -> None:
        main = tmp_path / "main.p4"
        main.write_text("#include <core.p4>\nheader h_t { bit<8> f; }\n")
        program = parse_program(main)
        assert decl(program, "h_t").loc == SourceLocation(str(main), 2, 8)
        assert any(isinstance(d, ir.ExternDecl) and d.name == "packet_in"
                   for d in program.declarations)

    def test_locations_inside_an_included_file(self, tmp_path: Path) -> None:
        (tmp_path / "types.p4").write_text("// types\n\nheader h_t {\n  bit<8> f;\n}\n")
        main = tmp_path / "main.p4"
        main.write_text('#include "types.p4"\nconst bit<8> X = 1;\n')
        program = parse_program(main)
        h = decl(program, "h_t")
        assert isinstance(h, ir.HeaderDecl)
        assert h.loc == SourceLocation(str(tmp_path / "types.p4"), 3, 8)
        assert h.fields[0].loc == SourceLocation(str(tmp_path / "types.p4"), 4, 10)
        assert decl(program, "X").loc == SourceLocation(str(main), 2, 14)

    def test_syntax_error_inside_an_included_file(self, tmp_path: Path) -> None:
        (tmp_path / "bad.p4").write_text("header h_t {\n    bit<8> f\n}\n")
        main = tmp_path / "main.p4"
        main.write_text('const bit<8> A = 1;\n#include "bad.p4"\nconst bit<8> B = 2;\n')
        with pytest.raises(CompileError) as info:
            parse_file(main)
        assert info.value.location == SourceLocation(str(tmp_path / "bad.p4"), 3, 1)
        assert "unexpected '}'" in info.value.message

    def test_columns_survive_cpp_whitespace_collapsing(self) -> None:
        # cpp turns runs of blanks into one space; columns are recovered.
        err = error_of("const   bit<8>\t\tX    =     8w1   +    ;\n")
        assert err.location == SourceLocation("t.p4", 1, 39)

    def test_columns_after_a_comment_and_a_macro(self) -> None:
        err = error_of("#define ONE 1\nconst bit<8> /* c */  X  =  ONE   ONE;\n")
        # The second ONE is the unexpected token: column of the invocation.
        assert err.location == SourceLocation("t.p4", 2, 35)

    def test_tree_positions_map_back_through_the_source_map(self) -> None:
        parsed = parse_source("#define W 8\n\nconst   bit<W>   X = 1;\n", filename="m.p4")
        tree = parsed.tree
        name = next(t for t in tree.scan_values(lambda v: getattr(v, "value", None) == "X"))
        assert parsed.source_map.location(name.line, name.column) == SourceLocation(
            "m.p4", 3, 18)

    def test_missing_include_is_a_positioned_error(self, tmp_path: Path) -> None:
        main = tmp_path / "main.p4"
        main.write_text('const bit<8> A = 1;\n#include "no-such-file.p4"\n')
        with pytest.raises(CompileError) as info:
            parse_file(main)
        assert info.value.location == SourceLocation(str(main), 2, 10)
        assert "no-such-file.p4" in info.value.message

    def test_error_directive(self) -> None:
        err = error_of("#ifndef NEEDED\n#error NEEDED must be defined\n#endif\n")
        assert err.location is not None and err.location.line == 2
        assert "NEEDED must be defined" in err.message

    def test_missing_source_file(self, tmp_path: Path) -> None:
        with pytest.raises(CompileError, match="absent.p4"):
            parse_program(tmp_path / "absent.p4")

    def test_warnings_are_collected(self, tmp_path: Path) -> None:
        main = tmp_path / "main.p4"
        main.write_text("#define A 1\n#define A 2\nconst bit<8> X = A;\n")
        pre = preprocess(main)
        assert any("redefined" in w.message for w in pre.warnings)

    def test_text_includes_are_relative_to_its_file_name(self, tmp_path: Path) -> None:
        (tmp_path / "inc.p4").write_text("const bit<8> I = 1;\n")
        program = build_program(parse_source('#include "inc.p4"\n',
                                             filename=str(tmp_path / "main.p4")))
        assert [d.name for d in program.declarations] == ["I"]


# ------------------------------------------------------------------- lexer


@pytest.mark.parametrize(("text", "value", "width", "signed"), [
    ("0", 0, None, False),
    ("1_000", 1000, None, False),
    ("0xFF", 255, None, False),
    ("0XfF", 255, None, False),
    ("0b1010", 10, None, False),
    ("0B1_0", 2, None, False),
    ("0o17", 15, None, False),
    ("0d19", 19, None, False),
    ("8w5", 5, 8, False),
    ("4s3", 3, 4, True),
    ("16w0x_FF_00", 0xFF00, 16, False),
    ("32w0b1", 1, 32, False),
    ("128w0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", (1 << 128) - 1, 128, False),
])
def test_integer_literals(text: str, value: int, width: int | None, signed: bool) -> None:
    lit = parse_integer(text)
    assert (lit.value, lit.width, lit.signed) == (value, width, signed)
    const = build(f"const bit<8> C = {text};", prelude=False).declarations[0]
    assert isinstance(const, ir.ConstDecl) and isinstance(const.value, ir.Constant)
    assert (const.value.value, const.value.width, const.value.signed) == (value, width, signed)


def test_integer_literal_base_is_kept_for_printing() -> None:
    consts = build("const bit<8> A = 0x10; const bit<8> B = 8w0b1; const bit<8> C = 0o7;"
                   " const bit<8> D = 9;", prelude=False).declarations
    assert [c.value.base for c in consts if isinstance(c, ir.ConstDecl)
            and isinstance(c.value, ir.Constant)] == [16, 2, 8, 10]


@pytest.mark.parametrize("text", ["0xZZ", "8w0xZZ", "0b102", "12ab", "8w", "0x", "3q4"])
def test_bad_integer_literals(text: str) -> None:
    err = error_of(f"const bit<8> C =  {text};\n", preprocess=False)
    assert err.message == f"invalid integer literal '{text}'"
    assert err.location == SourceLocation("t.p4", 1, 19)


def test_string_literals_are_unescaped() -> None:
    program = build(r'const string S = "a \"quoted\" \\ word\n";', prelude=False)
    const = program.declarations[0]
    assert isinstance(const, ir.ConstDecl) and isinstance(const.value, ir.StringLiteral)
    assert const.value.value == 'a "quoted" \\ word\n'


@pytest.mark.parametrize(("text", "message", "column"), [
    ('const string S = "no end;\n', "unterminated string literal", 18),
    ("const bit<8> X = 1 $ 2;\n", "unexpected character '$'", 20),
    ("const bit<8> X = 1; /* no end\n", "unterminated comment", 21),
])
def test_lexical_errors(text: str, message: str, column: int) -> None:
    err = error_of(text, preprocess=False)
    assert err.message == message
    assert err.location == SourceLocation("t.p4", 1, column)


def kinds(text: str, word: str) -> list[str]:
    """The terminal kind of every occurrence of `word` in text."""
    return [t.type for t in tokenize(text) if t.value == word]


class TestTypeNames:
    def test_declared_types_become_type_identifiers_after_their_declaration(self) -> None:
        for keyword in ("header", "struct", "header_union", "enum"):
            text = f"{keyword} T {{ }} T x;"
            assert kinds(text, "T") == ["IDENTIFIER", "TYPE_IDENTIFIER"], keyword
        assert kinds("typedef bit<8> T; T x;", "T") == ["IDENTIFIER", "TYPE_IDENTIFIER"]
        assert kinds("type bit<8> T; T x;", "T") == ["IDENTIFIER", "TYPE_IDENTIFIER"]
        assert kinds("enum bit<8> T { A = 1 } T x;", "T") == ["IDENTIFIER", "TYPE_IDENTIFIER"]
        assert kinds("extern T { T(); } T() t;", "T") == ["IDENTIFIER"] + ["TYPE_IDENTIFIER"] * 2
        assert kinds("control T(); T() t;", "T") == ["IDENTIFIER", "TYPE_IDENTIFIER"]

    def test_extern_functions_and_other_names_are_not_types(self) -> None:
        text = "extern void f(); extern bit<8> g<T>(in T x); action a() {} f(); g(1); a();"
        assert kinds(text, "f") == ["IDENTIFIER"] * 2
        assert kinds(text, "g") == ["IDENTIFIER"] * 2
        assert kinds(text, "a") == ["IDENTIFIER"] * 2

    def test_type_parameters_are_scoped_to_their_declaration(self) -> None:
        text = ("control C<H, M>(inout H h, inout M m);\n"
                "extern E<T> { E(); T get<U>(in U u); void put(in T t); }\n"
                "T f<T>(in T x) { T y = x; return y; }\n"
                "bit<8> H; bit<8> T; bit<8> U;")
        assert kinds(text, "H") == ["IDENTIFIER", "TYPE_IDENTIFIER", "IDENTIFIER"]
        assert kinds(text, "M") == ["IDENTIFIER", "TYPE_IDENTIFIER"]
        assert kinds(text, "U") == ["IDENTIFIER", "TYPE_IDENTIFIER", "IDENTIFIER"]
        # T: E's parameter (3 uses), f's return type written before its
        # declaration, f's parameter (3 uses), then a plain variable.
        assert kinds(text, "T") == (["IDENTIFIER"] + ["TYPE_IDENTIFIER"] * 2 + ["IDENTIFIER"] * 2
                                    + ["TYPE_IDENTIFIER"] * 2 + ["IDENTIFIER"])

    def test_a_parameter_or_variable_named_like_a_type_hides_it(self) -> None:
        text = ("header eth { bit<8> a; }\n"
                "struct hs { eth eth; }\n"
                "control c(inout eth eth, inout hs h) { apply { eth.a = h.eth.a; } }\n"
                "control d(inout hs h) { eth e; apply { e = h.eth; } }\n")
        program = build(text, prelude=False)
        c = decl(program, "c")
        assert isinstance(c, ir.ControlDecl)
        stmt = c.body.components[0]
        assert isinstance(stmt, ir.AssignmentStatement)
        assert sx(stmt.left) == "eth.a" and sx(stmt.right) == "h.eth.a"
        d = decl(program, "d")
        assert isinstance(d, ir.ControlDecl) and isinstance(d.locals[0], ir.VariableDecl)
        assert sx_type(d.locals[0].type_ref) == "eth"

    def test_field_names_do_not_hide_types(self) -> None:
        # Fields live in their own namespace: `t_t` is still a type after the
        # field `t_t`.
        text = "header t_t { bit<8> f; }\nstruct s_t { t_t t_t; t_t other; }\n"
        assert kinds(text, "t_t") == ["IDENTIFIER"] + ["TYPE_IDENTIFIER"] * 3
        s = decl(build(text, prelude=False), "s_t")
        assert isinstance(s, ir.StructDecl) and [f.name for f in s.fields] == ["t_t", "other"]

    def test_annotation_bodies_declare_nothing(self) -> None:
        assert kinds("@weird(struct X) const bit<8> c = 1; bit<8> X;", "X") == ["IDENTIFIER"] * 2

    def test_type_as_a_field_name(self) -> None:
        program = build("header h_t { bit<16> type; }\ncontrol c(inout h_t h) "
                        "{ apply { h.type = 1; } }", prelude=False)
        h = decl(program, "h_t")
        assert isinstance(h, ir.HeaderDecl) and h.fields[0].name == "type"

    def test_angle_brackets(self) -> None:
        # '<' before a type opens type arguments; '>' '>' closes two lists or
        # is a right shift; `>>=` is one token.
        toks = [(t.type, t.value) for t in tokenize("register<bit<32>>(1) r; x = a >> 2; y >>= 1;")]
        assert ("_LT_ARGS", "<") in toks
        assert toks.count(("_GT_SHIFT", ">")) == 2
        assert (">>=", ">>=") in toks
        assert [t.type for t in tokenize("a < b")][1] == "<"


# ---------------------------------------------------------------- grammar


def test_grammar_has_only_the_two_intended_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="lark")
    Lark(GRAMMAR_PATH.read_text(), parser="lalr", lexer=P4Lexer, debug=True,
         maybe_placeholders=True)
    conflicts = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage()]
    assert len(conflicts) == 2, conflicts
    assert any("ELSE" in c for c in conflicts)  # dangling else
    assert any("LBRACE" in c for c in conflicts)  # `label: {` is a block


class TestDeclarations:
    def test_headers_structs_unions_stacks_and_arrays(self) -> None:
        program = build("""
            header h_t { bit<8> f; @foo int<4> g; varbit<32> opts; bool b; }
            header_union u_t { h_t a; h_t b; }
            struct s_t<T> { T x; h_t[4] stack; bit<8>[16] arr; bit<8> c_arr[2][3]; }
        """, prelude=False)
        h, u, s = program.declarations
        assert isinstance(h, ir.HeaderDecl) and isinstance(u, ir.HeaderUnionDecl)
        assert [(f.name, sx_type(f.type_ref)) for f in h.fields] == [
            ("f", "bit<8>"), ("g", "int<4>"), ("opts", "varbit<32>"), ("b", "bool")]
        assert h.fields[1].annotations[0].name == "foo"
        assert isinstance(s, ir.StructDecl) and [p.name for p in s.type_params] == ["T"]
        assert [sx_type(f.type_ref) for f in s.fields] == [
            "T", "h_t[4]", "bit<8>[16]", "bit<8>[2][3]"]

    def test_enums_errors_match_kinds_typedefs_and_constants(self) -> None:
        program = build("""
            enum Color { Red, Green, }
            enum bit<8> Code { A = 1, B = 8w2, }
            error { Oops, Again }
            match_kind { fuzzy }
            typedef bit<9> port_t;
            type bit<32> id_t;
            typedef struct pair_t { bit<8> a; } alias_t;
            const port_t P = 9w1;
        """, prelude=False)
        color, code, err, mk, port, ident, pair, alias, const = program.declarations
        assert isinstance(color, ir.EnumDecl) and color.underlying is None
        assert [m.name for m in color.members] == ["Red", "Green"]
        assert isinstance(code, ir.EnumDecl) and sx_type(code.underlying) == "bit<8>"
        assert [(m.name, sx(m.value)) for m in code.members] == [("A", "1"), ("B", "8w2")]
        assert isinstance(err, ir.ErrorDecl) and [m.name for m in err.members] == ["Oops", "Again"]
        assert isinstance(mk, ir.MatchKindDecl) and mk.members[0].name == "fuzzy"
        assert isinstance(port, ir.TypedefDecl) and not port.is_newtype
        assert isinstance(ident, ir.TypedefDecl) and ident.is_newtype
        assert isinstance(pair, ir.StructDecl)
        assert isinstance(alias, ir.TypedefDecl) and sx_type(alias.type_ref) == "pair_t"
        assert isinstance(const, ir.ConstDecl) and sx_type(const.type_ref) == "port_t"

    def test_externs(self) -> None:
        program = build("""
            extern Checksum<T> {
                Checksum(bit<32> seed);
                Checksum();
                void add<D>(in D data);
                T get();
                abstract bit<16> hash(in bit<16> x);
                @pure bit<8> read(in bit<32> index, @optional in bit<8> dflt);
            }
            extern void log_msg<T>(string msg, in T data);
            @pure extern R compute<R>(in R a, in R b = 1);
        """, prelude=False)
        ext, log_msg, compute = program.declarations
        assert isinstance(ext, ir.ExternDecl) and [p.name for p in ext.type_params] == ["T"]
        assert [m.name for m in ext.constructors()] == ["Checksum", "Checksum"]
        assert [len(m.params) for m in ext.constructors()] == [1, 0]
        add = ext.methods_named("add")[0]
        assert [p.name for p in add.type_params] == ["D"]
        assert add.params[0].direction is ir.Direction.IN
        assert sx_type(add.return_type) == "void"
        assert sx_type(ext.methods_named("get")[0].return_type) == "T"
        assert ext.methods_named("hash")[0].is_abstract
        read = ext.methods_named("read")[0]
        assert read.annotations[0].name == "pure"
        assert read.params[1].annotations[0].name == "optional"
        assert isinstance(log_msg, ir.ExternFunctionDecl)
        assert [p.direction for p in log_msg.params] == [ir.Direction.NONE, ir.Direction.IN]
        assert isinstance(compute, ir.ExternFunctionDecl)
        assert sx_type(compute.return_type) == "R" and sx(compute.params[1].default) == "1"

    def test_parser_declaration(self) -> None:
        program = build("""
            header h_t { bit<8> t; bit<8> u; }
            struct hs_t { h_t h; h_t[2] st; }
            parser Sub(packet_in p, out h_t h) { state start { p.extract(h); transition accept; } }
            parser P(packet_in pkt, out hs_t hdr)(bit<8> tag) {
                value_set<bit<8>>(4) pvs;
                value_set<tuple<bit<8>, bit<8>>>(2) pvs2;
                Sub() sub;
                bit<8> counter = 0;
                const bit<8> LIMIT = 3;
                state start {
                    pkt.extract(hdr.h);
                    verify(hdr.h.t != 0, error.NoMatch);
                    transition select(hdr.h.t, pkt.lookahead<bit<8>>()) {
                        (0x0F &&& 0xF0, 1 .. 3): one;
                        (_, default): two;
                        pvs: three;
                        default: reject;
                    }
                }
                state one { sub.apply(pkt, hdr.st.next); transition select(hdr.h.u) {
                    5: accept; _ : reject; } }
                state two { Sub.apply(pkt, hdr.st[0]); pkt.advance(16); transition accept; }
                @name("three") state three { }
            }
        """)
        p = decl(program, "P")
        assert isinstance(p, ir.ParserDecl)
        assert [x.name for x in p.params] == ["pkt", "hdr"]
        assert [x.name for x in p.ctor_params] == ["tag"]
        assert [type(x).__name__ for x in p.locals] == [
            "ValueSetDecl", "ValueSetDecl", "Instantiation", "VariableDecl", "ConstDecl"]
        pvs2 = p.locals[1]
        assert isinstance(pvs2, ir.ValueSetDecl)
        assert sx_type(pvs2.element_type) == "tuple<bit<8>, bit<8>>"
        start, one, two, three = p.states
        sel = start.transition
        assert isinstance(sel, ir.SelectExpression)
        assert [sx(k) for k in sel.keys] == ["hdr.h.t", "pkt.lookahead<bit<8>>()"]
        assert [(sx(c.keyset), c.state.name) for c in sel.cases] == [
            ("{(&&& 15 240), (.. 1 3)}", "one"), ("{_, default}", "two"),
            ("pvs", "three"), ("default", "reject")]
        assert [sx(c.call) for c in start.components if isinstance(c, ir.MethodCallStatement)
                ] == ["pkt.extract(hdr.h)", "verify((!= hdr.h.t 0), error.NoMatch)"]
        assert isinstance(one.transition, ir.SelectExpression)
        assert sx(one.transition.cases[1].keyset) == "_"
        direct = two.components[0]
        assert isinstance(direct, ir.MethodCallStatement)
        assert sx(direct.call) == "Sub.apply(pkt, hdr.st[0])"
        assert isinstance(two.transition, ir.PathExpression) and two.transition.name == "accept"
        assert three.transition is None and three.name_annotation() == "three"

    def test_control_with_actions_tables_and_instances(self) -> None:
        program = build("""
            header h_t { bit<8> f; bit<16> g; }
            extern counter { counter(bit<32> n); void count(in bit<32> i); }
            extern action_profile { action_profile(bit<32> size); }
            extern Virtual { Virtual(); abstract bit<16> f(in bit<16> ix); }
            control C(inout h_t h)(bit<32> size) {
                counter(1024) cnt;
                Virtual() v = { bit<16> f(in bit<16> ix) { return ix + 1; } };
                action set(inout bit<8> x, bit<8> value, @name("p") bit<16> port) { x = value; }
                action drop() { exit; }
                table t {
                    key = { h.f : exact @name("f_key"); h.g[7:0] : ternary; h.g : lpm; }
                    actions = { set(h.f); @defaultonly drop; .NoAction; }
                    const default_action = drop();
                    size = 1024;
                    implementation = action_profile(32w128);
                    @my_prop custom = { 1, 2 };
                    support_timeout = true;
                    @ann const entries = {
                        (0x01, _, 10 &&& 0xff) : set(h.f, 1, 2);
                        const priority = 10 : (2, 1 .. 5, default) : drop() @e;
                        priority = (2 + 3) : (3, _, _) : drop;
                    }
                }
                apply { t.apply(); cnt.count(0); }
            }
        """)
        c = decl(program, "C")
        assert isinstance(c, ir.ControlDecl) and [p.name for p in c.ctor_params] == ["size"]
        cnt, v, set_, drop, t = c.locals
        assert isinstance(v, ir.Instantiation) and v.initializer is not None
        assert isinstance(v.initializer[0], ir.FunctionDecl)
        assert isinstance(set_, ir.ActionDecl)
        assert [(p.name, p.direction) for p in set_.params] == [
            ("x", ir.Direction.INOUT), ("value", ir.Direction.NONE), ("port", ir.Direction.NONE)]
        assert [p.name for p in set_.data_params()] == ["value", "port"]
        assert isinstance(t, ir.TableDecl)
        assert [p.name for p in t.properties] == [
            "key", "actions", "default_action", "size", "implementation", "custom",
            "support_timeout", "entries"]
        key = t.property("key")
        assert key is not None
        assert [(sx(k.expr), k.match_kind) for k in key.keys] == [
            ("h.f", "exact"), ("h.g[7:0]", "ternary"), ("h.g", "lpm")]
        assert key.keys[0].annotation("name") is not None
        actions = t.property("actions")
        assert actions is not None
        assert [sx(a.expr) for a in actions.actions] == ["set(h.f)", "drop", ".NoAction"]
        assert actions.actions[1].annotation("defaultonly") is not None
        default = t.property("default_action")
        assert default is not None and default.is_const and sx(default.value) == "drop()"
        impl = t.property("implementation")
        assert impl is not None and sx(impl.value) == "new action_profile(32w128)"
        custom = t.property("custom")
        assert custom is not None and custom.annotations[0].name == "my_prop"
        entries = t.property("entries")
        assert entries is not None and entries.is_const and entries.annotations[0].name == "ann"
        assert [(sx(e.keyset), sx(e.action), sx(e.priority), e.is_const)
                for e in entries.entries] == [
            ("{1, _, (&&& 10 255)}", "set(h.f, 1, 2)", "None", False),
            ("{2, (.. 1 5), default}", "drop()", "10", True),
            ("{3, _, _}", "drop", "(+ 2 3)", False)]
        assert entries.entries[1].annotations[0].name == "e"

    def test_functions_and_package_instantiation(self) -> None:
        program = build("""
            bit<8> max(in bit<8> a, in bit<8> b) { return a > b ? a : b; }
            T id<T>(in T x) { return x; }
            parser Prs<H>(packet_in p, out H h);
            control Ctl<H>(inout H h);
            package Pipe<H>(Prs<H> p, Ctl<H> c);
            struct hs {}
            parser MyP(packet_in p, out hs h) { state start { transition accept; } }
            control MyC(inout hs h) { apply { } }
            Pipe(MyP(), MyC()) main;
        """)
        fmax, fid, prs, ctl, pipe, _, _, _, main = program.declarations
        assert isinstance(fmax, ir.FunctionDecl) and sx_type(fmax.return_type) == "bit<8>"
        assert isinstance(fid, ir.FunctionDecl) and [t.name for t in fid.type_params] == ["T"]
        assert sx_type(fid.return_type) == "T"
        assert isinstance(prs, ir.ParserTypeDecl) and isinstance(ctl, ir.ControlTypeDecl)
        assert isinstance(pipe, ir.PackageTypeDecl)
        assert [sx_type(p.type_ref) for p in pipe.params] == ["Prs<H>", "Ctl<H>"]
        assert isinstance(main, ir.Instantiation)
        assert [sx(a) for a in main.args] == ["new MyP()", "new MyC()"]


class TestStatements:
    def control(self, body: str, decls: str = "") -> ir.ControlDecl:
        program = build(f"""
            header h_t {{ bit<8> f; bit<8> g; }}
            struct hs {{ h_t h; h_t[2] st; }}
            {decls}
            control C(inout hs hdr, inout bit<8> m) {{
                action a() {{}} action b() {{}}
                table t {{ actions = {{ a; b; }} }}
                apply {{ {body} }}
            }}
        """)
        c = decl(program, "C")
        assert isinstance(c, ir.ControlDecl)
        return c

    def test_switch_on_action_run_and_values(self) -> None:
        body = self.control("""
            switch (t.apply().action_run) { a: b: { m = 1; } default: { } }
            switch (m) { 1: { exit; } 2: 3: { return; } }
        """).body.components
        s1, s2 = body
        assert isinstance(s1, ir.SwitchStatement) and sx(s1.expr) == "t.apply().action_run"
        assert [(sx(c.label), c.body is None) for c in s1.cases] == [
            ("a", True), ("b", False), ("default", False)]
        assert isinstance(s2, ir.SwitchStatement)
        assert [(sx(c.label), c.body is None) for c in s2.cases] == [
            ("1", False), ("2", True), ("3", False)]

    def test_if_else_blocks_and_declarations(self) -> None:
        body = self.control("""
            if (hdr.h.isValid()) { bit<8> x = 1; m = x; }
            else if (m == 1) m = 2; else { }
            @atomic { const bit<8> K = 3; m = K; }
            ;
            if (!t.apply().hit) { exit; }
        """).body.components
        if1, block, empty, if2 = body
        assert isinstance(if1, ir.IfStatement) and isinstance(if1.then, ir.BlockStatement)
        assert isinstance(if1.then.components[0], ir.VariableDecl)
        assert isinstance(if1.otherwise, ir.IfStatement)
        assert isinstance(if1.otherwise.otherwise, ir.BlockStatement)
        assert isinstance(block, ir.BlockStatement) and block.annotations[0].name == "atomic"
        assert isinstance(block.components[0], ir.ConstDecl)
        assert isinstance(empty, ir.EmptyStatement)
        assert isinstance(if2, ir.IfStatement) and sx(if2.cond) == "(! t.apply().hit)"
        assert if2.otherwise is None

    def test_assignments_calls_and_direct_application(self) -> None:
        body = self.control("""
            m = 1;
            hdr.st[1].f = hdr.h.f;
            hdr.h.f[3:0] = 4w1;
            m += 2; m |+|= 1; m >>= 1; m <<= 2; m ^= 1;
            hdr.h.setValid();
            hdr.h.f[4 +: 2] = 0;
            (m) = 5;
            Sub.apply(hdr);
            a();
        """, decls="control Sub(inout hs h) { apply { } }").body.components
        assert [type(s).__name__ for s in body] == (
            ["AssignmentStatement"] * 8 + ["MethodCallStatement"] + ["AssignmentStatement"] * 2
            + ["MethodCallStatement"] * 2)
        pairs = [(sx(s.left), sx(s.right)) for s in body if isinstance(s, ir.AssignmentStatement)]
        assert pairs == [
            ("m", "1"), ("hdr.st[1].f", "hdr.h.f"), ("hdr.h.f[3:0]", "4w1"),
            ("m", "(+ m 2)"), ("m", "(|+| m 1)"), ("m", "(>> m 1)"), ("m", "(<< m 2)"),
            ("m", "(^ m 1)"), ("hdr.h.f[(- (+ 4 2) 1):4]", "0"), ("m", "5")]
        compound = body[3]
        assert isinstance(compound, ir.AssignmentStatement)
        assert isinstance(compound.right, ir.Binary) and compound.right.left is not compound.left
        assert sx(body[-2].call) == "Sub.apply(hdr)"  # type: ignore[attr-defined]

    def test_loops_build_into_loop_nodes(self) -> None:
        body = self.control("""
            for (bit<8> i = 0, m = 1; i < 4; i = i + 1, a()) { if (i == 2) { continue; } }
            @unroll for (bit<8> j in 1 .. 3) { m = m + j; break; }
            for (m = 0; m < 7; m = m + 3) ;
        """).body.components
        f1, f2, f3 = body
        assert type(f1).__name__ == "ForStatement"
        assert [type(s).__name__ for s in f1.init] == ["VariableDecl", "AssignmentStatement"]
        assert sx(f1.cond) == "(< i 4)"
        assert [type(s).__name__ for s in f1.updates] == [
            "AssignmentStatement", "MethodCallStatement"]
        inner = f1.body.components[0].then.components[0]
        assert type(inner).__name__ == "ContinueStatement"
        assert type(f2).__name__ == "ForInStatement" and f2.annotations[0].name == "unroll"
        assert (f2.decl.name, sx_type(f2.decl.type_ref)) == ("j", "bit<8>")
        assert sx(f2.collection) == "(.. 1 3)"
        assert type(f2.body.components[1]).__name__ == "BreakStatement"
        assert type(f3.init[0]).__name__ == "AssignmentStatement"
        assert type(f3.body).__name__ == "EmptyStatement"


class TestExpressions:
    @pytest.mark.parametrize(("text", "expected"), [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("a << 1 + 2", "(<< a (+ 1 2))"),
        ("a >> 2 >> 1", "(>> (>> a 2) 1)"),
        ("a & b == c", "(== (& a b) c)"),
        ("a | b ^ c & d", "(| a (^ b (& c d)))"),
        ("a < b == c > d", "(== (< a b) (> c d))"),
        ("a <= b && c >= d || e != f", "(|| (&& (<= a b) (>= c d)) (!= e f))"),
        ("a ++ b + c", "(+ (++ a b) c)"),
        ("a |+| b |-| c", "(|-| (|+| a b) c)"),
        ("-a * ~b % !c", "(% (* (- a) (~ b)) (! c))"),
        ("+a", "(+ a)"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("a || b ? c + 1 : d", "(? (|| a b) (+ c 1) d)"),
        ("(bit<8>) a + b", "(+ (cast bit<8> a) b)"),
        ("(bit<8>)(a + b)", "(cast bit<8> (+ a b))"),
        ("(int<4>) -a", "(cast int<4> (- a))"),
        ("(T) a", "(cast T a)"),
        ("(a) + b", "(+ a b)"),
        ("(bool) a", "(cast bool a)"),
        ("a[7:0] ++ b[3:0]", "(++ a[7:0] b[3:0])"),
        ("a[7 : 4][1:0]", "a[7:4][1:0]"),
        ("s.f[1].g", "s.f[1].g"),
        ("f(1)(2)", "f(1)(2)"),
        ("f<bit<8>>(x) + 1", "(+ f<bit<8>>(x) 1)"),
        ("f<T, bool>(x)", "f<T, bool>(x)"),
        ("a < b", "(< a b)"),
        ("g(x = 1, y = _)", "g(x=1, y=_)"),
        ("g(_, 2)", "g(_, 2)"),
        ("E.A", "E.A"),
        ("error.NoMatch", "error.NoMatch"),
        (".a + 1", "(+ .a 1)"),
        ("true && !false", "(&& true (! false))"),
        ('"str"', "'str'"),
        ("{a, b, {c}}", "{a, b, {c}}"),
        ("{a, b,}", "{a, b}"),
        ("{}", "{}"),
        ("{f = 1, g = a + 1}", "{f=1, g=(+ a 1)}"),
        ("{f = 1, ...}", "{f=1, ...}"),
        ("(S) {f = 1}", "S{f=1}"),
        ("{#}", "{#}"),
        ("T(1)", "new T(1)"),
        ("8w1 + 4s3", "(+ 8w1 4s3)"),
    ])
    def test_expression(self, text: str, expected: str) -> None:
        decls = ("enum E { A } typedef bit<8> T; struct S { bit<8> f; }\n"
                 "extern bit<8> f<X>(in X x);\n")
        assert expr_of(text, decls) == expected

    def test_expression_locations(self) -> None:
        program = build("const bit<8> X = a +\n    b * c;", prelude=False)
        x = program.declarations[0]
        assert isinstance(x, ir.ConstDecl) and isinstance(x.value, ir.Binary)
        assert x.value.loc == SourceLocation("t.p4", 1, 18)
        assert x.value.right.loc == SourceLocation("t.p4", 2, 5)
        assert isinstance(x.value.right, ir.Binary)
        assert x.value.right.right.loc == SourceLocation("t.p4", 2, 9)

    def test_this_in_an_abstract_method_implementation(self) -> None:
        program = build("""
            extern V { V(); abstract bit<8> f(); bit<8> g(); }
            control C() { V() v = { bit<8> f() { return this.g(); } }; apply {} }
        """, prelude=False)
        c = decl(program, "C")
        assert isinstance(c, ir.ControlDecl) and isinstance(c.locals[0], ir.Instantiation)
        init = c.locals[0].initializer
        assert init is not None and isinstance(init[0], ir.FunctionDecl)
        ret = init[0].body.components[0]
        assert isinstance(ret, ir.ReturnStatement) and sx(ret.expr) == "this.g()"


class TestAnnotations:
    def annotations(self, text: str) -> list[ir.Annotation]:
        program = build(f"{text}\nconst bit<8> X = 1;", prelude=False)
        return program.declarations[0].annotations

    def test_unstructured(self) -> None:
        name, info, anno, empty, parens = self.annotations(
            '@name("ingress.t") @pkginfo(arch="v1model", version="1.0")\n'
            '@my_anno(1, "a", x+1, (nested (parens)), struct, 8w3) @hidden @foo()')
        assert name.string_value() == "ingress.t" and name.has_parens
        assert info.kind is ir.AnnotationKind.UNSTRUCTURED
        assert info.source_text == 'arch="v1model", version="1.0"'
        assert [(t.kind, t.text) for t in info.tokens] == [
            ("identifier", "arch"), ("punct", "="), ("string", "v1model"), ("punct", ","),
            ("identifier", "version"), ("punct", "="), ("string", "1.0")]
        assert [t.text for t in anno.tokens] == [
            "1", ",", "a", ",", "x", "+", "1", ",", "(", "nested", "(", "parens", ")", ")", ",",
            "struct", ",", "8w3"]
        assert anno.tokens[-1].kind == "int"
        assert empty.name == "hidden" and not empty.has_parens and empty.tokens == []
        assert parens.has_parens and parens.tokens == []

    def test_structured(self) -> None:
        exprs, kv, empty = self.annotations(
            '@list[1, "two", a + 1, true,] @kv[label="x", n=2*3] @empty[]')
        assert exprs.kind is ir.AnnotationKind.STRUCTURED_EXPRS
        assert [sx(e) for e in exprs.exprs] == ["1", "'two'", "(+ a 1)", "true"]
        assert kv.kind is ir.AnnotationKind.STRUCTURED_KV
        assert [(p.name, sx(p.expr)) for p in kv.kv] == [("label", "'x'"), ("n", "(* 2 3)")]
        assert empty.kind is ir.AnnotationKind.STRUCTURED_EXPRS and empty.exprs == []

    def test_int_value_and_locations(self) -> None:
        (anno,) = self.annotations("  @id(5)")
        assert anno.int_value() == 5
        assert anno.loc == SourceLocation("t.p4", 1, 3)


def test_declaration_locations_are_their_names() -> None:
    program = build("header h_t {\n  bit<8> f;\n}\ncontrol c(inout h_t h) {\n"
                    "  action a(bit<8> v) { h.f = v; }\n  apply { a(1); }\n}\n", prelude=False)
    h, c = program.declarations
    assert h.loc == SourceLocation("t.p4", 1, 8)
    assert isinstance(c, ir.ControlDecl)
    assert c.loc == SourceLocation("t.p4", 4, 9)
    action = c.locals[0]
    assert isinstance(action, ir.ActionDecl)
    assert action.loc == SourceLocation("t.p4", 5, 10)
    assert action.params[0].loc == SourceLocation("t.p4", 5, 19)
    assert c.body.components[0].loc == SourceLocation("t.p4", 6, 11)


def test_parse_returns_a_positioned_tree() -> None:
    tree = parse("const bit<8> X = 1;\n", preprocess=False)
    assert isinstance(tree, Tree) and tree.data == "start"
    const = tree.children[0]
    assert const.data == "constant_declaration"
    assert (const.meta.line, const.meta.column) == (1, 1)


def test_empty_program_and_empty_declarations() -> None:
    assert build(";;\n", prelude=False).declarations == []
    assert build("", prelude=False).declarations == []


# ---------------------------------------------------------- syntax errors


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    # A missing ';' is reported at the token that follows, like p4c.
    ("header h_t {\n    bit<48> dst\n    bit<48> src;\n}\n",
     "syntax error: unexpected 'bit', expected one of ';', '['", 3, 5),
    ("const bit<8> X = 1\nconst bit<8> Y = 2;\n", "syntax error: unexpected 'const'", 2, 1),
    ("control c() {\n  apply { }\n}\n}\n", "syntax error: unexpected '}'", 4, 1),
    ("control c() { apply { x = ; } }\n",
     "syntax error: unexpected ';', expected expression", 1, 27),
    ("struct s { bit<8> if; }\n", "syntax error: unexpected 'if', expected one of name", 1, 19),
    # `h` is a type: this reads as the start of a declaration `h x;`.
    ("header h { bit<8> f; }\ncontrol c(inout h x) { apply { h = 1; } }\n",
     "syntax error: unexpected '=', expected one of name, '('", 2, 34),
    ("const bit<8> X = (1 + 2;\n", "syntax error: unexpected ';', expected ')'", 1, 24),
    ("const bit<8> W = 8;\nconst bit<W> X = 1;\n",
     "syntax error: unexpected 'W': a width must be an integer literal or a compile-time "
     "constant expression in parentheses, as in bit<(W)>", 2, 11),
    ("control c() { apply { f(h.); } }\n", "syntax error: unexpected ')', expected name", 1, 27),
])
def test_syntax_errors(text: str, message: str, line: int, column: int) -> None:
    err = error_of(text, preprocess=False)
    assert err.message.startswith(message), err.message
    assert err.location == SourceLocation("t.p4", line, column)


def test_unbalanced_brace_points_at_end_of_file_and_the_open_brace() -> None:
    err = error_of("control c() {\n  apply {\n    if (true) {\n    }\n}\n", preprocess=False)
    assert err.message == "syntax error: unexpected end of file, expected '}'"
    assert err.location == SourceLocation("t.p4", 6, 1)
    note = err.diagnostics[1]
    assert note.severity == "note" and note.message == "to match this '{'"
    assert note.location == SourceLocation("t.p4", 1, 13)


def test_error_messages_speak_p4_not_lark() -> None:
    broken = ["control c( { }", "header { }", "const = 1;", "parser p() { state s { } ",
              "table t { key = { x : exact } }", "action a() { f(1,; }",
              "control c() { apply { switch (x) { 1 } } }", "extern E { E() }",
              "const bit<8>> X = 1;", "x"]
    for text in broken:
        err = error_of(text, preprocess=False)
        for lark_name in ("LBRACE", "RBRACE", "LPAR", "RPAR", "SEMICOLON", "__ANON", "_LT_ARGS",
                          "$END", "IDENTIFIER", "Token("):
            assert lark_name not in str(err), (text, str(err))


def test_mangled_programs_only_ever_raise_compile_errors() -> None:
    """No input gets a Python traceback: cut and damage a valid program."""
    source = PRELUDE + """
        header h_t { bit<8> f; bit<16> g; }
        struct hs { h_t h; }
        parser P(packet_in p, out hs hdr) {
            state start {
                p.extract(hdr.h);
                transition select(hdr.h.f) { 1: accept; default: reject; }
            }
        }
        control C(inout hs hdr)(bit<8> k) {
            action set(bit<8> v) { hdr.h.f = v + (bit<8>) hdr.h.g[3:0]; }
            table t { key = { hdr.h.f : exact; } actions = { set; NoAction; }
                      default_action = NoAction(); const entries = { 1 : set(2); } }
            apply { if (t.apply().hit) { hdr.h.g = hdr.h.g >> 2; } else { exit; } }
        }
    """
    toks = tokenize(source)
    rng = random.Random(1234)
    variants = [source[:t.start_pos] for t in toks[::7]]
    for _ in range(150):
        i = rng.randrange(len(toks))
        t = toks[i]
        variants.append(source[:t.start_pos] + source[t.end_pos:])  # drop a token
        j = rng.randrange(len(toks))
        variants.append(source[:t.start_pos] + toks[j].value + " " + source[t.start_pos:])
    for text in variants:
        try:
            build_program(parse_source(text, filename="m.p4", preprocess=False))
        except CompileError as err:
            assert err.location is not None, (text, str(err))


def test_deep_nesting_is_a_compile_error_not_a_crash() -> None:
    deep = "const bit<8> X = " + "(" * 3000 + "1" + ")" * 3000 + ";"
    try:
        build_program(parse_source(deep, preprocess=False))
    except CompileError:
        pass
    long_chain = "const bit<8> X = " + " + ".join(["1"] * 5000) + ";"
    try:
        build_program(parse_source(long_chain, preprocess=False))
    except CompileError:
        pass


# ------------------------------------------------------------ conformance


def _conformance_programs() -> list[object]:
    if not CONFORMANCE.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_CONFORMANCE))]
    files = sorted((CONFORMANCE / "p4c-v1model").glob("*.p4"))
    files += sorted((CONFORMANCE / "tutorials").glob("*/*.p4"))
    return [pytest.param(f, id=f"{f.parent.name}/{f.name}") for f in files]


# Programs using P4 constructs that the IR (ir/nodes.py) has no node for yet.
NEEDS_LOOPS = {"forloop-bmv2.p4", "issue4739.p4", "loop-3-clause-tricky2.p4"}


@pytest.mark.parametrize("path", _conformance_programs())
def test_conformance_program_parses_and_builds(path: Path) -> None:
    # p4c adds the program's own directory for "..." includes (cpp does too);
    # -I it anyway, as the conformance harness runs from elsewhere.
    parsed = parse_file(path, include_dirs=[path.parent])
    assert parsed.tree.data == "start"
    if path.name in NEEDS_LOOPS and not hasattr(ir, "ForStatement"):
        with pytest.raises(UnsupportedError, match="'for' statement"):
            build_program(parsed)
        return
    program = build_program(parsed)
    for node in program.walk():
        assert node.loc is not None, node


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason=NO_CONFORMANCE)
def test_largest_tutorial_parses_and_builds_quickly() -> None:
    get_parser()
    tutorials = sorted((CONFORMANCE / "tutorials").glob("*/*.p4"), key=lambda p: p.stat().st_size)
    largest = tutorials[-1]
    best = min(_timed(lambda: parse_program(largest)) for _ in range(3))
    assert best < 0.3, f"{largest.name}: {best:.3f}s"


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def test_lexer_module_exports_the_terminals_the_grammar_declares() -> None:
    grammar = GRAMMAR_PATH.read_text()
    for name in (lexer.IDENTIFIER, lexer.TYPE_IDENTIFIER, lexer.INTEGER, lexer.STRING_LITERAL,
                 lexer.LT_ARGS, lexer.GT_SHIFT):
        assert name in grammar
