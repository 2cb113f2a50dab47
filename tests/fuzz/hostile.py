"""A generator of hostile variants of the sample APKs, for the fuzzing tests.

Each variant is one sample with one mutation of the kind packers, malware and broken tools produce: at the zip
level (truncation, flipped bytes in the central directory, duplicate and overlapping members, members claiming
huge sizes, names with control characters or path tricks, data prepended to the archive) and inside the members
that the scanner parses itself or hands to androguard (the binary manifest, the resource table, the dex: flipped
bytes, chunk and table sizes set to huge values). Variants are drawn from a seeded random generator, so a failing
case is reproduced from its name (``seed-index-mutation``).
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["MUTATIONS", "variants"]

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are the point of some mutations
        for name, body in members:
            archive.writestr(zipfile.ZipInfo(name), body)
    return out.getvalue()


def _with_member(data: bytes, name: str, change: Callable[[bytes, random.Random], bytes],
                 rng: random.Random) -> bytes:
    """The APK rebuilt with member ``name`` changed (the first member when it has none of that name)."""
    members = [(info.filename, body) for info, body in _members(data)]
    index = next((i for i, (n, _) in enumerate(members) if n == name), 0)
    members[index] = (members[index][0], change(members[index][1], rng))
    return _zip(members)


def _flip(body: bytes, rng: random.Random, count: int = 8) -> bytes:
    out = bytearray(body)
    for _ in range(count):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _huge_word(body: bytes, rng: random.Random) -> bytes:
    """One 32-bit word in the first 512 bytes (headers, chunk sizes, table counts) set to a huge value."""
    out = bytearray(body)
    if len(out) >= 8:
        at = rng.randrange(0, min(len(out), 512) - 4) & ~3
        struct.pack_into("<I", out, at, rng.choice((0x7FFFFFFF, 0xFFFFFFFF, 0x00FFFFFF, len(out) * 16)))
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(1, len(data))]


def _flip_central(data: bytes, rng: random.Random) -> bytes:
    start = data.find(_CENTRAL)
    out = bytearray(data)
    for _ in range(4):
        at = rng.randrange(start, len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    members = [(info.filename, body) for info, body in _members(data)]
    name, body = rng.choice(members)
    return _zip([*members, (name, _flip(body, rng))])


def _overlap(data: bytes, rng: random.Random) -> bytes:
    """Every central-directory entry pointed at the first local header (one stream referenced many times)."""
    out = bytearray(data)
    at = out.find(_CENTRAL)
    while at != -1:
        struct.pack_into("<I", out, at + 42, 0)
        at = out.find(_CENTRAL, at + 4)
    return bytes(out)


def _huge_sizes(data: bytes, rng: random.Random) -> bytes:
    """A central-directory entry claiming a 4 GB uncompressed size."""
    out = bytearray(data)
    entries = []
    at = out.find(_CENTRAL)
    while at != -1:
        entries.append(at)
        at = out.find(_CENTRAL, at + 4)
    struct.pack_into("<I", out, rng.choice(entries) + 24, 0xFFFFFFFF)
    return bytes(out)


def _names(data: bytes, rng: random.Random) -> bytes:
    members = [(info.filename, body) for info, body in _members(data)]
    trick = rng.choice(("../../evil", "a\x00b", "x\x1b[31m", "assets/" + "a" * 4000, "/abs/path", "a\\..\\b",
                        "classes0.dex", "classes2.dex", "AndroidManifest.xml/"))
    return _zip([*members, (trick, b"\0" * 64)])


def _prepend(data: bytes, rng: random.Random) -> bytes:
    return bytes(rng.randrange(1, 4096)) + data


def _member(name: str, change: Callable[[bytes, random.Random], bytes]) -> Callable[[bytes, random.Random], bytes]:
    return lambda data, rng: _with_member(data, name, change, rng)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "flip-central": _flip_central,
    "duplicate": _duplicate,
    "overlap": _overlap,
    "huge-size": _huge_sizes,
    "names": _names,
    "prepend": _prepend,
    "manifest-flip": _member("AndroidManifest.xml", _flip),
    "manifest-huge": _member("AndroidManifest.xml", _huge_word),
    "arsc-flip": _member("resources.arsc", _flip),
    "arsc-huge": _member("resources.arsc", _huge_word),
    "dex-flip": _member("classes.dex", lambda body, rng: _flip(body, rng, 32)),
    "dex-huge": _member("classes.dex", _huge_word),
}
"""Mutation name -> function of (sample bytes, random generator) -> hostile bytes."""


def variants(seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` hostile variants: (file name naming seed, index, sample and mutation; bytes)."""
    rng = random.Random(seed)
    samples = sorted(SAMPLES.glob("*.apk"))
    names = sorted(MUTATIONS)
    for index in range(count):
        sample = samples[index % len(samples)]
        mutation = names[(index // len(samples)) % len(names)] if index < len(samples) * len(names) \
            else rng.choice(names)
        yield f"{seed}-{index:04d}-{sample.stem}-{mutation}.apk", MUTATIONS[mutation](sample.read_bytes(), rng)
