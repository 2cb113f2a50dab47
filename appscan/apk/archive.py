"""Opening inputs safely: APK files, split bundles (.apks, .xapk), Android App Bundles (.aab), with bounded reading of
every zip entry.

An APK is attacker-controlled input. Entries are never inflated past a limit (zip bombs, lying size fields), the
central directory is read with Python's ``zipfile`` (so truncated and non-zip files fail early with one line), and
a bundle's base and split APKs are opened as one app. An App Bundle's modules are opened as the APKs bundletool
would build from them (``_aab_modules``), their XML and resource table still in aapt2's protocol-buffer format.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from appscan.errors import InputError
from appscan.model import InputFile
from appscan.text import printable

__all__ = ["ApkArchive", "ApkMember", "display_name", "open_input", "MAX_ENTRY_BYTES", "MAX_INPUT_BYTES",
           "MAX_TOTAL_BYTES", "SHOWN_PER_KIND"]

MAX_INPUT_BYTES = 4 * 1024 * 1024 * 1024
"""The largest input file read (the largest real APKs and bundles are a few hundred MB); a bigger file, a device
(``/dev/zero``) or a FIFO is refused before any byte is read."""
MAX_ENTRY_BYTES = 256 * 1024 * 1024
"""No single entry is inflated beyond this (the largest real dex files are ~12 MB)."""
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
"""Declared uncompressed size of all entries of one APK; above it the file is treated as a zip bomb."""
MAX_RATIO = 1000
"""An entry over 16 MB that claims more than this compression ratio is a bomb, not data."""
_BOMB_MIN = 16 * 1024 * 1024
_DEX = re.compile(r"^classes(\d*)\.dex$")
_DEX_MAGIC = b"dex\n"
_ENCRYPTED = 0x1
"""General-purpose flag bit 0 of a zip entry."""
_LOCAL_HEADER = b"PK\x03\x04"
_BUNDLE_SUFFIXES = (".apks", ".xapk", ".apkm")
_AAB_SUFFIX = ".aab"
_AAB_CONFIG = "BundleConfig.pb"
_AAB_MANIFEST = "manifest/AndroidManifest.xml"
_AAB_BASE = "base"
_AAB_MODULE_DIRS = ("dex/", "root/", "res/", "assets/", "lib/")
"""Folders of an App Bundle module and where bundletool puts their files in the APK: ``dex/`` and ``root/`` at
the APK's root, the others under their own name."""


class EntryError(ValueError):
    """One zip entry cannot be read (corrupt, too large, a bomb); the caller decides whether that is fatal."""


@dataclass
class ApkMember:
    """One APK of the input with its zip opened: the base APK, or a split of a bundle."""

    name: str
    data: bytes
    split: str | None
    zip: zipfile.ZipFile = field(repr=False)
    proto: bool = False
    """A module of an App Bundle: its XML files and resource table (``resources.pb``) are in aapt2's protocol-buffer
    format, not binary XML and ``resources.arsc``; ``data`` is then the whole bundle."""
    anomalies: list[tuple[str, str, str]] = field(init=False, repr=False)
    """(kind, entry, detail) of the container tricks found, read as Android reads them (``_normalise``)."""

    def __post_init__(self) -> None:
        self.anomalies = _normalise(self.zip)

    def names(self) -> list[str]:
        """Entry names, in central-directory order."""
        return self.zip.namelist()

    @functools.cached_property
    def dex_entries(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The dex entries Android loads, in load order, and those it never loads: ``classes.dex``, then
        ``classes2.dex``, ``classes3.dex``... up to the first number missing; ``classes1.dex``, ``classes02.dex``
        or a ``classes5.dex`` after a gap are never loaded, and code there is not the app's."""
        present = {n for n in self.zip.NameToInfo if _DEX.match(n)}
        loaded: list[str] = []
        expected = "classes.dex"
        while expected in present:
            loaded.append(expected)
            expected = f"classes{len(loaded) + 1}.dex"
        return tuple(loaded), tuple(sorted(present - set(loaded)))

    def has(self, name: str) -> bool:
        """Whether the archive holds this entry (a dict lookup; ``names()`` builds a new list each call)."""
        return name in self.zip.NameToInfo

    def size_of(self, name: str) -> int:
        """Declared uncompressed size of an entry."""
        return self.zip.getinfo(name).file_size

    def _front(self) -> bytes:
        """The bytes before the first local file header the central directory points to (empty for most APKs)."""
        infos = self.zip.infolist()
        return self.data[:min(i.header_offset for i in infos)] if infos else b""

    def prepended_dex(self) -> bytes | None:
        """A dex file placed in front of the zip (the Janus trick, CVE-2017-13156), else None.

        Android 5.0-8.0 look at the file's first bytes and run a dex found there instead of the zip's classes.dex,
        while the v1 signature, which covers zip entries only, still verifies.
        """
        front = self._front()
        return front if front.startswith(_DEX_MAGIC) else None

    def prepended_data(self) -> int:
        """How many bytes of unknown content precede the zip: neither a dex (see ``prepended_dex``) nor zip
        structure. Zero padding and local headers no central-directory entry points to (some build tools write an
        empty, nameless entry first for alignment) are the archive's own bytes, not an appended payload."""
        front = self._front()
        if not front or front.startswith((_DEX_MAGIC, _LOCAL_HEADER)) or not front.strip(b"\0"):
            return 0
        return len(front)

    def suspicious(self) -> list[tuple[str, str]]:
        """(entry, reason) for entries whose size fields betray a zip bomb; ``read`` refuses them."""
        out = []
        for info in self.zip.infolist():
            reason = _bomb_reason(info, MAX_ENTRY_BYTES)
            if reason:
                out.append((info.filename, reason))
        return out

    def read(self, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes:
        """Inflate one entry, never past ``limit`` bytes nor past its declared size.

        Raises ``EntryError`` for a missing, corrupt or oversized entry.
        """
        try:
            info = self.zip.getinfo(name)
        except KeyError as exc:
            raise EntryError(f"{name}: not in the archive") from exc
        reason = _bomb_reason(info, limit)
        if reason:
            raise EntryError(f"{name}: {reason}")
        try:
            with self.zip.open(info) as stream:
                out = stream.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
            raise EntryError(f"{name}: {exc}") from exc
        if len(out) > limit:
            raise EntryError(f"{name}: inflates past the {limit}-byte limit")
        return out

    def open_nested(self, name: str) -> ApkMember:
        """An entry that is itself a zip (a plug-in jar or APK in assets), opened under the input's limits: the
        entry is inflated by ``read``, its own entries are held to the declared-total and bomb checks.

        Raises ``EntryError`` when the entry cannot be read or is not a readable zip.
        """
        data = self.read(name)
        try:
            return ApkMember(name, data, None, _open_zip(data, f"{self.name}!{name}"))
        except InputError as exc:
            raise EntryError(str(exc)) from exc


@dataclass
class ApkArchive:
    """The input: one or more APK members (base first) and its identity."""

    source: Path
    sha256: str
    size: int
    members: list[ApkMember]
    aab: bool = False
    """An Android App Bundle: one file whose members are its modules."""

    @property
    def base(self) -> ApkMember:
        """The base APK (the one holding the full manifest)."""
        return self.members[0]

    def input_files(self) -> tuple[InputFile, ...]:
        """Identity of every APK of the input (of an App Bundle, the bundle itself: its modules are no files)."""
        if self.aab:
            return (InputFile(self.members[0].name, self.sha256, self.size, None),)
        return tuple(InputFile(m.name, hashlib.sha256(m.data).hexdigest(), len(m.data), m.split)
                     for m in self.members)


def _bomb_reason(info: zipfile.ZipInfo, limit: int) -> str | None:
    """Why an entry must not be inflated, judged from its size fields alone; None when it looks sound."""
    if info.file_size > limit:
        return f"{info.file_size} bytes uncompressed, over the {limit}-byte limit"
    if info.file_size > _BOMB_MIN and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"compression ratio over {MAX_RATIO}:1 (zip bomb)"
    if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > info.file_size + info.file_size // 100 + 1024:
        return (f"declares {info.file_size} bytes but holds {info.compress_size} compressed bytes "
                "(inconsistent sizes: a zip bomb or a tampered header); not inflated")
    return None


SHOWN_PER_KIND = 20
"""Entries listed per kind of trick (an APK can flag every one of thousands of entries)."""


def _normalise(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """Make ``zf`` read entries as Android does, and say where that differs from a plain zip reader:

    * the "encrypted" flag is ignored (no APK entry is really encrypted; Android installs such APKs, while zipfile
      refuses the entry, so the app would escape analysis);
    * a name holding a NUL is not the name before the NUL (zipfile cuts it there, and could then read it as
      ``classes.dex``); Android never loads it: it is left out;
    * of a name that appears twice only the first is kept (Android refuses such APKs since the 2013 "master key"
      fixes, and older versions could run a copy the signature did not cover);
    * a "version needed to extract" over what zipfile supports is ignored, as Android ignores it (``_open_zip``);
    * entries whose data overlaps the next entry's header are reported (each is still read within the bounds).
    """
    found: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {}

    def note(kind: str, entry: str, detail: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= SHOWN_PER_KIND:
            found.append((kind, entry, detail))

    by_offset = sorted(zf.infolist(), key=lambda i: i.header_offset)
    for entry, following in zip(by_offset, by_offset[1:]):
        # The local header is at least 30 bytes and the name; its extra field (alignment padding) only adds.
        end = entry.header_offset + 30 + len(entry.orig_filename.encode("utf-8", "surrogateescape")) + \
            entry.compress_size
        if end > following.header_offset:
            note("overlapping-entries", f"{entry.filename} / {following.filename}",
                 "the entry's data runs over the next entry's header: one stream counted several times (a zip bomb "
                 "built to defeat size checks) or bytes two parsers read differently; each entry is read as the "
                 "central directory says, within the size bounds")
    if getattr(zf, "version_lowered", False):
        note("zip-version", "(central directory)", "entries claim a 'version needed to extract' over "
             f"{_ZIP_VERSION_LIMIT / 10:.1f}, which plain zip readers refuse and Android ignores: read as Android "
             "reads them")

    kept: list[zipfile.ZipInfo] = []
    names: set[str] = set()
    for info in zf.infolist():
        if "\x00" in info.orig_filename:
            note("nul-in-name", info.orig_filename.replace("\x00", "\\x00"),
                 "a NUL inside the entry name: Android reads the whole name, so this is no entry it loads; left out")
            continue
        if info.flag_bits & _ENCRYPTED:
            info.flag_bits &= ~_ENCRYPTED
            note("encrypted-flag", info.filename, "flagged as encrypted, which Android ignores: read as it is")
        if info.filename in names:
            note("duplicate-entry", info.filename,
                 "the name appears twice: Android refuses to install such an APK, older versions could run either "
                 "copy; the first one is analysed")
            continue
        names.add(info.filename)
        kept.append(info)
    if len(kept) != len(zf.filelist):
        zf.filelist = kept
        zf.NameToInfo = {info.filename: info for info in kept}
    return found


class _Zip(zipfile.ZipFile):
    """A zip as the scanner opened it; ``version_lowered`` when its central directory claimed a "version needed to
    extract" that zipfile refuses (Android's reader ignores the field) and was read with that field lowered."""

    version_lowered = False


_ZIP_VERSION_LIMIT = zipfile.MAX_EXTRACT_VERSION
_CENTRAL_HEADER = b"PK\x01\x02"


def _below_version_limit(data: bytes) -> bytes:
    """``data`` with every central-directory "version needed to extract" above zipfile's limit lowered to 2.0,
    the version of deflate, which is all an APK entry uses (stored entries need 1.0)."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(data):
        return data
    (start,) = struct.unpack_from("<I", data, end + 16)
    out = bytearray(data)
    at = out.find(_CENTRAL_HEADER, min(start, end), end)
    while at != -1:
        if struct.unpack_from("<H", out, at + 6)[0] > _ZIP_VERSION_LIMIT:
            struct.pack_into("<H", out, at + 6, 20)
        at = out.find(_CENTRAL_HEADER, at + 4, end)
    return bytes(out)


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open bytes as a zip, turning every failure into one ``InputError`` line.

    A file that does not start with a zip header is still accepted when a zip follows other data (a dex put in
    front of an APK, the Janus trick, CVE-2017-13156): ``ApkMember.prepended_dex`` returns it.
    """
    unreadable = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError)
    try:
        try:
            zf = _Zip(io.BytesIO(data))
        except NotImplementedError:  # a "version needed to extract" zipfile refuses and Android ignores
            zf = _Zip(io.BytesIO(_below_version_limit(data)))
            zf.version_lowered = True
    except unreadable as exc:
        if data[:2] != b"PK":
            raise InputError(f"{what}: not an APK (not a zip archive)") from exc
        raise InputError(f"{what}: not a readable zip archive (truncated or corrupt: {exc})") from exc
    total = sum(i.file_size for i in zf.infolist())
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"{what}: entries declare {total} bytes uncompressed, over the "
                         f"{MAX_TOTAL_BYTES}-byte limit (zip bomb?)")
    return zf


def _split_name(zip_name: str) -> str:
    """The split name of a bundle member (``split_config.arm64_v8a.apk`` -> ``config.arm64_v8a``)."""
    stem = posixpath.basename(zip_name)[: -len(".apk")]
    return stem[len("split_"):] if stem.startswith("split_") else stem


def _bundle_members(bundle: ApkMember, what: str) -> list[ApkMember]:
    """The APKs inside a bundle, base first. The base is the one named base.apk, else the one without a split;
    a bundle with no base or several is refused."""
    apk_names = [n for n in bundle.names() if n.lower().endswith(".apk") and not n.endswith("/")]
    if not apk_names:
        raise InputError(f"{what}: a bundle with no APK inside")
    members: list[ApkMember] = []
    for name in apk_names:
        try:
            data = bundle.read(name)
        except EntryError as exc:
            raise InputError(f"{what}: {exc}") from exc
        members.append(ApkMember(name, data, _split_name(name), _open_zip(data, f"{what}!{name}")))
    bases = [m for m in members if posixpath.basename(m.name) == "base.apk"]
    if not bases:
        bases = [m for m in members if m.has("AndroidManifest.xml")
                 and not posixpath.basename(m.name).startswith(("split_", "config."))]
    if len(bases) != 1:
        # Android installs a bundle's APKs as one app with exactly one base; with none or several, which code
        # would run is undefined, and a scanner that picked one could be shown a decoy.
        found = ", ".join(sorted(m.name for m in bases)[:5]) or "none"
        raise InputError(f"{what}: a bundle needs exactly one base APK (base.apk, or one APK that is no split); "
                         f"found {len(bases)}: {found}")
    base = bases[0]
    base.split = None
    return [base, *sorted((m for m in members if m is not base), key=lambda m: m.name)]


def _module_path(name: str, module: str) -> str | None:
    """Where bundletool puts a bundle entry in the APK of ``module``; None for entries of other modules and for the
    bundle's own metadata (``BundleConfig.pb``, ``BUNDLE-METADATA/``, a module's ``assets.pb``). The bundle's
    signature (``META-INF/``) goes with the base, the member whose signature is read."""
    if name.startswith("META-INF/"):
        return name if module == _AAB_BASE else None
    prefix = module + "/"
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix):]
    if rest == _AAB_MANIFEST:
        return "AndroidManifest.xml"
    if rest == "resources.pb":
        return rest
    for folder in _AAB_MODULE_DIRS:
        if rest.startswith(folder) and len(rest) > len(folder):
            return rest[len(folder):] if folder in ("dex/", "root/") else rest
    return None


def _module_zip(data: bytes, module: str, what: str) -> zipfile.ZipFile:
    """The bundle's zip seen as the APK of one module: the module's entries under their APK names. Each renamed
    entry keeps its original name for the local-header check, so reading it is the bounded ``ApkMember.read``."""
    zf = _open_zip(data, what)
    infos = []
    for info in zf.infolist():
        path = _module_path(info.filename, module)
        if path is not None:
            renamed = copy.copy(info)
            renamed.filename = path
            infos.append(renamed)
    zf.filelist = infos
    zf.NameToInfo = {info.filename: info for info in infos}
    return zf


def _aab_modules(bundle: ApkMember, what: str) -> list[ApkMember]:
    """The modules of an App Bundle as APK members, base first, then the feature modules by name; a bundle without
    a base module is refused (bundletool builds no app from one)."""
    modules = sorted({n[: -len(_AAB_MANIFEST) - 1] for n in bundle.names()
                      if n.endswith("/" + _AAB_MANIFEST) and n.count("/") == 2})
    if _AAB_BASE not in modules:
        raise InputError(f"{what}: an App Bundle needs a base module ({_AAB_BASE}/{_AAB_MANIFEST}); found "
                         f"{', '.join(modules[:5]) or 'no module'}")
    ordered = [_AAB_BASE, *(m for m in modules if m != _AAB_BASE)]
    return [ApkMember(what if m == _AAB_BASE else m, bundle.data, None if m == _AAB_BASE else m,
                      _module_zip(bundle.data, m, what), proto=True) for m in ordered]


def display_name(path: Path) -> str:
    """The file name as messages and reports show it: undecodable bytes replaced, control characters (a newline
    that would forge a second log line, an escape sequence for the terminal) escaped as ``\\xNN``."""
    return printable(path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def open_input(path: Path) -> ApkArchive:
    """Open an .apk, .apks, .xapk or .aab file. Raises ``InputError`` with one line for anything unreadable."""
    what = display_name(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what}: is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what}: not a regular file (a device, FIFO or socket is never read)")
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError(f"{what}: {info.st_size} bytes, over the {MAX_INPUT_BYTES}-byte input limit")
    try:
        with path.open("rb") as stream:
            # read(n) allocates n bytes up front: ask for what stat said (one more shows a file still growing).
            data = stream.read(info.st_size + 1)
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > info.st_size:
        raise InputError(f"{what}: the file grew while it was being read")
    zf = _open_zip(data, what)
    outer = ApkMember(what, data, None, zf)
    names = set(zf.namelist())
    sha256 = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == _AAB_SUFFIX or (_AAB_CONFIG in names and "AndroidManifest.xml" not in names):
        return ApkArchive(path, sha256, len(data), _aab_modules(outer, what), aab=True)
    is_bundle = path.suffix.lower() in _BUNDLE_SUFFIXES or (
        "AndroidManifest.xml" not in names and any(n.lower().endswith(".apk") for n in names))
    members = _bundle_members(outer, what) if is_bundle else [outer]
    return ApkArchive(path, sha256, len(data), members)
