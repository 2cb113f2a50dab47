"""Facts from everything that is not code or manifest: resources.arsc, res/ files, assets, native libraries.

``ResourceTable`` wraps androguard's ARSC parser for the two things the manifest needs (resolving ``@7f...``
references and locating ``res/xml`` files); ``read_resources`` lists files and strings for the rules.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import struct
from collections.abc import Callable, Iterable, Iterator

import lxml.etree as ET
from androguard.core.axml import ARSCParser, ARSCResTableConfig

from appscan.model import NativeLib, NestedFile, Resources

__all__ = ["MAX_ARSC_ENTRIES", "MAX_ARSC_STRINGS", "ResourceTable", "arsc_shape_problem", "read_resources",
           "native_libs", "network_indicators", "res_chunks"]

MAX_ARSC_ENTRIES = 1_000_000
"""Entry slots over all type chunks of one resource table (the largest corpus app has 186,000); androguard's
parser holds about 700 bytes per slot, so 4 million slots took 2.8 GB."""
MAX_ARSC_STRINGS = 1_000_000
"""Strings over all string pools of one resource table (the corpus's most: 52,500)."""
_STRING_POOL, _PACKAGE, _TYPE = 0x0001, 0x0200, 0x0201


def res_chunks(data: bytes, off: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(offset, type, header size, size) of each chunk of an Android resource chunk stream (binary XML, resource
    tables) between ``off`` and ``end``, from the ResChunk_header alone. A chunk whose size is below a header's
    (8 bytes) is yielded and ends the walk: the stream cannot advance past it."""
    while off + 8 <= end:
        kind, header, size = struct.unpack_from("<HHI", data, off)
        yield off, kind, header, size
        if size < 8:
            return
        off += size


def arsc_shape_problem(data: bytes) -> str | None:
    """Why a resource table is not handed to androguard, from its chunk headers alone; None when it is within
    ``MAX_ARSC_ENTRIES`` and ``MAX_ARSC_STRINGS`` (or too broken to say: the parser then reports it)."""
    entries = strings = 0
    spans = [(struct.unpack_from("<H", data, 2)[0], len(data))] if len(data) >= 12 else []
    while spans:
        start, end = spans.pop()
        for off, kind, header, size in res_chunks(data, start, end):
            if size < 8 or off + size > end:
                break
            if kind == _STRING_POOL and off + 12 <= end:
                strings += struct.unpack_from("<I", data, off + 8)[0]
            elif kind == _TYPE and off + 16 <= end:
                entries += struct.unpack_from("<I", data, off + 12)[0]
            elif kind == _PACKAGE:
                spans.append((off + header, off + size))
    if entries > MAX_ARSC_ENTRIES:
        return f"{entries} entries, over the {MAX_ARSC_ENTRIES} limit"
    if strings > MAX_ARSC_STRINGS:
        return f"{strings} strings, over the {MAX_ARSC_STRINGS} limit"
    return None

_REF = re.compile(r"^@(?:[\w.]+:)?([0-9A-Fa-f]{8})$")
_URL = re.compile(r"\b(?:https?|wss?|ftp)://[^\s\"'<>\\`{}|^\x00-\x1f\x7f]+")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})$")
_TLDS = frozenset("com net org cn io co info biz me tv cc xyz top app dev edu gov mobi site online tech cloud "
                  "hk tw jp kr us uk de fr ru in sg".split())
_NESTED = {".apk": "apk", ".dex": "dex", ".jar": "jar", ".zip": "zip", ".odex": "dex"}
_MAGIC = {b"dex\n": "dex", b"PK\x03\x04": "zip"}


class ResourceTable:
    """The app's compiled resources (may be absent: then references stay as written)."""

    def __init__(self, arsc: ARSCParser | None, read_xml: Callable[[str], ET._Element | None]) -> None:
        self.arsc = arsc
        self._read_xml = read_xml

    @staticmethod
    def _reference_id(value: str) -> int | None:
        """The resource id of a reference value (``@7f0b0001``), None for any other value."""
        m = _REF.match(value)
        return int(m.group(1), 16) if m else None

    def resolve(self, value: str) -> str:
        """``@7f0b0001`` -> its value in the default configuration (or the first one); other values unchanged."""
        rid = self._reference_id(value)
        if rid is None or self.arsc is None:
            return value
        try:
            configs = self.arsc.get_resolved_res_configs(rid, ARSCResTableConfig.default_config()) \
                or self.arsc.get_resolved_res_configs(rid)
        except Exception:  # unknown ids and odd entry types raise assorted errors inside androguard
            return value
        for _, resolved in configs:
            if resolved is not None:
                return str(resolved)
        return value

    def name_of(self, value: str) -> str:
        """``@7f0e0001`` -> ``@xml/name`` (the resource's name, for meta-data ``android:resource``)."""
        rid = self._reference_id(value)
        if rid is None or self.arsc is None:
            return value
        try:
            name = self.arsc.get_resource_xml_name(rid)
        except Exception:  # as in resolve()
            return value
        if not name:
            return value
        return "@" + name.split(":", 1)[1] if ":" in name else name

    def xml_file(self, path: str) -> ET._Element | None:
        """A compiled XML file of the APK (``res/xml/...``), decoded."""
        return self._read_xml(path)

    def locales(self) -> tuple[str, ...]:
        """Locales with resources: "default", "zh-rCN", "en"..."""
        if self.arsc is None:
            return ()
        found: set[str] = set()
        for pkg in self.arsc.get_packages_names():
            # The configurations read while parsing: no second pass over every entry (get_locales makes one).
            for configs in self.arsc.resource_configs[pkg].values():
                for config in configs:
                    found.add(config.get_language_and_region().replace("\x00", "") or "default")
        return tuple(sorted(found))

    def strings(self) -> tuple[str, ...]:
        """Every string of the main string pool (string resources of all locales, plus file paths)."""
        pool = self.arsc.stringpool_main if self.arsc is not None else None
        if pool is None:  # no table, or one whose main string pool chunk was unreadable
            return ()
        out = set()
        for i in range(pool.stringCount):
            try:
                s = pool.getString(i)
            except (struct.error, IndexError, ValueError, UnicodeError):
                continue  # one string whose length runs past the pool: the others are still read
            if s and not s.startswith("res/"):
                out.add(s)
        return tuple(sorted(out))


def native_libs(entries: Iterable[tuple[str, int]]) -> tuple[NativeLib, ...]:
    """``lib/<abi>/<name>.so`` files (size = uncompressed size)."""
    out = []
    for path, size in entries:
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "lib" and parts[2]:
            out.append(NativeLib(parts[1], parts[2], path, size))
    return tuple(sorted(out, key=lambda n: (n.abi, n.name)))


def _nested_kind(path: str, head: bytes) -> str | None:
    """Kind of a file that is itself code or an archive, by magic first, then by extension."""
    kind = _MAGIC.get(head[:4])
    ext = posixpath.splitext(path)[1].lower()
    if kind == "zip":
        return {"apk": "apk", "jar": "jar"}.get(_NESTED.get(ext, ""), "zip")
    return kind or _NESTED.get(ext)


def _bare_host(text: str) -> str | None:
    """A string that is exactly a host name (``support.example.org``), not a Java package (``com.example.app``)."""
    low = text.strip().lower()
    m = _HOST.match(low)
    if not m or m.group(1) not in _TLDS or low.split(".", 1)[0] in _TLDS:
        return None
    return low


def network_indicators(texts: Iterable[str], resource_strings: Iterable[str] = ()
                       ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(urls, domains, ips) found in strings.

    Domains are the hosts of URLs, plus resource strings that are exactly a host name; IPs are IPv4 literals.
    """
    urls: set[str] = set()
    ips: set[str] = set()
    for text in texts:
        if "://" in text:
            urls.update(u.rstrip(".,;:)]") for u in _URL.findall(text))
        if "." in text:
            for cand in _IPV4.findall(text):
                try:
                    addr = ipaddress.IPv4Address(cand)
                except ValueError:
                    continue
                if not (addr.is_unspecified or str(addr).startswith("0.")):
                    ips.add(cand)
    domains: set[str] = {h for h in map(_bare_host, resource_strings) if h}
    for url in urls:
        host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower()
        if not host or "%" in host or "$" in host:
            continue
        try:
            ipaddress.IPv4Address(host)
            ips.add(host)
        except ValueError:
            if "." in host:
                domains.add(host)
    return tuple(sorted(urls)), tuple(sorted(domains)), tuple(sorted(ips))


def read_resources(names: list[str], head_of: Callable[[str], bytes], tables: list[ResourceTable],
                   layout_texts: tuple[str, ...], code_strings: Iterable[str]) -> Resources:
    """Assemble the resource facts from the base's and every split's resource table.

    ``head_of(path)`` returns the first bytes of an entry (for magic checks).
    """
    assets = tuple(sorted(n for n in names if n.startswith("assets/") and not n.endswith("/")))
    raw = tuple(sorted(n for n in names if n.startswith("res/raw") and not n.endswith("/")))
    nested = []
    for n in names:
        if n.endswith("/") or re.fullmatch(r"classes\d*\.dex", n):
            continue
        ext = posixpath.splitext(n)[1].lower()
        if ext in _NESTED or n.startswith(("assets/", "res/raw")):
            kind = _nested_kind(n, head_of(n))
            if kind:
                nested.append(NestedFile(n, kind))
    strings = tuple(sorted({s for t in tables for s in t.strings()}))
    locales = tuple(sorted({loc for t in tables for loc in t.locales()}))
    urls, domains, ips = network_indicators([*strings, *layout_texts, *code_strings], strings)
    return Resources(assets, raw, tuple(sorted(nested, key=lambda f: f.path)), locales, strings,
                     layout_texts, urls, domains, ips)
