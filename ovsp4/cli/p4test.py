"""ovs-p4test: run a p4c STF packet test against an OvS.p4 pipeline.

    ovs-p4test [-I DIR] [-D NAME[=VAL]] PROGRAM.p4 TEST.stf

Compiles PROGRAM.p4, builds its pipeline, loads it in the simulator and
runs the test with BMv2's rules. Exit status: 0 the test passes, 1 it
fails (the first mismatch is printed: port, expected, got), 2 the program
does not compile, uses something unsupported, or the STF cannot be run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ovsp4.cli.common import parse_defines, report_errors
from ovsp4.compiler.diagnostics import CompileError
from ovsp4.compiler.driver import CompileOptions

PROG = "ovs-p4test"
EXIT_FAIL = 1
EXIT_CANNOT_RUN = 2


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("program", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("stf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-I", "include_dirs", multiple=True, metavar="DIR", help="Add DIR to the include path."
)
@click.option("-D", "defines", multiple=True, metavar="NAME[=VAL]", help="Define a macro.")
@report_errors(PROG)
def main(program: Path, stf: Path, include_dirs: tuple[str, ...], defines: tuple[str, ...]) -> None:
    """Run the STF test TEST.stf on PROGRAM.p4 in the simulator."""
    from ovsp4.stf.parser import StfSyntaxError
    from ovsp4.stf.runner import StfError
    from ovsp4.stf.simulate import run_stf

    options = CompileOptions(tuple(include_dirs), parse_defines(defines))
    try:
        result = run_stf(program, stf, options)
    except CompileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except (StfSyntaxError, StfError) as exc:
        click.echo(f"{PROG}: {stf}: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if not result.passed:
        click.echo(f"{PROG}: FAIL {stf.name}: {result.message}", err=True)
        sys.exit(EXIT_FAIL)
    click.echo(
        f"PASS {stf.name}: {result.packets_sent} packets sent, {result.packets_checked} checked"
    )


if __name__ == "__main__":
    main()
