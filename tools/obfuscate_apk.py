"""Make a renamed copy of an APK, as a shrinker's obfuscation would leave it, to measure fingerprint matching.

Usage: ``.venv/bin/python tools/obfuscate_apk.py IN.apk OUT.apk [--style flat|tree]``

Each dex file is disassembled with ``baksmali d``, every class the APK defines is given a short meaningless name
(except the classes the manifest names, which R8 keeps, and ``java``/``javax``/``dalvik`` classes, which it cannot
move), every reference to it is rewritten, and the dex is reassembled with ``smali a``. ``flat`` moves every class
into the unnamed package (R8's ``-repackageclasses ''``: ``Lcom/umeng/analytics/MobclickAgent;`` -> ``Lbq;``);
``tree`` keeps the package tree but renames each package segment and class (``La/b/c;``). Member names, string
constants and the manifest are left as they are (a shrinker keeps strings too; the matcher never reads member
names). The copy need not install, only be readable by appscan; it is written outside the repository.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from appscan.apk import extract_facts

STYLES = ("flat", "tree")
_KEPT = ("Ljava/", "Ljavax/", "Ldalvik/")
_TYPE = re.compile(r"L([^;\s()\[:>,\"'{}]+);")
_DEX = re.compile(r"classes\d*\.dex")


def tools_available() -> bool:
    """True when ``baksmali`` and ``smali`` are on the PATH."""
    return bool(shutil.which("baksmali") and shutil.which("smali"))


def _short_names(taken: set[str]) -> Iterator[str]:
    """``a``, ``b``... ``z``, ``aa``, ``ab``...: names not in ``taken`` (Java keywords avoided)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        n += 1
        value, name = n, ""
        while value:
            value, digit = divmod(value - 1, 26)
            name = letters[digit] + name
        if name not in taken and name not in ("do", "if", "in", "for", "int", "new", "try"):
            yield name


def _defined(smali_dirs: Sequence[Path]) -> list[str]:
    """Internal names (``com/foo/Bar``) of every class the smali files define, sorted."""
    names = []
    for folder in smali_dirs:
        for path in folder.rglob("*.smali"):
            with path.open(encoding="utf-8") as fh:
                head = fh.readline()
            names.append(head.split()[-1][1:-1])
    return sorted(set(names))


def rename_map(classes: Sequence[str], kept: set[str], style: str) -> dict[str, str]:
    """Old internal name -> new one for every class not kept."""
    movable = [c for c in classes if c not in kept and not ("L" + c).startswith(_KEPT)]
    mapping: dict[str, str] = {}
    if style == "flat":
        names = _short_names({c for c in classes if "/" not in c})
        for old in movable:
            mapping[old] = next(names)
        return mapping
    packages: dict[str, str] = {"": ""}
    segment_names: dict[str, Iterator[str]] = {}

    def package(old: str) -> str:
        if old not in packages:
            parent, _, _ = old.rpartition("/")
            new_parent = package(parent)
            names = segment_names.setdefault(new_parent, _short_names(set()))
            packages[old] = f"{new_parent}/{next(names)}".lstrip("/")
        return packages[old]

    class_names: dict[str, Iterator[str]] = {}
    for old in movable:
        new_package = package(old.rpartition("/")[0])
        names = class_names.setdefault(new_package, _short_names(set()))
        mapping[old] = f"{new_package}/{next(names)}".lstrip("/")
    return mapping


def obfuscate(source: Path, target: Path, style: str = "flat") -> dict[str, str]:
    """Write a renamed copy of ``source`` to ``target``; returns the class mapping (internal names)."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    facts = extract_facts(source)
    kept = {name.replace(".", "/") for name in (
        *(c.name for c in facts.manifest.components), facts.app.application_class) if name}
    with tempfile.TemporaryDirectory(prefix="obfuscate-") as tmp_name, zipfile.ZipFile(source) as archive:
        tmp = Path(tmp_name)
        dex_names = sorted(n for n in archive.namelist() if _DEX.fullmatch(n))
        folders = []
        for name in dex_names:
            dex = tmp / name
            dex.write_bytes(archive.read(name))
            folder = tmp / (name + ".smali")
            subprocess.run(["baksmali", "d", str(dex), "-o", str(folder)], check=True, capture_output=True)
            folders.append(folder)
        mapping = rename_map(_defined(folders), kept, style)

        def rename(match: re.Match[str]) -> str:
            new = mapping.get(match.group(1))
            return match.group(0) if new is None else f"L{new};"

        for folder, name in zip(folders, dex_names):
            for path in folder.rglob("*.smali"):
                text = path.read_text(encoding="utf-8")
                path.write_text(_TYPE.sub(rename, text), encoding="utf-8")
            subprocess.run(["smali", "a", str(folder), "-o", str(tmp / name)], check=True, capture_output=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                data = (tmp / info.filename).read_bytes() if info.filename in dex_names else archive.read(info)
                out.writestr(info.filename, data)
    return mapping


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--style", choices=STYLES, default="flat")
    args = parser.parse_args(argv)
    mapping = obfuscate(args.source, args.target, args.style)
    print(f"{len(mapping)} classes renamed -> {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
