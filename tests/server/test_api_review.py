"""The review API on a real uvicorn server on loopback: tenants kept apart by id guessing, key roles and revocation,
reports in every format and language, the queue, reviews carried over to the next version, decisions, notices in
HTML and PDF with hostile comments escaped, suppressions, the people admin keys manage, and scans reached by their
stored scan id (a scan the command line stored, which has no upload, included)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from appscan.report import ReportFormat
from appscan.store import Store, open_store, record_failure
from appscan.store.review_records import add_user, session_state, verify_password
from appscan.store.service_records import create_key
from tests.conftest import REPO_ROOT
from tests.scale.conftest import SAMPLES, appscan_cmd, run_appscan
from tests.scale.test_service import _finished, _free_port, _upload, _wait_healthy
from tests.server.test_web import with_version_code

PASSWORD = "correct horse battery"
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@dataclasses.dataclass(frozen=True)
class Api:
    base: str
    alice: str
    """Reviewer key of tenant acme, named after its user alice: reviews and decides as her."""
    admin: str
    """Admin key of acme (made by ``appscan apikey create --admin``), acting for no person."""
    gina: str
    """Reviewer key of tenant globex, named after its user gina."""
    tmp: Path

    @property
    def db(self) -> str:
        """The server's database."""
        return f"sqlite:///{self.tmp / 'api.db'}"

    def get(self, key: str, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", params=params, headers={"X-API-Key": key}, timeout=120)

    def post(self, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{self.base}{path}", json=body, headers={"X-API-Key": key}, timeout=60)

    def put(self, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.put(f"{self.base}{path}", json=body, headers={"X-API-Key": key}, timeout=60)

    def delete(self, key: str, path: str) -> httpx.Response:
        return httpx.delete(f"{self.base}{path}", headers={"X-API-Key": key}, timeout=60)

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The server's database, opened beside it, to check what the API did and to make keys."""
        opened = open_store(self.db)
        try:
            yield opened
        finally:
            opened.close()

    def scanned(self, key: str, apk: Path) -> dict[str, Any]:
        """Upload ``apk`` with ``key`` and wait for its scan; the upload's final status."""
        accepted = _upload(self.base, key, apk.name, apk.read_bytes())
        assert accepted.status_code == 202, accepted.text
        status = _finished(self.base, key, accepted.json()["id"])
        assert status["status"] == "done", status
        return status


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server on its own SQLite file with two tenants: acme (user alice, her key, an admin key) and globex (user
    gina and her key)."""
    tmp = tmp_path_factory.mktemp("api")
    env = {k: v for k, v in os.environ.items() if k != "APPSCAN_BROKER"}
    env["APPSCAN_DB"] = f"sqlite:///{tmp / 'api.db'}"
    store = open_store(env["APPSCAN_DB"])
    try:
        add_user(store, "acme", "alice", PASSWORD)
        add_user(store, "globex", "gina", PASSWORD)
        alice, gina = create_key(store, "alice", "acme"), create_key(store, "gina", "globex")
    finally:
        store.close()
    made = run_appscan("apikey", "create", "--name", "ops", "--tenant", "acme", "--admin", env=env)
    assert made.returncode == 0, made.stderr
    port = _free_port()
    process = subprocess.Popen(appscan_cmd("serve", "--port", str(port), "--upload-dir", str(tmp / "uploads"),
                                           "--workers", "1"),
                               cwd=REPO_ROOT, env=env, stdout=(tmp / "server.log").open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base, tmp / "server.log")
    yield Api(base, alice, made.stdout.strip(), gina, tmp)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    assert "Traceback" not in (tmp / "server.log").read_text()


@pytest.fixture(scope="module")
def globex_admin(api: Api) -> str:
    """An admin key of globex."""
    with api.store() as store:
        return create_key(store, "globex-ops", "globex", role="admin")


@pytest.fixture(scope="module")
def acme_scan(api: Api) -> dict[str, Any]:
    """sdks.apk uploaded by acme, scanned."""
    return api.scanned(api.alice, SAMPLES / "sdks.apk")


MISSING_SCAN = f"/stored-scans/{10**9}"
"""A scan id no test stores."""


def _paths(scan: str) -> list[str]:
    """The GET paths of the scan at ``scan`` (``/scans/UPLOAD_ID`` or ``/stored-scans/SCAN_ID``)."""
    return [scan, f"{scan}/report", f"{scan}/report?format=html", f"{scan}/findings", f"{scan}/decision",
            f"{scan}/notice", f"{scan}/notice?format=pdf"]


def _hidden(api: Api, key: str, scan: str, missing: str, finding: str) -> None:
    """Every endpoint of the scan at ``scan`` answers ``key`` 404, with the detail of the ``missing`` one but for
    the id, so that ids cannot be probed; reviewing its ``finding`` and deciding on it too."""
    ids = scan.rpartition("/")[2], missing.rpartition("/")[2]
    for path, nowhere in zip(_paths(scan), _paths(missing)):
        theirs, none = httpx.get(f"{api.base}{path}", headers={"X-API-Key": key}), \
            httpx.get(f"{api.base}{nowhere}", headers={"X-API-Key": key})
        assert theirs.status_code == none.status_code == 404, (path, theirs.text)
        assert theirs.json()["detail"].replace(ids[0], "ID") == none.json()["detail"].replace(ids[1], "ID")
    for path, body in ((f"{scan}/findings/{finding}/review", {"verdict": "confirmed", "reason": "x"}),
                       (f"{scan}/reviews", {"finding_ids": [finding], "verdict": "confirmed", "reason": "x"}),
                       (f"{scan}/decision", {"decision": "approve", "comment": "x"})):
        assert api.post(key, path, body).status_code == 404, path


def test_another_tenant_gets_404_as_for_a_missing_id(api: Api, acme_scan: dict[str, Any]) -> None:
    upload_id = acme_scan["id"]
    first = api.get(api.alice, f"/scans/{upload_id}/findings").json()["findings"][0]["id"]
    _hidden(api, api.gina, f"/scans/{upload_id}", f"/scans/{uuid.uuid4().hex}", first)
    assert upload_id not in {u["id"] for u in api.get(api.gina, "/scans").json()}
    assert acme_scan["scan_id"] not in {r["scan_id"] for r in api.get(api.gina, "/queue").json()["rows"]}
    mine = api.get(api.alice, "/queue", package="com.example.sdks").json()["rows"]
    assert acme_scan["scan_id"] in {r["scan_id"] for r in mine}


def test_an_upload_answered_from_the_store_gives_the_tenant_the_scan(api: Api, acme_scan: dict[str, Any]) -> None:
    """globex uploads the bytes acme had scanned: the stored scan answers, and globex holds it from then on, with
    its own upload id and none of acme's reviews."""
    first = api.get(api.alice, f"/scans/{acme_scan['id']}/findings").json()["findings"][0]["id"]
    assert api.post(api.alice, f"/scans/{acme_scan['id']}/findings/{first}/review",
                    {"verdict": "confirmed", "reason": "seen in acme's review"}).status_code == 201
    again = api.scanned(api.gina, SAMPLES / "sdks.apk")
    assert again["scan_id"] == acme_scan["scan_id"] and again["id"] != acme_scan["id"]
    rows = api.get(api.gina, "/queue").json()["rows"]
    assert [(r["scan_id"], r["upload_id"]) for r in rows] == [(again["scan_id"], again["id"])]
    findings = api.get(api.gina, f"/scans/{again['id']}/findings").json()["findings"]
    assert all(f["review"] is None for f in findings)


def test_reports_in_every_format_and_language(api: Api, acme_scan: dict[str, Any]) -> None:
    path = f"/scans/{acme_scan['id']}/report"
    bodies: dict[tuple[str, str], httpx.Response] = {}
    for fmt in ReportFormat:
        for lang in ("zh", "en"):
            answer = api.get(api.alice, path, format=fmt.value, lang=lang)
            assert answer.status_code == 200, (fmt, lang, answer.text)
            bodies[fmt.value, lang] = answer
    assert bodies["xlsx", "zh"].content.startswith(b"PK")
    assert "spreadsheetml" in bodies["xlsx", "en"].headers["content-type"]
    assert bodies["markdown", "en"].headers["content-type"].startswith("text/markdown")
    assert bodies["text", "zh"].headers["content-type"].startswith("text/plain")
    for fmt in ("html", "markdown"):  # text is the terminal summary, English in the CLI too
        assert "High risk" in bodies[fmt, "en"].text and "高风险" in bodies[fmt, "zh"].text, fmt
        assert "高风险" not in bodies[fmt, "en"].text, fmt
    cells = {lang: {str(c.value) for sheet in openpyxl.load_workbook(io.BytesIO(bodies["xlsx", lang].content))
                    for row in sheet.iter_rows() for c in row if c.value is not None} for lang in ("zh", "en")}
    assert any("High risk" in c for c in cells["en"]) and any("高风险" in c for c in cells["zh"])
    assert api.get(api.alice, path, format="pdf").status_code == 422
    assert api.get(api.alice, path, lang="fr").status_code == 422


def test_reviewer_keys_cannot_administer_and_a_revoked_key_is_refused_at_once(api: Api) -> None:
    for path in ("/apikeys", "/audit", "/suppressions"):
        assert api.get(api.alice, path).status_code == 403, path
    assert api.post(api.alice, "/apikeys", {"name": "sneaky", "role": "admin"}).status_code == 403
    listed = api.get(api.admin, "/apikeys").json()
    assert {(k["name"], k["role"]) for k in listed} == {("alice", "reviewer"), ("ops", "admin")}
    made = api.post(api.admin, "/apikeys", {"name": "ci"})
    assert made.status_code == 201 and made.json()["role"] == "reviewer"
    key, key_id = made.json()["key"], made.json()["key_id"]
    assert api.get(key, "/queue").status_code == 200
    assert api.delete(api.admin, f"/apikeys/{key_id}").status_code == 204
    assert api.get(key, "/queue").status_code == 403
    assert api.delete(api.admin, f"/apikeys/{key_id}").status_code == 404
    globex_key = api.gina.partition(".")[0]
    assert api.delete(api.admin, f"/apikeys/{globex_key}").status_code == 404  # another tenant's key
    assert api.get(api.gina, "/queue").status_code == 200
    actions = [(e["action"], e["subject"], e["actor"]) for e in api.get(api.admin, "/audit").json()]
    admin_id = api.admin.partition(".")[0]
    assert ("key.revoke", f"key {key_id}", f"ops (key {admin_id})") in actions
    assert ("key.create", f"key {key_id}", f"ops (key {admin_id})") in actions
    assert all(e["tenant"] == "acme" for e in api.get(api.admin, "/audit").json())
    assert api.get(api.gina, "/audit").status_code == 403


def test_review_decision_notice_and_a_review_carried_to_the_next_version(api: Api) -> None:
    first = api.scanned(api.alice, with_version_code(SAMPLES / "sdks.apk", api.tmp / "sdks-v5.apk", 5))
    upload = first["id"]
    findings = api.get(api.alice, f"/scans/{upload}/findings").json()
    assert findings["version_code"] == 5 and findings["decision"] is None
    ids = [f["id"] for f in findings["findings"] if f["review"] is None]  # (another test may review version 3)
    assert len(ids) >= 2
    path = f"/scans/{upload}/findings/{{}}/review"
    refused = [api.post(api.alice, path.format(ids[0]), body) for body in (
        {"verdict": "accepted-risk", "reason": "later"},  # an accepted risk must expire
        {"verdict": "confirmed", "reason": ""}, {"verdict": "maybe", "reason": "x"})]
    assert [r.status_code for r in refused] == [422, 422, 422], [r.text for r in refused]
    assert api.post(api.alice, path.format("no-such-finding"), {"verdict": "confirmed", "reason": "x"}) \
        .status_code == 404
    assert api.post(api.admin, path.format(ids[0]), {"verdict": "confirmed", "reason": "x"}).status_code == 403
    false_positive = api.post(api.alice, path.format(ids[0]), {"verdict": "false-positive",
                                                               "reason": "behind the consent dialog"})
    assert false_positive.status_code == 201 and false_positive.json()["by"] == "alice"
    assert api.post(api.alice, path.format(ids[1]), {"verdict": "confirmed", "reason": XSS}).status_code == 201

    assert api.get(api.alice, f"/scans/{upload}/notice").status_code == 409  # no decision yet
    decided = api.post(api.alice, f"/scans/{upload}/decision",
                       {"decision": "rectification-required", "comment": f"fix it {XSS}"})
    assert decided.status_code == 201 and decided.json()["by"] == "alice"
    standing = api.get(api.alice, f"/scans/{upload}/decision").json()
    assert standing["current"]["decision"] == "rectification-required" and len(standing["history"]) == 1

    html = api.get(api.alice, f"/scans/{upload}/notice", lang="en")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "<script>" not in html.text and "onerror=alert" not in html.text.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.text and "acme" in html.text
    chinese = api.get(api.alice, f"/scans/{upload}/notice").text
    assert "整改通知" in chinese and "<script>" not in chinese
    pdf = api.get(api.alice, f"/scans/{upload}/notice", format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == \
        "application/pdf"

    second = api.scanned(api.alice, with_version_code(SAMPLES / "sdks.apk", api.tmp / "sdks-v6.apk", 6))
    later = api.get(api.alice, f"/scans/{second['id']}/findings").json()
    assert later["version_code"] == 6 and later["previous_scan_id"] == first["scan_id"]
    carried = {f["id"]: f for f in later["findings"]}
    assert carried[ids[0]]["review"]["verdict"] == "false-positive" and carried[ids[0]]["carried_over"]
    assert carried[ids[0]]["review"]["scan_id"] == first["scan_id"] and carried[ids[0]]["review"]["in_force"]
    assert not any(f["new"] for f in later["findings"]) and later["decision"] is None
    rows = {r["scan_id"]: r for r in api.get(api.alice, "/queue", package="com.example.sdks", sort="newest")
            .json()["rows"]}
    assert rows[second["scan_id"]]["new_findings"] == 0 and rows[second["scan_id"]]["decision"] is None
    assert rows[first["scan_id"]]["decision"] == "rectification-required"
    assert rows[first["scan_id"]]["counts"]["high"] >= 1 and rows[first["scan_id"]]["version_code"] == 5
    audit = [(e["action"], e["actor"]) for e in api.get(api.admin, "/audit").json()]
    assert ("scan.decide", "alice") in audit and ("finding.review", "alice") in audit


def test_several_findings_get_one_review_together_or_none(api: Api) -> None:
    upload = api.scanned(api.alice, with_version_code(SAMPLES / "sdks.apk", api.tmp / "sdks-v9.apk", 9))["id"]
    findings = [f["id"] for f in api.get(api.alice, f"/scans/{upload}/findings").json()["findings"]]
    refused = api.post(api.alice, f"/scans/{upload}/reviews",
                       {"finding_ids": [findings[0], "no-such-finding"], "verdict": "confirmed", "reason": "x"})
    assert refused.status_code == 404 and "no-such-finding" in refused.json()["detail"]
    assert api.post(api.alice, f"/scans/{upload}/reviews",
                    {"finding_ids": [], "verdict": "confirmed", "reason": "x"}).status_code == 422
    made = api.post(api.alice, f"/scans/{upload}/reviews",
                    {"finding_ids": findings[:3], "verdict": "false-positive", "reason": "stub code"})
    assert made.status_code == 201, made.text
    assert list(made.json()["reviews"]) == findings[:3]
    assert {r["by"] for r in made.json()["reviews"].values()} == {"alice"}
    reviewed = {f["id"]: f["review"] for f in api.get(api.alice, f"/scans/{upload}/findings").json()["findings"]}
    assert [fid for fid, r in reviewed.items() if r and r["reason"] == "stub code"] == findings[:3]


def test_the_queue_filters_sorts_and_pages(api: Api, acme_scan: dict[str, Any]) -> None:
    every = api.get(api.alice, "/queue").json()
    assert every["total"] >= 1 and every["page"] == 1 and every["per_page"] == 50
    row = next(r for r in every["rows"] if r["scan_id"] == acme_scan["scan_id"])
    assert row["verdict"] == {"level": "high-risk", "label": {"zh": "高风险", "en": "High risk"}}
    assert set(row["counts"]) == {"high", "medium", "low", "info"} and row["upload_id"] is not None
    assert api.get(api.alice, "/queue", verdict="pass").json() == {"total": 0, "page": 1, "per_page": 50,
                                                                   "rows": []}
    assert api.get(api.alice, "/queue", package="no.such.app").json()["total"] == 0
    assert api.get(api.alice, "/queue", since="2999-01-01T00:00:00Z").json()["total"] == 0
    paged = api.get(api.alice, "/queue", per_page=1, page=1, sort="package").json()
    assert len(paged["rows"]) == 1 and paged["total"] == every["total"]
    for bad in ({"sort": "oldest"}, {"page": 0}, {"per_page": 1000}, {"since": "yesterday"}):
        assert api.get(api.alice, "/queue", **bad).status_code == 422, bad


def test_suppressions_are_admin_only_and_audited(api: Api) -> None:
    made = api.post(api.admin, "/suppressions", {"kind": "rule", "value": "PERM-001", "reason": "store policy"})
    assert made.status_code == 201 and made.json()["value"] == "PERM-001"
    assert api.post(api.admin, "/suppressions", {"kind": "rule", "value": "PERM-001", "reason": "again"}) \
        .status_code == 409
    assert api.post(api.admin, "/suppressions", {"kind": "app", "value": "x", "reason": "y"}).status_code == 422
    assert [s["value"] for s in api.get(api.admin, "/suppressions").json()] == ["PERM-001"]
    assert api.post(api.alice, "/suppressions", {"kind": "rule", "value": "X", "reason": "y"}).status_code == 403
    assert api.delete(api.alice, f"/suppressions/{made.json()['id']}").status_code == 403
    assert api.delete(api.admin, f"/suppressions/{made.json()['id']}").status_code == 204
    assert api.delete(api.admin, f"/suppressions/{made.json()['id']}").status_code == 404
    assert api.get(api.admin, "/suppressions").json() == []
    actions = [e["action"] for e in api.get(api.admin, "/audit").json()]
    assert "suppression.add" in actions and "suppression.delete" in actions


def test_each_tenant_keeps_its_own_suppressions(api: Api, globex_admin: str) -> None:
    globex = globex_admin
    mine = api.post(api.admin, "/suppressions", {"kind": "sdk", "value": "umeng", "reason": "acme's contract"})
    theirs = api.post(globex, "/suppressions", {"kind": "sdk", "value": "umeng", "reason": "globex's contract"})
    assert mine.status_code == theirs.status_code == 201  # the same (kind, value) once per tenant
    assert [s["reason"] for s in api.get(globex, "/suppressions").json()] == ["globex's contract"]
    assert api.delete(globex, f"/suppressions/{mine.json()['id']}").status_code == 404  # acme's id: as missing
    assert [s["reason"] for s in api.get(api.admin, "/suppressions").json()] == ["acme's contract"]
    assert "suppression.add" not in [e["action"] for e in api.get(globex, "/audit").json()
                                     if e["subject"] == f"suppression {mine.json()['id']}"]
    for key, made in ((api.admin, mine), (globex, theirs)):
        assert api.delete(key, f"/suppressions/{made.json()['id']}").status_code == 204


@dataclasses.dataclass(frozen=True)
class CliScans:
    scan_id: int
    """components.apk, stored by ``appscan scan --db`` into the server's database: no upload, the default tenant's."""
    failed_id: int
    """A failed scan stored without an upload."""
    dora: str
    """Reviewer key of the default tenant, named after its user dora."""


@pytest.fixture(scope="module")
def cli_scans(api: Api) -> CliScans:
    """A scan and a failed scan the command line stored into the server's database, and a key of their tenant."""
    scanned = run_appscan("scan", str(SAMPLES / "components.apk"), "--db", api.db)
    assert scanned.returncode == 0, scanned.stderr
    with api.store() as store:
        failed = record_failure(store, "broken.apk", "broken.apk: not a zip file", 0.1)
        add_user(store, "default", "dora", PASSWORD)
        dora = create_key(store, "dora", "default")
    rows = api.get(dora, "/queue", package="com.example.components").json()["rows"]
    assert len(rows) == 1 and rows[0]["upload_id"] is None, rows
    return CliScans(rows[0]["scan_id"], failed, dora)


def test_a_scan_the_cli_stored_is_reached_by_its_scan_id(api: Api, cli_scans: CliScans) -> None:
    key, scan = cli_scans.dora, f"/stored-scans/{cli_scans.scan_id}"
    rows = {r["scan_id"]: r for r in api.get(key, "/queue").json()["rows"]}
    assert rows[cli_scans.scan_id]["url"] == scan
    assert rows[cli_scans.failed_id]["status"] == "failed" and rows[cli_scans.failed_id]["url"] is None
    assert api.get(key, scan).json() == rows[cli_scans.scan_id]  # the scan as the queue lists it

    report = api.get(key, f"{scan}/report", lang="en")
    assert report.status_code == 200 and report.json()["app"]["package"] == "com.example.components"
    html = api.get(key, f"{scan}/report", format="html")
    assert html.headers["content-type"].startswith("text/html") and "com.example.components" in html.text
    xlsx = api.get(key, f"{scan}/report", format="xlsx")
    assert xlsx.content.startswith(b"PK") and f'report-{cli_scans.scan_id}.xlsx' in xlsx.headers["content-disposition"]

    findings = api.get(key, f"{scan}/findings").json()
    assert (findings["scan_id"], findings["upload_id"], findings["package"], findings["version_code"]) == \
        (cli_scans.scan_id, None, "com.example.components", 7)
    first = findings["findings"][0]["id"]
    assert api.post(key, f"{scan}/findings/no-such-finding/review", {"verdict": "confirmed", "reason": "x"}) \
        .status_code == 404
    made = api.post(key, f"{scan}/findings/{first}/review",
                    {"verdict": "confirmed", "reason": "seen in the CLI's scan"})
    assert made.status_code == 201 and (made.json()["by"], made.json()["scan_id"]) == ("dora", cli_scans.scan_id)
    assert api.get(key, f"{scan}/findings").json()["findings"][0]["review"]["reason"] == "seen in the CLI's scan"

    early = api.get(key, f"{scan}/notice")
    assert early.status_code == 409 and f"POST {scan}/decision" in early.json()["detail"]
    decided = api.post(key, f"{scan}/decision",
                       {"decision": "rectification-required", "comment": "fix the debuggable build"})
    assert decided.status_code == 201 and decided.json()["by"] == "dora"
    assert api.get(key, f"{scan}/decision").json()["current"]["decision"] == "rectification-required"
    assert api.get(key, scan).json()["decision"] == "rectification-required"
    notice = api.get(key, f"{scan}/notice", lang="en")
    assert notice.status_code == 200 and notice.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in notice.headers["content-security-policy"]
    assert "fix the debuggable build" in notice.text

    for other in (api.alice, api.admin, api.gina):  # tenants that did not store it
        _hidden(api, other, scan, MISSING_SCAN, first)
    _hidden(api, key, f"/stored-scans/{cli_scans.failed_id}", MISSING_SCAN, first)  # a failed scan: as missing
    assert cli_scans.scan_id not in {r["scan_id"] for r in api.get(api.alice, "/queue").json()["rows"]}


def test_an_uploaded_scan_is_reached_by_its_scan_id_by_its_tenant_only(api: Api, cli_scans: CliScans) -> None:
    """The same scan by upload id and by scan id: the same answers, and what is done through one shows through the
    other; globex, and the default tenant that holds the scans of no upload, get 404."""
    upload = api.scanned(api.alice, with_version_code(SAMPLES / "sdks.apk", api.tmp / "sdks-v8.apk", 8))
    by_upload, scan = f"/scans/{upload['id']}", f"/stored-scans/{upload['scan_id']}"
    row = api.get(api.alice, scan).json()
    assert (row["scan_id"], row["upload_id"], row["version_code"], row["url"]) == \
        (upload["scan_id"], upload["id"], 8, scan)
    findings = api.get(api.alice, f"{scan}/findings").json()
    assert findings == api.get(api.alice, f"{by_upload}/findings").json() and findings["upload_id"] == upload["id"]
    assert api.get(api.alice, f"{scan}/report").content == api.get(api.alice, f"{by_upload}/report").content

    first = findings["findings"][0]["id"]
    assert api.post(api.alice, f"{scan}/findings/{first}/review",
                    {"verdict": "confirmed", "reason": "reviewed by scan id"}).status_code == 201
    reviewed = {f["id"]: f for f in api.get(api.alice, f"{by_upload}/findings").json()["findings"]}
    assert reviewed[first]["review"]["reason"] == "reviewed by scan id" and not reviewed[first]["carried_over"]
    assert api.post(api.alice, f"{by_upload}/decision", {"decision": "approve", "comment": "fine"}).status_code == 201
    assert api.get(api.alice, f"{scan}/decision").json()["current"]["decision"] == "approve"
    pdf = api.get(api.alice, f"{scan}/notice", format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    for other in (api.gina, cli_scans.dora):
        _hidden(api, other, scan, MISSING_SCAN, first)


def test_a_scan_id_that_is_no_number_in_range_is_refused(api: Api) -> None:
    """Beyond PostgreSQL's integer ids the query would fail (503): such an id is refused as malformed."""
    for bad in ("abc", "0", "-1", str(2**31)):
        answer = api.get(api.alice, f"/stored-scans/{bad}/findings")
        assert answer.status_code == 422, (bad, answer.text)
    assert api.get(api.alice, f"/stored-scans/{2**31 - 1}/findings").status_code == 404  # the largest id: none


_CHANGES = (("post", "disable", {}), ("post", "enable", {}), ("put", "password", {"password": "a new password"}),
            ("put", "role", {"role": "admin"}))
"""Every change of a person: method, the path's last part and the body."""


def _change(api: Api, key: str, login: str, change: str) -> httpx.Response:
    method, _, body = next(c for c in _CHANGES if c[1] == change)
    path = f"/users/{login}/{change}"
    return api.post(key, path, body) if method == "post" else api.put(key, path, body)


def _detail(answer: httpx.Response) -> str:
    """The one-line detail of a refusal."""
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail, detail
    return detail


def test_people_are_managed_by_admin_keys_of_their_own_tenant_only(api: Api, globex_admin: str) -> None:
    assert api.get(api.alice, "/users").status_code == 403
    assert api.post(api.alice, "/users", {"login": "mallory", "password": PASSWORD, "role": "admin"}) \
        .status_code == 403
    for _, change, _ in _CHANGES:
        assert _change(api, api.alice, "alice", change).status_code == 403, change

    acme = {u["login"]: u for u in api.get(api.admin, "/users").json()}
    assert set(acme["alice"]) == {"tenant", "login", "role", "created_at", "disabled"}  # never a hash
    assert (acme["alice"]["tenant"], acme["alice"]["role"], acme["alice"]["disabled"]) == ("acme", "reviewer", False)
    assert datetime.fromisoformat(acme["alice"]["created_at"]).tzinfo is not None
    globex = [u["login"] for u in api.get(globex_admin, "/users").json()]
    assert "gina" in globex and "alice" not in globex

    for _, change, _ in _CHANGES:  # acme's alice is answered exactly like a login nobody has
        theirs, none = _change(api, globex_admin, "alice", change), _change(api, globex_admin, "nobody", change)
        assert theirs.status_code == none.status_code == 404, (change, theirs.text)
        assert _detail(theirs).replace("alice", "LOGIN") == _detail(none).replace("nobody", "LOGIN")
    # the same login in another tenant is another person: no 409 telling that acme has an alice
    assert api.post(globex_admin, "/users", {"login": "alice", "password": "globex's alice"}).status_code == 201
    with api.store() as store:
        assert verify_password(store, "acme", "alice", PASSWORD) is not None  # untouched by globex
        assert verify_password(store, "globex", "alice", "globex's alice") is not None
    assert not any(e["subject"] == "user alice" and e["action"] != "user.add"
                   for e in api.get(api.admin, "/audit").json())


def test_a_person_is_added_disabled_enabled_given_a_password_and_a_role_each_audited(api: Api) -> None:
    made = api.post(api.admin, "/users", {"login": "carol", "password": PASSWORD})
    assert made.status_code == 201, made.text
    assert {k: made.json()[k] for k in ("tenant", "login", "role", "disabled")} == \
        {"tenant": "acme", "login": "carol", "role": "reviewer", "disabled": False}
    for status, body, words in (
            (409, {"login": "carol", "password": "another password", "role": "admin"}, "already exists in tenant"),
            (409, {"login": "carol", "password": "short"}, "'carol' already exists in tenant 'acme'"),
            (422, {"login": "bad login", "password": PASSWORD}, "invalid login 'bad login'"),
            (422, {"login": "", "password": PASSWORD}, "invalid login ''"),
            (422, {"login": "dave", "password": "short"}, "at least 8 characters")):
        answer = api.post(api.admin, "/users", body)
        assert answer.status_code == status and words in _detail(answer), (body, answer.text)
    assert api.post(api.admin, "/users", {"login": "dave", "password": PASSWORD, "role": "root"}).status_code == 422

    with api.store() as store:
        disabled = _change(api, api.admin, "carol", "disable")
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        assert verify_password(store, "acme", "carol", PASSWORD) is None  # can no longer log in
        assert session_state(store, "acme", "carol") is None
        assert next(u for u in api.get(api.admin, "/users").json() if u["login"] == "carol")["disabled"] is True
        enabled = _change(api, api.admin, "carol", "enable")
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False
        assert verify_password(store, "acme", "carol", PASSWORD) is not None
        short = api.put(api.admin, "/users/carol/password", {"password": "short"})
        assert short.status_code == 422 and "at least 8" in _detail(short)
        nobody = api.put(api.admin, "/users/nobody/password", {"password": "short"})
        assert nobody.status_code == 404 and _detail(nobody) == "no user 'nobody' in tenant 'acme'"
        assert api.put(api.admin, "/users/carol/password", {"password": "a new password"}).status_code == 200
        assert verify_password(store, "acme", "carol", PASSWORD) is None
        assert verify_password(store, "acme", "carol", "a new password") is not None
        assert api.put(api.admin, "/users/carol/role", {"role": "root"}).status_code == 422
        promoted = api.put(api.admin, "/users/carol/role", {"role": "admin"})
        assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
        assert session_state(store, "acme", "carol") == ("admin", 4)  # each change ended her sessions

    actor = f"ops (key {api.admin.partition('.')[0]})"
    events = [(e["action"], e["actor"], e["detail"]) for e in api.get(api.admin, "/audit").json()
              if e["subject"] == "user carol"]
    assert events == [("user.role", actor, {"role": "admin"}), ("user.password", actor, {}),
                      ("user.enable", actor, {}), ("user.disable", actor, {}),
                      ("user.add", actor, {"role": "reviewer"})]  # refused changes left nothing


def test_an_admin_key_cannot_lock_the_tenant_out_of_its_people(api: Api) -> None:
    """A tenant of its own, whose only people this test makes: an admin key is no person."""
    with api.store() as store:
        key = create_key(store, "initech-ops", "initech", role="admin")
    assert api.post(key, "/users", {"login": "erin", "password": PASSWORD, "role": "admin"}).status_code == 201
    for answer in (_change(api, key, "erin", "disable"), api.put(key, "/users/erin/role", {"role": "reviewer"})):
        assert answer.status_code == 409 and _detail(answer).startswith(
            "user 'erin' is the last enabled admin of tenant 'initech'"), answer.text
    assert api.post(key, "/users", {"login": "frank", "password": PASSWORD, "role": "admin"}).status_code == 201
    assert api.put(key, "/users/erin/role", {"role": "reviewer"}).status_code == 200  # frank is left
    assert _change(api, key, "frank", "disable").status_code == 409
    assert api.put(key, "/users/erin/role", {"role": "admin"}).status_code == 200
    assert _change(api, key, "frank", "disable").status_code == 200  # erin is left
    assert _change(api, key, "frank", "disable").status_code == 200  # a disabled admin may be disabled again
    assert _change(api, key, "erin", "disable").status_code == 409
    assert {u["login"]: (u["role"], u["disabled"]) for u in api.get(key, "/users").json()} == \
        {"erin": ("admin", False), "frank": ("admin", True)}
    assert [e["action"] for e in api.get(key, "/audit").json()][:4] == ["user.disable", "user.disable",
                                                                        "user.role", "user.role"]


def test_the_openapi_description_documents_the_review_endpoints(api: Api) -> None:
    spec = httpx.get(f"{api.base}/openapi.json").json()
    for path, method in (("/queue", "get"), ("/scans/{upload_id}/findings", "get"),
                         ("/scans/{upload_id}/findings/{finding_id}/review", "post"),
                         ("/scans/{upload_id}/decision", "post"), ("/scans/{upload_id}/notice", "get"),
                         ("/stored-scans/{scan_id}", "get"),
                         ("/apikeys", "post"), ("/apikeys/{key_id}", "delete"), ("/audit", "get"),
                         ("/suppressions", "post"), ("/users", "get"), ("/users", "post"),
                         ("/users/{login}/disable", "post"), ("/users/{login}/enable", "post"),
                         ("/users/{login}/password", "put"), ("/users/{login}/role", "put")):
        operation = spec["paths"][path][method]
        assert operation["summary"] and operation["description"], path
    for path, method in (("/report", "get"), ("/findings", "get"), ("/findings/{finding_id}/review", "post"),
                         ("/reviews", "post"), ("/decision", "post"), ("/decision", "get"), ("/notice", "get")):
        by_upload = spec["paths"][f"/scans/{{upload_id}}{path}"][method]
        by_id = spec["paths"][f"/stored-scans/{{scan_id}}{path}"][method]
        assert by_id["summary"] == f"{by_upload['summary']} (by stored scan id)", path
        assert by_id["description"] == by_upload["description"], path
        assert {p["name"] for p in by_id["parameters"]} - {"scan_id"} == \
            {p["name"] for p in by_upload["parameters"]} - {"upload_id"}, path
    formats = spec["paths"]["/scans/{upload_id}/report"]["get"]["parameters"]
    assert any(p["name"] == "lang" for p in formats)
    assert all(f.value in str(formats) for f in ReportFormat)
