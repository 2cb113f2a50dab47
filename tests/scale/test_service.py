"""The upload service on a real uvicorn server on loopback: keys, uploads good and bad (with privacy policies
too), reports in three formats."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from appscan.policy import MAX_BYTES as POLICY_MAX_BYTES
from appscan.server.upload import MAX_POLICIES
from appscan.store import get_scan_document, list_scans, open_store
from appscan.store.service_records import list_uploads
from tests.conftest import REPO_ROOT, corpus_path
from tests.rules.test_policy_gap import POLICY
from tests.scale.conftest import SAMPLES, appscan_cmd, run_appscan
from tests.scale.test_batch import BIG_APK

MAX_MB = 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Until the server answers /health (a minute at most; its log is the failure message)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of a server on its own SQLite file, scanning in its local pool."""
    tmp = tmp_path_factory.mktemp("service")
    env = {k: v for k, v in os.environ.items() if k != "APPSCAN_BROKER"}
    env["APPSCAN_DB"] = f"sqlite:///{tmp / 'service.db'}"
    created = run_appscan("apikey", "create", "--name", "tests", env=env)
    assert created.returncode == 0, created.stderr
    port = _free_port()
    process = subprocess.Popen(appscan_cmd("serve", "--port", str(port), "--max-upload-mb", str(MAX_MB),
                                           "--upload-dir", str(tmp / "uploads"), "--workers", "1"),
                               cwd=REPO_ROOT, env=env,
                               stdout=(tmp / "server.log").open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base, tmp / "server.log")
    yield base, created.stdout.strip()
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _upload(base: str, key: str | None, name: str, data: bytes,
            policies: tuple[tuple[str, bytes], ...] = ()) -> httpx.Response:
    headers = {"X-API-Key": key} if key is not None else {}
    files = [("file", (name, data)), *(("policy", policy) for policy in policies)]
    return httpx.post(f"{base}/scans", headers=headers, files=files, timeout=30)


def _finished(base: str, key: str, upload_id: str) -> dict[str, object]:
    """The upload's status once it is no longer queued (a minute at most)."""
    deadline = time.monotonic() + 60
    while (status := httpx.get(f"{base}/scans/{upload_id}", headers={"X-API-Key": key}).json())["status"] \
            == "queued":
        assert time.monotonic() < deadline, "the scan did not finish"
        time.sleep(0.5)
    return dict(status)


@pytest.mark.parametrize("name", ["sdks.apk", "sdks.aab"])
def test_upload_poll_and_reports(server: tuple[str, str], name: str) -> None:
    base, key = server
    accepted = _upload(base, key, name, (SAMPLES / name).read_bytes())
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    scan_id = accepted.json()["id"]
    headers = {"X-API-Key": key}
    status = _finished(base, key, scan_id)
    assert status["status"] == "done" and status["package"] == "com.example.sdks", status
    assert status["verdict"] == {"level": "high-risk", "rule": "decisive-finding",
                                 "label": {"zh": "高风险", "en": "High risk"}}

    document = httpx.get(f"{base}/scans/{scan_id}/report", headers=headers).json()
    assert document["app"]["package"] == "com.example.sdks" and document["sdks"]
    sarif = httpx.get(f"{base}/scans/{scan_id}/report?format=sarif", headers=headers)
    assert sarif.headers["content-type"].startswith("application/sarif+json")
    assert json.loads(sarif.content)["version"] == "2.1.0"
    html = httpx.get(f"{base}/scans/{scan_id}/report?format=html", headers=headers)
    assert html.headers["content-type"].startswith("text/html") and "com.example.sdks" in html.text

    listed = httpx.get(f"{base}/scans", params={"package": "example.sdks"}, headers=headers).json()
    assert (scan_id, "high-risk") in [(u["id"], u["verdict"]["level"]) for u in listed]
    assert document["verdict"]["level"] == "high-risk"  # the report and the list agree
    assert httpx.get(f"{base}/scans", params={"package": "no.such.app"}, headers=headers).json() == []
    assert "/scans/{upload_id}/report" in httpx.get(f"{base}/openapi.json").json()["paths"]


def test_an_upload_with_policies_is_compared_with_them(server: tuple[str, str]) -> None:
    """Policy files sent with the APK reach the scan: the report holds them under ``policies`` (named as sent, the
    path and control characters of a hostile name removed) and the POL findings their comparison gives. The same
    APK uploaded without them is not answered with the policy scan, nor the other way round."""
    base, key = server
    headers = {"X-API-Key": key}
    apk = (SAMPLES / "sdks.apk").read_bytes()
    plain = _finished(base, key, _upload(base, key, "sdks.apk", apk).json()["id"])
    assert plain["status"] == "done", plain
    hostile = "../../隐私政策\x1b[2J.html"
    accepted = _upload(base, key, "sdks.apk", apk,
                       ((hostile, POLICY.encode()), ("sdk-list.md", "# 第三方SDK\n\n无其他SDK。\n".encode())))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["policies"] == ["隐私政策_[2J.html", "sdk-list.md"]
    compared = _finished(base, key, accepted.json()["id"])
    assert compared["status"] == "done" and compared["scan_id"] != plain["scan_id"], compared
    document = httpx.get(f"{base}/scans/{accepted.json()['id']}/report", headers=headers).json()
    assert [p["source"] for p in document["policies"]] == ["隐私政策_[2J.html", "sdk-list.md"]
    assert {"location", "installed-apps"} <= {d["data_type"] for d in document["policies"][0]["declared"]}
    rules = {f["rule"]: f for f in document["findings"] if f["rule"].startswith("POL-01")}
    assert {"POL-010", "POL-011", "POL-012", "POL-013", "POL-014"} <= rules.keys(), sorted(rules)
    assert {"kind": "policy-sentence", "location": "隐私政策_[2J.html", "value": "我们不会收集您的通讯录。"} \
        in rules["POL-011"]["evidence"]
    html = httpx.get(f"{base}/scans/{accepted.json()['id']}/report?format=html", headers=headers).text
    assert "隐私政策_[2J.html" in html and "\x1b" not in html

    plain_document = httpx.get(f"{base}/scans/{plain['id']}/report", headers=headers).json()
    assert plain_document["policies"] == [] and not any(f["rule"] == "POL-011" for f in plain_document["findings"])


def test_bad_policies_are_refused_with_one_line(tmp_path: Path) -> None:
    """A policy over the policy reader's size limit (413, while it streams in), one more than ``MAX_POLICIES``
    (413), a binary or an empty one (422): each refuses the upload with a one-line reason naming the policy as
    sent (escaped), and leaves no file behind."""
    process, base, key, _env = _own_server(tmp_path, "--workers", "1")
    apk = (SAMPLES / "clean.apk").read_bytes()
    try:
        cases = [((("big.txt", b"a" * (POLICY_MAX_BYTES + 1)),), 413, "larger than the limit"),
                 (tuple((f"p{k}.txt", "隐私政策".encode()) for k in range(MAX_POLICIES + 1)), 413,
                  f"more than {MAX_POLICIES} policy files"),
                 ((("evil\x1b]0;x.html", b"\x00\x01\x02binary" * 500),), 422, "evil_]0;x.html: not a text"),
                 ((("empty.txt", b"  \n"),), 422, "empty.txt: the file is empty")]
        for policies, status, words in cases:
            refused = _upload(base, key, "clean.apk", apk, policies)
            detail = refused.json()["detail"]
            assert refused.status_code == status and words in detail and "\n" not in detail, refused.text
        assert list((tmp_path / "up").iterdir()) == []
        listed = httpx.get(f"{base}/scans", headers={"X-API-Key": key}).json()
        assert listed == []  # nothing refused was recorded as an upload
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_openapi_description_shows_the_upload_form(server: tuple[str, str]) -> None:
    base, _key = server
    form = httpx.get(f"{base}/openapi.json").json()["paths"]["/scans"]["post"]["requestBody"]
    schema = form["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"] and schema["properties"]["file"]["format"] == "binary"
    assert schema["properties"]["policy"]["type"] == "array" and "POL-010" in schema["properties"]["policy"][
        "description"]


def test_a_worker_task_scans_with_its_policies(tmp_path: Path) -> None:
    """``appscan submit --policy`` hands the workers policy paths: the task runs the supervised scan with them
    (the task called directly in a process of its own, with an in-memory broker, so no Redis is needed)."""
    policy = tmp_path / "privacy.html"
    policy.write_text(POLICY, encoding="utf-8")
    env = {**os.environ, "APPSCAN_BROKER": "memory://", "APPSCAN_DB": f"sqlite:///{tmp_path / 'worker.db'}"}
    code = ("import json, sys; from appscan.jobs.worker import scan_apk; "
            "print(json.dumps(scan_apk(sys.argv[1], sys.argv[2:])))")
    ran = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "sdks.apk"), str(policy)],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "scanned", outcome
    store = open_store(env["APPSCAN_DB"], existing=True)
    try:
        document = get_scan_document(store, outcome["scan_id"])
    finally:
        store.close()
    assert [p["source"] for p in document["policies"]] == ["privacy.html"]
    assert any(f["rule"] == "POL-011" for f in document["findings"])


def test_keys_are_required(server: tuple[str, str]) -> None:
    base, key = server
    apk = (SAMPLES / "clean.apk").read_bytes()
    assert _upload(base, None, "clean.apk", apk).status_code == 401
    assert _upload(base, key.split(".")[0] + ".wrong", "clean.apk", apk).status_code == 403
    assert httpx.get(f"{base}/scans", headers={"X-API-Key": "nonsense"}).status_code == 403
    assert httpx.get(f"{base}/scans/x").status_code == 401
    assert httpx.get(f"{base}/health").status_code == 200


def test_bad_uploads_are_refused(server: tuple[str, str], tmp_path: Path) -> None:
    base, key = server
    assert _upload(base, key, "notes.apk", b"plain text, not a zip").status_code == 422
    apk = (SAMPLES / "multidex.apk").read_bytes()
    truncated = _upload(base, key, "cut.apk", apk[:len(apk) // 2])
    assert truncated.status_code == 422 and "truncated" in truncated.json()["detail"]
    big = tmp_path / "big.apk"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("classes.dex", os.urandom(MAX_MB * 1024 * 1024 + 1))
    assert _upload(base, key, "big.apk", big.read_bytes()).status_code == 413
    # Without Content-Length (chunked), the limit is enforced on the bytes as they arrive.
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.apk\"\r\n\r\n"
            + big.read_bytes() + b"\r\n--b--\r\n")
    chunked = httpx.post(f"{base}/scans", headers={"X-API-Key": key, "Content-Type": "multipart/form-data; boundary=b"},
                         content=(body[i:i + 65536] for i in range(0, len(body), 65536)), timeout=30)
    assert chunked.status_code == 413
    not_form = httpx.post(f"{base}/scans", headers={"X-API-Key": key, "Content-Type": "application/zip"}, content=apk)
    assert not_form.status_code == 400
    assert httpx.get(f"{base}/scans/does-not-exist", headers={"X-API-Key": key}).status_code == 404


def _session_members(sid: int) -> list[int]:
    """PIDs of live processes in session ``sid`` (the server and everything it started)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":  # session id; zombies are already gone
                members.append(int(entry.name))
    return members


def _own_server(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], str, str, dict[str, str]]:
    """A server of this test alone (its own SQLite file, uploads in tmp_path/up, log in tmp_path/server.log, its
    own session), answering /health: (process, base URL, API key, environment)."""
    env = {k: v for k, v in os.environ.items() if k != "APPSCAN_BROKER"}
    env["APPSCAN_DB"] = f"sqlite:///{tmp_path / 'service.db'}"
    key = run_appscan("apikey", "create", env=env).stdout.strip()
    port = _free_port()
    process = subprocess.Popen(appscan_cmd("serve", "--port", str(port), "--upload-dir", str(tmp_path / "up"),
                                           *options),
                               cwd=REPO_ROOT, env=env, stdout=(tmp_path / "server.log").open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base, tmp_path / "server.log")
    return process, base, key, env


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_the_server_leaves_no_process_behind(tmp_path: Path, stop: signal.Signals) -> None:
    """A signal to the server process alone (as systemd or Ctrl-C sends it) ends its scan processes too, the
    server exits without a traceback, and the interrupted uploads stay queued (a shutdown is no failure of theirs:
    nothing counts towards the poison limit) for the next start to scan."""
    process, base, key, env = _own_server(tmp_path, "--workers", "2")
    try:
        data = (SAMPLES / "sdks.apk").read_bytes()
        for k in range(4):  # distinct bytes, distinct scans: one of them is running when the signal comes
            assert _upload(base, key, f"sdks{k}.apk", data + bytes(k)).status_code == 202
        deadline = time.monotonic() + 30
        while len(_session_members(process.pid)) < 2:  # the server and a scan process
            assert time.monotonic() < deadline, _session_members(process.pid)
            time.sleep(0.05)
        process.send_signal(stop)
        assert process.wait(timeout=30) is not None
        deadline = time.monotonic() + 15
        while _session_members(process.pid):
            assert time.monotonic() < deadline, "left behind: " + "; ".join(
                Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
                for pid in _session_members(process.pid))
            time.sleep(0.2)
        assert "Traceback" not in (tmp_path / "server.log").read_text()
        store = open_store(env["APPSCAN_DB"], existing=True)
        try:
            statuses = [u.status for u in list_uploads(store)]
            failures = store.read(lambda session: session.execute(
                sqlalchemy.text("select count(*) from scan where status = 'failed'")).scalar())
        finally:
            store.close()
        assert "queued" in statuses and "failed" not in statuses and failures == 0, statuses
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _outcomes(dispatcher: object, refs: list[str], timeout: float) -> dict[str, dict[str, object]]:
    outcomes: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < len(refs):
        assert time.monotonic() < deadline, f"finished {len(outcomes)} of {len(refs)}"
        for ref in refs:
            if ref not in outcomes and (outcome := dispatcher.poll(ref)) is not None:  # type: ignore[attr-defined]
                outcomes[ref] = outcome
        time.sleep(0.2)
    return outcomes


def test_local_scans_keep_going_with_a_bounded_queue(tmp_path: Path) -> None:
    """One scan process at a time: every submission gets a fresh process, so nothing caps how many scans the
    service runs (the recycled pool of Python 3.11 could stop for good, CPython gh-115634). Beyond ``max_queue``
    waiting or running scans, ``submit`` refuses (the API's 429) with a Retry-After estimate, and takes work again
    once the queue drains."""
    from appscan.server.dispatch import LocalDispatcher, QueueFull
    from appscan.jobs.supervise import Limits

    db = f"sqlite:///{tmp_path / 'local.db'}"
    open_store(db).close()  # the schema, as the service creates it at start-up
    dispatcher = LocalDispatcher(db, workers=1, limits=Limits(60, None), max_queue=5)
    copies = []
    for k in range(9):
        copy = tmp_path / f"clean{k}.apk"
        copy.write_bytes((SAMPLES / "clean.apk").read_bytes() + bytes(k))  # distinct files, distinct scans
        copies.append(copy)
    try:
        refs = [dispatcher.submit(copy) for copy in copies[:5]]
        with pytest.raises(QueueFull) as full:
            dispatcher.submit(copies[5])
        assert 1 <= full.value.retry_after <= 60
        outcomes = _outcomes(dispatcher, refs, 120)
        assert dispatcher.accepting() is None
        refs = [dispatcher.submit(copy) for copy in copies[5:]]
        outcomes.update(_outcomes(dispatcher, refs, 120))
        assert len(outcomes) == 9 and all(o["status"] == "scanned" and o["scan_id"] for o in outcomes.values())
    finally:
        dispatcher.close()


def test_a_local_scan_is_stopped_at_its_limits_and_recorded(tmp_path: Path) -> None:
    """The service's scans run under the batch's limits: killed at the time limit, failing at the memory cap,
    each recorded as a failed scan with its reason; a poison upload is then skipped rather than scanned again."""
    from appscan.server.dispatch import LocalDispatcher
    from appscan.jobs.supervise import Limits

    big = corpus_path() / BIG_APK
    db = f"sqlite:///{tmp_path / 'limits.db'}"
    open_store(db).close()
    timed = LocalDispatcher(db, workers=1, limits=Limits(2, None), max_failures=2)
    try:
        started = time.monotonic()
        (outcome,) = _outcomes(timed, [timed.submit(big)], 60).values()
        assert outcome["status"] == "failed" and "time limit of 2 s exceeded" in str(outcome["error"])
        assert time.monotonic() - started < 10
        (again,) = _outcomes(timed, [timed.submit(big)], 60).values()
        assert again["status"] == "failed"
        (poison,) = _outcomes(timed, [timed.submit(big)], 60).values()
        assert poison["status"] == "skipped" and "failed 2 times" in str(poison["error"])
    finally:
        timed.close()
    memory_db = f"sqlite:///{tmp_path / 'memory.db'}"
    open_store(memory_db).close()
    capped = LocalDispatcher(memory_db, workers=1, limits=Limits(None, 100))
    try:
        (outcome,) = _outcomes(capped, [capped.submit(big)], 120).values()
        assert outcome["status"] == "failed" and "memory" in str(outcome["error"]), outcome
    finally:
        capped.close()


def test_a_full_queue_answers_429_and_a_stalled_body_408(tmp_path: Path) -> None:
    """Back-pressure and read timeouts on a real server: with one scan allowed in the queue, an upload arriving
    while it runs is refused with 429 and a Retry-After before its body is read; a client that stops sending its
    body mid-way gets 408 after the read timeout, and no upload file is left behind."""
    process, base, key, _env = _own_server(tmp_path, "--workers", "1", "--max-queue", "1", "--read-timeout", "2")
    uploads, port = tmp_path / "up", int(base.rpartition(":")[2])
    try:
        data = (SAMPLES / "sdks.apk").read_bytes()
        first = _upload(base, key, "a.apk", data)
        second = _upload(base, key, "b.apk", data + b"\0")
        assert first.status_code == 202
        assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1, second.text
        boundary = "x" * 16
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.apk\"\r\n\r\n"
                ).encode() + data[:1000]
        with socket.create_connection(("127.0.0.1", port)) as sock:
            deadline = time.monotonic() + 60  # the first scan may still hold the queue: wait until it frees
            while httpx.get(f"{base}/scans/{first.json()['id']}", headers={"X-API-Key": key}).json()["status"] \
                    == "queued":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            sock.sendall(f"POST /scans HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: multipart/form-data; "
                         f"boundary={boundary}\r\nContent-Length: {len(data) + 500}\r\n\r\n".encode() + head)
            sock.settimeout(30)
            started = time.monotonic()
            reply = sock.recv(4096).decode(errors="replace")
        assert reply.startswith("HTTP/1.1 408"), reply
        assert time.monotonic() - started < 15
        assert [p.name for p in uploads.iterdir()] == []
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_three_hundred_uploads_in_a_row_all_end_done(tmp_path: Path) -> None:
    """Three hundred uploads to a server scanning locally with two workers (the old pool stopped taking work after
    workers x 50 scans): forty distinct APKs, each sent several times, all end ``done`` (the repeats reused from
    the store), with no upload file left and every distinct APK stored once."""
    process, base, key, env = _own_server(tmp_path, "--workers", "2", "--max-queue", "300")
    headers = {"X-API-Key": key}
    clean = (SAMPLES / "clean.apk").read_bytes()
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            ids = []
            for k in range(300):
                reply = client.post("/scans", files={"file": (f"app{k % 40}.apk", clean + bytes(k % 40))})
                assert reply.status_code == 202, reply.text
                ids.append(reply.json()["id"])
            deadline = time.monotonic() + 240
            pending = set(ids)
            while pending:
                assert time.monotonic() < deadline, f"{len(pending)} of 300 still queued"
                listed = client.get("/scans", params={"limit": 1000}).json()
                assert all(u["status"] != "failed" for u in listed), [u for u in listed if u["status"] == "failed"]
                pending = {u["id"] for u in listed if u["status"] == "queued"}
                time.sleep(1)
        assert list((tmp_path / "up").iterdir()) == []
        store = open_store(env["APPSCAN_DB"], existing=True)
        try:
            stored = [s.sha256 for s in list_scans(store) if s.status == "ok"]
        finally:
            store.close()
        assert len(stored) == len(set(stored)) == 40
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_one_key_cannot_starve_the_others(tmp_path: Path) -> None:
    """Per-key limits on a real server: a key over its request rate gets 429 with Retry-After while another key
    is served; a key already sending its allowed number of bodies gets 429 for one more, another key does not."""
    process, base, key, env = _own_server(tmp_path, "--key-rate", "6", "--key-uploads", "1", "--read-timeout", "20")
    other = run_appscan("apikey", "create", "--name", "other", env=env).stdout.strip()
    try:
        replies = [httpx.get(f"{base}/scans", headers={"X-API-Key": key}).status_code for _ in range(7)]
        assert replies[:6] == [200] * 6 and replies[6] == 429
        limited = httpx.get(f"{base}/scans", headers={"X-API-Key": key})
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 10
        assert httpx.get(f"{base}/scans", headers={"X-API-Key": other}).status_code == 200

        uploader = run_appscan("apikey", "create", "--name", "uploader", env=env).stdout.strip()
        data = (SAMPLES / "clean.apk").read_bytes()
        boundary = "y" * 16
        with socket.create_connection(("127.0.0.1", int(base.rpartition(":")[2]))) as sock:
            sock.sendall(f"POST /scans HTTP/1.1\r\nHost: x\r\nX-API-Key: {uploader}\r\nContent-Type: multipart/"
                         f"form-data; boundary={boundary}\r\nContent-Length: {len(data) + 500}\r\n\r\n--{boundary}"
                         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.apk\"\r\n\r\n".encode()
                         + data[:100])
            time.sleep(1)  # the server is now receiving this body
            second = _upload(base, uploader, "b.apk", data)
            assert second.status_code == 429, second.text
            assert _upload(base, other, "c.apk", data).status_code == 202
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_keys_are_listed_without_secrets_and_a_revoked_key_is_refused_at_once(tmp_path: Path) -> None:
    process, base, key, env = _own_server(tmp_path)
    try:
        assert httpx.get(f"{base}/scans", headers={"X-API-Key": key}).status_code == 200
        listed = run_appscan("apikey", "list", env=env)
        key_id, secret = key.split(".", 1)
        assert listed.returncode == 0 and key_id in listed.stdout and secret not in listed.stdout
        revoked = run_appscan("apikey", "revoke", key_id, env=env)
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(f"{base}/scans", headers={"X-API-Key": key}).status_code == 403
        assert key_id not in run_appscan("apikey", "list", env=env).stdout
        again = run_appscan("apikey", "revoke", key_id, env=env)
        assert again.returncode == 2 and "no API key" in again.stderr
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
