"""A reviewer's work in the web UI, measured in a real browser (issue 13: time from upload to a reviewed decision for
20 corpus apps, with the clicks and page loads it takes).

Starts ``appscan serve`` on 127.0.0.1 as the web tests do (``tests.server.test_web.start_server``: SQLite in a
temporary folder, scans run by the server itself), adds a reviewer of a team of its own, and drives headless
Chromium through the pages for the smallest corpus APKs, as a reviewer would: log in once; then for each app click
"upload" in the top bar, choose the file, submit, let the status page reload itself until the scan page opens,
confirm every high finding (tick each, then one reason and one submit in the form above the table), decide
(rectification required when a high finding was confirmed, else approve: choice, comment, submit) and open the
notice from its link (a new tab, closed after). An APK whose upload is refused or whose scan fails is skipped and
the next larger one taken, up to ``--apps`` reviewed apps.

Counted per app:
- clicks: every element click and form submit this script performs (the file chooser counts as one click, and
  focusing a text field before typing as one); typing itself is counted apart, as fields typed;
- page loads: every document the browser asks the server for in its top frame, from the server's access log: the
  pages opened, form posts, the redirects the UI answers with (each 303 followed is a load of its own) and the
  status page's automatic reloads (every request for an upload's status page after its first); the report the scan
  page embeds in a frame is counted apart (``frames``);
- time from the upload's submit to the decision being shown as saved (``to decision``), and the part of it spent
  waiting for the scan.

``.venv/bin/python benchmarks/review_flow.py [--apps 20] [--app-timeout 300]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # the repository, for the tests' server and browser helpers

from appscan.store import open_store  # noqa: E402
from appscan.store.review_records import add_user  # noqa: E402
from tests.report import browser  # noqa: E402
from tests.server.test_web import PASSWORD, _log_in, _row, _wait, start_server  # noqa: E402

CORPUS = Path("/work/shared/corpus/apks")
TENANT, LOGIN = "bench", "rita"
ACCESS = re.compile(r'"(GET|POST) (/ui/[^ ]*) HTTP/[\d.]+" (\d{3})')
"""A line of uvicorn's access log for a page of the UI."""


class AppSkipped(Exception):
    """The upload was refused, the scan failed or the app took longer than its timeout."""


@dataclasses.dataclass
class Tally:
    """What one app (or the log-in) cost the reviewer."""

    name: str
    size: int = 0
    clicks: int = 0
    typed: int = 0
    loads: int = 0
    redirects: int = 0
    reloads: int = 0
    frames: int = 0
    statuses: set[str] = dataclasses.field(default_factory=set)
    """The upload status pages seen: a second request for one is an automatic reload."""
    high: int = 0
    decision: str = ""
    to_decision: float = 0.0
    scan_wait: float = 0.0
    skipped: str = ""


class AccessLog:
    """The server's access log from a position on: the requests the browser made since."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, path.stat().st_size

    def count_into(self, tally: Tally) -> None:
        """Add the documents requested since the last call to ``tally``: top-frame pages (redirects and status
        reloads among them) and report frames; the style sheet and icon are not documents."""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            new = log.read().decode("utf-8", "replace")
            self.offset += len(new.encode("utf-8"))
        for method, path, status in ACCESS.findall(new):
            if path.startswith("/ui/static/"):
                continue
            if re.fullmatch(r"/ui/scans/\d+/report", path):
                tally.frames += 1
                continue
            tally.loads += 1
            tally.redirects += status == "303"
            if method == "GET" and path.startswith("/ui/uploads/"):
                tally.reloads += path in tally.statuses
                tally.statuses.add(path)


class Reviewer:
    """The browser, with every click and typed field counted into the current tally."""

    def __init__(self, driver: Any) -> None:
        self.d = driver
        self.tally = Tally("")

    def click(self, selector: str, within: Any = None) -> None:
        from selenium.webdriver.common.by import By

        (within or self.d).find_element(By.CSS_SELECTOR, selector).click()
        self.tally.clicks += 1

    def submit(self, button: Any) -> None:
        """Click a form's button and wait until the page it was on is gone (the post's redirect is loading)."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        button.click()
        self.tally.clicks += 1
        WebDriverWait(self.d, 120).until(expected_conditions.staleness_of(button))

    def type(self, selector: str, text: str) -> None:
        """Click into a field and type: one click, one field typed."""
        from selenium.webdriver.common.by import By

        field = self.d.find_element(By.CSS_SELECTOR, selector)
        field.click()
        field.send_keys(text)
        self.tally.clicks += 1
        self.tally.typed += 1

    def upload(self, apk: Path, timeout: float) -> int:
        """Upload through the form and wait until the status page opens the scan: the scan's id."""
        from selenium.webdriver.common.by import By

        self.click("header a[href='/ui/upload']")
        _wait(self.d, lambda d: d.current_url.endswith("/ui/upload"))
        self.d.find_element(By.NAME, "file").send_keys(str(apk))  # choosing the file in the dialog
        self.tally.clicks += 1
        self.click("main form button[type=submit]")

        def settled(d: Any) -> str | None:
            if re.search(r"/ui/scans/\d+$", d.current_url):
                return "ok"
            if "/ui/upload?csrf" in d.current_url or d.find_elements(By.CSS_SELECTOR, ".st-failed"):
                return "failed"
            return None

        from selenium.common.exceptions import TimeoutException

        try:
            outcome = _wait(self.d, settled, timeout)
        except TimeoutException as exc:
            raise AppSkipped(f"no scan within {timeout:.0f} s") from exc
        if outcome == "failed":
            raise AppSkipped(" ".join(self.d.find_element(By.TAG_NAME, "main").text.split())[:100])
        return int(self.d.current_url.rsplit("/", 1)[1])

    def confirm_high_findings(self) -> int:
        """Confirm the high findings not yet confirmed (a review carried over from an earlier version stands): tick
        each, then one reason and one submit in the form above the table."""
        from selenium.webdriver.common.by import By

        rows = self.d.find_elements(By.CSS_SELECTOR, "tr.finding")
        high = [r.get_attribute("data-finding") for r in rows if r.find_elements(By.CSS_SELECTOR, ".sev-high")
                and not r.find_elements(By.CSS_SELECTOR, ".r-confirmed")]
        if not high:
            return 0
        for finding in high:
            self.click("input.tick", within=_row(self.d, finding))
        self.type("#bulk-review input[name=reason]", "已复核，确认存在")  # the verdict list opens on "confirmed"
        self.submit(self.d.find_element(By.CSS_SELECTOR, "#bulk-review button"))
        _settle(self.d, lambda d: _row(d, high[-1]).find_elements(By.CSS_SELECTOR, ".state .r-confirmed"))
        return len(high)

    def decide(self, decision: str) -> None:
        self.click(f"input[name=decision][value={decision}]")
        self.type("#decision-form textarea[name=comment]", "复核完成" if decision == "approve" else "请整改已确认的问题")
        self.submit(self.d.find_element("css selector", "#decision-form button[type=submit]"))
        _settle(self.d, lambda d: d.find_elements("id", "current-decision"))

    def open_notice(self) -> None:
        """The notice link opens a tab of its own: read it there, close it, back to the scan."""
        scan_window = self.d.current_window_handle
        self.click("#notice-html")
        _wait(self.d, lambda d: len(d.window_handles) > 1)
        self.d.switch_to.window(next(h for h in self.d.window_handles if h != scan_window))
        _wait(self.d, lambda d: d.find_elements("tag name", "body") and d.title)
        self.d.close()
        self.d.switch_to.window(scan_window)


def _settle(driver: Any, condition: Any) -> Any:
    """``condition`` on the page a form post leads to; elements of the page being left may go stale meanwhile."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 120, poll_frequency=0.3, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(condition)


def review_app(reviewer: Reviewer, log: AccessLog, apk: Path, timeout: float) -> Tally:
    """One app from upload to notice; one that fails, or stalls on a page, is recorded as skipped and the run goes
    on with the next (its clicks and loads still counted, apart)."""
    from selenium.common.exceptions import TimeoutException

    tally = reviewer.tally = Tally(apk.name, apk.stat().st_size)
    try:
        started = time.monotonic()
        reviewer.upload(apk, timeout)
        tally.scan_wait = time.monotonic() - started
        tally.high = reviewer.confirm_high_findings()
        tally.decision = "rectification-required" if tally.high else "approve"
        reviewer.decide(tally.decision)
        tally.to_decision = time.monotonic() - started
        if tally.to_decision > timeout:
            raise AppSkipped(f"took {tally.to_decision:.0f} s, over {timeout:.0f} s")
        reviewer.open_notice()
    except AppSkipped as exc:
        tally.skipped = str(exc)
    except TimeoutException:
        tally.skipped = "a page did not answer in time"
    log.count_into(tally)
    return tally


def run(count: int, timeout: float) -> tuple[Tally, list[Tally], list[Tally]]:
    """The log-in's tally, the reviewed apps' and the skipped ones'."""
    apks = sorted(CORPUS.glob("*.apk"), key=lambda p: (p.stat().st_size, p.name))
    reviewed: list[Tally] = []
    skipped: list[Tally] = []
    with tempfile.TemporaryDirectory(prefix="appscan-review-flow-") as tmp:
        process, server = start_server(Path(tmp))
        try:
            store = open_store(server.db_url)
            try:
                add_user(store, TENANT, LOGIN, PASSWORD)
            finally:
                store.close()
            log = AccessLog(Path(tmp) / "server.log")
            with browser.chrome() as driver:
                d: Any = driver
                d.set_page_load_timeout(120)
                reviewer = Reviewer(d)
                login = reviewer.tally = Tally("log-in")
                _log_in(d, server.base, TENANT, LOGIN)  # three fields typed, one submit
                login.clicks, login.typed = 4, 3
                log.count_into(login)
                for apk in apks:
                    if len(reviewed) == count:
                        break
                    tally = review_app(reviewer, log, apk, timeout)
                    (skipped if tally.skipped else reviewed).append(tally)
                    print(_line(tally), flush=True)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return login, reviewed, skipped


def _line(t: Tally) -> str:
    if t.skipped:
        return f"{t.name[:60]:60} {t.size:>8}  skipped: {t.skipped}"
    return (f"{t.name[:60]:60} {t.size:>8} {t.high:>4} {t.decision[:7]:>7} {t.to_decision:>7.1f} {t.scan_wait:>6.1f}"
            f" {t.clicks:>6} {t.typed:>5} {t.loads:>5} {t.redirects:>5} {t.reloads:>7} {t.frames:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=20, help="apps to take to a decision (at most 20)")
    parser.add_argument("--app-timeout", type=float, default=300, help="seconds per app, upload to decision")
    args = parser.parse_args()
    if (reason := browser.available()) is not None or not CORPUS.is_dir():
        sys.exit(reason or f"{CORPUS} not found")
    print(f"{'apk':60} {'bytes':>8} {'high':>4} {'decided':>7} {'to dec.':>7} {'scan':>6} {'clicks':>6} "
          f"{'typed':>5} {'loads':>5} {'303s':>5} {'reloads':>7} {'frames':>6}")
    login, reviewed, skipped = run(min(args.apps, 20), args.app_timeout)
    if not reviewed:
        sys.exit("no app was reviewed")
    times = [t.to_decision for t in reviewed]
    total = Tally("total")
    for field in ("clicks", "typed", "loads", "redirects", "reloads", "frames", "high"):
        setattr(total, field, sum(getattr(t, field) for t in reviewed))
    print(f"log-in once: {login.clicks} clicks ({login.typed} fields typed), {login.loads} page loads")
    print(f"skipped: {len(skipped)} apps, {sum(t.clicks for t in skipped)} clicks, "
          f"{sum(t.loads for t in skipped)} page loads")
    print(f"{len(reviewed)} apps: upload to decision median {statistics.median(times):.1f} s, total {sum(times):.1f} s"
          f" (scan waits {sum(t.scan_wait for t in reviewed):.1f} s); {total.high} high findings confirmed; "
          f"{total.clicks} clicks ({total.typed} fields typed); {total.loads} page loads ({total.redirects} redirects,"
          f" {total.reloads} status reloads) and {total.frames} report frames")
    print(f"summary: {len(reviewed)} apps reviewed in {sum(times):.0f} s (median {statistics.median(times):.1f} s"
          f" from upload to decision), {total.clicks + login.clicks} clicks and {total.loads + login.loads}"
          f" page loads including the log-in")


if __name__ == "__main__":
    main()
