"""``appscan query sdk --unidentified``: unidentified third-party code of stored scans, read from their documents."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from appscan.cli.common import AppscanGroup
from appscan.cli.db_cmd import query
from appscan.report.json_format import to_document
from appscan.scan import scan_file
from appscan.store import get_scan_document, open_store, save_scan
from tests.conftest import corpus_path


@click.group(cls=AppscanGroup)
def cli() -> None:
    """The query command as ``appscan`` mounts it."""


cli.add_command(query)
APKS = ("github__CNZZ.apk", "github__MobPush-10704.apk")


def test_unidentified_code_of_stored_scans(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'appscan.db'}"
    store = open_store(url)
    expected = set()
    try:
        for name in APKS:
            result = scan_file(corpus_path() / name)
            save_scan(store, result, to_document(result))
            expected |= {(result.facts.app.package, u.package, u.classes) for u in result.unidentified}
    finally:
        store.close()
    assert expected, "the corpus apps chosen carry unidentified code"

    store = open_store(url)
    try:  # owners of library and unidentified code have no column: their calls come back from the document
        assert get_scan_document(store, 1) == to_document(scan_file(corpus_path() / APKS[0])) | {
            "scan": get_scan_document(store, 1)["scan"]}
    finally:
        store.close()

    listed = CliRunner().invoke(cli, ["query", "sdk", "--unidentified", "--db", url, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert {(r["package"], r["root"], r["classes"]) for r in rows} == expected

    prefix = sorted(root for _, root, _ in expected if root.count(".") >= 1)[0].rsplit(".", 1)[0]
    narrowed = CliRunner().invoke(cli, ["query", "sdk", "--unidentified", prefix, "--db", url, "--format", "json"])
    assert narrowed.exit_code == 0, narrowed.output
    kept = {(r["package"], r["root"], r["classes"]) for r in json.loads(narrowed.output)}
    assert kept == {e for e in expected if e[1] == prefix or e[1].startswith(prefix + ".")} and kept

    text = CliRunner().invoke(cli, ["query", "sdk", "--unidentified", "--db", url])
    assert text.exit_code == 0 and "CODE ROOT" in text.output
    missing = CliRunner().invoke(cli, ["query", "sdk", "--db", url])
    assert missing.exit_code != 0 and "--unidentified" in missing.output
