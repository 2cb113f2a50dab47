"""Screenshots of the web UI for the docs: ``python -m tests.server.screenshots docs``.

Starts a server as the tests do (``start_server``), does a short review in headless Chromium (samples/sdks.apk and
a second version of it asking SEND_SMS instead of READ_SMS, one false positive, two confirmed findings, a
rectification decision; a second reviewer, an API key and a suppression on the admin page) and saves the queue,
the scan page, the app page, the notice and the admin page as web-queue.png, web-scan.png, web-app.png,
web-notice.png and web-admin.png.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.report import browser
from tests.scale.conftest import SAMPLES
from tests.server.test_web import (
    _admin_form,
    _log_in,
    _review,
    _upload_in_browser,
    start_server,
    with_version_code,
)

SIZE = (1280, 1000)


def take(folder: Path) -> None:
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as tmp:
        process, server = start_server(Path(tmp))
        try:
            with browser.chrome() as driver:
                d: Any = driver
                d.set_window_size(*SIZE)
                base = server.base
                _log_in(d, base, "acme", "alice")
                first = _upload_in_browser(d, base, SAMPLES / "sdks.apk")
                findings = [r.get_attribute("data-finding") for r in d.find_elements(By.CSS_SELECTOR, "tr.finding")]
                _review(d, findings[0], "confirmed", "启动即获取位置，已在真机复现")
                _review(d, findings[1], "confirmed", "同意前初始化推送 SDK")
                _review(d, findings[3], "false-positive", "示例桩代码，不会运行")
                second = with_version_code(SAMPLES / "sdks.apk", Path(tmp) / "v4.apk", 4,
                                           ("android.permission.READ_SMS", "android.permission.SEND_SMS"))
                newer = _upload_in_browser(d, base, second)
                d.find_element(By.CSS_SELECTOR, "input[name=decision][value=rectification-required]").click()
                d.find_element(By.CSS_SELECTOR, "#decision-form textarea").send_keys("请在 15 个工作日内完成整改。")
                d.find_element(By.CSS_SELECTOR, "#decision-form button[type=submit]").click()
                d.get(f"{base}/ui/queue")
                d.save_screenshot(str(folder / "web-queue.png"))
                d.get(f"{base}/ui/scans/{newer}")
                d.save_screenshot(str(folder / "web-scan.png"))
                d.get(f"{base}/ui/app?package=com.example.sdks&old={first}&new={newer}")
                d.save_screenshot(str(folder / "web-app.png"))
                d.get(f"{base}/ui/scans/{newer}/notice.html")
                d.save_screenshot(str(folder / "web-notice.png"))
                d.get(f"{base}/ui/admin")
                _admin_form(d, "add-user", login="carol", password="correct horse battery", role="reviewer")
                _admin_form(d, "add-key", name="ci-pipeline", role="reviewer")
                d.get(f"{base}/ui/admin")
                _admin_form(d, "add-suppression", kind="sdk", value="umeng-common", reason="已核对合同与隐私政策")
                d.get(f"{base}/ui/admin")
                d.execute_script("window.scrollTo(0, 0)")
                d.save_screenshot(str(folder / "web-admin.png"))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    take(Path(sys.argv[1]))
