"""One exception hierarchy for appscan, and the exit codes the CLI maps it to.

Every error a user can cause (a bad file, a bad rule, a database that is down) is an ``AppscanError`` whose class
fixes its exit code, so the CLI, the worker and the service each map errors to outcomes in exactly one place.
Exit code 1 is reserved for "findings at or above the --fail-on threshold".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_RULES = 4


class AppscanError(Exception):
    """Base of every error appscan reports to the user as one line."""

    code: int = EXIT_ERROR


class InputError(AppscanError):
    """The input file is not something appscan can read (not a zip, not an APK, truncated, a zip bomb...)."""


class ApkReadError(InputError):
    """The file is a zip but not a readable APK (missing or corrupt manifest)."""


class RuleLoadError(AppscanError):
    """A ruleset file is invalid; the message names the file, the entry and the problem."""

    code = EXIT_RULES


class StoreError(AppscanError):
    """The database cannot be reached or refused a write; nothing of the scan was stored."""


class QueueError(AppscanError):
    """The task broker (Redis) cannot be reached; nothing was queued."""


class ReportError(AppscanError):
    """A report could not be rendered or written."""


class MissingExtraError(AppscanError):
    """A command needs an optional group of dependencies (an *extra*) that is not installed."""


EXTRAS: dict[str, tuple[str, ...]] = {
    "server": ("fastapi", "starlette", "uvicorn", "multipart", "python_multipart", "argon2"),
    "distributed": ("celery", "kombu", "redis"),
    "postgres": ("psycopg",),
    "xlsx": ("openpyxl",),
    "policy-pdf": ("pdfminer",),
    "pdf": ("weasyprint",),
}
"""Optional dependency groups (``setup.cfg`` extras) and the top-level modules each provides: scanning an APK
needs none of them."""


@contextmanager
def extra_needed(extra: str, what: str) -> Iterator[None]:
    """Turn the ImportError of a module of ``extra`` raised inside the block into one line naming the extra to
    install; any other ImportError is a bug and passes through."""
    try:
        yield
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in EXTRAS[extra]:
            raise
        raise MissingExtraError(f"{what} needs the optional '{extra}' dependencies ({exc.name} is not installed): "
                                f"pip install 'appscan[{extra}]'") from exc
