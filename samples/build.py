#!/usr/bin/env python3
"""Build the sample APKs in ``samples/`` from their text sources in ``samples/src/<name>/``.

Why a script and committed outputs: the scanner's tests need small APKs whose every fact is known in advance
(``samples/expected/<name>.json``), and they must run without Android tools. The APKs are therefore committed, and
this script exists so anyone can check that they really come from the sources: two runs give byte-identical files
(fixed zip timestamps and entry order, RSA signatures, which are deterministic, no v4 signature).

Pipeline per sample: ``aapt2 compile``/``aapt2 link`` (manifest + resources), ``smali assemble`` per dex folder,
a zip rewritten here with a fixed date (keeping aapt2's stored/deflated choice), ``zipalign``, ``apksigner``.
Each ``src/<name>/build.json`` says which key signs it and with which schemes.

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
from bad_inputs import write_bad_inputs  # noqa: E402  (sibling modules, not a package)
from reprozip import Entries, write_zip  # noqa: E402


@dataclass(frozen=True)
class SigningPlan:
    """Which key signs a sample and with which APK signature schemes (read from ``build.json``)."""

    keystore: Path
    alias: str
    schemes: tuple[str, ...]

    @classmethod
    def load(cls, src: Path) -> SigningPlan:
        """Read ``src/build.json``: ``{"key": "test"|"debug", "alias": ..., "schemes": ["v1", ...]}``."""
        conf = json.loads((src / "build.json").read_text(encoding="utf-8"))
        return cls(KEYS / f"{conf['key']}.p12", conf["alias"], tuple(conf["schemes"]))


def run(*cmd: str | Path) -> None:
    """Run a tool and stop the build with its own message when it fails."""
    subprocess.run([str(c) for c in cmd], check=True)


def tree_files(root: Path, prefix: str) -> Entries:
    """Every file under ``root`` as a deflated zip entry named ``prefix/<relative path>``."""
    if not root.is_dir():
        return {}
    return {
        f"{prefix}/{p.relative_to(root).as_posix()}": (p.read_bytes(), zipfile.ZIP_DEFLATED)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def link_resources(src: Path, work: Path) -> Entries:
    """Compile and link manifest and resources with aapt2; return its entries with their compression kept."""
    compiled = work / "res.zip"
    linked = work / "linked.apk"
    # aapt2 from Debian predates <queries> (API 30); its manifest check would reject that element otherwise.
    link = ["aapt2", "link", "--warn-manifest-validation", "-o", linked, "-I", FRAMEWORK,
            "--manifest", src / "AndroidManifest.xml"]
    if (src / "res").is_dir():
        run("aapt2", "compile", "--dir", src / "res", "-o", compiled)
        link.append(compiled)
    run(*link)
    with zipfile.ZipFile(linked) as zf:
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
    run("apksigner", "sign", "--ks", plan.keystore, "--ks-key-alias", plan.alias,
        "--ks-pass", f"pass:{KEY_PASSWORD}", "--key-pass", f"pass:{KEY_PASSWORD}",
        *flags, "--v4-signing-enabled", "false", "--out", out, aligned)


def build_sample(name: str, out_dir: Path) -> Path:
    """Build ``src/<name>`` into ``out_dir/<name>.apk``."""
    src = SRC / name
    out = out_dir / f"{name}.apk"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        entries = link_resources(src, work)
        entries.update(assemble_dex(src, work))
        entries.update(tree_files(src / "assets", "assets"))
        entries.update(tree_files(src / "lib", "lib"))
        unsigned = work / "unsigned.apk"
        write_zip(unsigned, entries)
        sign(unsigned, out, SigningPlan.load(src), work)
    return out


def missing_tools() -> list[str]:
    """Names of the build tools (and the framework jar) that this machine lacks."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not FRAMEWORK.is_file():
        missing.append(str(FRAMEWORK))
    return missing


def main(argv: list[str] | None = None) -> int:
    """Build the named samples (default all) into ``--out`` (default: this folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write <name>.apk and bad/")
    parser.add_argument("names", nargs="*", help="samples to build (default: all under src/)")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"missing build tools: {', '.join(missing)}", file=sys.stderr)
        return 2
    names = args.names or sorted(p.name for p in SRC.iterdir() if (p / "build.json").is_file())
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        apk = build_sample(name, args.out)
        print(f"built {apk}")
        if name == "clean":
            for path in write_bad_inputs(apk, args.out / "bad"):
                print(f"built {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
