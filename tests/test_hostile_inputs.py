"""Hostile inputs built from the clean sample, one trick each: every one gets a clean outcome (a scan, or one line
and exit 2), quickly, and nothing from the file name reaches an output unescaped."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from appscan.report.sarif import to_sarif
from appscan.scan import scan_file
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "samples" / "clean.apk"
TIMEOUT = 60


def run_appscan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command, within the bound every hostile case must meet."""
    return run_cli(*args, timeout=TIMEOUT)


def _one_line_error(proc: subprocess.CompletedProcess[str], words: str) -> None:
    err = proc.stderr
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and words in err, err


def _set_encrypted_flag(data: bytes) -> bytes:
    """Bit 0 of the general-purpose flags of every central-directory and local header."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = raw.find(signature)
        while at != -1:
            (flags,) = struct.unpack_from("<H", raw, at + offset)
            struct.pack_into("<H", raw, at + offset, flags | 1)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_entries_flagged_encrypted_are_read_as_android_reads_them(tmp_path: Path) -> None:
    """Android ignores the flag and installs such an APK; a scanner that refuses it is bypassed."""
    apk = tmp_path / "flagged.apk"
    apk.write_bytes(_set_encrypted_flag(CLEAN.read_bytes()))
    with zipfile.ZipFile(apk) as zf:
        assert all(i.flag_bits & 1 for i in zf.infolist())
    flagged, clean = scan_file(apk), scan_file(CLEAN)
    assert flagged.facts.app.package == clean.facts.app.package
    assert [d.name for d in flagged.facts.code.dex] == [d.name for d in clean.facts.code.dex]


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    """A FIFO would block and /dev/zero would fill memory: both are refused before any byte is read."""
    if kind == "fifo":
        target = tmp_path / "pipe.apk"
        os.mkfifo(target)
    elif kind == "device":
        target = tmp_path / "zero.apk"
        target.symlink_to("/dev/zero")
    else:
        target = tmp_path / "folder.apk"
        target.mkdir()
        (target / "inner.txt").write_text("x")
        proc = run_appscan("report", target, "--format", "json")
        _one_line_error(proc, "is a directory")
        return
    _one_line_error(run_appscan("scan", "--no-store", target), "not a regular file")


def test_bogus_zip64_end_record_is_one_line(tmp_path: Path) -> None:
    """A ZIP64 end-of-central-directory locator pointing before the file's start (zipfile: negative seek)."""
    data = bytearray(CLEAN.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, 2**63 - 1, 1)
    apk = tmp_path / "zip64.apk"
    apk.write_bytes(bytes(data[:end]) + locator + bytes(data[end:]))
    proc = run_appscan("scan", "--no-store", apk)
    err = proc.stderr
    assert "Traceback" not in err and proc.returncode in (0, 2), err
    if proc.returncode == 2:
        _one_line_error(proc, "zip64.apk")


@pytest.mark.parametrize("name", [b"evil\nappscan: error: forged.apk", b"bytes-\xff\xfe.apk", b"esc-\x1b[31m.apk"],
                         ids=["newline", "not-utf8", "escape"])
def test_file_names_cannot_forge_output(tmp_path: Path, name: bytes) -> None:
    """Control characters and undecodable bytes in a file name are escaped in messages and reports."""
    apk = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), name)))
    apk.write_bytes(CLEAN.read_bytes())
    proc = run_appscan("scan", "--no-store", "--format", "json", apk)
    assert proc.returncode == 0, proc.stderr
    assert _valid_utf8(proc.stdout)  # every field, not only the source: bytes are kept as surrogates by run_cli
    doc = json.loads(proc.stdout)
    for shown in (doc["scan"]["source"], *(f["name"] for f in doc["files"])):
        assert shown.isprintable() and "\n" not in shown and "\x1b" not in shown
    broken = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), name + b".bad")))
    broken.write_bytes(b"not a zip")
    proc = run_appscan("scan", "--no-store", broken)
    _one_line_error(proc, "not an APK")
    assert "\x1b" not in proc.stderr and _valid_utf8(proc.stderr)


def _valid_utf8(text: str) -> bool:
    """``text`` came from bytes that were valid UTF-8 (``run_cli`` keeps any other byte as a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_a_name_that_looks_like_a_url_is_a_file_in_sarif(tmp_path: Path) -> None:
    apk = tmp_path / "javascript:alert(1).apk"
    apk.write_bytes(CLEAN.read_bytes())
    run = to_sarif(scan_file(apk))["runs"][0]
    uris = [run["artifacts"][0]["location"]["uri"]] + [
        loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]]
    assert uris and all(not u.lower().startswith("javascript:") and ":" not in u for u in uris)


def _rezip(tmp_path: Path, name: str, entries: list[tuple[str, bytes]]) -> Path:
    """An APK of these entries (stored), written entry by entry so that names may repeat; a ``|`` in a name
    becomes a NUL in the file (zipfile itself cuts names at a NUL)."""
    path = tmp_path / name
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names this test writes on purpose
        for entry, data in entries:
            zf.writestr(zipfile.ZipInfo(entry, (2020, 1, 1, 0, 0, 0)), data)
    raw = path.read_bytes()
    for entry, _ in entries:
        if "|" in entry:  # the name's bytes in the local and central headers only
            raw = raw.replace(entry.encode(), entry.replace("|", "\x00").encode())
    path.write_bytes(raw)
    return path


def _clean_entries() -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(CLEAN) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist() if not i.filename.startswith("META-INF/")]


def test_dex_android_never_loads_is_not_the_apps_code(tmp_path: Path) -> None:
    """classes.dex is loaded, classes3.dex after the missing classes2.dex is not, nor classes1.dex."""
    entries = _clean_entries()
    dex = dict(entries)["classes.dex"]
    apk = _rezip(tmp_path, "gap.apk", [*entries, ("classes3.dex", dex), ("classes1.dex", dex)])
    facts = scan_file(apk).facts
    assert [d.name for d in facts.code.dex] == ["classes.dex"]
    assert sorted(a.entry for a in facts.anomalies if a.kind == "unloaded-dex") == ["classes1.dex", "classes3.dex"]
    assert any(f.rule == "SEC-009" and f.severity == "high" for f in scan_file(apk).findings)


def test_duplicate_and_nul_names_are_read_as_android_reads_them(tmp_path: Path) -> None:
    """A second classes.dex (garbage) is not analysed in place of the first; an entry named "classes.dex\\0x"
    is no classes.dex at all (zipfile would cut the name at the NUL and read it as one)."""
    entries = _clean_entries()
    apk = _rezip(tmp_path, "dup.apk", [*entries, ("classes.dex", b"garbage"), ("classes.dex|.png", b"junk")])
    result = scan_file(apk)
    assert [d.name for d in result.facts.code.dex] == ["classes.dex"] and result.facts.code.classes
    kinds = {a.kind for a in result.facts.anomalies}
    assert kinds == {"duplicate-entry", "nul-in-name"}
    finding = next(f for f in result.findings if f.rule == "SEC-009")
    assert "duplicate-entry" in finding.title.en and "nul-in-name" in finding.title.en
    flagged = tmp_path / "flagged.apk"
    flagged.write_bytes(_set_encrypted_flag(CLEAN.read_bytes()))
    assert {a.kind for a in scan_file(flagged).facts.anomalies} == {"encrypted-flag"}
    assert not scan_file(CLEAN).facts.anomalies


def test_a_hundred_thousand_entries_scan_in_bounded_time(tmp_path: Path) -> None:
    """Every asset was compared with every catalogue SDK through posixpath.relpath: 100k entries took over 300 s."""
    apk = tmp_path / "many.apk"
    with zipfile.ZipFile(apk, "w") as zf:
        for entry, data in _clean_entries():
            zf.writestr(entry, data)
        for k in range(100_000):
            zf.writestr(zipfile.ZipInfo(f"assets/f{k}.txt", (2020, 1, 1, 0, 0, 0)), b"")
    proc = run_appscan("scan", "--no-store", "--format", "json", apk)  # TIMEOUT bounds it
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["resources"]["assets"]) >= 100_000


def with_signing_block(data: bytes, pairs: int) -> bytes:
    """``data`` with an APK Signing Block of ``pairs`` padding entries before its central directory."""
    eocd = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    body = b"".join(struct.pack("<QI", 12, 0x42726577) + bytes(8) for _ in range(pairs))
    size = len(body) + 24
    block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + b"APK Sig Block 42"
    out = bytearray(data[:cd_offset] + block + data[cd_offset:])
    struct.pack_into("<I", out, eocd + len(block) + 16, cd_offset + len(block))
    return bytes(out)


def test_signature_structures_are_bounded(tmp_path: Path) -> None:
    """30,000 v1 signature blocks held a scan two minutes and 100,000 signing-block entries a minute in
    androguard: both are cut, and the scan says what was not read."""
    many_signers = tmp_path / "signers.apk"
    with zipfile.ZipFile(CLEAN) as src, zipfile.ZipFile(many_signers, "w") as zf:
        signature = {i.filename: src.read(i) for i in src.infolist() if i.filename.endswith((".RSA", ".SF"))}
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        for k in range(30_000):
            for name, data in signature.items():
                zf.writestr(zipfile.ZipInfo(f"META-INF/X{k}.{name.rsplit('.', 1)[1]}", (2020, 1, 1, 0, 0, 0)), data)
    block = tmp_path / "block.apk"
    block.write_bytes(with_signing_block(CLEAN.read_bytes(), 100_000))
    for apk, words in ((many_signers, "v1 signature blocks; only the first"), (block, "APK Signing Block with over")):
        proc = run_appscan("scan", "--no-store", "--format", "json", apk)  # TIMEOUT bounds it
        assert proc.returncode == 0, proc.stderr
        assert any(words in i["reason"] for i in json.loads(proc.stdout)["incomplete"])


def _manifest_variant(tmp_path: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """The clean sample with its AndroidManifest.xml passed through ``change``."""
    path = tmp_path / name
    with zipfile.ZipFile(CLEAN) as src, zipfile.ZipFile(path, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            zf.writestr(info, change(data) if info.filename == "AndroidManifest.xml" else data)
    return path


def _nested(manifest: bytes, depth: int) -> bytes:
    """The manifest with its first child element repeated ``depth`` times, each inside the previous one."""
    chunks, off = [], 8
    while off < len(manifest):
        kind, _, size = struct.unpack_from("<HHI", manifest, off)
        chunks.append((kind, manifest[off:off + size]))
        off += size
    first = next(i for i, (kind, _) in enumerate(chunks) if kind == 0x0102)
    end = next(chunk for kind, chunk in chunks if kind == 0x0103)
    body = (b"".join(c for _, c in chunks[:first + 1]) + chunks[first + 1][1] * depth + end * depth
            + b"".join(c for _, c in chunks[first + 1:]))
    return struct.pack("<HHI", 3, 8, len(body) + 8) + body


def test_binary_xml_is_bounded_before_decoding(tmp_path: Path) -> None:
    """100,000 nested elements took androguard's decoder 84 s: refused from the chunk headers in one line. Zero
    padding after the declared size is ignored, as the platform ignores it; a zero-sized chunk is refused."""
    deep = _manifest_variant(tmp_path, "deep.apk", lambda m: _nested(m, 100_000))
    _one_line_error(run_appscan("scan", "--no-store", deep), "nested over")
    padded = _manifest_variant(tmp_path, "padded.apk", lambda m: m + bytes(1 << 20))
    assert scan_file(padded).facts.app.package == scan_file(CLEAN).facts.app.package
    zero = _manifest_variant(tmp_path, "zero.apk",
                             lambda m: m[:4] + struct.pack("<I", len(m) + 64) + m[8:] + bytes(64))
    _one_line_error(run_appscan("scan", "--no-store", zero), "a chunk of 0 bytes")


def test_one_bad_index_does_not_hide_the_dex(tmp_path: Path) -> None:
    """One invoke naming a method id past the table made the whole dex "malformed", and every call in it vanished;
    now only that reference is left out, and the scan says so."""
    from appscan.apk.dex import parse_dex

    entries = _clean_entries()
    dex = bytearray(dict(entries)["classes.dex"])
    parsed = parse_dex(bytes(dex))
    patched = None
    for method, off in sorted(parsed.code_offsets.items()):
        (size,) = struct.unpack_from("<I", dex, off + 12)
        start = off + 16
        for unit in range(size):
            op = dex[start + 2 * unit]
            if 0x6E <= op <= 0x72 and unit + 2 < size:
                struct.pack_into("<H", dex, start + 2 * unit + 2, 0xFFFF)  # method id far past the table
                patched = method
                break
        if patched:
            break
    assert patched is not None
    apk = _rezip(tmp_path, "badref.apk", [(n, bytes(dex) if n == "classes.dex" else d) for n, d in entries])
    result = scan_file(apk)
    assert [d.name for d in result.facts.code.dex] == ["classes.dex"]
    assert len(result.facts.code.call_sites) == len(parsed.call_sites) - 1
    assert any("point outside the dex's tables" in i.reason for i in result.facts.incomplete)


def _resize_types(table: bytes, entries: int) -> bytes:
    """A resource table whose type chunks each claim ``entries`` slots, all pointing at the chunk's first entry."""
    header = struct.unpack_from("<H", table, 2)[0]
    package_at = header + struct.unpack_from("<I", table, header + 4)[0]  # after the global string pool
    package_header, package_size = struct.unpack_from("<HI", table, package_at + 2)
    chunks, off = [], package_at + package_header
    while off < package_at + package_size:
        kind, head, size = struct.unpack_from("<HHI", table, off)
        chunk = bytearray(table[off:off + size])
        if kind == 0x0201:
            start = struct.unpack_from("<I", chunk, 16)[0]
            chunk = bytearray(chunk[:head]) + bytes(4 * entries) + chunk[start:]
            struct.pack_into("<III", chunk, 4, len(chunk), 0, head + 4 * entries)
            struct.pack_into("<I", chunk, 12, entries)
        chunks.append(bytes(chunk))
        off += size
    package = bytearray(table[package_at:package_at + package_header] + b"".join(chunks))
    struct.pack_into("<I", package, 4, len(package))
    out = bytearray(table[:package_at] + bytes(package))
    struct.pack_into("<I", out, 4, len(out))
    return bytes(out)


def test_a_resource_table_claiming_millions_of_entries_is_not_parsed(tmp_path: Path) -> None:
    """4 million entry slots (32 MB, stored) made androguard's parser hold 2.8 GB: the table is left out with a
    reason, the rest of the app is scanned."""
    sdks = ROOT / "samples" / "sdks.apk"
    apk = tmp_path / "arsc.apk"
    with zipfile.ZipFile(sdks) as src, zipfile.ZipFile(apk, "w", zipfile.ZIP_STORED) as zf:
        for info in src.infolist():
            data = src.read(info)
            zf.writestr(info.filename, _resize_types(data, 4_000_000) if info.filename == "resources.arsc" else data)
    proc = run_appscan("scan", "--no-store", "--format", "json", apk)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert any("4000000 entries, over the" in i["reason"] for i in doc["incomplete"])
    assert doc["app"]["package"] == "com.example.sdks" and doc["sdks"]


def test_the_code_walk_stops_at_its_call_site_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Methods sharing one code item let a tiny dex name billions of call sites: the walk stops at
    ``MAX_CALL_SITES`` (lowered here to what the sample holds) and says the rest was not read."""
    from appscan.apk import dex

    full = dex.parse_dex(dict(_clean_entries())["classes.dex"])
    assert len(full.call_sites) > 2 and not full.truncated
    monkeypatch.setattr(dex, "MAX_CALL_SITES", 1)
    cut = dex.parse_dex(dict(_clean_entries())["classes.dex"])
    assert cut.truncated and 1 < len(cut.call_sites) < len(full.call_sites)
    assert [c.name for c in cut.classes] == [c.name for c in full.classes]


def test_a_zip_version_android_ignores_is_read_and_reported(tmp_path: Path) -> None:
    """A central directory claiming "version needed to extract 6.4" made zipfile raise NotImplementedError (an
    internal error, so the app escaped analysis); Android ignores the field. Found by tests/fuzz."""
    data = bytearray(CLEAN.read_bytes())
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, directory + 6, 64)
    path = tmp_path / "version.apk"
    path.write_bytes(bytes(data))
    proc = run_appscan("scan", path, "--no-store", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert [a["kind"] for a in document["anomalies"]] == ["zip-version"]
    assert "SEC-009" in {f["rule"] for f in document["findings"]}


def _bundle_entries() -> dict[str, bytes]:
    with zipfile.ZipFile(ROOT / "samples" / "bundle.apks") as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.mark.parametrize("case, words", [
    ("no base", "exactly one base APK (base.apk, or one APK that is no split); found 0"),
    ("two bases", "found 2: a/base.apk, b/base.apk"),
    ("another app's split", "is for com.example.clean version 1, not the base's com.example.bundle version 3"),
    ("split without manifest", "has no readable AndroidManifest.xml"),
])
def test_a_bundle_android_would_not_install_is_refused_in_one_line(tmp_path: Path, case: str, words: str) -> None:
    """A bundle's base decides what the app is; with no base, two bases or a split made for another app, a scanner
    that picked one APK could be shown a decoy, so the bundle is refused as Android refuses it."""
    entries = _bundle_entries()
    split = "split_config.zh.apk"
    if case == "no base":
        del entries["base.apk"]
    elif case == "two bases":
        entries = {"a/base.apk": entries["base.apk"], "b/base.apk": CLEAN.read_bytes(), split: entries[split]}
    elif case == "another app's split":
        entries[split] = CLEAN.read_bytes()
    else:
        entries[split] = _rezip(tmp_path, "empty.apk", [("res/raw/x", b"x")]).read_bytes()
    path = _rezip(tmp_path, f"{case.replace(' ', '-')}.apks", list(entries.items()))
    _one_line_error(run_appscan("scan", path, "--no-store"), words)


def test_text_output_shows_control_characters_never_sends_them() -> None:
    """An app label holding an escape sequence and a newline (a developer's choice) would clear the reviewer's
    screen or forge a summary line; the text summary shows it escaped and keeps it on its line."""
    from dataclasses import replace

    from appscan.report.text_format import render_text
    result = scan_file(CLEAN)
    app = replace(result.facts.app, label="Evil\x1b[2J\nverdict: pass\u202e")
    text = render_text(replace(result, facts=replace(result.facts, app=app)))
    assert "\x1b" not in text and "\u202e" not in text and "\nverdict: pass" not in text
    assert "label: Evil\\x1b[2J\\x0averdict: pass\\u202e" in text


def _renamed_android_namespace(manifest: bytes) -> bytes:
    """The manifest with the android namespace URI string changed (same length): every framework attribute keeps
    its resource id, which is all the platform reads."""
    for encoding in ("utf-16-le", "utf-8"):
        uri = "http://schemas.android.com/apk/res/android".encode(encoding)
        if uri in manifest:
            return manifest.replace(uri, "http://schemas.android.com/apk/res/androix".encode(encoding))
    raise AssertionError("no android namespace string in the sample manifest")


def test_framework_attributes_are_read_by_resource_id_as_android_does(tmp_path: Path) -> None:
    """A namespace string trick made a name-based reader see no android: attributes at all (no component names,
    no exported flags, no permissions' names) while Android, which resolves framework attributes by resource id,
    installs the app as before: the facts must be those of the untouched sample."""
    tricked = _manifest_variant(tmp_path, "namespace.apk", _renamed_android_namespace)
    result = scan_file(tricked)
    original, facts = scan_file(CLEAN).facts, result.facts
    assert facts.manifest == original.manifest
    # Only the namespace string differs (as some export tools write it): a low finding, no "tampering" claim.
    assert {a.kind for a in facts.anomalies} == {"manifest-namespace"}
    assert "SEC-010" in {f.rule for f in result.findings} and "SEC-009" not in {f.rule for f in result.findings}
    assert (facts.app.debuggable, facts.app.allow_backup, facts.app.target_sdk, facts.app.label) == \
        (original.app.debuggable, original.app.allow_backup, original.app.target_sdk, original.app.label)


def _without_resource_id(attribute: str) -> Callable[[bytes], bytes]:
    """A change giving the string ``attribute`` an app-range id in the manifest's resource map: spelled
    ``android:allowBackup`` still, it is no framework attribute for the platform."""
    from androguard.core.axml import AXMLParser

    def change(manifest: bytes) -> bytes:
        pool = AXMLParser(manifest).sb
        index = next(i for i in range(pool.stringCount) if pool.getString(i) == attribute)
        out = bytearray(manifest)
        at = 8
        while struct.unpack_from("<H", out, at)[0] != 0x0180:  # the resource map chunk
            at += struct.unpack_from("<I", out, at + 4)[0]
        struct.pack_into("<I", out, at + 8 + 4 * index, 0x7F010000)
        return bytes(out)
    return change


def test_an_android_attribute_without_its_resource_id_is_ignored_as_android_does(tmp_path: Path) -> None:
    """``android:allowBackup="false"`` whose name has no framework resource id is no attribute for the platform,
    which then backs the app up (the default); a name-based reader believed the false."""
    assert scan_file(CLEAN).facts.app.allow_backup is False
    tricked = _manifest_variant(tmp_path, "no-id.apk", _without_resource_id("allowBackup"))
    assert scan_file(tricked).facts.app.allow_backup is True


def test_manifest_attribute_tricks_are_reported() -> None:
    """The tricks the two tests above read through are also reported (finding SEC-009), with the attribute."""
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        tricked = _manifest_variant(Path(folder), "no-id.apk", _without_resource_id("allowBackup"))
        result = scan_file(tricked)
    (anomaly,) = result.facts.anomalies
    assert anomaly.kind == "manifest-attribute" and "allowBackup: no framework resource id" in anomaly.detail
    assert "SEC-009" in {f.rule for f in result.findings}


def test_overlapping_entries_are_reported(tmp_path: Path) -> None:
    """An entry whose compressed data runs over the next entry's local header (the overlapping zip bomb, where one
    stream is counted many times) is reported; the scan still ends within its bounds."""
    path = _rezip(tmp_path, "overlap.apk", _clean_entries())
    data = bytearray(path.read_bytes())
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, directory + 20, struct.unpack_from("<I", data, directory + 20)[0] + 64)
    path.write_bytes(bytes(data))
    proc = run_appscan("scan", path, "--no-store", "--format", "json")
    assert proc.returncode == 0, proc.stderr  # the manifest's deflate stream ends where it did: still readable
    document = json.loads(proc.stdout)
    assert [(a["kind"], a["entry"]) for a in document["anomalies"]] == [
        ("overlapping-entries", "AndroidManifest.xml / assets/licenses.txt")]
    assert "SEC-009" in {f["rule"] for f in document["findings"]}
