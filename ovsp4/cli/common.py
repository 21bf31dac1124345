"""Conventions shared by the ovs-p4* command-line tools.

Errors are one clear line on stderr and a non-zero exit status, as with
ovs-vsctl; a Python traceback is shown only with OVSP4_DEBUG=1.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

import click

from ovsp4.compiler.diagnostics import CompileError

F = TypeVar("F", bound=Callable[..., object])

EXIT_ERROR = 1
EXIT_INTERNAL = 3


def debug_enabled() -> bool:
    return os.environ.get("OVSP4_DEBUG", "") not in ("", "0")


def fail(prog: str, message: str, status: int = EXIT_ERROR) -> None:
    click.echo(f"{prog}: {message}", err=True)
    sys.exit(status)


def report_errors(prog: str) -> Callable[[F], F]:
    """Turn exceptions escaping a command into the project's error output."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: object, **kwargs: object) -> object:
            try:
                return func(*args, **kwargs)
            except CompileError as exc:
                click.echo(str(exc), err=True)
                sys.exit(EXIT_ERROR)
            except (click.exceptions.Exit, click.ClickException, SystemExit):
                raise
            except KeyboardInterrupt:
                sys.exit(130)
            except OSError as exc:
                fail(prog, str(exc))
            except Exception as exc:  # an ovsp4 bug: say so, without a traceback
                if debug_enabled():
                    traceback.print_exc()
                fail(
                    prog,
                    f"internal error: {type(exc).__name__}: {exc} "
                    "(this is a bug in OvS.p4; OVSP4_DEBUG=1 shows the traceback)",
                    EXIT_INTERNAL,
                )
            return None

        return wrapper  # type: ignore[return-value]

    return wrap


def parse_defines(values: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    """`-D NAME` / `-D NAME=VALUE` as the C preprocessor takes them."""
    result = []
    for v in values:
        name, eq, value = v.partition("=")
        if not name:
            raise click.BadParameter(f"'{v}' is not NAME or NAME=VALUE", param_hint="-D")
        result.append((name, value if eq else None))
    return tuple(result)


class OvsGroup(click.Group):
    """A command group whose usage errors are one line (``PROG: message``)
    and exit with status 2, as with ovs-vsctl, rather than click's usage
    block.  The group's ``name`` is the program's."""

    def main(self, args: list[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: object) -> object:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            hint = " (try --help)" if isinstance(exc, click.UsageError) else ""
            click.echo(f"{self.name}: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)
