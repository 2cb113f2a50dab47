"""``appscan review`` (finding reviews, decisions per app version, the audit log) and ``appscan user`` (people).

Thin adapters over ``appscan.store.review_records``. Every change names who makes it (``--by``, an enabled user of
the tenant, except for user management, where whoever holds the database acts) and lands in the tenant's audit log
in the same transaction. ``--tenant`` defaults to ``default``, the tenant of the scans the CLI stores itself.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import click

from appscan.cli.common import say
from appscan.store import Store, open_store
from appscan.store.review_records import (
    DECISIONS,
    DEFAULT_TENANT,
    ROLES,
    ReviewRecord,
    ScanReview,
    add_user,
    audit_log,
    decide,
    disable_user,
    enable_user,
    list_users,
    review_finding,
    scan_review,
    set_password,
    set_role,
)

__all__ = ["review", "user"]

F = TypeVar("F", bound=Callable[..., Any])


def _common(command: F) -> F:
    """``--tenant`` and ``--db``, on every command of both groups."""
    command = click.option("--db", "db_url", metavar="URL", default=None,
                           help="SQLAlchemy URL (default: $APPSCAN_DB, else sqlite:///./appscan.db).")(command)
    return click.option("--tenant", default=DEFAULT_TENANT, show_default=True, metavar="NAME",
                        help="The team whose scans, people and reviews these are.")(command)


def _by(command: F) -> F:
    return click.option("--by", "by", required=True, metavar="LOGIN",
                        help="Who decides: an enabled user of the tenant (appscan user list).")(command)


def _format(command: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="Plain text, or JSON for scripts.")(command)


def _with_store(db_url: str | None, work: Callable[[Store], None], existing: bool = False) -> None:
    store = open_store(db_url, existing=existing)
    try:
        work(store)
    finally:
        store.close()


def _json(value: Any) -> None:
    """Records as JSON objects, times in ISO 8601."""
    def plain(v: Any) -> Any:
        return v.isoformat() if isinstance(v, datetime) else str(v)
    click.echo(json.dumps(dataclasses.asdict(value) if dataclasses.is_dataclass(value) else
                          [dataclasses.asdict(v) for v in value], ensure_ascii=False, indent=2, sort_keys=True,
                          default=plain))


def _day(value: datetime) -> str:
    return f"{value:%Y-%m-%d}"


@click.group()
def review() -> None:
    """Review a stored scan's findings, decide on the app version, read the audit log.

    A review is made on one scan and stands for every later version of the same app with that finding (finding
    ids are stable), until a newer review replaces it. False positives and unexpired accepted risks no longer fail
    `appscan scan --fail-on`, like suppressions.
    """


def _review_command(name: str, verdict: str, summary: str, expires: bool = False) -> None:
    """Add ``review NAME FINDING_ID`` recording ``verdict``."""
    @review.command(name, help=summary)
    @click.argument("finding_id")
    @click.option("--scan", "scan_id", type=int, required=True, metavar="SCAN_ID",
                  help="The stored scan the finding was reported in (appscan review list SCAN_ID).")
    @click.option("--reason", required=True, metavar="TEXT", help="Why: kept with the review and in the audit log.")
    @_by
    @_common
    def command(finding_id: str, scan_id: int, reason: str, by: str, tenant: str, db_url: str | None,
                expires_at: datetime | None = None) -> None:
        def work(store: Store) -> None:
            made = review_finding(store, tenant, scan_id, finding_id, verdict, reason, by,
                                  expires_at.replace(tzinfo=timezone.utc) if expires_at else None)
            say(f"{made.finding_id} of {made.package}: {_describe(made)}")
        _with_store(db_url, work)

    if expires:
        click.option("--expires", "expires_at", required=True, type=click.DateTime(["%Y-%m-%d"]), metavar="DATE",
                     help="YYYY-MM-DD, the first day the risk is no longer accepted and the finding counts "
                          "again.")(command)


_review_command("confirm", "confirmed", "Confirm FINDING_ID: a real problem, for the rectification notice.")
_review_command("false-positive", "false-positive",
                "Mark FINDING_ID a false positive: it no longer fails the gate, in this version or later ones.")
_review_command("accept", "accepted-risk",
                "Accept the risk of FINDING_ID until --expires: the gate ignores it until that day.", expires=True)


def _describe(r: ReviewRecord) -> str:
    """``false-positive by alice on 2026-06-01: reason``; an accepted risk says until when (or that it expired)."""
    until = ""
    if r.expires_at is not None:
        until = f" until {_day(r.expires_at)}" if r.in_force(datetime.now(timezone.utc)) else \
            f" (EXPIRED on {_day(r.expires_at)}, review again)"
    return f"{r.verdict} by {r.by} on {_day(r.at)}{until}: {r.reason}"


def _print_review(view: ScanReview) -> None:
    version = f"{view.version_name or '?'} (version code {view.version_code})"
    since = f"new since scan {view.previous_scan_id}, the previous version" if view.previous_scan_id else \
        "first version: every finding is new"
    say(f"{view.package} {version}, scan {view.scan_id}; {since}")
    d = view.decision
    say(f"decision: {d.decision} by {d.by} on {_day(d.at)}: {d.comment}" if d else "decision: none yet")
    for item in view.findings:
        f = item.finding
        say(f"{f.id}  {f.severity:<6}  {f.rule:<10}  {'NEW' if item.new else '   '}  {f.title_en}")
        if item.review is not None:
            carried = f" [carried over from {item.review.version_name or 'an earlier scan'}]" \
                if item.carried_over else ""
            say(f"    {_describe(item.review)}{carried}")
    reviewed = sum(1 for i in view.findings if i.review is not None)
    say(f"{len(view.findings)} finding(s): {sum(1 for i in view.findings if i.new)} new, {reviewed} reviewed "
        f"({sum(1 for i in view.findings if i.carried_over)} carried over), {len(view.findings) - reviewed} to "
        "review")


@review.command("list")
@click.argument("scan_id", type=int)
@_format
@_common
def review_list(scan_id: int, fmt: str, tenant: str, db_url: str | None) -> None:
    """List the findings of stored scan SCAN_ID with the review in force for each (carried over from earlier
    versions), marking those new since the app's previous version, and the decision on it."""
    def work(store: Store) -> None:
        view = scan_review(store, tenant, scan_id)
        if fmt == "json":
            _json(view)
        else:
            _print_review(view)
    _with_store(db_url, work, existing=True)


@review.command("decide")
@click.argument("scan_id", type=int)
@click.argument("decision", type=click.Choice(DECISIONS))
@click.option("--comment", required=True, metavar="TEXT", help="The reason, as the developer will read it.")
@_by
@_common
def review_decide(scan_id: int, decision: str, comment: str, by: str, tenant: str, db_url: str | None) -> None:
    """Decide on the app version of stored scan SCAN_ID: approve, reject or rectification-required. A later
    decision replaces it; both stay in the audit log."""
    def work(store: Store) -> None:
        made = decide(store, tenant, scan_id, decision, comment, by)
        say(f"scan {made.scan_id} ({made.package} {made.version_name or '?'}): {made.decision} by {made.by}")
    _with_store(db_url, work)


@review.command("audit")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Latest events shown.")
@_format
@_common
def review_audit(limit: int, fmt: str, tenant: str, db_url: str | None) -> None:
    """Show the tenant's audit log, newest first: every review, decision, user and key change, with who and when."""
    def work(store: Store) -> None:
        events = audit_log(store, tenant, limit)
        if fmt == "json":
            _json(events)
            return
        for e in events:
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""
            say(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor}  {e.action}  {e.subject}  {detail}".rstrip())
    _with_store(db_url, work, existing=True)


@click.group()
def user() -> None:
    """Manage the people who review and decide (logins per tenant, argon2-hashed passwords).

    Passwords are read from a prompt, or from the first line of stdin with --password-stdin; never from an
    argument, which other users of the machine could see. Every change but `add` ends the person's open web UI
    sessions; the tenant's last enabled admin can be neither disabled nor made a reviewer.
    """


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _password_stdin(command: F) -> F:
    """``--password-stdin``, for scripts: the prompt would need a terminal."""
    return click.option("--password-stdin", is_flag=True,
                        help="Read the password from the first line of stdin.")(command)


def _logged_by(doing: str) -> Callable[[F], F]:
    """``--by``: who makes a change to people, for the audit log (anyone: whoever holds the database acts)."""
    return click.option("--by", "by", default="cli", show_default=True, metavar="NAME",
                        help=f"Who {doing}, for the log.")


@user.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True,
              help="admin also sees the audit log in the web UI.")
@_password_stdin
@_logged_by("adds the user")
@_common
def user_add(login: str, role: str, password_stdin: bool, by: str, tenant: str, db_url: str | None) -> None:
    """Add LOGIN to the tenant (made on its first user); the password needs 8 characters or more."""
    password = _read_password(password_stdin)

    def work(store: Store) -> None:
        made = add_user(store, tenant, login, password, role, by)
        say(f"added {made.role} {made.login} to tenant {made.tenant}")
    _with_store(db_url, work)


@user.command("list")
@_format
@_common
def user_list(fmt: str, tenant: str, db_url: str | None) -> None:
    """List the tenant's people: login, role, creation time, and whether they are disabled."""
    def work(store: Store) -> None:
        people = list_users(store, tenant)
        if fmt == "json":
            _json(people)
            return
        for p in people:
            say(f"{p.login}  {p.role}  {p.created_at:%Y-%m-%d %H:%M:%S}{'  disabled' if p.disabled else ''}")
    _with_store(db_url, work, existing=True)


@user.command("disable")
@click.argument("login")
@_logged_by("disables")
@_common
def user_disable(login: str, by: str, tenant: str, db_url: str | None) -> None:
    """Disable LOGIN: no more log-in, reviews or decisions, and their open web sessions end. Their past reviews and
    decisions stand. The tenant's last enabled admin cannot be disabled."""
    def work(store: Store) -> None:
        disable_user(store, tenant, login, by)
        say(f"disabled {login} of tenant {tenant}")
    _with_store(db_url, work)


@user.command("enable")
@click.argument("login")
@_logged_by("enables")
@_common
def user_enable(login: str, by: str, tenant: str, db_url: str | None) -> None:
    """Enable LOGIN again: they log in with the password they had."""
    def work(store: Store) -> None:
        enable_user(store, tenant, login, by)
        say(f"enabled {login} of tenant {tenant}")
    _with_store(db_url, work)


@user.command("password")
@click.argument("login")
@_password_stdin
@_logged_by("sets the password")
@_common
def user_password(login: str, password_stdin: bool, by: str, tenant: str, db_url: str | None) -> None:
    """Give LOGIN a new password (8 characters or more): the old one stops working and their open web sessions
    end."""
    password = _read_password(password_stdin)

    def work(store: Store) -> None:
        set_password(store, tenant, login, password, by)
        say(f"new password for {login} of tenant {tenant}")
    _with_store(db_url, work)


@user.command("role")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin also sees the audit log in the web UI.")
@_logged_by("changes the role")
@_common
def user_role(login: str, role: str, by: str, tenant: str, db_url: str | None) -> None:
    """Make LOGIN a reviewer or an admin; their open web sessions end, so the role holds from their next log-in.
    The tenant's last enabled admin cannot be made a reviewer."""
    def work(store: Store) -> None:
        made = set_role(store, tenant, login, role, by)
        say(f"{made.login} of tenant {tenant} is now {made.role}")
    _with_store(db_url, work)
