"""ovs-p4c: the OvS.p4 P4_16 compiler.

    ovs-p4c [-I DIR] [-D NAME[=VAL]] [--arch v1model]
            [--p4runtime-files FILE[,FILE]] [-o OUTDIR] PROGRAM.p4
    ovs-p4c --check PROGRAM.p4

Like p4c: the P4Info format of each --p4runtime-files FILE follows its
extension (.txtpb/.txt text, .bin binary, .json JSON). `--check` runs the
front end only (like p4c's p4test): no `main` is needed.
"""

from __future__ import annotations

from pathlib import Path

import click

from ovsp4.cli.common import parse_defines, report_errors
from ovsp4.compiler.driver import SUPPORTED_ARCHS, CompileOptions, compile_program, parse_and_check

PROG = "ovs-p4c"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("program", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-I", "include_dirs", multiple=True, metavar="DIR", help="Add DIR to the include path."
)
@click.option("-D", "defines", multiple=True, metavar="NAME[=VAL]", help="Define a macro.")
@click.option("--arch", default="v1model", type=click.Choice(SUPPORTED_ARCHS), show_default=True)
@click.option(
    "--p4runtime-files",
    metavar="FILE[,FILE]",
    help="Write P4Info to each FILE (.txtpb/.txt, .bin or .json).",
)
@click.option(
    "-o",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the compiler's outputs (PROGRAM.p4info.txtpb, PROGRAM.c, PROGRAM.so) to OUTDIR.",
)
@click.option("--check", is_flag=True, help="Front end only: parse, resolve and type-check.")
@report_errors(PROG)
def main(
    program: Path,
    include_dirs: tuple[str, ...],
    defines: tuple[str, ...],
    arch: str,
    p4runtime_files: str | None,
    outdir: Path | None,
    check: bool,
) -> None:
    """Compile a P4_16 PROGRAM for an OvS.p4 bridge."""
    from ovsp4.compiler.backend import generate_c
    from ovsp4.compiler.p4info import serialize

    options = CompileOptions(tuple(include_dirs), parse_defines(defines), arch)
    if not program.is_file():
        raise click.UsageError(f"{program}: no such file")
    if check:
        parse_and_check(program, options, require_main=False)
        return
    targets = [Path(f) for f in p4runtime_files.split(",") if f] if p4runtime_files else []
    for target in targets:  # fail on a bad extension before compiling
        try:
            serialize.format_for(target)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    compiled = compile_program(program, options)
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
        targets.append(outdir / f"{program.stem}.p4info.txtpb")
    for target in targets:
        serialize.write(compiled.p4info, target)
    if outdir is not None and compiled.toplevel is not None:
        import shutil

        from ovsp4.compiler.backend import build

        source = generate_c(compiled)
        (outdir / f"{program.stem}.c").write_text(source)
        so = build.compile_c(source, program.stem)
        shutil.copyfile(so, outdir / f"{program.stem}.so")


if __name__ == "__main__":
    main()
