"""What every subcommand shares: the error-to-exit-code mapping and the ``--debug`` switch.

An ``AppscanError`` becomes one line on stderr and its class's exit code; any other exception is a bug, shown
as one line too unless ``--debug`` (or ``APPSCAN_DEBUG=1``) asks for the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import click

from appscan.errors import EXIT_ERROR, AppscanError
from appscan.text import printable

__all__ = ["AppscanGroup", "debug_enabled", "fail"]


def debug_enabled() -> bool:
    """True when tracebacks were asked for with --debug or APPSCAN_DEBUG=1."""
    return "--debug" in sys.argv[1:] or os.environ.get("APPSCAN_DEBUG") == "1"


_F = TypeVar("_F", bound=Callable[..., Any])


def limit_options(memory_default: int | None) -> Callable[[_F], _F]:
    """``--time-limit`` and ``--memory-limit``: the per-APK limits ``batch`` and ``serve`` enforce alike
    (``appscan.jobs.supervise``)."""
    def add(command: _F) -> _F:
        command = click.option(
            "--memory-limit", type=click.IntRange(min=1), default=memory_default, show_default=True, metavar="MB",
            help="Address space one scan may add to its process; beyond it the APK is recorded as failed.")(command)
        return click.option(
            "--time-limit", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
            metavar="SECONDS", help="Wall-clock limit per APK: the code pass is cut at 80% of it (listed as "
                                    "incomplete), the process killed at 100% (recorded as failed).")(command)
    return add


def say(text: str, err: bool = False) -> None:
    """Print a line of text output that may hold an APK's strings (labels, packages, finding titles): control
    characters are shown escaped, never sent to the terminal (``appscan.text.printable``)."""
    click.echo("\n".join(printable(line) for line in text.split("\n")), err=err)


def fail(message: str, code: int = EXIT_ERROR) -> None:
    """Print one error line and exit with ``code``."""
    click.echo(f"appscan: error: {message}", err=True)
    sys.exit(code)


class AppscanGroup(click.Group):
    """A click group that loads its subcommands lazily and turns their exceptions into one line and an exit code."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module, _, attr = self.lazy_commands[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except AppscanError as exc:
            if debug_enabled():
                raise
            fail(str(exc), exc.code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            _closed_pipe()
        except Exception as exc:  # a bug: keep the one-line promise unless --debug asks for the traceback
            if debug_enabled():
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")


EXIT_CLOSED_PIPE = 141
"""The status of a command whose reader went away (``appscan rules list | head -1``): 128 + SIGPIPE, what a shell
reports for a program SIGPIPE ended, so that ``set -o pipefail`` still sees that the output was cut."""


def _closed_pipe() -> NoReturn:
    """End quietly when stdout's reader has closed the pipe: no message (there is no one to read it), and no second
    BrokenPipeError when the interpreter flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_CLOSED_PIPE)
