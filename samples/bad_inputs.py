"""Derive the broken inputs of ``samples/bad/`` from the built ``clean`` sample.

Why derived rather than hand-made: each broken file should differ from a good APK in exactly one way (truncated,
garbage manifest, no manifest, one corrupt dex, a decompression bomb), so the scanner's error paths are tested one
at a time. ``samples/bad/README.md`` says what the scanner should report for each file.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reprozip import Entries, fixed_info, write_zip

GARBAGE = bytes(range(256)) * 4
BOMB_ENTRY = "assets/bomb.bin"
BOMB_INFLATED = 200 * 1024 * 1024
BOMB_DECLARED = 1024


def clean_entries(clean_apk: Path) -> Entries:
    """The clean sample's entries without its signature (any change would break it anyway)."""
    with zipfile.ZipFile(clean_apk) as zf:
        return {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()
                if not i.filename.startswith("META-INF/")}


def write_bomb(path: Path, entries: Entries) -> None:
    """Add an entry whose headers claim BOMB_DECLARED bytes but whose deflate stream inflates to 200 MB of zeros.

    The stream is built chunk by chunk so the build never holds 200 MB; method, CRC and uncompressed size are then
    patched in both the local header and the central directory.
    """
    write_zip(path, entries)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    crc = 0
    parts = []
    for _ in range(BOMB_INFLATED // len(chunk)):
        parts.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(packer.flush())
    stream = b"".join(parts)
    with zipfile.ZipFile(path, "a") as zf:
        # Written as "stored" so zipfile copies the raw deflate bytes; method, CRC and size are patched below.
        zf.writestr(fixed_info(BOMB_ENTRY, zipfile.ZIP_STORED), stream)
    raw = bytearray(path.read_bytes())
    for layout in (_LOCAL, _CENTRAL):
        start = _header_for(raw, layout, BOMB_ENTRY.encode())
        struct.pack_into("<H", raw, start + layout.method, zipfile.ZIP_DEFLATED)
        struct.pack_into("<I", raw, start + layout.crc, crc)
        struct.pack_into("<I", raw, start + layout.size, BOMB_DECLARED)
    path.write_bytes(bytes(raw))


@dataclass(frozen=True)
class _Header:
    """Where the fields this module patches sit in a zip header (APPNOTE.TXT 4.3.7 and 4.3.12)."""

    signature: bytes
    method: int
    crc: int
    size: int
    name_length: int
    name: int


_LOCAL = _Header(b"PK\x03\x04", method=8, crc=14, size=22, name_length=26, name=30)
_CENTRAL = _Header(b"PK\x01\x02", method=10, crc=16, size=24, name_length=28, name=46)


def _header_for(raw: bytearray, layout: _Header, name: bytes) -> int:
    """Offset of the first header of this layout that carries ``name``."""
    pos = raw.find(layout.signature)
    while pos >= 0:
        length = struct.unpack_from("<H", raw, pos + layout.name_length)[0]
        if raw[pos + layout.name:pos + layout.name + length] == name:
            return pos
        pos = raw.find(layout.signature, pos + 1)
    raise ValueError(f"no header for {name!r}")


def write_bad_inputs(clean_apk: Path, out: Path) -> Iterator[Path]:
    """Write every file of ``samples/bad/`` (except its README) and yield their paths."""
    out.mkdir(parents=True, exist_ok=True)
    clean = clean_apk.read_bytes()
    entries = clean_entries(clean_apk)

    texts = {"not-a-zip.apk": "This is a text file, not a zip archive.\n",
             "hello.txt": "hello, appscan\n"}
    for name, text in texts.items():
        (out / name).write_text(text, encoding="ascii")
        yield out / name

    (out / "truncated.apk").write_bytes(clean[: len(clean) // 2])
    yield out / "truncated.apk"

    variants = {
        "bad-manifest.apk": {**entries, "AndroidManifest.xml": (GARBAGE, zipfile.ZIP_DEFLATED)},
        "no-manifest.apk": {k: v for k, v in entries.items() if k != "AndroidManifest.xml"},
        "corrupt-dex.apk": {**entries, "classes.dex": (GARBAGE, zipfile.ZIP_DEFLATED),
                            "classes2.dex": entries["classes.dex"]},
    }
    for name, variant in variants.items():
        write_zip(out / name, variant)
        yield out / name

    write_bomb(out / "zip-bomb.apk", entries)
    yield out / "zip-bomb.apk"
