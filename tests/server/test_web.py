"""The reviewers' web UI on a real uvicorn server on loopback: the whole review in headless Chromium (log in,
upload, wait, filter, report, false positive, a second version carrying the review over, decision, notice, another
tenant seeing nothing, both languages, no console error), then its defences over plain HTTP (sessions, CSRF,
tenants, escaping), and the same review on PostgreSQL."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import struct
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from appscan.model import Text
from appscan.report.json_format import to_document
from appscan.server import ui_text
from appscan.server.ui_text import LANGS, MESSAGES
from appscan.server.web import ADMIN_DONE
from appscan.store import open_store, save_scan
from appscan.store.queue import SORTS
from appscan.store.repository import SUPPRESSION_KINDS
from appscan.store.review_records import DECISIONS, DEFAULT_TENANT, ROLES, VERDICTS, add_user
from tests.conftest import REPO_ROOT
from tests.report import browser
from tests.scale.conftest import SAMPLES, appscan_cmd, pg_url  # noqa: F401 - pg_url is a fixture
from tests.scale.test_service import _free_port, _wait_healthy
from tests.store import factory

SECRET = "test-session-secret-0123456789"
PASSWORD = "correct horse battery"
PACKAGE = "com.example.sdks"
VERSION_CODE_ATTR = 0x0101021B
"""android:versionCode's framework resource id: the platform (and the scanner) read the attribute by it."""
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
HOSTILE_PACKAGE = "com.evil.<img src=x onerror=alert(3)>"


@dataclasses.dataclass(frozen=True)
class Server:
    base: str
    db_url: str
    hostile_scan: int
    """A scan of the default tenant whose package, label and finding title are markup."""


def with_version_code(apk: Path, out: Path, version_code: int, *renamed: tuple[str, str]) -> Path:
    """The APK with its binary manifest's android:versionCode set to ``version_code`` (and each ``renamed`` string
    of the manifest replaced by one of the same length): a new version of the same app for the scanner (its v1
    signature no longer matches the manifest, as for any re-packed app).

    The attribute is found as the platform finds it: the string index whose resource-map entry is versionCode's id,
    then the 20-byte attribute record naming that index with an integer value."""
    with zipfile.ZipFile(apk) as source:
        manifest = bytearray(source.read("AndroidManifest.xml"))
        for old, new in renamed:
            assert len(old) == len(new) and old.encode("utf-16-le") in manifest, old
            manifest = manifest.replace(old.encode("utf-16-le"), new.encode("utf-16-le"))
        at = 8
        while struct.unpack_from("<H", manifest, at)[0] != 0x0180:  # the resource map chunk
            at += struct.unpack_from("<I", manifest, at + 4)[0]
        size = struct.unpack_from("<I", manifest, at + 4)[0]
        ids = struct.unpack_from(f"<{(size - 8) // 4}I", manifest, at + 8)
        name = ids.index(VERSION_CODE_ATTR)
        record = re.compile(re.escape(struct.pack("<I", name)) + rb"\xff\xff\xff\xff\x08\x00\x00[\x10\x11]",
                            re.DOTALL)
        found = [m.start() for m in record.finditer(bytes(manifest))]
        assert len(found) == 1, found
        struct.pack_into("<I", manifest, found[0] + 12, version_code)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = bytes(manifest) if info.filename == "AndroidManifest.xml" else source.read(info)
                target.writestr(info, data)
    return out


def start_server(tmp: Path, db_url: str | None = None) -> tuple[subprocess.Popen[bytes], Server]:
    """A server on its own SQLite file in ``tmp`` (or on ``db_url``) with two tenants (acme: admin alice and
    reviewer bob; other: reviewer eve), dora of the default tenant, and a stored scan of hostile markup that only
    the default tenant holds; every password is ``PASSWORD``. Its log is tmp/server.log."""
    db_url = db_url or f"sqlite:///{tmp / 'web.db'}"
    store = open_store(db_url)
    try:
        add_user(store, "acme", "alice", PASSWORD, "admin")
        add_user(store, "acme", "bob", PASSWORD)
        add_user(store, "other", "eve", PASSWORD)
        add_user(store, DEFAULT_TENANT, "dora", PASSWORD)
        hostile = factory.result(HOSTILE_PACKAGE, findings=(dataclasses.replace(
            factory.finding("AS-hostile"), title=Text(f"中文{XSS}", f"English{XSS}")),))
        hostile_scan = save_scan(store, hostile, to_document(hostile))
    finally:
        store.close()
    env = {k: v for k, v in os.environ.items() if k not in ("APPSCAN_BROKER", "APPSCAN_SESSION_SECRET")}
    env["APPSCAN_DB"] = db_url
    port = _free_port()
    process = subprocess.Popen(appscan_cmd("serve", "--port", str(port), "--upload-dir", str(tmp / "uploads"),
                                           "--workers", "1", "--insecure-cookies", "--session-secret", SECRET),
                               cwd=REPO_ROOT, env=env, stdout=(tmp / "server.log").open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base, tmp / "server.log")
    return process, Server(base, db_url, hostile_scan)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``start_server`` for the module's tests; stopped at the end, its log free of tracebacks."""
    tmp = tmp_path_factory.mktemp("web")
    process, started = start_server(tmp)
    yield started
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    assert "Traceback" not in (tmp / "server.log").read_text()


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return found.group(1)


def _client(server: Server, tenant: str, login: str) -> tuple[httpx.Client, str]:
    """A client logged in through the form, and its session's CSRF token."""
    client = httpx.Client(base_url=server.base, timeout=60)
    token = _field(client.get("/ui/login").text, "token")
    answer = client.post("/ui/login", data={"tenant": tenant, "login": login, "password": PASSWORD,
                                            "token": token, "next": "/ui/queue"})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/queue", answer.text
    return client, _field(client.get("/ui/queue").text, "csrf")


def _upload(client: httpx.Client, csrf: str, apk: Path) -> tuple[int, str]:
    """Upload through the UI's form and wait for the scan: the scan's id and the upload's."""
    answer = client.post(f"/ui/upload?csrf={csrf}", files=[("file", (apk.name, apk.read_bytes()))])
    assert answer.status_code == 303, answer.text
    deadline = time.monotonic() + 120
    while (status := client.get(answer.headers["location"])).status_code == 200:
        assert time.monotonic() < deadline and "st-failed" not in status.text, status.text
        # the waiting page looks again after 1 s first, then a little later each time
        assert re.search(r'http-equiv="refresh" content="1;url=/ui/uploads/\w+\?wait=1"', status.text), status.text
        time.sleep(0.5)
    assert status.status_code == 303, status.text
    return int(status.headers["location"].rsplit("/", 1)[1]), answer.headers["location"].rsplit("/", 1)[1]


def test_both_languages_have_every_message_the_pages_use() -> None:
    """The catalogue's languages hold the same keys with the same placeholders, and every key a template names
    literally is in it, and so is every key a template builds from a code (``'decision.' ~ code``...)."""
    placeholders = {lang: {k: sorted(re.findall(r"{(\w+)}", v)) for k, v in MESSAGES[lang].items()} for lang in LANGS}
    assert placeholders["zh"] == placeholders["en"]
    templates = Path(ui_text.__file__).parent / "templates"
    used = {key for page in templates.glob("*.j2") for key in re.findall(r"\bt\('([\w.-]+)'[,)]", page.read_text())}
    built = {f"{prefix}.{code}" for prefix, codes in (("decision", DECISIONS), ("verdict", VERDICTS), ("role", ROLES),
                                                      ("sort", SORTS), ("status", ("ok", "failed", "queued", "done")),
                                                      ("admin.done", ADMIN_DONE), ("admin.kind", SUPPRESSION_KINDS))
             for code in codes}
    assert used and used | built <= MESSAGES["zh"].keys(), sorted((used | built) - MESSAGES["zh"].keys())


# --- the whole review in a browser --------------------------------------------------------------------------------

def _wait(driver: Any, condition: Any, timeout: float = 120) -> Any:
    """Poll ``condition`` until true; an element that a page load replaced while it was read (stale) or that the
    new page has not drawn yet is polled again, not an error: forms here answer with a reload."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def polled(d: Any) -> Any:
        try:
            return condition(d)
        except WebDriverException as exc:  # Chromium's wording for an element of the page just replaced
            if "does not belong to the document" in str(exc):
                return False
            raise

    return WebDriverWait(driver, timeout, poll_frequency=0.3,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(polled)


def _log_in(driver: Any, base: str, tenant: str, login: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/ui/queue")
    assert "/ui/login" in driver.current_url  # no session: the log-in page, coming back to the queue after
    for name, value in (("tenant", tenant), ("login", login), ("password", PASSWORD)):
        driver.find_element(By.NAME, name).send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(driver, lambda d: d.current_url.endswith("/ui/queue"))


def _upload_in_browser(driver: Any, base: str, apk: Path) -> int:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/ui/upload")
    driver.find_element(By.NAME, "file").send_keys(str(apk))
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(driver, lambda d: re.search(r"/ui/scans/\d+$", d.current_url))
    return int(driver.current_url.rsplit("/", 1)[1])


def _row(driver: Any, finding_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, f"f-{finding_id}")


def _review(driver: Any, finding_id: str, verdict: str, reason: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = _row(driver, finding_id).find_element(By.CSS_SELECTOR, "form.review-form")
    Select(form.find_element(By.NAME, "verdict")).select_by_value(verdict)
    form.find_element(By.NAME, "reason").send_keys(reason)
    form.find_element(By.CSS_SELECTOR, "button").click()
    _wait(driver, lambda d: reason in _row(d, finding_id).text)


def _console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
def test_a_reviewer_does_the_whole_job_in_the_browser(server: Server, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    second = with_version_code(SAMPLES / "sdks.apk", tmp_path / "sdks-v4.apk", 4)
    with browser.chrome() as driver:
        d: Any = driver
        base = server.base
        _log_in(d, base, "acme", "alice")
        assert d.find_element(By.TAG_NAME, "h1").text == "待审队列"
        first = _upload_in_browser(d, base, SAMPLES / "sdks.apk")

        # The queue, filtered: the scan is there under its verdict and SDK, and not under another verdict.
        d.get(f"{base}/ui/queue")
        Select(d.find_element(By.NAME, "verdict")).select_by_value("high-risk")
        Select(d.find_element(By.NAME, "sdk")).select_by_value("umeng-common")
        d.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        _wait(d, lambda dr: "verdict=high-risk" in dr.current_url)
        rows = d.find_elements(By.CSS_SELECTOR, "#queue tr.scan")
        assert [r.get_attribute("data-scan") for r in rows] == [str(first)]
        assert "高风险" in rows[0].text and "首个版本" in rows[0].text
        Select(d.find_element(By.NAME, "verdict")).select_by_value("pass")
        d.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        _wait(d, lambda dr: "verdict=pass" in dr.current_url)
        assert d.find_elements(By.CSS_SELECTOR, "#queue tr.scan") == []

        # The scan page embeds the report; opened on its own, it is the report of the app.
        d.get(f"{base}/ui/scans/{first}")
        frame = d.find_element(By.CSS_SELECTOR, "iframe.report")
        d.switch_to.frame(frame)
        _wait(d, lambda dr: PACKAGE in dr.find_element(By.TAG_NAME, "body").text)
        d.switch_to.default_content()
        findings = [r.get_attribute("data-finding") for r in d.find_elements(By.CSS_SELECTOR, "tr.finding")]
        assert len(findings) > 5
        false_positive, confirmed, also_confirmed = findings[0], findings[1], findings[2]
        _review(d, false_positive, "false-positive", "stub code in the sample")
        # two findings ticked and confirmed with one form: one page load for both
        for ticked in (confirmed, also_confirmed):
            _row(d, ticked).find_element(By.CSS_SELECTOR, "input.tick").click()
        bulk = d.find_element(By.ID, "bulk-review")
        bulk.find_element(By.NAME, "reason").send_keys("really collected before consent")
        bulk.find_element(By.CSS_SELECTOR, "button").click()
        _wait(d, lambda dr: "really collected before consent" in _row(dr, also_confirmed).text)
        assert "误报" in _row(d, false_positive).text and "确认问题" in _row(d, confirmed).text
        assert "未复核" not in _row(d, also_confirmed).text and "未复核" in _row(d, findings[3]).text

        # A new version of the app: the reviews made on the first one are in force, marked as carried over.
        newer = _upload_in_browser(d, base, second)
        assert newer != first
        row = _row(d, false_positive)
        assert "误报" in row.text and "沿用自版本 3.0" in row.text and "stub code in the sample" in row.text
        assert "确认问题" in _row(d, confirmed).text
        assert d.find_element(By.CSS_SELECTOR, "a[href^='/ui/scans/%d']" % first)  # the previous version's link

        # The app page: both versions, newest first, and their diff by finding, SDK and data type.
        d.get(f"{base}/ui/app?package={PACKAGE}")
        versions = [r.get_attribute("data-scan") for r in d.find_elements(By.CSS_SELECTOR, "#versions tbody tr")]
        assert versions == [str(newer), str(first)]
        assert d.find_element(By.ID, "diff-findings") and d.find_element(By.ID, "diff-data_types")
        assert "Lcom/" not in d.find_element(By.ID, "diff").text  # names, not raw call sites

        # The decision and the notice, as HTML in the browser and as a PDF.
        d.get(f"{base}/ui/scans/{newer}")
        d.find_element(By.CSS_SELECTOR, "input[name=decision][value=rectification-required]").click()
        d.find_element(By.CSS_SELECTOR, "#decision-form textarea[name=comment]").send_keys("请在下一版本前整改")
        d.find_element(By.CSS_SELECTOR, "#decision-form button[type=submit]").click()
        _wait(d, lambda dr: dr.find_elements(By.ID, "current-decision"))
        assert "需整改" in d.find_element(By.ID, "current-decision").text
        notice_pdf = d.find_element(By.ID, "notice-pdf").get_attribute("href")
        d.get(d.find_element(By.ID, "notice-html").get_attribute("href"))
        assert "整改通知" in d.title and "请在下一版本前整改" in d.find_element(By.TAG_NAME, "body").text
        cookies = {c["name"]: c["value"] for c in d.get_cookies()}
        pdf = httpx.get(notice_pdf, cookies=cookies, timeout=120)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:200]

        # English, then the audit log (alice is an admin) names every change.
        d.get(f"{base}/ui/queue")
        d.find_element(By.CSS_SELECTOR, "a.lang").click()
        _wait(d, lambda dr: dr.find_element(By.TAG_NAME, "h1").text == "Review queue")
        assert "High risk" in d.find_element(By.ID, "queue").text
        d.get(f"{base}/ui/scans/{newer}")
        assert "False positive" in _row(d, false_positive).text and "carried over from version 3.0" in _row(
            d, false_positive).text
        d.get(f"{base}/ui/audit")
        audit = d.find_element(By.ID, "audit").text
        assert "finding.review" in audit and "scan.decide" in audit and "alice" in audit
        assert _console_errors(d) == []

        # Another tenant sees none of it, neither in the queue nor by id.
        d.find_element(By.CSS_SELECTOR, "header form button").click()
        _wait(d, lambda dr: "/ui/login" in dr.current_url)
        _log_in(d, base, "other", "eve")
        assert d.find_elements(By.CSS_SELECTOR, "#queue tr.scan") == []
        assert "No scan matches." in d.find_element(By.ID, "queue").text
        d.get(f"{base}/ui/scans/{newer}")
        assert "No such scan" in d.find_element(By.TAG_NAME, "main").text
        d.get(f"{base}/ui/app?package={PACKAGE}")
        assert "Your team has no scan of this app." in d.find_element(By.TAG_NAME, "main").text
        refused = (f"{base}/ui/scans/{newer} ", f"{base}/ui/app?package={PACKAGE} ")
        assert [e for e in _console_errors(d) if not (e["message"].startswith(refused) and "404" in e["message"])] \
            == []  # the two pages answered 404 on purpose, and nothing else went wrong


def _admin_form(driver: Any, form_id: str, **fields: str) -> None:
    """Fill a form of the admin page (text fields typed, selects chosen) and submit it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = driver.find_element(By.ID, form_id)
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def _person_row(driver: Any, login: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f"#users tr[data-login='{login}']")


def _logged_out(client: httpx.Client) -> bool:
    answer = client.get("/ui/queue")
    return answer.status_code == 303 and "/ui/login" in answer.headers["location"]


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
def test_an_admin_manages_people_keys_and_suppressions_in_the_browser(server: Server) -> None:
    """Everything the CLI's ``user`` and ``apikey`` commands do, from the admin page: a new person logs in, a
    key made there works on the API until it is revoked, disabling a person or setting their password ends their
    open session at once, a suppression is added and removed, and the audit log names each change."""
    from selenium.webdriver.common.by import By

    with browser.chrome() as driver:
        d: Any = driver
        _log_in(d, server.base, "acme", "alice")
        d.find_element(By.CSS_SELECTOR, "header nav a[href='/ui/admin']").click()
        _wait(d, lambda dr: dr.find_element(By.TAG_NAME, "h1").text == "团队管理")
        assert "您" in _person_row(d, "alice").text and not _person_row(d, "alice").find_elements(
            By.CSS_SELECTOR, "button.disable")  # no button to lock oneself out

        _admin_form(d, "add-user", login="carol", password=PASSWORD, role="reviewer")
        _wait(d, lambda dr: "done=user_added" in dr.current_url)
        assert "审核员" in _person_row(d, "carol").text
        carol, _ = _client(server, "acme", "carol")

        _admin_form(d, "add-key", name="ci-pipeline", role="reviewer")
        _wait(d, lambda dr: dr.find_elements(By.ID, "new-key"))
        key = d.find_element(By.ID, "new-key").text
        assert httpx.get(f"{server.base}/queue", headers={"X-API-Key": key}).status_code == 200
        d.get(f"{server.base}/ui/admin")
        key_id = key.partition(".")[0]
        row = d.find_element(By.CSS_SELECTOR, f"#key-list tr[data-key='{key_id}']")
        assert "ci-pipeline" in row.text and key.partition(".")[2] not in d.page_source  # the secret: shown once
        row.find_element(By.CSS_SELECTOR, "button.revoke").click()
        _wait(d, lambda dr: not dr.find_elements(By.CSS_SELECTOR, f"#key-list tr[data-key='{key_id}']"))
        assert httpx.get(f"{server.base}/queue", headers={"X-API-Key": key}).status_code in (401, 403)

        assert not _logged_out(carol)
        _person_row(d, "carol").find_element(By.CSS_SELECTOR, "button.disable").click()
        _wait(d, lambda dr: "已停用" in _person_row(dr, "carol").text)
        assert _logged_out(carol)  # her open session ended with the change, not at its expiry
        _person_row(d, "carol").find_element(By.CSS_SELECTOR, "button.enable").click()
        _wait(d, lambda dr: "已停用" not in _person_row(dr, "carol").text)
        carol, _ = _client(server, "acme", "carol")
        new_password = "a much better password"
        row = _person_row(d, "carol")
        row.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(new_password)
        row.find_element(By.CSS_SELECTOR, "form[action$='/password'] button").click()
        _wait(d, lambda dr: "done=user_password" in dr.current_url)
        assert _logged_out(carol)
        fresh = httpx.Client(base_url=server.base)
        token = _field(fresh.get("/ui/login").text, "token")
        assert fresh.post("/ui/login", data={"tenant": "acme", "login": "carol", "password": new_password,
                                             "token": token}).status_code == 303

        _admin_form(d, "add-suppression", kind="sdk", value="umeng-common", reason="contract reviewed")
        _wait(d, lambda dr: "contract reviewed" in dr.find_element(By.ID, "suppression-list").text)
        d.find_element(By.CSS_SELECTOR, "#suppression-list tr[data-suppression] button").click()
        _wait(d, lambda dr: "contract reviewed" not in dr.find_element(By.ID, "suppression-list").text)

        d.get(f"{server.base}/ui/audit")
        audit = d.find_element(By.ID, "audit").text
        for action in ("user.add", "key.create", "key.revoke", "user.disable", "user.enable", "user.password",
                       "suppression.add", "suppression.delete"):
            assert action in audit, action
        assert _console_errors(d) == []


def test_the_admin_page_is_for_the_tenants_admins(server: Server) -> None:
    """A reviewer gets 403 on the page and on its forms; an admin's forms need the CSRF token; an admin cannot
    disable or demote themselves, nor reach another tenant's people; the store's refusals come back as one line."""
    bob, bob_csrf = _client(server, "acme", "bob")
    assert bob.get("/ui/admin").status_code == 403
    assert bob.post("/ui/admin/users", data={"csrf": bob_csrf, "login": "mallory", "password": PASSWORD,
                                             "role": "admin"}).status_code == 403
    assert bob.post("/ui/admin/users/bob/role", data={"csrf": bob_csrf, "role": "admin"}).status_code == 403
    alice, csrf = _client(server, "acme", "alice")
    assert alice.post("/ui/admin/users", data={"login": "mallory", "password": PASSWORD}).status_code == 403
    assert alice.post("/ui/admin/users/alice/disable", data={"csrf": csrf}).status_code == 409
    assert alice.post("/ui/admin/users/alice/role", data={"csrf": csrf, "role": "reviewer"}).status_code == 409
    for path, data, words in [
            ("/ui/admin/users", {"login": "dave", "password": "short"}, "at least 8"),
            ("/ui/admin/users", {"login": "bob", "password": PASSWORD}, "already exists"),
            ("/ui/admin/users/eve/disable", {}, "no user &#39;eve&#39; in tenant &#39;acme&#39;"),
            ("/ui/admin/suppressions", {"kind": "package", "value": "x", "reason": "y"}, "kind must be one of")]:
        answer = alice.post(path, data={"csrf": csrf, **data})
        assert answer.status_code == 422 and words in answer.text, (path, answer.text[-600:])
    assert alice.post("/ui/admin/keys/0123456789abcdef/revoke", data={"csrf": csrf}).status_code == 404
    eve, _ = _client(server, "other", "eve")
    assert not _logged_out(eve)  # alice's attempt on "eve" reached nobody in the other tenant
    assert "mallory" not in alice.get("/ui/admin").text


def test_an_admin_who_sets_their_own_password_stays_logged_in(server: Server) -> None:
    """Setting a password ends the person's sessions; the admin who set their own gets a new session in the answer,
    while their other sessions (another browser) end."""
    store = open_store(server.db_url)
    try:
        add_user(store, "acme", "amy", PASSWORD, "admin")
    finally:
        store.close()
    here, csrf = _client(server, "acme", "amy")
    elsewhere, _ = _client(server, "acme", "amy")
    answer = here.post("/ui/admin/users/amy/password", data={"csrf": csrf, "password": "amy's new password"})
    assert answer.status_code == 303 and "appscan_session=" in answer.headers.get("set-cookie", "")
    assert here.get("/ui/admin").status_code == 200
    assert _logged_out(elsewhere)


# --- defences ----------------------------------------------------------------------------------------------------

def test_pages_need_a_valid_unexpired_session(server: Server) -> None:
    """No cookie, a forged or altered one, or one older than the session lifetime: back to the log-in page, for
    pages and form posts alike; a wrong password gets the form again with one message, and no cookie."""
    plain = httpx.Client(base_url=server.base)
    for path in ("/ui/queue", "/ui/scans/1", "/ui/audit", "/ui/upload"):
        answer = plain.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login?next="), path
    assert plain.post("/ui/scans/1/decision", data={"decision": "approve", "comment": "x"}).status_code == 303

    client, _csrf = _client(server, "acme", "bob")
    good = client.cookies["appscan_session"]
    payload = URLSafeTimedSerializer(SECRET, salt="appscan-session").loads(good)

    class NineHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 9 * 3600  # past the default 8-hour lifetime

    forged = {"expired": URLSafeTimedSerializer(SECRET, salt="appscan-session", signer=NineHoursAgo).dumps(payload),
              "other secret": URLSafeTimedSerializer("not the secret", salt="appscan-session").dumps(payload),
              "altered": good.replace(good[5], "A" if good[5] != "A" else "B", 1),
              "admin by hand": good.split(".")[0] + "x." + ".".join(good.split(".")[1:])}
    for what, cookie in forged.items():
        answer = httpx.get(f"{server.base}/ui/queue", cookies={"appscan_session": cookie})
        assert answer.status_code == 303 and "/ui/login" in answer.headers["location"], what
    assert httpx.get(f"{server.base}/ui/queue", cookies={"appscan_session": good}).status_code == 200

    set_cookie = httpx.Client(base_url=server.base)
    token = _field(set_cookie.get("/ui/login").text, "token")
    wrong = set_cookie.post("/ui/login", data={"tenant": "acme", "login": "bob", "password": "wrong password",
                                               "token": token})
    assert wrong.status_code == 401 and "appscan_session" not in wrong.headers.get("set-cookie", "")
    assert "团队、账号或密码不正确" in wrong.text


def test_cookies_are_httponly_and_strict(server: Server) -> None:
    client = httpx.Client(base_url=server.base)
    token = _field(client.get("/ui/login").text, "token")
    answer = client.post("/ui/login", data={"tenant": "acme", "login": "bob", "password": PASSWORD,
                                            "token": token})
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "appscan_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # --insecure-cookies: plain http on loopback; Secure is the default


def test_every_post_needs_the_session_csrf_token(server: Server) -> None:
    """A POST without the token, or with another session's, is refused with 403 and changes nothing; the log-in
    form needs the token of its pre-session cookie."""
    client, csrf = _client(server, "acme", "bob")
    _other, other_csrf = _client(server, "acme", "alice")
    scan, _upload_id = _upload(client, csrf, SAMPLES / "legacy.apk")
    finding = re.search(r'data-finding="([^"]+)"', client.get(f"/ui/scans/{scan}").text)
    assert finding
    posts = [(f"/ui/scans/{scan}/decision", {"decision": "approve", "comment": "fine"}),
             (f"/ui/scans/{scan}/findings/{finding.group(1)}", {"verdict": "confirmed", "reason": "yes"}),
             ("/ui/logout", {})]
    for path, data in posts:
        for token in (None, "", other_csrf, csrf[:-1]):
            sent = data if token is None else {**data, "csrf": token}
            answer = client.post(path, data=sent)
            assert answer.status_code == 403 and "CSRF" in answer.text, (path, token)
    upload = client.post("/ui/upload", files=[("file", ("clean.apk", (SAMPLES / "clean.apk").read_bytes()))])
    assert upload.status_code == 403
    assert "current-decision" not in client.get(f"/ui/scans/{scan}").text  # nothing was decided
    assert client.post(posts[0][0], data={**posts[0][1], "csrf": csrf}).status_code == 303

    fresh = httpx.Client(base_url=server.base)
    fresh.get("/ui/login")
    refused = fresh.post("/ui/login", data={"tenant": "acme", "login": "bob", "password": PASSWORD,
                                            "token": "forged"})
    assert refused.status_code == 403 and "appscan_session" not in refused.headers.get("set-cookie", "")


def test_another_tenants_scans_are_not_found_by_id(server: Server) -> None:
    """Every page and form of a scan, an upload or an app answers 404 for another tenant's, as for none at all."""
    owner, owner_csrf = _client(server, "acme", "bob")
    scan, upload_id = _upload(owner, owner_csrf, SAMPLES / "components.apk")
    intruder, csrf = _client(server, "other", "eve")
    finding = re.search(r'data-finding="([^"]+)"', owner.get(f"/ui/scans/{scan}").text)
    assert finding
    for path in (f"/ui/scans/{scan}", f"/ui/scans/{scan}/report", f"/ui/scans/{scan}/notice.html",
                 f"/ui/scans/{scan}/notice.pdf", f"/ui/scans/{server.hostile_scan}", "/ui/scans/999999",
                 "/ui/app?package=com.example.components"):
        assert intruder.get(path).status_code == 404, path
    for path, data in ((f"/ui/scans/{scan}/decision", {"decision": "reject", "comment": "mine now"}),
                       (f"/ui/scans/{scan}/findings/{finding.group(1)}", {"verdict": "false-positive",
                                                                          "reason": "mine"})):
        assert intruder.post(path, data={**data, "csrf": csrf}).status_code == 404, path
    assert intruder.get("/ui/uploads/0123456789abcdef0123456789abcdef").status_code == 404
    assert intruder.get(f"/ui/uploads/{upload_id}").status_code == 404
    assert owner.get(f"/ui/uploads/{upload_id}").status_code == 303  # the owner is sent on to the scan
    assert str(scan) not in intruder.get("/ui/queue").text.split('id="queue"')[1]
    assert intruder.get("/ui/audit").status_code == 403  # a reviewer, not an admin
    assert "mine" not in owner.get(f"/ui/scans/{scan}").text


def test_markup_from_apks_and_reviewers_is_shown_as_text(server: Server) -> None:
    """A package name, app label and finding title made of markup, and reviewers' reasons and comments made of
    markup, reach every page (queue, app, scan, audit, notice, both languages) escaped, never as tags; every page
    carries the CSP that would stop a script anyway."""
    client, csrf = _client(server, DEFAULT_TENANT, "dora")
    scan = server.hostile_scan
    assert client.post(f"/ui/scans/{scan}/findings/AS-hostile",
                       data={"csrf": csrf, "verdict": "confirmed", "reason": XSS}).status_code == 303
    assert client.post(f"/ui/scans/{scan}/decision",
                       data={"csrf": csrf, "decision": "reject", "comment": XSS}).status_code == 303
    pages = ["/ui/queue?package=evil", f"/ui/app?package={HOSTILE_PACKAGE}", f"/ui/scans/{scan}",
             f"/ui/scans/{scan}/notice.html", f"/ui/scans/{scan}/report"]
    for lang in ("zh", "en"):
        client.get(f"/ui/lang/{lang}")
        for path in pages:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
            body = answer.text
            assert "<script>alert" not in body and "<img src=x" not in body, path
            assert "&lt;img src=x onerror=alert(3)&gt;" in body or "&lt;script&gt;" in body, path
            assert "default-src 'none'" in answer.headers["content-security-policy"], path
            assert answer.headers["x-content-type-options"] == "nosniff"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/ui/scans/{scan}").text  # the comment


def test_redirects_stay_on_the_site(server: Server) -> None:
    """``next`` after a log-in or a language switch is followed only to a page of the UI."""
    client = httpx.Client(base_url=server.base)
    for target in ("https://evil.example/", "//evil.example/ui/", "/\\evil.example", "/ui/../../x"):
        answer = client.get("/ui/lang/en", params={"next": target})
        assert answer.status_code == 303 and answer.headers["location"] in ("/ui/queue", target), target
        assert not answer.headers["location"].startswith(("http", "//", "/\\"))


def test_the_review_works_on_postgresql(pg_url: str, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    """The same server on PostgreSQL: upload, review, decide, the notice, and tenants kept apart."""
    process, pg = start_server(tmp_path, pg_url)
    try:
        client, csrf = _client(pg, "acme", "bob")
        scan, _upload_id = _upload(client, csrf, SAMPLES / "legacy.apk")
        page = client.get(f"/ui/scans/{scan}").text
        finding = re.search(r'data-finding="([^"]+)"', page)
        assert finding
        assert client.post(f"/ui/scans/{scan}/findings/{finding.group(1)}",
                           data={"csrf": csrf, "verdict": "confirmed", "reason": "seen"}).status_code == 303
        assert client.post(f"/ui/scans/{scan}/decision", data={"csrf": csrf, "decision": "reject",
                                                               "comment": "no"}).status_code == 303
        notice = client.get(f"/ui/scans/{scan}/notice.html")
        assert notice.status_code == 200 and "不予通过" in notice.text
        for beyond in (2**31, 2**63):  # ids no PostgreSQL integer holds: no such scan, not a database error
            assert client.get(f"/ui/scans/{beyond}").status_code == 404
            assert client.post(f"/ui/scans/{beyond}/decision", data={"csrf": csrf, "decision": "reject",
                                                                     "comment": "no"}).status_code == 404
        assert f'data-scan="{scan}"' in client.get("/ui/queue", params={"package": "legacy", "sort": "high"}).text
        assert f'data-scan="{scan}"' not in client.get("/ui/queue", params={"package": "no-such-app"}).text
        intruder, _ = _client(pg, "other", "eve")
        assert intruder.get(f"/ui/scans/{scan}").status_code == 404
        assert f'data-scan="{scan}"' not in intruder.get("/ui/queue").text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert "Traceback" not in (tmp_path / "server.log").read_text()
