#!/usr/bin/env python3
"""Build the sample APKs in ``samples/`` from their text sources in ``samples/src/<name>/``.

Why a script and committed outputs: the scanner's tests need small APKs whose every fact is known in advance
(``samples/expected/<name>.json``), and they must run without Android tools. The APKs are therefore committed, and
this script exists so anyone can check that they really come from the sources: two runs give byte-identical files
(fixed zip timestamps and entry order, RSA signatures, which are deterministic, no v4 signature).

Pipeline per APK: ``aapt2 compile``/``aapt2 link`` (manifest + resources), ``smali assemble`` per dex folder,
a zip rewritten here with a fixed date (keeping aapt2's stored/deflated choice), ``zipalign``, ``apksigner``.
Each ``src/<name>/build.json`` says which key signs it and with which schemes.

A source with a ``splits/`` folder is a split bundle: its base, the language splits ``aapt2 link --split`` cuts
from the base's resources (``language_splits`` in ``build.json``) and each ``splits/<split name>/`` (built like a
sample) are signed alike and packed twice: ``<name>.apks`` (``base.apk`` + ``split_<split>.apk``, every split)
and ``<name>.xapk`` (``manifest.json`` from ``xapk-manifest.json`` + the APKs its ``split_apks`` list names).

Usage: ``python3 samples/build.py [--out DIR] [NAME ...]`` (default: every sample, into ``samples/``; the bad
inputs of ``samples/bad/`` are rebuilt along with the sample they derive from, ``clean``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
KEYS = HERE / "keys"
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
TOOLS = ("aapt2", "smali", "zipalign", "apksigner")
KEY_PASSWORD = "android"
SMALI_API = "26"

sys.dont_write_bytecode = True  # keep samples/ free of __pycache__ when run as a script
sys.path.insert(0, str(HERE))
from aab import bundle_entries  # noqa: E402  (sibling modules, not a package)
from bad_inputs import write_bad_inputs  # noqa: E402
from reprozip import Entries, write_zip  # noqa: E402


@dataclass(frozen=True)
class SigningPlan:
    """Which key signs a sample and with which APK signature schemes (read from ``build.json``)."""

    keystore: Path
    alias: str
    schemes: tuple[str, ...]
    min_sdk: int | None = None
    """The app's minSdkVersion, for split APKs whose own manifest does not say it (apksigner would then demand
    v1 for API 1)."""
    aab: bool = False
    """Also build ``<name>.aab``, the App Bundle of the same sources."""

    @classmethod
    def load(cls, src: Path) -> SigningPlan:
        """Read ``src/build.json``: ``{"key": "test"|"debug", "alias": ..., "schemes": ["v1", ...]}``, for a
        bundle ``"min_sdk"``, and ``"aab": true`` for a sample built as an App Bundle too."""
        conf = json.loads((src / "build.json").read_text(encoding="utf-8"))
        return cls(KEYS / f"{conf['key']}.p12", conf["alias"], tuple(conf["schemes"]), conf.get("min_sdk"),
                   conf.get("aab", False))


def run(*cmd: str | Path, cwd: Path | None = None) -> None:
    """Run a tool and stop the build with its own message when it fails."""
    subprocess.run([str(c) for c in cmd], check=True, cwd=cwd)


def tree_files(root: Path, prefix: str) -> Entries:
    """Every file under ``root`` as a deflated zip entry named ``prefix/<relative path>``."""
    if not root.is_dir():
        return {}
    return {
        f"{prefix}/{p.relative_to(root).as_posix()}": (p.read_bytes(), zipfile.ZIP_DEFLATED)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def link_resources(src: Path, work: Path, language_splits: tuple[str, ...] = (), proto: bool = False
                   ) -> tuple[Entries, dict[str, Entries]]:
    """Compile and link manifest and resources with aapt2; return its entries with their compression kept.

    Each locale of ``language_splits`` is cut into a split APK of its own (``aapt2 link --split``), returned
    under its split name ``config.<locale>``. ``proto`` links in aapt2's protocol-buffer format, as for a bundle.
    """
    compiled = work / "res.zip"
    linked = work / "linked.apk"
    # aapt2 from Debian predates <queries> (API 30); its manifest check would reject that element otherwise.
    link = ["aapt2", "link", "--warn-manifest-validation", "-o", linked, "-I", FRAMEWORK,
            "--manifest", src / "AndroidManifest.xml", *(["--proto-format"] if proto else [])]
    split_files = {locale: work / f"split_{locale}.apk" for locale in language_splits}
    for locale, path in split_files.items():
        link += ["--split", f"{path}:{locale}"]
    if (src / "res").is_dir():
        # From inside the source folder: a proto resource table records each compiled file's path as given, and
        # an absolute path would make the bundle depend on where the checkout lies.
        run("aapt2", "compile", "--dir", "res", "-o", compiled, cwd=src)
        link.append(compiled)
    run(*link)
    return read_entries(linked), {f"config.{locale}": read_entries(path) for locale, path in split_files.items()}


def read_entries(apk: Path) -> Entries:
    """Every entry of a zip with its data and compression method."""
    with zipfile.ZipFile(apk) as zf:
        return {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()}


def assemble_dex(src: Path, work: Path) -> Entries:
    """Assemble ``smali/`` into classes.dex and ``smali_classesN/`` into classesN.dex."""
    out: Entries = {}
    for folder in sorted(src.glob("smali*")):
        suffix = folder.name.removeprefix("smali").removeprefix("_classes")
        dex_name = f"classes{suffix}.dex"
        run("smali", "assemble", "-j", "1", "-a", SMALI_API, "-o", work / dex_name, folder)
        out[dex_name] = ((work / dex_name).read_bytes(), zipfile.ZIP_DEFLATED)
    return out


def sign(unsigned: Path, out: Path, plan: SigningPlan, work: Path) -> None:
    """zipalign, then sign with exactly the schemes the plan names (never v4: it writes a side file)."""
    aligned = work / "aligned.apk"
    run("zipalign", "-f", "4", unsigned, aligned)
    flags = [f"--v{n}-signing-enabled={'true' if f'v{n}' in plan.schemes else 'false'}" for n in (1, 2, 3)]
    if plan.min_sdk is not None:
        flags += ["--min-sdk-version", str(plan.min_sdk)]
    run("apksigner", "sign", "--ks", plan.keystore, "--ks-key-alias", plan.alias,
        "--ks-pass", f"pass:{KEY_PASSWORD}", "--key-pass", f"pass:{KEY_PASSWORD}",
        *flags, "--v4-signing-enabled", "false", "--out", out, aligned)


def plugin_files(src: Path, work: Path) -> Entries:
    """Each ``plugins/<asset path>/`` folder of smali sources assembled into a dex and packed as the asset it names
    (the code plug-in SDKs load at run time): a ``.dex`` asset is the dex itself, any other (``.jar``, ``.apk``) a
    zip holding it as ``classes.dex``, written as reproducibly as the APK."""
    root = src / "plugins"
    out: Entries = {}
    for folder in sorted(p for p in root.rglob("*") if p.is_dir() and p.suffix in (".dex", ".jar", ".apk")):
        dex = work / "plugin.dex"
        run("smali", "assemble", "-j", "1", "-a", SMALI_API, "-o", dex, folder)
        data = dex.read_bytes()
        if folder.suffix != ".dex":
            packed = work / "plugin.zip"
            write_zip(packed, {"classes.dex": (data, zipfile.ZIP_DEFLATED)})
            data = packed.read_bytes()
        out[f"assets/{folder.relative_to(root).as_posix()}"] = (data, zipfile.ZIP_DEFLATED)
    return out


def apk_entries(src: Path, work: Path, language_splits: tuple[str, ...] = (), proto: bool = False
                ) -> tuple[Entries, dict[str, Entries]]:
    """The unsigned entries of the APK of ``src`` (and of the language splits cut from it); ``proto``: of the
    bundle module, its manifest and resources in protocol-buffer format."""
    entries, splits = link_resources(src, work, language_splits, proto)
    entries.update(assemble_dex(src, work))
    entries.update(tree_files(src / "assets", "assets"))
    entries.update(plugin_files(src, work))
    entries.update(tree_files(src / "lib", "lib"))
    return entries, splits


def package(entries: Entries, out: Path, plan: SigningPlan, work: Path) -> Path:
    """Zip the entries reproducibly, align and sign them into ``out``."""
    unsigned = work / "unsigned.apk"
    write_zip(unsigned, entries)
    sign(unsigned, out, plan, work)
    return out


def build_aab(src: Path, out: Path, plan: SigningPlan, work: Path) -> Path:
    """The App Bundle of ``src``: one base module linked with ``--proto-format``, JAR-signed (v1) with the sample's
    key as an upload key signs a bundle (apksigner's v1 signature is deterministic, jarsigner's is not)."""
    entries, _ = apk_entries(src, work, proto=True)
    bundle_plan = SigningPlan(plan.keystore, plan.alias, ("v1",), plan.min_sdk or 21)
    return package(bundle_entries({"base": entries}), out, bundle_plan, work)


def build_sample(name: str, out_dir: Path) -> list[Path]:
    """Build ``src/<name>`` into ``out_dir/<name>.apk`` (a bundle into ``<name>.apks`` and ``<name>.xapk``; with
    ``"aab": true`` also ``<name>.aab``)."""
    src = SRC / name
    plan = SigningPlan.load(src)
    if (src / "splits").is_dir():
        return build_bundle(src, name, out_dir, plan)
    with tempfile.TemporaryDirectory() as tmp:
        entries, _ = apk_entries(src, Path(tmp))
        built = [package(entries, out_dir / f"{name}.apk", plan, Path(tmp))]
    if plan.aab:
        with tempfile.TemporaryDirectory() as tmp:
            built.append(build_aab(src, out_dir / f"{name}.aab", plan, Path(tmp)))
    return built


def build_bundle(src: Path, name: str, out_dir: Path, plan: SigningPlan) -> list[Path]:
    """Build the base and every split of ``src``, sign each, and pack them as ``.apks`` and ``.xapk``."""
    conf = json.loads((src / "build.json").read_text(encoding="utf-8"))
    signed: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def workdir(label: str) -> Path:
            path = work / label
            path.mkdir()
            return path

        base, unsigned = apk_entries(src, workdir("base"), tuple(conf.get("language_splits", ())))
        unsigned = {"base": base, **unsigned}
        for split_src in sorted(p for p in (src / "splits").iterdir() if p.is_dir()):
            unsigned[split_src.name], _ = apk_entries(split_src, workdir(split_src.name))
        for split, entries in unsigned.items():
            sign_dir = workdir(f"sign-{split}")
            signed[split] = package(entries, sign_dir / "signed.apk", plan, sign_dir).read_bytes()
    apks = out_dir / f"{name}.apks"
    write_zip(apks, {("base.apk" if split == "base" else f"split_{split}.apk"): (data, zipfile.ZIP_STORED)
                     for split, data in signed.items()})
    xapk_manifest = (src / "xapk-manifest.json").read_bytes()
    xapk_entries: Entries = {"manifest.json": (xapk_manifest, zipfile.ZIP_DEFLATED)}
    for item in json.loads(xapk_manifest)["split_apks"]:
        xapk_entries[item["file"]] = (signed[item["id"]], zipfile.ZIP_STORED)
    xapk = out_dir / f"{name}.xapk"
    write_zip(xapk, xapk_entries)
    return [apks, xapk]


def missing_tools() -> list[str]:
    """Names of the build tools (and the framework jar) that this machine lacks."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not FRAMEWORK.is_file():
        missing.append(str(FRAMEWORK))
    return missing


def main(argv: list[str] | None = None) -> int:
    """Build the named samples (default all) into ``--out`` (default: this folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write <name>.apk(s) and bad/")
    parser.add_argument("names", nargs="*", help="samples to build (default: all under src/)")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"missing build tools: {', '.join(missing)}", file=sys.stderr)
        return 2
    names = args.names or sorted(p.name for p in SRC.iterdir() if (p / "build.json").is_file())
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        built = build_sample(name, args.out)
        for path in built:
            print(f"built {path}")
        if name == "clean":
            for path in write_bad_inputs(built[0], args.out / "bad"):
                print(f"built {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
