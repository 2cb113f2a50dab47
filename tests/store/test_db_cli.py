"""The database commands end to end through click, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from appscan.cli.common import AppscanGroup
from appscan.cli.db_cmd import db, history_cmd, query
from appscan.report.diff_view import build_diff_view, render_diff_text
from appscan.report.json_format import render_json, to_document
from appscan.store import Store, diff_documents, save_scan
from appscan.store.migrate import head_revision
from tests.store import factory


@click.group(cls=AppscanGroup)
def cli() -> None:
    """The commands as the lead mounts them on ``appscan``."""


for command in (db, query, history_cmd):
    cli.add_command(command)


def run(*args: str) -> click.testing.Result:
    """Invoke the test group."""
    return CliRunner().invoke(cli, list(args))


def test_commands_answer_from_the_database(db_url: str, store: Store) -> None:
    first = factory.result("com.cli", 1, sdks=(factory.sdk("umeng"),), findings=(factory.finding("A"),),
                           calls=(factory.call("imei", 1, "umeng", startup=True),))
    second = factory.result("com.cli", 2, findings=(factory.finding("B"),))
    scan_id = save_scan(store, first, to_document(first))
    save_scan(store, second, to_document(second))

    shown = run("db", "show", str(scan_id), "--db", db_url)
    assert shown.exit_code == 0 and shown.output == render_json(first)
    listed = json.loads(run("db", "list", "--db", db_url, "--format", "json").output)
    assert [(s["package"], s["version_code"], s["status"]) for s in listed] == [("com.cli", 1, "ok"),
                                                                               ("com.cli", 2, "ok")]
    sdk = json.loads(run("query", "sdk", "umeng", "--db", db_url, "--format", "json").output)
    assert [(u["package"], u["first_version_code"]) for u in sdk] == [("com.cli", 1)]
    text = run("query", "data-type", "imei", "--startup", "--db", db_url).output
    assert "com.cli" in text and "umeng" in text
    steps = json.loads(run("history", "com.cli", "--db", db_url, "--format", "json").output)
    assert [[f["id"] for f in s["fixed"]] for s in steps] == [[], ["A"]]
    upgraded = run("db", "upgrade", "--db", db_url)
    assert upgraded.exit_code == 0 and f"revision {head_revision()}" in upgraded.output


def test_dead_server_is_one_line_and_exit_code_2() -> None:
    dead = run("db", "list", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert dead.exit_code == 2 and dead.output.count("\n") == 1 and "cannot connect" in dead.output


def test_diff_text_lists_changes() -> None:
    old = factory.result("com.t", 1, permissions=("android.permission.CAMERA",))
    new = factory.result("com.t", 2, permissions=("android.permission.READ_SMS",))
    text = render_diff_text(build_diff_view(diff_documents(to_document(old), to_document(new)), None), "zh")
    assert "+ android.permission.READ_SMS" in text and "- android.permission.CAMERA" in text


def test_diff_text_shows_finding_titles_in_one_language() -> None:
    old = factory.result("com.t", 1)
    new = factory.result("com.t", 2, findings=(factory.finding("B"),))
    title = to_document(new)["findings"][0]["title"]
    changes = diff_documents(to_document(old), to_document(new))
    for lang in ("zh", "en"):
        text = render_diff_text(build_diff_view(changes, None), lang)
        line = next(x for x in text.splitlines() if x.startswith("  + "))
        assert title[lang] in line and "{" not in line


def test_read_only_commands_create_no_database(tmp_path: Path) -> None:
    """``db list``, ``query`` and ``history`` on a SQLite file that does not exist say so; they do not create it."""
    path = tmp_path / "appscan.db"
    for args in (("db", "list"), ("query", "sdk", "jpush"), ("history", "com.example")):
        result = run(*args, "--db", f"sqlite:///{path}")
        assert result.exit_code == 2 and "no database at" in result.output, args
    assert not path.exists()


def test_query_names_an_unknown_id(db_url: str, store: Store) -> None:
    save_scan(store, factory.result("com.q", 1), to_document(factory.result("com.q", 1)))
    typo = run("query", "sdk", "jpushh", "--db", db_url)
    assert typo.exit_code == 2 and "unknown sdk id 'jpushh'" in typo.output and "jpush" in typo.output
    unknown = run("query", "data-type", "imeii", "--db", db_url)
    assert unknown.exit_code == 2 and "did you mean imei" in unknown.output
    assert run("query", "sdk", "jpush", "--db", db_url).exit_code == 0  # known, just not embedded: an empty table


def test_db_list_counts_findings_by_severity(db_url: str, store: Store) -> None:
    findings = (factory.finding("A"), factory.finding("B"))  # medium each
    save_scan(store, factory.result("com.n", 1, findings=findings), to_document(factory.result("com.n", 1,
                                                                                               findings=findings)))
    listed = json.loads(run("db", "list", "--db", db_url, "--format", "json").output)
    assert listed[0]["findings"] == {"medium": 2}
    table = run("db", "list", "--db", db_url).output.splitlines()
    header = table[0].split()
    row = table[1].split()
    assert row[header.index("MED")] == "2" and row[header.index("HIGH")] == "0"
