"""Android App Bundles (.aab) read as the APKs bundletool builds from them: the same facts, findings and JSON.

Why: developers pre-check the bundle they upload as often as an APK. A bundle's manifest, XML files and resource
table are aapt2's protocol-buffer format, so each fact read from them is checked against the same fact read from
the binary APK of the same sources: the committed ``samples/*.aab`` (built by samples/build.py with
``aapt2 link --proto-format``), and every sample APK turned into a bundle here with ``aapt2 convert``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from appscan.apk import extract_facts
from appscan.apk.aapt_proto import XmlNode, decode_proto_xml
from appscan.cli import main
from appscan.errors import ApkReadError, InputError
from appscan.model import ApkFacts
from tests.conftest import REPO_ROOT, require

SAMPLES = REPO_ROOT / "samples"
sys.path.insert(0, str(SAMPLES))
from aab import bundle_entries  # noqa: E402  (samples/ modules, shared with samples/build.py)
from reprozip import Entries, write_zip  # noqa: E402

ANDROID = "http://schemas.android.com/apk/res/android"
COMMITTED = sorted(p.stem for p in SAMPLES.glob("*.aab"))


def comparable(facts: ApkFacts) -> ApkFacts:
    """The facts without the input's identity (file name, hash, size, files) and signature: what a bundle and the
    APK of the same sources must share. Reasons that quote the input's file name are given it neutrally."""
    name = facts.source
    incomplete = tuple(dataclasses.replace(i, reason=i.reason.replace(name, "INPUT")) for i in facts.incomplete)
    return dataclasses.replace(facts, source="", files=(), signing=None, incomplete=incomplete, app_bundle=False,
                               app=dataclasses.replace(facts.app, sha256="", size=0))


def proto_entries(apk: Path, work: Path) -> Entries:
    """An APK's entries with manifest, XML files and resource table converted to proto format by aapt2."""
    require(shutil.which("aapt2") is not None, "aapt2 (Android build tools) missing")
    out = work / f"{apk.stem}.proto.apk"
    subprocess.run(["aapt2", "convert", "--output-format", "proto", "-o", str(out), str(apk)], check=True,
                   capture_output=True)
    with zipfile.ZipFile(out) as zf:
        return {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()}


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_bundle_has_the_facts_of_its_apk(name: str) -> None:
    bundle, apk = extract_facts(SAMPLES / f"{name}.aab"), extract_facts(SAMPLES / f"{name}.apk")
    assert comparable(bundle) == comparable(apk)
    assert bundle.files == (bundle.files[0],) and bundle.files[0].name == f"{name}.aab"
    assert bundle.signing.schemes == ("v1",)  # a bundle is JAR-signed with the upload key
    assert bundle.signing.certificates == apk.signing.certificates


def test_committed_bundles_cover_manifest_resources_and_code() -> None:
    """The samples chosen as bundles hold what the proto readers must get right."""
    assert set(COMMITTED) >= {"sdks", "multidex"}
    multidex = extract_facts(SAMPLES / "multidex.aab")
    assert multidex.app.network_security_config is not None  # res/xml in proto format, found through resources.pb
    assert [d.name for d in multidex.code.dex][:2] == ["classes.dex", "classes2.dex"]
    assert multidex.resources.strings and multidex.native_libs
    sdks = extract_facts(SAMPLES / "sdks.aab")
    assert any(m.value for m in sdks.manifest.meta_data)


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.apk")))
def test_every_sample_apk_converted_to_a_bundle_reads_the_same(name: str, tmp_path: Path) -> None:
    apk = SAMPLES / f"{name}.apk"
    bundle = tmp_path / f"{name}.aab"
    write_zip(bundle, bundle_entries({"base": proto_entries(apk, tmp_path)}))
    assert comparable(extract_facts(bundle)) == comparable(extract_facts(apk))


def test_feature_modules_are_read_as_splits(tmp_path: Path) -> None:
    """The split bundle's base and splits as bundle modules: same code (labelled by module), strings, libraries."""
    apks = SAMPLES / "bundle.apks"
    modules: dict[str, Entries] = {}
    with zipfile.ZipFile(apks) as zf:
        for member in zf.namelist():
            path = tmp_path / member
            path.write_bytes(zf.read(member))
            modules["base" if member == "base.apk" else member] = proto_entries(path, tmp_path)
    bundle = tmp_path / "bundle.aab"
    write_zip(bundle, bundle_entries(modules))
    from_bundle, from_apks = comparable(extract_facts(bundle)), comparable(extract_facts(apks))
    assert from_bundle == from_apks
    assert "split_config.arm64_v8a.apk!classes.dex" in [d.name for d in from_bundle.code.dex]


def _scan_json(path: Path) -> dict:
    result = CliRunner().invoke(main, ["scan", str(path), "--no-store", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_scan_of_a_bundle_gives_the_apks_findings() -> None:
    """The same findings, but for the signature scheme: sdks.apk is signed v1 only (SEC-007, Janus), while a
    bundle's v1 signature is the upload key's and says nothing of how the installed APKs are signed."""
    bundle, apk = _scan_json(SAMPLES / "sdks.aab"), _scan_json(SAMPLES / "sdks.apk")
    assert [f for f in apk["findings"] if f["rule"] != "SEC-007"] == bundle["findings"]
    assert "SEC-007" in {f["rule"] for f in apk["findings"]}
    for key in ("sdks", "api_calls", "permissions", "verdict", "secrets", "endpoints"):
        assert bundle[key] == apk[key], key
    assert bundle["files"] == [{"name": "sdks.aab", "sha256": bundle["app"]["sha256"], "size": bundle["app"]["size"],
                                "split": None}]


def test_batch_scans_bundles_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("sdks.aab", "clean.apk"):
        shutil.copy(SAMPLES / name, folder / name)
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", f"sqlite:///{tmp_path / 'b.db'}"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 scanned, 0 reused, 0 failed" in result.stdout


def _bundle(tmp_path: Path, entries: Entries, name: str = "bad.aab") -> Path:
    path = tmp_path / name
    write_zip(path, entries)
    return path


def test_bundles_that_bundletool_would_refuse_are_refused_in_one_line(tmp_path: Path) -> None:
    base = proto_entries(SAMPLES / "clean.apk", tmp_path)
    no_base = _bundle(tmp_path, bundle_entries({"feature": base}))
    with pytest.raises(InputError, match="needs a base module"):
        extract_facts(no_base)
    garbage = dict(bundle_entries({"base": base}))
    garbage["base/manifest/AndroidManifest.xml"] = (b"\xff" * 64, zipfile.ZIP_DEFLATED)
    with pytest.raises(ApkReadError, match="not valid protocol-buffer XML"):
        extract_facts(_bundle(tmp_path, garbage, "garbage.aab"))
    other = proto_entries(SAMPLES / "sdks.apk", tmp_path)
    decoy = _bundle(tmp_path, bundle_entries({"base": base, "feature": other}), "decoy.aab")
    with pytest.raises(ApkReadError, match="is for com.example.sdks"):
        extract_facts(decoy)
    result = CliRunner().invoke(main, ["scan", str(decoy), "--no-store"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def _manifest(attributes: list[tuple[str, str, str, int]]) -> bytes:
    """A proto manifest whose <application> has the given (namespace, name, value, resource id) attributes."""
    node = XmlNode()
    root = node.element
    root.name = "manifest"
    root.namespace_declaration.add(prefix="android", uri=ANDROID)
    root.attribute.add(name="package", value="com.example.trick")
    app = root.child.add().element
    app.name = "application"
    for uri, name, value, res_id in attributes:
        attr = app.attribute.add(namespace_uri=uri, name=name, value=value)
        if res_id:
            attr.resource_id = res_id
    return node.SerializeToString()


def test_proto_attributes_are_keyed_by_resource_id_as_the_platform_reads_them() -> None:
    """The binary decoder's rule holds for proto XML: the framework id names the attribute, not its strings."""
    root, tricks = decode_proto_xml(_manifest([
        ("http://evil.example/ns", "debuggable", "true", 0x0101000F),  # android:debuggable under another namespace
        (ANDROID, "allowBackup", "false", 0),  # an android name without the framework id: ignored by Android
    ]))
    assert root is not None
    app = root.find("application")
    assert app.get(f"{{{ANDROID}}}debuggable") == "true"
    assert f"{{{ANDROID}}}allowBackup" not in app.attrib
    assert sorted(kind for kind, _ in tricks) == ["attribute", "namespace"]


def test_proto_xml_out_of_bounds_or_not_xml_is_refused() -> None:
    assert decode_proto_xml(b"")[0] is None
    assert decode_proto_xml(b"\x0a\xff\xff\xff\xff\x0f")[0] is None  # a length past the end
    node = XmlNode()
    element = node.element
    element.name = "manifest"
    for _ in range(60):  # 60 nested elements: within the bound, but past protobuf's own nesting limit
        element = element.child.add().element
        element.name = "x"
    assert decode_proto_xml(node.SerializeToString())[0] is None
