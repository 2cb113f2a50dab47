"""Extraction: read an APK (or a split bundle) into ``ApkFacts``, without judgement.

This package is the only place that imports androguard. It decides nothing about privacy or security: it
reports what is in the file, exactly, and what it could not read (``ApkFacts.incomplete``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import lxml.etree as ET
from androguard.core.axml import ARSCParser, AXMLParser
from loguru import logger as _androguard_logger

from appscan.apk.aapt_proto import ProtoResourceTable, decode_proto_xml, proto_xml_texts
from appscan.apk.archive import (
    MAX_ENTRY_BYTES,
    SHOWN_PER_KIND,
    ApkArchive,
    ApkMember,
    EntryError,
    display_name,
    open_input,
)
from appscan.apk.dex import MAX_CALL_SITES, DexCode, DexFormatError, parse_dex, repair_header
from appscan.apk.flow import FlowIndex
from appscan.apk.manifest import ManifestReader, axml_shape_problem, decode_axml
from appscan.apk.resources import ResourceTable, arsc_shape_problem, native_libs, read_resources
from appscan.apk.signing import read_signing
from appscan.errors import ApkReadError
from appscan.model import (
    Anomaly,
    ApkFacts,
    AppInfo,
    CallSite,
    ClassDef,
    CodeFacts,
    DUMP_PREFIX,
    PREPENDED_DEX,
    DexInfo,
    Incomplete,
    Manifest,
    TextDocument,
)

__all__ = ["dump_files", "extract_facts"]

# androguard logs every parsed attribute at DEBUG through loguru: silence it (it also costs seconds).
_androguard_logger.disable("androguard")

_MAX_MANIFEST = 16 * 1024 * 1024
_MAX_ARSC = 128 * 1024 * 1024
_URL_HINT = re.compile(rb"://|\d\.\d{1,3}\.\d")
_PRINTABLE = frozenset(range(0x21, 0x7F))
_MAX_TEXT = 4096
_NS_URI = "http://schemas.android.com/"
_PLUGIN_DIR = "assets/"
_DEX_MAGIC = b"dex\n"
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_VERSION_FILE = 256


def _read_dump(path: Path) -> bytes:
    """A dumped dex file, read within the entry size bound."""
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise EntryError(f"{path.stat().st_size} bytes, over the {MAX_ENTRY_BYTES}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise EntryError(f"cannot read ({exc.strerror or exc})") from exc


def dump_files(paths: Iterable[Path]) -> list[Path]:
    """The dex files given with ``--dex``: files as given, directories expanded to their ``*.dex`` (sorted)."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(p for p in path.glob("*.dex") if p.is_file()) if path.is_dir() else [path])
    return out


def _dex_sources(archive: ApkArchive, incomplete: list[Incomplete], dumps: Sequence[Path] = ()
                 ) -> Iterator[tuple[str, str | None, Callable[[], bytes]]]:
    """Every dex of the input in load order, with its container (None, the plug-in asset it comes from, or
    ``dump:FILE``) and its reader: a dex in front of the base APK's zip first (Android 5.0-8.0 run it instead of
    classes.dex: the Janus trick), then each APK's ``classes*.dex``, then the plug-ins in each APK's assets, then
    the dumped dex files given with ``--dex``."""
    front = archive.base.prepended_dex()
    if front is not None:
        yield PREPENDED_DEX, None, lambda: front
    for member in archive.members:
        for name in member.dex_entries[0]:
            yield (name if member.split is None else f"{member.name}!{name}"), None, functools.partial(member.read, name)
    for member in archive.members:
        yield from _plugin_sources(member, incomplete)
    for path in dumps:
        label = DUMP_PREFIX + display_name(path)
        yield label, label, functools.partial(_read_dump, path)


def _plugin_sources(member: ApkMember, incomplete: list[Incomplete]
                    ) -> Iterator[tuple[str, str, Callable[[], bytes]]]:
    """The dex files of the plug-ins one APK carries in ``assets/``: a dex file, or a jar/APK/zip holding
    ``classes*.dex`` (Tencent GDT's ``assets/gdt_plugin/*.jar``, pay and share plug-ins). Found by magic bytes, so a
    renamed file counts too. SDKs load these with a DexClassLoader at run time; an encrypted plug-in has neither
    magic and stays unread. A plug-in's own assets are not opened (one level, like the bundle reader)."""
    bombs = {name for name, _ in member.suspicious()}  # already listed as incomplete
    for name in sorted(n for n in member.names() if n.startswith(_PLUGIN_DIR) and not n.endswith("/")):
        if name in bombs:
            continue
        container = name if member.split is None else f"{member.name}!{name}"
        head = _head(member, name)
        if head == _DEX_MAGIC:
            yield container, container, functools.partial(member.read, name)
        elif head == _ZIP_MAGIC:
            try:
                inner = member.open_nested(name)
            except EntryError as exc:
                incomplete.append(Incomplete(container, f"plug-in skipped: {exc}"))
                continue
            for dex_name in inner.dex_entries[0]:
                yield f"{container}!{dex_name}", container, functools.partial(inner.read, dex_name)


def _head(member: ApkMember, name: str) -> bytes:
    """The first four bytes of an entry (its magic), empty when the entry is unreadable."""
    try:
        with member.zip.open(name) as stream:
            return stream.read(4)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
        return b""


def _version_getters(strings: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Methods named like a version getter (``getSdkVersion``, ``sdkVersionName``) that return a String, with
    their const-string values: where an SDK that has no version field states its version."""
    out: dict[str, tuple[str, ...]] = {}
    for method, values in strings.items():
        if method.endswith(")Ljava/lang/String;") and ("ersion" in method or "ERSION" in method):
            name = method[method.index(";->") + 3:method.index("(")]
            if "ersion" in name or "ERSION" in name:
                out[method] = values
    return out


def _version_files(member: ApkMember) -> dict[str, str]:
    """``META-INF/*.version`` files (Maven artifact versions written by Android library builds): path -> first
    line. Each is a few bytes; a larger or unreadable one is not a version file and is left out."""
    out: dict[str, str] = {}
    for name in member.names():
        if name.startswith("META-INF/") and name.endswith(".version") and name.count("/") == 1:
            try:
                text = member.read(name, _MAX_VERSION_FILE).decode("utf-8", "replace").strip()
            except EntryError:
                continue
            if text:
                out[name] = text.splitlines()[0].strip()
    return dict(sorted(out.items()))


def _without_classes(dex: DexCode, names: set[str]) -> DexCode:
    """``dex`` without the classes in ``names`` and everything their methods hold."""
    def kept(member: str) -> bool:
        return member.split("->", 1)[0] not in names
    return dataclasses.replace(
        dex, classes=tuple(c for c in dex.classes if c.name not in names),
        call_sites=[c for c in dex.call_sites if kept(c.caller)],
        field_reads=[c for c in dex.field_reads if kept(c.caller)],
        strings={m: v for m, v in dex.strings.items() if kept(m)},
        const_classes={m: v for m, v in dex.const_classes.items() if kept(m)},
        code_offsets={m: o for m, o in dex.code_offsets.items() if kept(m)},
        object_stores={f: tuple(m for m in ms if kept(m)) for f, ms in dex.object_stores.items()},
        version_constants={f: v for f, v in dex.version_constants.items() if kept(f)})


def _dump_notes(label: str, repairs: list[str], skipped: Sequence[str]) -> list[Incomplete]:
    """What reading a dumped dex took: one line per header repair or mismatch, and one per class (or id table) the
    lenient read left out, at most ``SHOWN_PER_KIND`` of those, then one with the count of the rest."""
    out = [Incomplete(label, line) for line in (*repairs, *skipped[:SHOWN_PER_KIND])]
    if len(skipped) > SHOWN_PER_KIND:
        out.append(Incomplete(label, f"{len(skipped) - SHOWN_PER_KIND} more classes or tables skipped (not listed)"))
    return out


def _read_code(archive: ApkArchive, incomplete: list[Incomplete], deadline: float | None,
               dumps: Sequence[Path] = ()) -> tuple[CodeFacts, list[str]]:
    """Parse every dex of every APK of the input. A corrupt dex is skipped and recorded, never fatal. A dumped dex
    adds only the classes the APK's own dex files do not define: those are the packer's stub, kept apart. A dumped
    dex is read leniently (its header repaired, a class with out-of-bounds data left out), each repair and skip
    recorded."""
    infos: list[DexInfo] = []
    classes: list[ClassDef] = []
    call_sites: list[CallSite] = []
    field_reads: list[CallSite] = []
    strings: dict[str, tuple[str, ...]] = {}
    const_classes: dict[str, tuple[str, ...]] = {}
    reflection: set[str] = set()
    texts: list[str] = []
    flows = FlowIndex()
    versions: dict[str, tuple[str, ...]] = {}
    seen: set[str] = set()
    for label, container, read in _dex_sources(archive, incomplete, dumps):
        if deadline is not None and time.monotonic() > deadline:
            incomplete.append(Incomplete(label, "time limit reached before this dex was read"))
            continue
        dumped = label.startswith(DUMP_PREFIX)
        try:
            data = read()
            repairs: list[str] = []
            if dumped:  # dumpers leave header fields wrong: repaired, and the file read leniently
                data, repairs = repair_header(data)
            dex = parse_dex(data, lenient=dumped)
        except (EntryError, DexFormatError) as exc:
            incomplete.append(Incomplete(label, f"dex skipped: {exc}"))
            continue
        if dumped:
            dex = _without_classes(dex, seen & {c.name for c in dex.classes})
            incomplete.extend(_dump_notes(label, repairs, dex.skipped))
        seen.update(c.name for c in dex.classes)
        texts.extend(_url_texts(data))
        infos.append(DexInfo(label, len(dex.classes), dex.method_count, len(dex.call_sites), dex.string_count,
                             container))
        if dex.truncated:
            incomplete.append(Incomplete(label, f"over {MAX_CALL_SITES} call sites: the code of the rest of this dex "
                                         "was not read"))
        if dex.bad_references:
            incomplete.append(Incomplete(label, f"{dex.bad_references} instruction operands point outside the dex's "
                                         "tables and were left out (the rest of the file was analysed)"))
        classes.extend(ClassDef(c.name, c.superclass, c.interfaces, c.access_flags, label, c.methods)
                       for c in dex.classes)
        call_sites.extend(dex.call_sites)
        field_reads.extend(dex.field_reads)
        strings.update(dex.strings)
        const_classes.update(dex.const_classes)
        reflection.update(dex.reflection)
        flows.add(dex.tables, dex.code_offsets, dex.object_stores)
        versions.update((f, (value,)) for f, value in dex.version_constants.items())
        versions.update(_version_getters(dex.strings))
    code = CodeFacts(tuple(infos), tuple(classes), tuple(call_sites), strings, tuple(sorted(reflection)),
                     tuple(field_reads), const_classes, flows, dict(sorted(versions.items())))
    return code, texts


def _url_texts(data: bytes) -> list[str]:
    """Printable runs of a dex that hold a URL or a dotted number (candidate IPs), found from the hints outwards.

    Searching for the hint first and widening to the run's ends costs time only where a hint is; a regex with
    the run on both sides backtracks badly on long printable runs (seconds on 200 KB runs of real apps).
    """
    out: list[str] = []
    end_of_last = -1
    for m in _URL_HINT.finditer(data):
        if m.start() < end_of_last:
            continue
        lo, hi = m.start(), m.end()
        floor, ceiling = max(0, lo - _MAX_TEXT), min(len(data), hi + _MAX_TEXT)
        while lo > floor and data[lo - 1] in _PRINTABLE:
            lo -= 1
        while hi < ceiling and data[hi] in _PRINTABLE:
            hi += 1
        end_of_last = hi
        out.append(data[lo:hi].decode("ascii"))
    return out


def _layout_texts(member: ApkMember) -> tuple[str, ...]:
    """Human text written literally in compiled layouts (a button's "Privacy Policy", a URL), not references.

    Only the string pool of each layout is read: literal attribute values live there, and decoding the whole
    tree costs ten times more. Identifiers (attribute, class and id names) are left out: what is kept has a
    space, a non-ASCII character or a URL scheme. A bundle module's proto layouts give their values and texts.
    """
    out: set[str] = set()
    for name in member.names():
        if not (name.startswith("res/layout") and name.endswith(".xml")):
            continue
        try:
            data = member.read(name, _MAX_MANIFEST)
            if member.proto:
                texts = list(proto_xml_texts(data))
            else:
                pool = AXMLParser(data).sb
                texts = [pool.getString(i) for i in range(pool.stringCount)]
        except Exception:  # noqa: BLE001 - androguard raises assorted errors on corrupt XML; skip that layout
            continue
        out.update(text for text in texts if text and not text.startswith(_NS_URI) and (
            not text.isascii() or "://" in text or any(c.isspace() for c in text)))
    return tuple(sorted(out))


_DOCUMENT_DIRS = ("assets/", "res/raw")
_DOCUMENT_SUFFIXES = (".html", ".htm", ".xhtml", ".txt", ".md")
_MAX_DOCUMENT = 2 * 1024 * 1024
_MAX_DOCUMENTS = 32
_PRIVACY_MARKS = (b"privacy", *("隐私".encode(codec) for codec in ("utf-8", "utf-16-le", "gb18030")))
"""The word "privacy" as a policy file may be encoded: what marks a text file as a candidate privacy policy."""


def _documents(member: ApkMember) -> tuple[TextDocument, ...]:
    """Text files of ``assets/`` and ``res/raw`` (html, txt, md) that speak of privacy, at most
    ``_MAX_DOCUMENTS`` of at most ``_MAX_DOCUMENT`` bytes each: the privacy policies an app ships for its consent
    dialog. Read here, where the archive is open; which are policies is for the policy reader to say."""
    out: list[TextDocument] = []
    for name in sorted(member.names()):
        if len(out) >= _MAX_DOCUMENTS:
            break
        if not name.startswith(_DOCUMENT_DIRS) or not name.lower().endswith(_DOCUMENT_SUFFIXES):
            continue
        if member.size_of(name) > _MAX_DOCUMENT:
            continue
        try:
            data = member.read(name, _MAX_DOCUMENT)
        except EntryError:
            continue
        if any(mark in data.lower() for mark in _PRIVACY_MARKS):
            out.append(TextDocument(name, data))
    return tuple(out)


def _decode_xml(member: ApkMember, data: bytes) -> tuple[ET._Element | None, list[tuple[str, str]]]:
    """An XML file of one APK of the input, binary or (a bundle module's) proto, decoded the same way."""
    return decode_proto_xml(data) if member.proto else decode_axml(data)


def _xml_reader(member: ApkMember) -> Callable[[str], ET._Element | None]:
    """``ResourceTable``'s reader of XML files (``res/xml/...``) for one APK of the input."""
    def read_xml(name: str) -> ET._Element | None:
        try:
            return _decode_xml(member, member.read(name, _MAX_MANIFEST))[0]
        except EntryError:
            return None
    return read_xml


def _resource_table(member: ApkMember, incomplete: list[Incomplete]) -> ResourceTable | None:
    """The resource table of one APK of the input (``resources.arsc``, or a bundle module's ``resources.pb``);
    None when it has none, and a table without values when it is unreadable (recorded in ``incomplete``)."""
    name = "resources.pb" if member.proto else "resources.arsc"
    if not member.has(name):
        return None
    label = name if member.split is None else f"{member.name}!{name}"
    read_xml = _xml_reader(member)
    empty = ResourceTable(None, read_xml)
    try:
        data = member.read(name, _MAX_ARSC)
        if member.proto:
            table = ProtoResourceTable.parse(data, read_xml)
            if table is None:
                incomplete.append(Incomplete(label, "resource table unreadable: not a protocol-buffer table"))
            return table or empty
        problem = arsc_shape_problem(data)
        if problem is not None:
            incomplete.append(Incomplete(label, f"resource table not read: {problem}"))
            return empty
        return ResourceTable(ARSCParser(data), read_xml)
    except Exception as exc:  # androguard raises many kinds of errors on corrupt tables
        incomplete.append(Incomplete(label, f"resource table unreadable: {exc}"))
        return empty


def _packed_hint(app_class: str | None, classes: tuple[ClassDef, ...], has_dex: bool) -> str | None:
    """Why the code seen is probably not the real code: the Application class is declared but defined nowhere."""
    if not has_dex:
        return "the APK holds no dex file: no code could be analysed"
    if app_class:
        descriptor = "L" + app_class.replace(".", "/") + ";"
        if not any(c.name == descriptor for c in classes):
            return (f"Application class {app_class} is not defined in any dex: the code is probably packed "
                    "(encrypted) and loaded at run time")
    return None


def _check_splits(archive: ApkArchive, base: ManifestReader, what: str) -> None:
    """Refuse a bundle whose splits Android would not install with its base: a split without a readable manifest,
    or one made for another package or version code (a decoy beside the real app)."""
    for member in archive.members[1:]:
        try:
            root = _decode_xml(member, member.read("AndroidManifest.xml", _MAX_MANIFEST))[0]
        except EntryError as exc:
            raise ApkReadError(f"{what}: split {member.name} has no readable AndroidManifest.xml ({exc})") from exc
        if root is None or root.tag != "manifest":
            raise ApkReadError(f"{what}: split {member.name}: AndroidManifest.xml is not valid binary XML")
        split = ManifestReader(root, ResourceTable(None, lambda _name: None))
        # A bundle module's manifest may leave the version code out: bundletool writes the base's into every APK.
        version = base.version_code() if member.proto and split.version_code() is None else split.version_code()
        if (split.package, version) != (base.package, base.version_code()):
            raise ApkReadError(
                f"{what}: split {member.name} is for {split.package or '(no package)'} version "
                f"{split.version_code()}, not the base's {base.package} version {base.version_code()}: Android "
                "installs no such bundle")


def extract_facts(path: Path, deadline: float | None = None, dumps: Sequence[Path] = ()) -> ApkFacts:
    """Read one input file into facts. Raises ``InputError``/``ApkReadError`` for files that are not APKs.

    ``deadline`` (a ``time.monotonic()`` value) bounds the code pass; dex files not read in time are recorded
    in ``incomplete``. ``dumps`` are dex files (or folders of them) dumped from the running app, a packed app's
    real code: their classes the APK does not define join the analysis, from container ``dump:FILE``.
    """
    archive = open_input(path)
    base = archive.base
    try:
        manifest_bytes = base.read("AndroidManifest.xml", _MAX_MANIFEST)
    except EntryError as exc:
        raise ApkReadError(f"{display_name(path)}: no readable AndroidManifest.xml ({exc})") from exc
    root, manifest_tricks = _decode_xml(base, manifest_bytes)
    if root is None and not base.proto and (problem := axml_shape_problem(manifest_bytes)) is not None:
        raise ApkReadError(f"{display_name(path)}: AndroidManifest.xml refused: {problem}")
    if root is None or root.tag != "manifest":
        kind = "protocol-buffer XML (aapt2 --proto-format)" if base.proto else "binary XML"
        raise ApkReadError(f"{display_name(path)}: AndroidManifest.xml is not valid {kind}")

    incomplete: list[Incomplete] = [Incomplete(name if m.split is None else f"{m.name}!{name}", reason)
                                     for m in archive.members for name, reason in m.suspicious()]
    foreign = base.prepended_data()
    if foreign:
        incomplete.append(Incomplete("(before the zip)", f"{foreign} bytes of unknown data precede the zip archive "
                                     "and were not analysed"))
    table = _resource_table(base, incomplete) or ResourceTable(None, _xml_reader(base))
    mf = ManifestReader(root, table)
    _check_splits(archive, mf, display_name(path))
    target_sdk = mf.sdk("targetSdkVersion")
    defined = mf.defined_permissions()
    components = mf.components(target_sdk)
    launcher = next((c for c in components if c.launcher and c.enabled), None)
    nsc_path, nsc = mf.network_security_config()
    if nsc_path and nsc is None:
        incomplete.append(Incomplete(nsc_path, "network security config unreadable"))
    signing, sig_problems = read_signing(base)
    incomplete.extend(Incomplete("signature", p) for p in sig_problems)

    code, dex_texts = _read_code(archive, incomplete, deadline, dump_files(dumps))
    app_class = mf.class_name(mf.attr(mf.app, "name"))
    hint = _packed_hint(app_class, code.classes, bool(code.dex) or any(i.item.endswith(".dex") for i in incomplete))
    if hint:
        incomplete.append(Incomplete("code", hint))

    entries = [(n, m.size_of(n)) for m in archive.members for n in m.names()]
    all_names = sorted({n for n, _ in entries})

    bad = {i.item for i in incomplete}

    def head_of(name: str) -> bytes:
        """The first bytes of an entry (magic numbers), never of one judged a bomb."""
        for m in archive.members:
            if m.has(name) and name not in bad:
                return _head(m, name)  # a corrupt entry has no readable head; its extension still counts
        return b""

    split_tables = [t for m in archive.members[1:] if (t := _resource_table(m, incomplete)) is not None]
    resources = read_resources(all_names, head_of, [table, *split_tables], _layout_texts(base), dex_texts)
    resources = dataclasses.replace(resources, version_files=_version_files(base))
    app = AppInfo(
        package=mf.package, version_code=mf.version_code(), version_name=mf.attr(root, "versionName"),
        min_sdk=mf.sdk("minSdkVersion"), target_sdk=target_sdk, max_sdk=mf.sdk("maxSdkVersion"),
        compile_sdk=mf.compile_sdk(), label=mf.attr(mf.app, "label"), sha256=archive.sha256, size=archive.size,
        application_class=app_class,
        launcher_activity=(launcher.target_activity or launcher.name) if launcher else None,
        debuggable=mf.flag(mf.app, "debuggable", False), allow_backup=mf.flag(mf.app, "allowBackup", True),
        uses_cleartext_traffic=(mf.flag(mf.app, "usesCleartextTraffic", False)
                                if mf.attr(mf.app, "usesCleartextTraffic") is not None else None),
        network_security_config=nsc)
    manifest = Manifest(mf.permissions(defined), defined, components, mf.meta_data(), mf.queries())
    return ApkFacts(
        source=display_name(path), files=archive.input_files(), app=app, signing=signing, manifest=manifest,
        native_libs=native_libs(entries), code=code, resources=resources,
        incomplete=tuple(sorted(set(incomplete), key=lambda i: (i.item, i.reason))),
        anomalies=(*_anomalies(archive), *_manifest_anomalies(manifest_tricks)), documents=_documents(base),
        app_bundle=archive.aab)


def _manifest_anomalies(tricks: list[tuple[str, str]]) -> list[Anomaly]:
    """The manifest's attribute tricks (``decode_axml``) as ``manifest-namespace`` and ``manifest-attribute``
    anomalies, at most ``SHOWN_PER_KIND`` of each, as for the container's tricks."""
    out: list[Anomaly] = []
    for kind in ("namespace", "attribute"):
        details = [detail for k, detail in tricks if k == kind][:SHOWN_PER_KIND]
        out.extend(Anomaly(f"manifest-{kind}", "AndroidManifest.xml", detail) for detail in details)
    return out


def _anomalies(archive: ApkArchive) -> tuple[Anomaly, ...]:
    """The container tricks of every APK of the input (``ApkMember.anomalies``), and its dex files Android never
    loads (not analysed)."""
    out: list[Anomaly] = []
    for m in archive.members:
        prefix = "" if m.split is None else f"{m.name}!"
        out.extend(Anomaly(kind, prefix + entry, detail) for kind, entry, detail in m.anomalies)
        out.extend(Anomaly("unloaded-dex", prefix + name, "a dex Android never loads (outside the classes.dex, "
                           "classes2.dex... sequence): not analysed as the app's code")
                   for name in m.dex_entries[1])
    return tuple(out)
