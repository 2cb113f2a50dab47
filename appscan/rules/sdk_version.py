"""SDK versions: where an APK states the version of an SDK it embeds.

The 第三方信息共享清单 and a reviewer asking "is this the SDK release that still reads the IMEI?" both need the
version, and most SDKs state it somewhere in the APK. Where, in the order tried (the first that gives one wins):

1. the catalogue's ``version`` hints of the SDK, in the order written: a manifest meta-data value, a
   ``META-INF/*.version`` file (Maven artifact versions, written by Google's and AndroidX builds), a named String
   constant. The catalogue vouches for the place, so any short value is taken as written;
2. String constants in the SDK's own packages, surest first: fields naming an SDK or library version
   (``SDK_VERSION_NAME``, ``TBS_SDK_VERSIONNAME``), ``BuildConfig.VERSION_NAME``, other version fields
   (``VERSION``, any String of a class named ``...Version``), getters such as ``getVersion()`` returning a
   const-string, and last a BuildConfig holding the build template's default ``1.0``/``1.0.0``, which vendors'
   library modules often leave. "Own" means the longest catalogue prefix owning the class is this SDK's
   (``Attribution``), so a vendor core never takes a product's version, and a constant another SDK's hint names
   (MobTech's ``com.mob.commons.SHARESDK``) is that SDK's alone. A constant more than two package segments below
   the SDK's prefix (one for a BuildConfig) belongs to a sub-module and is not taken. Among equally sure ones the
   class nearest the prefix wins; if those still disagree, the most frequent value, and no version on a tie;
3. version-numbered file names the SDK's own signals match: native libraries (``libBaiduMapSDK_base_v7_5_4.so``)
   and assets.

Outside the hints, a value counts only when it looks like a version (``4.3.0.316``, ``6.2.1-beta``, ``v3.1``: two
to five numeric parts, not all zero), and names that speak of another version (the app's, the OS's, a protocol's,
a stored one) are not taken, whatever their value.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable

from appscan.model import ApkFacts
from appscan.rules.catalog import Sdk

__all__ = ["SdkVersions", "version_value"]

_VALUE = re.compile(r"(?:[Aa]ndroid[ _-]?)?[vV]?((\d{1,4}(?:\.\d{1,9}){1,4})(?:[-_+ ]?[0-9A-Za-z]{1,24}){0,3})")
"""A version as SDKs write it: 2 to 5 numeric parts, then at most three suffix words (``-beta``, ``_release``),
perhaps after the platform's name (WeChat's ``android 6.8.0``)."""
_FILE_VERSION = re.compile(r"(?:[-_.]v?|v)(\d{1,4}(?:[._]\d{1,6}){1,3})$", re.IGNORECASE)
"""A version at the end of a file stem: ``_v7_5_4``, ``-1.2.3``, ``v2.0`` (underscores read as dots)."""
_FILE_EXTENSIONS = (".so", ".jar", ".dex", ".apk", ".zip", ".dat", ".bin")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FOREIGN = frozenset({
    "APP", "APPLICATION", "OS", "ANDROID", "API", "MIN", "MAX", "TARGET", "PROTOCOL", "PROTO", "WIRE", "HTTP", "DB",
    "DATABASE", "SCHEMA", "JSON", "RPC", "TLS", "SSL", "CACHE", "FILE", "FORMAT", "DATA", "MODEL", "KEY", "PARAM",
    "SP", "PREF", "PREFS", "CONFIG", "STORE", "SERVER", "SERVICE", "REMOTE", "LATEST", "NEW", "UPDATE", "LOCAL",
    "OLD", "LAST", "CACHED", "SAVED", "HOST", "DEVICE", "SYSTEM", "ROM", "WEBVIEW", "CHROME", "BROWSER", "JS",
    "JAVA", "KOTLIN", "GL",
})
"""Words in a constant's name that say the version is not the SDK's own (an app's, an OS's, a stored one...)."""
_FORMAT_WORDS = frozenset({"JSON", "XML", "HTTP", "HTTPS", "PROTOCOL", "PROTO", "WIRE", "DB", "DATABASE", "SQL",
                           "SQLITE", "SCHEMA", "RPC", "TLS", "SSL", "FORMAT", "SERIALIZER", "PARSER", "COOKIE"})
"""Words in a class's name that say its version constants are of a format or protocol it handles."""
_SDK_WORDS = frozenset({"SDK", "LIB", "LIBRARY", "CLIENT", "AGENT", "PLUGIN", "MODULE"})
_VERSION_WORDS = frozenset({"VERSION", "VERSIONNAME", "VERSIONSTR", "VERSIONSTRING", "VER", "VERSIONNUM"})
_VERSION_TAILS = frozenset({"NAME", "STR", "STRING", "NUM"})
"""Words that may follow VERSION at the end of a name (``SDK_VERSION_NAME``)."""
_TEMPLATE_VERSIONS = frozenset({"1.0", "1.0.0"})
"""The versionName of Android Studio's module templates: in a vendor's BuildConfig it says nothing."""
_MAX_HINTED = 40
"""Longest value a catalogue hint may give (a longer one is some other text stored under that name)."""
_SDK_FIELD, _BUILD_CONFIG, _PLAIN_FIELD, _GETTER, _TEMPLATE_BUILD_CONFIG = range(5)
"""Ranks of version constants, surest first."""
_MAX_DEPTH = {_BUILD_CONFIG: 1, _TEMPLATE_BUILD_CONFIG: 1}
"""How many package segments below the SDK's own prefix a constant may lie, by rank (else ``_DEFAULT_DEPTH``): a
BuildConfig deeper down belongs to a sub-module (``com.mob.push.vivo`` under MobTech's ``com.mob``)."""
_DEFAULT_DEPTH = 2
_PRODUCT_TAG_MIN = 4
_DIGIT_VERSION_LEN = 3


def version_value(text: str) -> str | None:
    """``text`` as a version when it is one (surrounding spaces, a leading ``v`` or ``android`` dropped), else
    None."""
    m = _VALUE.fullmatch(text.strip())
    if m is None or not m.group(2).strip("0."):  # 0.0.0: a placeholder, not a release
        return None
    return m.group(1)


def _words(name: str) -> list[str]:
    """``TBS_SDK_VERSIONNAME`` -> TBS SDK VERSIONNAME; ``getSdkVersion`` -> GET SDK VERSION."""
    return [w.upper() for w in _WORDS.findall(name)]


def _names_version(words: list[str]) -> bool:
    """Whether a name's words end in "version" (``SDK_VERSION``, ``sdkVersionName``) and speak of no other one."""
    if words[-1:] and words[-1] in _VERSION_TAILS:
        words = words[:-1]
    return bool(words) and words[-1] in _VERSION_WORDS and not _FOREIGN.intersection(words)


def _rank(member: str, value: str) -> int | None:
    """How surely a constant (a smali field or getter) with this version value is its SDK's version (lower is
    surer), None when its name does not say so."""
    cls, _, rest = member.partition(";->")
    simple = cls.rpartition("/")[2]
    if "(" in rest:
        words = _words(rest.partition("(")[0])
        return _GETTER if _names_version(words[1:] if words[:1] == ["GET"] else words) else None
    name = rest.partition(":")[0]
    if simple == "BuildConfig" and name == "VERSION_NAME":
        return _TEMPLATE_BUILD_CONFIG if value in _TEMPLATE_VERSIONS else _BUILD_CONFIG
    words = _words(name)
    class_words = _words(simple.rpartition("$")[2])
    if _FORMAT_WORDS.intersection(class_words):  # JsonSerializer.VERSION, HttpVersion.HTTP_1_1_STRING
        return None
    if _names_version(words):
        return _SDK_FIELD if _SDK_WORDS.intersection(words) else _PLAIN_FIELD
    # A class named like a version holder (FacebookSdkVersion.BUILD, Version.name) states it in any field.
    if class_words and class_words[-1] == "VERSION" and not _FOREIGN.intersection(words):
        return _PLAIN_FIELD
    return None


def _names_other_product(cls: str, sdk: Sdk) -> bool:
    """A constants class named in capitals after a product (MobTech's ``com.mob.commons.SHAREREC``) states that
    product's version; it is another SDK's unless the name is this SDK's own."""
    simple = cls.rpartition("/")[2].rpartition("$")[2]
    if len(simple) < _PRODUCT_TAG_MIN or not simple.isupper() or not simple.isalnum():
        return False
    own = re.sub(r"[^a-z0-9]", "", f"{sdk.id} {sdk.name}".lower())
    return simple.lower() not in own


def _file_version(path: str) -> str | None:
    """The version at the end of a file's name (``libBaiduMapSDK_base_v7_5_4.so`` -> ``7.5.4``), if any."""
    stem = posixpath.basename(path)
    for ext in _FILE_EXTENSIONS:
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    m = _FILE_VERSION.search(stem)
    return version_value(m.group(1).replace("_", ".")) if m else None


def _digits_version(name: str, patterns: Iterable[str]) -> str | None:
    """A version written as three bare digits where the SDK's library pattern has its wildcard: JPush and JCore
    ship ``libjpush219.so`` for 2.1.9 (pattern ``libjpush*.so``)."""
    for pattern in patterns:
        head, star, tail = pattern.partition("*")
        if star and "*" not in tail and name.startswith(head) and name.endswith(tail):
            middle = name[len(head):len(name) - len(tail)]
            if len(middle) == _DIGIT_VERSION_LEN and middle.isdigit() and middle != "000":
                return ".".join(middle)
    return None


def _depth_below(package: str, prefixes: Iterable[str]) -> int | None:
    """Segments between ``package`` and the longest of ``prefixes`` containing it; None when none does."""
    depths = [package.count(".") - prefix.count(".") for prefix in prefixes
              if package == prefix or package.startswith(prefix + ".")]
    return min(depths) if depths else None


def _matches(value: str, patterns: Iterable[str]) -> bool:
    """Whether a file name matches one of the SDK's glob patterns."""
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


class SdkVersions:
    """Finds the version of each SDK of one app. Built once per scan; the constants are grouped by owning SDK
    up front, so asking for one SDK costs only its own candidates."""

    def __init__(self, facts: ApkFacts, owner: Callable[[str], str | None], catalogue: Iterable[Sdk]) -> None:
        """``owner`` maps a smali member to the id of the SDK whose packages hold it (``Attribution.of``);
        ``catalogue`` is every SDK entry, whose field hints take those constants out of the generic search."""
        self.facts = facts
        # Only names holding a digit can state a version: matching just those keeps a 500-SDK catalogue cheap.
        self._numbered_libs = sorted({lib.name for lib in facts.native_libs if any(c.isdigit() for c in lib.name)})
        self._numbered_assets = [a for a in facts.resources.assets
                                 if any(c.isdigit() for c in posixpath.basename(a))]
        constants = facts.code.version_constants
        claimed = {h.name for sdk in catalogue for h in sdk.version if h.kind in ("field", "method")}
        app_modules = {m.partition(";->")[0] for m, v in constants.items()
                       if m.endswith("/BuildConfig;->APPLICATION_ID:Ljava/lang/String;") and v == (facts.app.package,)}
        self._constants: dict[str, list[tuple[int, str, str]]] = {}
        """SDK id -> (rank, class descriptor, version) of the version constants in its packages."""
        for member, values in constants.items():
            cls = member.partition(";->")[0]
            if member in claimed or cls in app_modules:  # the app's own BuildConfig, whatever package it is in
                continue
            found = {v for v in map(version_value, values) if v}
            if len(found) != 1:  # a getter choosing between several versions says nothing certain
                continue
            value = found.pop()
            rank = _rank(member, value)
            sdk_id = owner(member) if rank is not None else None
            if sdk_id is not None:
                self._constants.setdefault(sdk_id, []).append((rank, cls, value))

    def of(self, sdk: Sdk) -> str | None:
        """The SDK's version where the APK states it, else None."""
        return self._hinted(sdk) or self._constant(sdk) or self._file_named(sdk)

    def _hinted(self, sdk: Sdk) -> str | None:
        """From the catalogue's hints, in the order written."""
        facts = self.facts
        for hint in sdk.version:
            if hint.kind == "meta_data":
                values = [md.value for md in facts.manifest.meta_data if md.name == hint.name and md.value]
            elif hint.kind == "file":
                values = [facts.resources.version_files.get(hint.name, "")]
            else:  # a field or a getter, both kept in version_constants
                values = list(facts.code.version_constants.get(hint.name, ()))
            for value in values:
                text = value.strip()
                if text and len(text) <= _MAX_HINTED:
                    m = _VALUE.search(text)
                    return m.group(1) if m else text
        return None

    def _constant(self, sdk: Sdk) -> str | None:
        """The surest version constant in the SDK's own packages (see the module doc)."""
        scored = []
        for rank, cls, value in self._constants.get(sdk.id, ()):
            depth = _depth_below(cls[1:].rpartition("/")[0].replace("/", "."), sdk.signals.packages)
            if depth is not None and depth <= _MAX_DEPTH.get(rank, _DEFAULT_DEPTH) and not _names_other_product(
                    cls, sdk):
                scored.append((rank, depth, value))
        if not scored:
            return None
        best = min((rank, depth) for rank, depth, _ in scored)
        ranked = Counter(v for rank, depth, v in scored if (rank, depth) == best).most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]

    def _file_named(self, sdk: Sdk) -> str | None:
        """From native library or asset names the SDK's own signals match."""
        sig = sdk.signals
        for name in self._numbered_libs:
            if _matches(name, sig.native_libs):
                found = _file_version(name) or _digits_version(name, sig.native_libs)
                if found:
                    return found
        for path in self._numbered_assets:
            if _matches(path, sig.assets) or _matches(path.removeprefix("assets/"), sig.assets):
                found = _file_version(path)
                if found:
                    return found
        return None
