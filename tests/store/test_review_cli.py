"""``appscan review`` and ``appscan user`` end to end through click, on SQLite and PostgreSQL, and the gate of
``appscan scan --fail-on`` honouring reviews."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner, Result

from appscan.cli import main
from appscan.report.json_format import to_document
from appscan.store import Store, save_scan
from appscan.store.review_records import review_finding, verify_password
from tests.conftest import REPO_ROOT
from tests.store import factory

PASSWORD = "correct horse battery"


def run(db_url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--db", db_url], input=stdin)


def _one_error(result: Result, words: str) -> None:
    assert result.exit_code == 2 and words in result.output and result.output.count("\n") == 1, result.output


def test_review_decide_and_audit_from_the_command_line(db_url: str, store: Store) -> None:
    scans = []
    for code, ids in ((1, ("AS-a", "AS-b")), (2, ("AS-a", "AS-b", "AS-c"))):
        result = factory.result("com.cli.review", code, findings=tuple(factory.finding(i) for i in ids))
        scans.append(save_scan(store, result, to_document(result)))
    first, second = scans

    added = run(db_url, "user", "add", "alice", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.exit_code == 0 and added.output == "added admin alice to tenant default\n"
    prompted = run(db_url, "user", "add", "bob", stdin=f"{PASSWORD}\n{PASSWORD}\n")  # typed twice at the prompt
    assert prompted.exit_code == 0 and PASSWORD not in prompted.output
    assert run(db_url, "user", "list").output.splitlines()[0].startswith("alice  admin  ")

    marked = run(db_url, "review", "false-positive", "AS-a", "--scan", str(first), "--reason", "behind consent",
                 "--by", "alice")
    assert marked.exit_code == 0 and "AS-a of com.cli.review: false-positive by alice" in marked.output
    accepted = run(db_url, "review", "accept", "AS-b", "--scan", str(first), "--reason", "SDK update",
                   "--expires", "2999-01-01", "--by", "bob")
    assert accepted.exit_code == 0 and "until 2999-01-01" in accepted.output

    listed = run(db_url, "review", "list", str(second))
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == f"com.cli.review 2.0 (version code 2), scan {second}; new since scan {first}, the previous " \
                       "version"
    assert lines[1] == "decision: none yet"
    assert "[carried over from 1.0]" in lines[3] and "false-positive by alice" in lines[3]
    assert lines[6].startswith("AS-c") and " NEW " in lines[6]
    assert lines[-1] == "3 finding(s): 1 new, 2 reviewed (2 carried over), 1 to review"
    view = json.loads(run(db_url, "review", "list", str(second), "--format", "json").output)
    assert [(f["finding"]["id"], f["new"], (f["review"] or {}).get("verdict")) for f in view["findings"]] == \
        [("AS-a", False, "false-positive"), ("AS-b", False, "accepted-risk"), ("AS-c", True, None)]

    decided = run(db_url, "review", "decide", str(second), "rectification-required", "--comment", "fix AS-c",
                  "--by", "alice")
    assert decided.exit_code == 0 and "rectification-required by alice" in decided.output
    assert run(db_url, "review", "list", str(second)).output.splitlines()[1].startswith(
        "decision: rectification-required by alice")
    assert run(db_url, "user", "disable", "bob").exit_code == 0

    audit = run(db_url, "review", "audit", "--limit", "3")
    assert [line.split("  ")[1:3] for line in audit.output.splitlines()] == [
        ["cli", "user.disable"], ["alice", "scan.decide"], ["bob", "finding.review"]]
    events = json.loads(run(db_url, "review", "audit", "--format", "json").output)
    assert [(e["actor"], e["action"], e["subject"]) for e in events[-4:]] == [
        ("bob", "finding.review", "AS-b"), ("alice", "finding.review", "AS-a"), ("cli", "user.add", "user bob"),
        ("cli", "user.add", "user alice")]
    assert events[2]["detail"]["expires_at"].startswith("2999-01-01") and len(events) == 6


def test_mistakes_are_one_line_errors(db_url: str, store: Store) -> None:
    result = factory.result("com.cli.errors", 1, findings=(factory.finding("AS-a"),))
    scan_id = str(save_scan(store, result, to_document(result)))
    assert run(db_url, "user", "add", "alice", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0

    _one_error(run(db_url, "review", "confirm", "AS-a", "--scan", "777", "--reason", "r", "--by", "alice"),
               "appscan: error: no scan 777 in tenant 'default'")
    _one_error(run(db_url, "review", "confirm", "AS-a", "--scan", scan_id, "--reason", "r", "--by", "mallory"),
               "no user 'mallory' in tenant 'default'")
    _one_error(run(db_url, "review", "list", scan_id, "--tenant", "acme"), "no tenant 'acme'")
    _one_error(run(db_url, "user", "add", "carol", "--password-stdin", stdin="short\n"), "at least 8 characters")
    _one_error(run(db_url, "review", "accept", "AS-a", "--scan", scan_id, "--reason", "r", "--by", "alice",
                   "--expires", "2001-01-01"), "is not in the future")
    assert run(db_url, "review", "accept", "AS-a", "--scan", scan_id, "--reason", "r", "--by", "alice") \
        .exit_code == 2  # no --expires: a usage error
    assert run(db_url, "review", "confirm", "AS-a", "--scan", scan_id, "--by", "alice").exit_code == 2  # no reason
    assert run(db_url, "review", "decide", scan_id, "maybe", "--comment", "c", "--by", "alice").exit_code == 2
    passed = run(db_url, "user", "add", "dave", PASSWORD)  # a password is never an argument
    assert passed.exit_code == 2 and "unexpected extra argument" in passed.output.lower()
    audit = json.loads(run(db_url, "review", "audit", "--format", "json").output)
    assert [e["action"] for e in audit] == ["user.add"]  # refused changes leave nothing behind


def test_people_are_enabled_given_passwords_and_roles_from_the_command_line(db_url: str, store: Store) -> None:
    acme = ("--tenant", "acme")
    for login, role in (("ann", "admin"), ("bob", "reviewer")):
        assert run(db_url, "user", "add", login, "--role", role, "--password-stdin", *acme,
                   stdin=PASSWORD + "\n").exit_code == 0
    _one_error(run(db_url, "user", "disable", "ann", *acme),
               "appscan: error: user 'ann' is the last enabled admin of tenant 'acme'")
    _one_error(run(db_url, "user", "role", "ann", "--role", "reviewer", *acme), "last enabled admin")

    promoted = run(db_url, "user", "role", "bob", "--role", "admin", "--by", "ann", *acme)
    assert promoted.exit_code == 0 and promoted.output == "bob of tenant acme is now admin\n"
    assert run(db_url, "user", "disable", "ann", *acme).exit_code == 0  # bob is left to manage acme
    _one_error(run(db_url, "user", "role", "bob", "--role", "reviewer", *acme), "last enabled admin")
    listed = run(db_url, "user", "list", *acme).output.splitlines()
    assert listed[0].startswith("ann  admin  ") and listed[0].endswith("  disabled")
    assert listed[1].startswith("bob  admin  ") and not listed[1].endswith("disabled")
    assert verify_password(store, "acme", "ann", PASSWORD) is None
    enabled = run(db_url, "user", "enable", "ann", "--by", "bob", *acme)
    assert enabled.exit_code == 0 and enabled.output == "enabled ann of tenant acme\n"
    assert verify_password(store, "acme", "ann", PASSWORD) is not None

    typed = run(db_url, "user", "password", "ann", *acme, stdin="a new password\na new password\n")  # and again
    assert typed.exit_code == 0 and "a new password" not in typed.output
    assert typed.output.endswith("new password for ann of tenant acme\n")
    assert verify_password(store, "acme", "ann", PASSWORD) is None
    assert verify_password(store, "acme", "ann", "a new password") is not None
    piped = run(db_url, "user", "password", "ann", "--password-stdin", *acme, stdin="a third password\n")
    assert piped.exit_code == 0 and verify_password(store, "acme", "ann", "a third password") is not None

    _one_error(run(db_url, "user", "password", "ann", "--password-stdin", *acme, stdin="short\n"),
               "at least 8 characters")
    for command in ("enable", "disable"):
        _one_error(run(db_url, "user", command, "nobody", *acme), "no user 'nobody' in tenant 'acme'")
    _one_error(run(db_url, "user", "role", "bob", "--role", "admin", "--tenant", "globex"), "no tenant 'globex'")
    assert run(db_url, "user", "role", "bob", "--role", "root", *acme).exit_code == 2
    assert run(db_url, "user", "role", "bob", *acme).exit_code == 2  # --role is required
    assert run(db_url, "user", "password", "ann", "a fourth password", *acme).exit_code == 2  # never an argument

    events = json.loads(run(db_url, "review", "audit", "--format", "json", *acme).output)
    assert [(e["actor"], e["action"], e["subject"]) for e in events[:5]] == [
        ("cli", "user.password", "user ann"), ("cli", "user.password", "user ann"), ("bob", "user.enable", "user ann"),
        ("cli", "user.disable", "user ann"), ("ann", "user.role", "user bob")]
    assert len(events) == 8  # and the tenant and its two users: refused changes left nothing


def test_scan_fail_on_treats_reviewed_false_positives_as_suppressed(db_url: str, store: Store) -> None:
    sample = str(REPO_ROOT / "samples" / "sdks.apk")
    failed = run(db_url, "scan", sample, "--fail-on", "high", "--format", "json")
    assert failed.exit_code == 1, failed.output
    document = json.loads(failed.stdout)
    blocking = [f["id"] for f in document["findings"] if f["severity"] == "high"]
    assert blocking
    run(db_url, "user", "add", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    scan_id = json.loads(run(db_url, "db", "list", "--format", "json").stdout)[-1]["scan_id"]
    for fid in blocking[1:]:
        review_finding(store, "default", scan_id, fid, "false-positive", "checked by hand", "alice")
    still = run(db_url, "scan", sample, "--fail-on", "high", "--format", "json")
    assert still.exit_code == 1 and blocking[0] in still.stderr and blocking[1] not in still.stderr
    review_finding(store, "default", scan_id, blocking[0], "confirmed", "real", "alice")  # confirmed still counts
    assert run(db_url, "scan", sample, "--fail-on", "high").exit_code == 1
    review_finding(store, "default", scan_id, blocking[0], "accepted-risk", "until the SDK update", "alice",
                   dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc))
    passed = run(db_url, "scan", sample, "--fail-on", "high")
    assert passed.exit_code == 0 and f"0 blocking finding(s) at or above high, {len(blocking)} suppressed" in \
        passed.stderr
