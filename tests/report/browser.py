"""Headless Chromium for the HTML report tests (and the README screenshot).

``python -m tests.report.browser docs/report-screenshot.png`` renders the report of samples/sdks.apk and saves a
screenshot of it; ``python -m tests.report.browser docs/report-policy.png policy`` scans the sample with the policy
fixture of tests/rules/test_policy_gap.py and saves the "policy says / code does" section.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
         "--window-size=1400,1800")


def available() -> str | None:
    """None when a browser can be driven, else the reason it cannot."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).is_file():
            return f"{path} not found (install Debian's chromium and chromium-driver)"
    return None


@contextmanager
def chrome() -> Iterator[object]:
    """A headless Chrome with a throw-away profile and browser console logging."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="appscan-chrome-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        try:
            yield driver
        finally:
            driver.quit()


def screenshot(target: Path, section: str | None = None) -> None:
    """Save a 1280x2000 screenshot of the Chinese report of samples/sdks.apk: its top, or the top of ``section``
    (an element id); for the policy section (or a table of it) the sample is scanned with the policy fixture."""
    from appscan.report import render_bytes
    from appscan.report.views import default_ruleset
    from appscan.scan import scan_file
    from tests.rules.test_policy_gap import POLICY

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "privacy.html"
        policy.write_text(POLICY, encoding="utf-8")
        with_policy = (section or "").startswith("policy")
        result = scan_file(root / "samples" / "sdks.apk", policies=[policy] if with_policy else ())
        page = Path(folder) / "report.html"
        page.write_bytes(render_bytes("html", result, "zh", default_ruleset()))
        with chrome() as driver:
            driver.set_window_size(1280, 2000)  # type: ignore[attr-defined]
            driver.get(page.as_uri())  # type: ignore[attr-defined]
            if section:
                driver.execute_script(  # type: ignore[attr-defined]
                    "document.getElementById(arguments[0]).scrollIntoView()", section)
            driver.save_screenshot(str(target))  # type: ignore[attr-defined]


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
