"""Facts from AndroidManifest.xml: identity, permissions, components, meta-data, queries, network config.

The binary XML is decoded by androguard's ``AXMLPrinter`` into an lxml tree; every fact is then read with XPath.
Exported-ness is decided the way the platform decides it, so that rules never re-implement that logic.
"""

from __future__ import annotations

import struct

import lxml.etree as ET
from androguard.core.axml import ATTRIBUTE_IX_NAME, END_DOCUMENT, START_TAG, AXMLParser, AXMLPrinter
from androguard.core.resources import public

from appscan.apk.resources import ResourceTable, res_chunks
from appscan.model import (
    Component,
    DefinedPermission,
    IntentData,
    IntentFilter,
    MetaData,
    NetworkDomain,
    NetworkSecurityConfig,
    Permission,
    Queries,
)
from appscan.platform import protection_level

__all__ = ["ManifestReader", "apply_platform_keys", "decode_axml", "parse_axml", "platform_key"]

_ANDROID_URI = "http://schemas.android.com/apk/res/android"
_NS = "{" + _ANDROID_URI + "}"
_FRAMEWORK_ATTRIBUTES: dict[int, str] = public.SYSTEM_RESOURCES["attributes"]["inverse"]
"""Resource id of each framework attribute -> its name (``android:debuggable`` is 0x0101000f), as far as
androguard's copy of the platform's public ids goes."""
_FRAMEWORK_ATTRIBUTE_TYPE = 0x0101
"""The package (0x01, the framework) and type (0x01, attr) bytes of every framework attribute's resource id."""
_COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
_DATA_ATTRS = (("scheme", "scheme"), ("host", "host"), ("port", "port"), ("path", "path"),
               ("path_prefix", "pathPrefix"), ("path_pattern", "pathPattern"), ("mime_type", "mimeType"))


MAX_XML_ELEMENTS = 50_000
"""Elements of one binary XML file (the largest real manifests hold a few thousand)."""
MAX_XML_DEPTH = 128
"""Element nesting (manifests nest six deep; layouts a few dozen)."""
MAX_XML_NAMESPACES = 64
_START_NAMESPACE, _START_ELEMENT, _END_ELEMENT = 0x0100, 0x0102, 0x0103


def axml_shape_problem(data: bytes) -> str | None:
    """Why binary XML is refused before it is decoded (androguard's decoder has no bounds: 100,000 nested elements
    took it over a minute), from its chunk headers alone; None when it is within bounds. A chunk stream that does
    not advance (zero padding, a size below the header) is refused too: the platform's parser rejects it."""
    if len(data) < 8:
        return "too short"
    elements = depth = namespaces = 0
    header, total = struct.unpack_from("<HI", data, 2)
    # Bytes past the declared size (padding) are not XML, as for the platform.
    for off, kind, _, size in res_chunks(data, header, min(total, len(data))):
        if size < 8:
            return f"a chunk of {size} bytes at offset {off}"
        if kind == _START_ELEMENT:
            elements += 1
            depth += 1
            if elements > MAX_XML_ELEMENTS or depth > MAX_XML_DEPTH:
                return (f"over {MAX_XML_ELEMENTS} elements" if elements > MAX_XML_ELEMENTS
                        else f"elements nested over {MAX_XML_DEPTH} deep")
        elif kind == _END_ELEMENT:
            depth = max(depth - 1, 0)
        elif kind == _START_NAMESPACE:
            namespaces += 1
            if namespaces > MAX_XML_NAMESPACES:
                return f"over {MAX_XML_NAMESPACES} namespace declarations"
    return None


def _resource_id(parser: AXMLParser, index: int) -> int | None:
    """The resource id the binary XML's resource map gives the name of attribute ``index``, None without one."""
    name = parser.m_attributes[parser._get_attribute_offset(index) + ATTRIBUTE_IX_NAME]
    return parser.m_resourceIDs[name] if name < len(parser.m_resourceIDs) else None


def _platform_renames(data: bytes, printer: AXMLPrinter) -> list[list[tuple[str, str | None]]]:
    """Per element, in document order: (the key androguard gave an attribute, the key the platform reads it as,
    None when the platform ignores it), for the attributes where the two differ.

    The platform resolves a framework attribute by its resource id, not by its name or namespace strings: an
    ``android:debuggable`` whose namespace string was changed is still debuggable, and an attribute spelled
    ``android:debuggable`` without the attribute's id is no attribute at all. Packers and malware use both to show
    parsers another manifest than the one Android reads."""
    parser = AXMLParser(data)
    out: list[list[tuple[str, str | None]]] = []
    while parser.is_valid():
        kind = next(parser)
        if kind == END_DOCUMENT:
            break
        if kind != START_TAG or not parser.name:
            continue
        renames: list[tuple[str, str | None]] = []
        for i in range(parser.getAttributeCount()):
            uri = parser.getAttributeNamespace(i)
            prefix, name = printer._fix_name(printer._print_namespace(uri), parser.getAttributeName(i))
            given = f"{prefix}{name}"
            changes, read_as = platform_key(uri, _resource_id(parser, i), given)
            if changes:
                renames.append((given, read_as))
        out.append(renames)
    return out


def platform_key(uri: str | None, res_id: int | None, given: str) -> tuple[bool, str | None]:
    """(whether the platform reads an attribute under another key than ``given``, that key or None when it ignores
    the attribute), from its namespace and resource id: a framework id names the attribute whatever its strings
    say; a name in the android namespace without a framework id is no attribute at all."""
    if res_id in _FRAMEWORK_ATTRIBUTES:
        read_as = _NS + _FRAMEWORK_ATTRIBUTES[res_id]
        return read_as != given, read_as
    if res_id is not None and res_id >> 16 == _FRAMEWORK_ATTRIBUTE_TYPE:
        return False, given  # a framework attribute newer than the id table (compileSdkVersion): its name is kept
    if uri == _ANDROID_URI:
        return True, None
    return False, given


def apply_platform_keys(root: ET._Element, renames: list[list[tuple[str, str | None]]]) -> list[tuple[str, str]]:
    """Re-key the attributes of every element (document order) as ``renames`` says (``platform_key``), drop the
    namespace of element names (the platform matches them without it), and describe each change as (kind, one
    line): ``namespace`` when only the namespace string was not the android URI, ``attribute`` otherwise."""
    tricks: list[tuple[str, str]] = []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    if len(elements) == len(renames):  # else the decoder dropped a malformed element: keys stay as it gave them
        for el, changes in zip(elements, renames):
            for given, read_as in changes:
                value = el.attrib.pop(given, None)
                if value is None:
                    continue
                where = f"<{ET.QName(el).localname}> {given}"
                if read_as is None:
                    tricks.append(("attribute", f"{where}: no framework resource id, which the platform "
                                                "ignores: left out"))
                    continue
                el.set(read_as, value)
                official = read_as[len(_NS):]
                kind = "namespace" if ET.QName(given).localname == official else "attribute"
                tricks.append((kind, f"{where}: read as android:{official}, as the platform reads it by "
                                     "resource id"))
    for el in root.iter():
        # The platform matches element names without their namespace: <android:uses-permission> counts.
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = ET.QName(el).localname
    return tricks


def parse_axml(data: bytes) -> ET._Element | None:
    """Decode binary XML into an lxml element; None when it is not valid binary XML or is out of bounds
    (``axml_shape_problem``). Framework attributes are keyed as the platform reads them (``decode_axml``)."""
    return decode_axml(data)[0]


def decode_axml(data: bytes) -> tuple[ET._Element | None, list[tuple[str, str]]]:
    """``parse_axml``'s tree, and each attribute the platform reads otherwise than its strings say (by resource
    id: ``_platform_renames``) as (kind, one-line description): ``namespace`` when only the namespace string is
    not the android URI (some build tools write the prefix ``android`` there), ``attribute`` when the name says
    another attribute than the id, or a name in the android namespace has no framework id (a trick no build tool
    makes)."""
    if axml_shape_problem(data) is not None:
        return None, []
    try:
        printer = AXMLPrinter(data)
        if not printer.is_valid():
            return None, []
        root = printer.get_xml_obj()
        renames = _platform_renames(data, printer) if root is not None else []
    except Exception:  # androguard raises bare exceptions of many kinds on garbage input
        return None, []
    return root, (apply_platform_keys(root, renames) if root is not None else [])


def _int(value: str | None) -> int | None:
    """An integer attribute (decimal or 0x hex), None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(value, 0) if value.lower().startswith("0x") else int(value)
    except ValueError:
        return None


class ManifestReader:
    """Reads the facts of one decoded manifest; resource references resolve through the app's resource table."""

    def __init__(self, root: ET._Element, resources: ResourceTable) -> None:
        self.root = root
        self.res = resources
        self.package = root.get("package") or ""
        self.app = root.find("application")

    def attr(self, el: ET._Element | None, name: str) -> str | None:
        """An ``android:`` attribute, with ``@7f...`` references resolved to their default value."""
        if el is None:
            return None
        value = el.get(_NS + name)
        return self.res.resolve(value) if value is not None else None

    def flag(self, el: ET._Element | None, name: str, default: bool) -> bool:
        """A boolean attribute with the platform default when absent."""
        value = self.attr(el, name)
        if value is None:
            return default
        return value.strip().lower() in ("true", "1", "0xffffffff", "-1")

    def class_name(self, name: str | None) -> str | None:
        """Resolve a manifest class name against the package (``.Foo`` and ``Foo`` forms)."""
        if not name:
            return None
        if name.startswith("."):
            return self.package + name
        if "." not in name:
            return f"{self.package}.{name}"
        return name

    # identity -----------------------------------------------------------------------------------------------
    def sdk(self, name: str) -> int | None:
        """``uses-sdk`` min/target/max SDK version."""
        return _int(self.attr(self.root.find("uses-sdk"), name))

    def version_code(self) -> int | None:
        """versionCode, with versionCodeMajor folded in as the platform does (major << 32)."""
        code = _int(self.attr(self.root, "versionCode"))
        major = _int(self.attr(self.root, "versionCodeMajor"))
        if code is not None and major:
            code |= major << 32
        return code

    def compile_sdk(self) -> int | None:
        """compileSdkVersion (newer build tools) or platformBuildVersionCode (older ones)."""
        return _int(self.attr(self.root, "compileSdkVersion") or self.root.get("platformBuildVersionCode"))

    # permissions --------------------------------------------------------------------------------------------
    def defined_permissions(self) -> tuple[DefinedPermission, ...]:
        """The ``<permission>`` elements, with their protection level as written (default normal)."""
        out = []
        for el in self.root.iterfind("permission"):
            name = self.attr(el, "name")
            if name:
                out.append(DefinedPermission(name, _protection_text(self.attr(el, "protectionLevel"))))
        return tuple(sorted(set(out), key=lambda p: p.name))

    def permissions(self, defined: tuple[DefinedPermission, ...]) -> tuple[Permission, ...]:
        """Every ``uses-permission`` and ``uses-permission-sdk-23`` (also the old ``-sdk-m`` spelling)."""
        own = {p.name: p.protection_level for p in defined}
        out: set[Permission] = set()
        for tag in ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m"):
            for el in self.root.iterfind(tag):
                name = self.attr(el, "name")
                if not name:
                    continue
                level = protection_level(name) or own.get(name) or "unknown"
                out.add(Permission(name, level, "uses-permission-sdk-23" if tag != "uses-permission" else tag,
                                   _int(self.attr(el, "maxSdkVersion"))))
        return tuple(sorted(out, key=lambda p: (p.name, p.tag, p.max_sdk_version or 0)))

    # components ---------------------------------------------------------------------------------------------
    def _intent_filter(self, el: ET._Element) -> IntentFilter:
        """One ``<intent-filter>`` (or a ``<queries><intent>``, which has the same children)."""
        actions = tuple(sorted({a for a in (self.attr(x, "name") for x in el.iterfind("action")) if a}))
        cats = tuple(sorted({c for c in (self.attr(x, "name") for x in el.iterfind("category")) if c}))
        data = []
        for d in el.iterfind("data"):
            values = {key: self.attr(d, attr) for key, attr in _DATA_ATTRS}
            if any(v is not None for v in values.values()):
                data.append(IntentData(**values))
        data.sort(key=lambda d: tuple(v or "" for v in (d.scheme, d.host, d.port, d.path, d.path_prefix,
                                                          d.path_pattern, d.mime_type)))
        return IntentFilter(actions, cats, tuple(data), _int(self.attr(el, "priority")))

    def components(self, target_sdk: int | None) -> tuple[Component, ...]:
        """All components of the five kinds, exported as the platform decides it."""
        if self.app is None:
            return ()
        out = []
        for el in self.app:
            if not isinstance(el.tag, str) or el.tag not in _COMPONENT_TAGS:
                continue
            name = self.class_name(self.attr(el, "name"))
            if not name:
                continue
            filters = tuple(self._intent_filter(f) for f in el.iterfind("intent-filter"))
            explicit = self.attr(el, "exported")
            if explicit is not None:
                exported = self.flag(el, "exported", False)
            elif el.tag == "provider":
                exported = (target_sdk or 1) < 17
            else:
                exported = bool(filters)
            launcher = el.tag in ("activity", "activity-alias") and any(
                "android.intent.action.MAIN" in f.actions and "android.intent.category.LAUNCHER" in f.categories
                for f in filters)
            authorities = tuple(a.strip() for a in (self.attr(el, "authorities") or "").split(";") if a.strip())
            out.append(Component(
                type="activity" if el.tag == "activity-alias" else el.tag, name=name, exported=exported, permission=self.attr(el, "permission"),
                intent_filters=filters, launcher=launcher, authorities=authorities,
                init_order=_int(self.attr(el, "initOrder")),
                target_activity=self.class_name(self.attr(el, "targetActivity")) if el.tag == "activity-alias"
                else None,
                enabled=self.flag(el, "enabled", True)))
        return tuple(sorted(out, key=lambda c: (c.type, c.name)))

    def meta_data(self) -> tuple[MetaData, ...]:
        """``<meta-data>`` of the application and of every component."""
        if self.app is None:
            return ()
        out = []
        owners = [("application", self.app)] + [
            (self.class_name(self.attr(c, "name")) or "?", c) for c in self.app
            if isinstance(c.tag, str) and c.tag in _COMPONENT_TAGS]
        for owner, el in owners:
            for md in el.iterfind("meta-data"):
                name = self.attr(md, "name")
                if not name:
                    continue
                raw_res = md.get(_NS + "resource")
                out.append(MetaData(owner, name, self.attr(md, "value"),
                                    self.res.name_of(raw_res) if raw_res is not None else None))
        return tuple(sorted(out, key=lambda m: (m.owner != "application", m.owner, m.name, m.value or "")))

    def queries(self) -> Queries:
        """The ``<queries>`` elements (there may be several), merged."""
        packages: set[str] = set()
        providers: set[str] = set()
        intents: list[IntentFilter] = []
        for q in self.root.iterfind("queries"):
            packages.update(p for p in (self.attr(x, "name") for x in q.iterfind("package")) if p)
            for x in q.iterfind("provider"):
                providers.update(a for a in (self.attr(x, "authorities") or "").split(";") if a)
            intents.extend(self._intent_filter(x) for x in q.iterfind("intent"))
        intents.sort(key=lambda f: (f.actions, f.categories, tuple(d.scheme or "" for d in f.data)))
        return Queries(tuple(sorted(packages)), tuple(intents), tuple(sorted(providers)))

    # network security config --------------------------------------------------------------------------------
    def network_security_config(self) -> tuple[str | None, NetworkSecurityConfig | None]:
        """(path, parsed config). The path is returned even when the file cannot be parsed."""
        ref = self.app.get(_NS + "networkSecurityConfig") if self.app is not None else None
        if not ref:
            return None, None
        path = self.res.resolve(ref)
        if not path or not path.startswith("res/"):
            return None, None
        root = self.res.xml_file(path)
        if root is None:
            return path, None
        return path, _parse_nsc(path, root)


def _protection_text(value: str | None) -> str:
    """A ``<permission>``'s protectionLevel as flag names ("normal" when absent)."""
    if value is None:
        return "normal"
    number = _int(value)
    if number is None:
        return value
    base = ("normal", "dangerous", "signature", "signature|privileged")[number & 0xF] if (number & 0xF) < 4 \
        else str(number & 0xF)
    flags = [name for bit, name in ((0x10, "privileged"), (0x20, "development"), (0x40, "appop"),
                                    (0x80, "pre23"), (0x100, "installer"), (0x200, "verifier"),
                                    (0x400, "preinstalled"), (0x800, "setup")) if number & bit]
    return "|".join([base, *[f for f in flags if f not in base]])


def _parse_nsc(path: str, root: ET._Element) -> NetworkSecurityConfig:
    """Parse a network security config tree (attributes of NSC files are not in the android namespace)."""
    for el in root.iter():
        if isinstance(el.tag, str):
            for key in list(el.attrib):
                if key.startswith("{"):
                    el.attrib[key.split("}", 1)[1]] = el.attrib.pop(key)
    base = root.find("base-config")
    debug = root.find("debug-overrides")

    def flag(el: ET._Element, name: str) -> bool | None:
        value = el.get(name)
        return None if value is None else value.strip().lower() == "true"

    def user(el: ET._Element | None) -> bool:
        return el is not None and any((c.get("src") or "").lower() == "user"
                                      for c in el.iterfind("trust-anchors/certificates"))

    domains = []
    for dc in root.iter("domain-config"):
        for d in dc.iterfind("domain"):
            if d.text and d.text.strip():
                domains.append(NetworkDomain(d.text.strip(), flag(d, "includeSubdomains") or False,
                                             flag(dc, "cleartextTrafficPermitted"), user(dc)))
    domains.sort(key=lambda d: d.domain)
    return NetworkSecurityConfig(path, flag(base, "cleartextTrafficPermitted") if base is not None else None,
                                 user(base), user(debug), tuple(domains))
