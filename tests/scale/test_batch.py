"""``appscan batch``: every sample stored, a bad file and runaways recorded as failed, a second run resumes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appscan.store import list_scans, open_store
from tests.conftest import REPO_ROOT, corpus_path
from tests.scale.conftest import invoke_appscan, run_appscan, stored_results

BIG_APK = "pypi__airtest-1.4.3_Yosemite.apk"
"""The corpus's largest APK: about 20 s and 140 MB of address space to scan."""


def _scans(db_url: str) -> list[tuple[str, str, str | None]]:
    store = open_store(db_url)
    try:
        return [(Path(s.source).name, s.status, s.error) for s in list_scans(store)]
    finally:
        store.close()


def test_batch_stores_samples_records_bad_file_and_resumes(sample_dir: Path, tmp_path: Path) -> None:
    (sample_dir / "broken.apk").write_bytes(b"this is no zip archive")
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    apks = sorted(p.name for p in sample_dir.glob("*.apk") if p.name != "broken.apk")

    first = invoke_appscan("batch", str(sample_dir), "--workers", "2", "--db", db)
    assert first.exit_code == 2, first.output
    assert f"{len(apks)} scanned, 0 reused, 1 failed" in first.stdout
    verdicts = first.stdout.split("verdicts: ", 1)[1].splitlines()[0]  # samples: clean passes, sdks is high-risk
    assert "high-risk (高风险)" in verdicts and "pass (通过)" in verdicts and "undetermined" in verdicts  # broken
    scans = _scans(db)
    assert sorted(name for name, status, _ in scans if status == "ok") == apks
    assert [(name, "not a zip" in (error or "")) for name, status, error in scans if status == "failed"] \
        == [("broken.apk", True)]

    listing = tmp_path / "list.txt"
    listing.write_text("# the samples again\n" + "".join(f"{sample_dir / n}\n" for n in apks), encoding="utf-8")
    second = invoke_appscan("batch", str(listing), "--db", db)
    assert second.exit_code == 0, second.output
    assert f"0 scanned, {len(apks)} reused, 0 failed" in second.stdout
    assert all(count == 1 for count, _f, _s in stored_results(db).values())


def test_runaway_apks_are_stopped_and_the_batch_goes_on(sample_dir: Path, tmp_path: Path) -> None:
    big = corpus_path() / BIG_APK
    (sample_dir / BIG_APK).symlink_to(big)
    apks = len(list(sample_dir.glob("*.apk")))

    memory_db = f"sqlite:///{tmp_path / 'memory.db'}"
    capped = run_appscan("batch", str(sample_dir), "--memory-limit", "50", "--db", memory_db)
    assert capped.returncode == 2, capped.stdout + capped.stderr
    assert f"{apks - 1} scanned, 0 reused, 1 failed (1 memory limit)" in capped.stdout
    assert [(n, s) for n, s, e in _scans(memory_db) if s == "failed" and "memory limit" in (e or "")] \
        == [(BIG_APK, "failed")]

    time_db = f"sqlite:///{tmp_path / 'time.db'}"
    timed = invoke_appscan("batch", str(sample_dir), "--time-limit", "2", "--workers", "2", "--db", time_db)
    assert timed.exit_code == 2, timed.output
    assert f"{apks - 1} scanned, 0 reused, 1 failed (1 time limit)" in timed.stdout
    assert [(n, e) for n, s, e in _scans(time_db) if s == "failed"] \
        == [(BIG_APK, f"{sample_dir / BIG_APK}: time limit of 2 s exceeded")]


def test_a_child_that_dies_without_reporting_does_not_stop_the_batch(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan process that dies before it reports (out of memory, killed) closed its pipe, and reading the outcome
    raised EOFError in the parent: the whole batch ended with nothing stored. Each such APK is now recorded as
    failed with the reason, and the batch goes on."""
    from appscan.jobs import batch, supervise
    from appscan.rules.loader import load_rulesets

    def dies(path: Path, db_url: str, ruleset: object, limits: object, out: object, policies: object = ()) -> None:
        os._exit(supervise.EXIT_MEMORY if path.name == "sdks.apk" else 9)

    monkeypatch.setattr(supervise, "_child", dies)  # the fork inherits the patched function
    db = f"sqlite:///{tmp_path / 'dies.db'}"
    paths = [REPO_ROOT / "samples" / "sdks.apk", REPO_ROOT / "samples" / "clean.apk"]
    summary = batch.run_batch(paths, db, load_rulesets(), batch.BatchOptions(workers=1, memory_limit_mb=100))
    assert [o.status for o in summary.outcomes] == ["failed", "failed"]
    errors = {n: e for n, s, e in _scans(db)}
    assert "ran out of memory (limit 100 MB)" in (errors["sdks.apk"] or "")
    assert "exited with status 9" in (errors["clean.apk"] or "")


def test_a_poison_apk_is_not_retried_without_end(tmp_path: Path) -> None:
    """An APK that failed --max-failures times with the same rules is skipped (and reported) by later batches;
    --force tries it again."""
    folder = tmp_path / "poison"
    folder.mkdir()
    (folder / "broken.apk").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "clean.apk").write_bytes((REPO_ROOT / "samples" / "clean.apk").read_bytes())
    db = f"sqlite:///{tmp_path / 'poison.db'}"
    outputs = [invoke_appscan("batch", str(folder), "--max-failures", "2", "--db", db) for _ in range(3)]
    assert [o.exit_code for o in outputs] == [2, 2, 2]
    assert "1 scanned, 0 reused, 1 failed (1 bad input) in" in outputs[0].stdout
    assert "0 scanned, 1 reused, 1 failed (1 bad input) in" in outputs[1].stdout
    assert "0 scanned, 1 reused, 0 failed, 1 skipped after repeated failures" in outputs[2].stdout
    assert sum(1 for n, s, _ in _scans(db) if n.endswith("broken.apk") and s == "failed") == 2
    forced = invoke_appscan("batch", str(folder), "--max-failures", "2", "--force", "--db", db)
    assert "1 failed" in forced.stdout and "skipped" not in forced.stdout


def _hostile_child(path: Path, db_url: str, ruleset: object, limits: object, out: object,
                   policies: tuple[Path, ...] = ()) -> None:
    """The scan process, misbehaving as a hostile input can make it: a memory bomb allocates until the cap stops
    it, a hang never returns, a crash dies of a signal, an exit leaves without a word; other inputs scan."""
    import signal as signals
    import time

    from appscan.jobs import supervise
    kind = path.stem.rpartition("-")[2]
    if kind == "bomb":
        hoard = []
        signals.signal(signals.SIGINT, signals.SIG_IGN)
        if limits.memory_limit_mb is not None:  # type: ignore[attr-defined]
            import resource
            cap = supervise._address_space() + limits.memory_limit_mb * 1024 * 1024  # type: ignore[attr-defined]
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        try:
            while True:
                hoard.append(bytearray(16 * 1024 * 1024))
        except MemoryError:
            os._exit(supervise.EXIT_MEMORY)
    if kind == "hang":
        while True:
            time.sleep(1)
    if kind == "crash":
        import faulthandler
        faulthandler.disable()  # pytest's dump of the stack would only clutter the test's output
        os.kill(os.getpid(), signals.SIGSEGV)
    if kind == "exit":
        os._exit(1)
    ORIGINAL_CHILD(path, db_url, ruleset, limits, out, policies)  # type: ignore[arg-type]


ORIGINAL_CHILD = __import__("appscan.jobs.supervise", fromlist=["_child"])._child


def test_hostile_apks_in_the_middle_of_a_batch_are_recorded_and_the_rest_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty APKs, five of them hostile in the middle (a memory bomb, two hangs, a crash, a silent exit): the
    batch stores the fifteen healthy scans and five failures, each with its reason, and its two processes are
    never held longer than the time limit."""
    from appscan.jobs import batch, supervise
    from appscan.cli.batch_cmd import format_summary
    from appscan.rules.loader import load_rulesets

    monkeypatch.setattr(supervise, "_child", _hostile_child)  # the forks inherit it
    clean = (REPO_ROOT / "samples" / "clean.apk").read_bytes()
    paths = []
    kinds = ["bomb", "hang", "crash", "hang", "exit"]
    for k in range(20):
        kind = kinds[k - 8] if 8 <= k < 13 else "ok"
        path = tmp_path / f"app{k:02d}-{kind}.apk"
        path.write_bytes(clean + bytes(k))  # distinct bytes: twenty distinct scans
        paths.append(path)
    db = f"sqlite:///{tmp_path / 'mixed.db'}"
    summary = batch.run_batch(paths, db, load_rulesets(),
                              batch.BatchOptions(workers=2, time_limit=5, memory_limit_mb=200))
    assert summary.count("scanned") == 15 and summary.count("failed") == 5
    assert "15 scanned, 0 reused, 5 failed (2 time limit, 1 crashed, 1 killed, 1 memory limit)" \
        in format_summary(summary)
    assert summary.elapsed_s < 60
    errors = {n.rpartition("-")[2].removesuffix(".apk"): e for n, s, e in _scans(db) if s == "failed"}
    assert "ran out of memory (limit 200 MB)" in (errors["bomb"] or "")
    assert (errors["hang"] or "").endswith("time limit of 5 s exceeded")
    assert "killed by signal 11" in (errors["crash"] or "")
    assert "exited with status 1" in (errors["exit"] or "")
    assert sorted(s for _n, s, _e in _scans(db)).count("ok") == 15
