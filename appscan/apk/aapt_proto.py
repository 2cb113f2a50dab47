"""aapt2's protocol-buffer formats: the manifest, XML files and resource table of an Android App Bundle module.

An ``.aab`` holds what aapt2 writes with ``--proto-format``: every XML file is an ``aapt.pb.XmlNode`` message and
the resource table is an ``aapt.pb.ResourceTable`` message instead of binary AXML and ``resources.arsc``. The
messages are declared here from the public format description (AOSP ``tools/aapt2/Resources.proto`` and
``Configuration.proto``), only the fields the scanner reads; the protobuf runtime skips the rest. They are built as
proto2 so that every field has presence (a reference with id 0 and no reference differ).

What comes out matches the binary readers: ``decode_proto_xml`` gives the lxml tree ``decode_axml`` gives (attributes
keyed as the platform reads them, by resource id, values formatted as androguard formats binary values) and
``ProtoResourceTable`` answers as the ARSC-backed ``ResourceTable``, so the facts of a bundle equal those of the APK
built from it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

import lxml.etree as ET
from androguard.core import axml
from google.protobuf import descriptor_pb2, descriptor_pool, message
from google.protobuf.message_factory import GetMessageClass

from appscan.apk.manifest import MAX_XML_DEPTH, MAX_XML_ELEMENTS, apply_platform_keys, platform_key
from appscan.apk.resources import ResourceTable

__all__ = ["ProtoResourceTable", "decode_proto_xml", "parse_proto_xml", "proto_xml_texts"]

_F = descriptor_pb2.FieldDescriptorProto
_MSG, _STR, _U32, _I32, _BOOL, _FLOAT = (_F.TYPE_MESSAGE, _F.TYPE_STRING, _F.TYPE_UINT32, _F.TYPE_INT32,
                                          _F.TYPE_BOOL, _F.TYPE_FLOAT)

# message name -> (field name, number, type, message type name or None, repeated?)
_MESSAGES: dict[str, tuple[tuple[str, int, int, str | None, bool], ...]] = {
    "XmlNode": (("element", 1, _MSG, "XmlElement", False), ("text", 2, _STR, None, False)),
    "XmlElement": (("namespace_declaration", 1, _MSG, "XmlNamespace", True), ("namespace_uri", 2, _STR, None, False),
                   ("name", 3, _STR, None, False), ("attribute", 4, _MSG, "XmlAttribute", True),
                   ("child", 5, _MSG, "XmlNode", True)),
    "XmlNamespace": (("prefix", 1, _STR, None, False), ("uri", 2, _STR, None, False)),
    "XmlAttribute": (("namespace_uri", 1, _STR, None, False), ("name", 2, _STR, None, False),
                     ("value", 3, _STR, None, False), ("resource_id", 5, _U32, None, False),
                     ("compiled_item", 6, _MSG, "Item", False)),
    "Item": (("ref", 1, _MSG, "Reference", False), ("str", 2, _MSG, "String", False),
             ("raw_str", 3, _MSG, "String", False), ("styled_str", 4, _MSG, "StyledString", False),
             ("file", 5, _MSG, "FileReference", False), ("prim", 7, _MSG, "Primitive", False)),
    "Reference": (("type", 1, _U32, None, False), ("id", 2, _U32, None, False), ("name", 3, _STR, None, False)),
    "String": (("value", 1, _STR, None, False),),
    "StyledString": (("value", 1, _STR, None, False), ("span", 2, _MSG, "Span", True)),
    "Span": (("tag", 1, _STR, None, False),),
    "FileReference": (("path", 1, _STR, None, False),),
    "Primitive": (("float_value", 3, _FLOAT, None, False), ("int_decimal_value", 6, _I32, None, False),
                  ("int_hexadecimal_value", 7, _U32, None, False), ("boolean_value", 8, _BOOL, None, False),
                  ("color_argb8_value", 9, _U32, None, False), ("color_rgb8_value", 10, _U32, None, False),
                  ("color_argb4_value", 11, _U32, None, False), ("color_rgb4_value", 12, _U32, None, False),
                  ("dimension_value", 13, _U32, None, False), ("fraction_value", 14, _U32, None, False)),
    "ResourceTable": (("package", 2, _MSG, "Package", True),),
    "Package": (("package_id", 1, _MSG, "Id", False), ("package_name", 2, _STR, None, False),
                ("type", 3, _MSG, "Type", True)),
    "Id": (("id", 1, _U32, None, False),),
    "Type": (("type_id", 1, _MSG, "Id", False), ("name", 2, _STR, None, False), ("entry", 3, _MSG, "Entry", True)),
    "Entry": (("entry_id", 1, _MSG, "Id", False), ("name", 2, _STR, None, False),
              ("config_value", 6, _MSG, "ConfigValue", True)),
    "ConfigValue": (("config", 1, _MSG, "Configuration", False), ("value", 2, _MSG, "Value", False)),
    "Configuration": (("locale", 3, _STR, None, False),),
    "Value": (("item", 4, _MSG, "Item", False), ("compound_value", 5, _MSG, "CompoundValue", False)),
    "CompoundValue": (("style", 2, _MSG, "Style", False), ("array", 4, _MSG, "Array", False),
                      ("plural", 5, _MSG, "Plural", False)),
    "Style": (("entry", 3, _MSG, "StyleEntry", True),),
    "StyleEntry": (("item", 4, _MSG, "Item", False),),
    "Array": (("element", 1, _MSG, "ArrayElement", True),),
    "ArrayElement": (("item", 3, _MSG, "Item", False),),
    "Plural": (("entry", 1, _MSG, "PluralEntry", True),),
    "PluralEntry": (("item", 4, _MSG, "Item", False),),
}
"""The subset of aapt2's messages read here. Nested messages of the original (``Style.Entry``, ``Array.Element``,
the three id wrappers) are flattened into top-level ones of the same fields: the wire format knows no names."""
_PACKAGE = "appscan.aapt"


def _message_classes() -> dict[str, type[message.Message]]:
    """Build the message classes at import from ``_MESSAGES`` (no generated code, no protoc at build time)."""
    file = descriptor_pb2.FileDescriptorProto(name="appscan_aapt.proto", package=_PACKAGE, syntax="proto2")
    for name, fields in _MESSAGES.items():
        msg = file.message_type.add(name=name)
        for field_name, number, kind, type_name, repeated in fields:
            msg.field.add(name=field_name, number=number, type=kind,
                          label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
                          type_name=f".{_PACKAGE}.{type_name}" if type_name else None)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}")) for name in _MESSAGES}


_CLASSES = _message_classes()
XmlNode, ResourceTableMessage = _CLASSES["XmlNode"], _CLASSES["ResourceTable"]

_PRIMITIVE_TYPES = (
    ("int_decimal_value", axml.TYPE_INT_DEC), ("int_hexadecimal_value", axml.TYPE_INT_HEX),
    ("boolean_value", axml.TYPE_INT_BOOLEAN), ("color_argb8_value", axml.TYPE_INT_COLOR_ARGB8),
    ("color_rgb8_value", axml.TYPE_INT_COLOR_RGB8), ("color_argb4_value", axml.TYPE_INT_COLOR_ARGB4),
    ("color_rgb4_value", axml.TYPE_INT_COLOR_RGB4), ("dimension_value", axml.TYPE_DIMENSION),
    ("fraction_value", axml.TYPE_FRACTION), ("float_value", axml.TYPE_FLOAT))
"""Each Primitive field with the ``Res_value`` type a binary file would hold for it."""
_ATTRIBUTE_REFERENCE = 1
_MAX_REFERENCE_HOPS = 8


def _primitive(prim: Any) -> str | None:
    """A primitive as androguard formats the same binary value (``true``, ``0x00000010``, ``#FF000000``...)."""
    for field, kind in _PRIMITIVE_TYPES:
        if prim.HasField(field):
            value = getattr(prim, field)
            if field == "boolean_value":
                data = 0xFFFFFFFF if value else 0
            elif field == "float_value":
                data = struct.unpack("<I", struct.pack("<f", value))[0]
            else:
                data = value & 0xFFFFFFFF
            return axml.format_value(kind, data)
    return None


def _reference(ref: Any) -> str:
    """``@7F0B0001`` (``@android:0101000F`` for the framework, ``?`` for a theme attribute), as binary XML reads;
    a reference by name only (no id assigned) keeps its name."""
    sigil = "?" if ref.type == _ATTRIBUTE_REFERENCE else "@"
    if not ref.id:
        return sigil + ref.name
    return "{}{}{:08X}".format(sigil, "android:" if ref.id >> 24 == 1 else "", ref.id)


def _item_text(item: Any) -> str | None:
    """The text of a compiled value, None when it holds none the scanner reads (an id placeholder)."""
    if item.HasField("ref"):
        return _reference(item.ref)
    for field in ("str", "raw_str", "styled_str"):
        if item.HasField(field):
            return getattr(item, field).value
    if item.HasField("file"):
        return item.file.path
    if item.HasField("prim"):
        return _primitive(item.prim)
    return None


def _attribute_value(attr: Any) -> str:
    """An attribute's value as binary XML would give it: the compiled value when aapt2 compiled one (references,
    numbers, booleans), else the string as written."""
    if attr.HasField("compiled_item"):
        text = _item_text(attr.compiled_item)
        if text is not None:
            return text
    return attr.value


def _parse(data: bytes, cls: type[message.Message]) -> Any | None:
    """One message from bytes; None when they are not one (protobuf's own depth limit bounds nesting)."""
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (message.DecodeError, RecursionError, ValueError):
        return None
    return msg


def _element_count(node: Any, depth: int = 1) -> Iterator[int]:
    """The depth of every element below ``node``, stopping past the bounds (a bounded walk of a parsed tree)."""
    for child in node.element.child:
        if child.HasField("element"):
            yield depth
            if depth <= MAX_XML_DEPTH:
                yield from _element_count(child, depth + 1)


def decode_proto_xml(data: bytes) -> tuple[ET._Element | None, list[tuple[str, str]]]:
    """A proto XML file (``XmlNode``) as ``decode_axml`` gives binary XML: the lxml tree with attributes keyed as
    the platform reads them (by resource id), and the attributes read otherwise than their strings say. None when
    the bytes are not a proto XML document or exceed the binary reader's bounds."""
    root_node = _parse(data, XmlNode)
    if root_node is None or not root_node.HasField("element") or not root_node.element.name:
        return None, []
    count = 0
    for depth in _element_count(root_node):
        count += 1
        if count >= MAX_XML_ELEMENTS or depth >= MAX_XML_DEPTH:
            return None, []
    keys: list[list[tuple[str, str | None]]] = []

    def build(element: Any, parent: ET._Element | None) -> ET._Element:
        nsmap = {ns.prefix: ns.uri for ns in element.namespace_declaration if ns.prefix and ns.uri}
        tag = element.name if not element.namespace_uri else f"{{{element.namespace_uri}}}{element.name}"
        el = ET.Element(tag, nsmap=nsmap or None) if parent is None else ET.SubElement(parent, tag, nsmap=nsmap or None)
        renames: list[tuple[str, str | None]] = []
        for attr in element.attribute:
            given = f"{{{attr.namespace_uri}}}{attr.name}" if attr.namespace_uri else attr.name
            el.set(given, _attribute_value(attr))
            changes, read_as = platform_key(attr.namespace_uri or None, attr.resource_id or None, given)
            if changes:
                renames.append((given, read_as))
        keys.append(renames)
        last: ET._Element | None = None
        for child in element.child:
            if child.HasField("element"):
                last = build(child.element, el)
            elif child.text:
                if last is None:
                    el.text = (el.text or "") + child.text
                else:
                    last.tail = (last.tail or "") + child.text
        return el

    try:
        root = build(root_node.element, None)
    except ValueError:  # a name lxml refuses (empty, spaces): no XML document a build tool writes
        return None, []
    return root, apply_platform_keys(root, keys)


def parse_proto_xml(data: bytes) -> ET._Element | None:
    """``decode_proto_xml``'s tree alone (``parse_axml`` for proto XML)."""
    return decode_proto_xml(data)[0]


def proto_xml_texts(data: bytes) -> Iterator[str]:
    """Every attribute value and text node of a proto XML file (what a binary layout's string pool holds)."""
    root = _parse(data, XmlNode)
    if root is None:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.HasField("element"):
            for attr in node.element.attribute:
                if attr.value:
                    yield attr.value
            stack.extend(node.element.child)
        elif node.text:
            yield node.text


def _locale(bcp47: str) -> str:
    """aapt2's BCP-47 locale (``zh-CN``, ``sr-Latn``, ``es-419``) as the binary table's reader reports it: language
    and region only (``zh-rCN``, ``sr``, ``es-r419``), the script and variants left out."""
    language, *rest = bcp47.split("-")
    region = next((p for p in rest if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())), None)
    return f"{language}-r{region}" if region else language


class ProtoResourceTable(ResourceTable):
    """A module's ``resources.pb`` behind the ``ResourceTable`` interface (resolve, name_of, locales, strings)."""

    def __init__(self, table: Any, read_xml: Callable[[str], ET._Element | None]) -> None:
        super().__init__(None, read_xml)
        self._values: dict[int, list[tuple[bool, Any]]] = {}
        self._names: dict[int, str] = {}
        self._locales: set[str] = set()
        self._items: list[Any] = []
        for package in table.package:
            for type_ in package.type:
                for entry in type_.entry:
                    rid = (package.package_id.id << 24) | (type_.type_id.id << 16) | entry.entry_id.id
                    self._names[rid] = f"{type_.name}/{entry.name}"
                    for cv in entry.config_value:
                        self._locales.add(_locale(cv.config.locale) if cv.config.locale else "default")
                        default = not cv.config.SerializeToString()
                        self._values.setdefault(rid, []).append((default, cv.value))
                        self._items.extend(_value_items(cv.value))

    @classmethod
    def parse(cls, data: bytes, read_xml: Callable[[str], ET._Element | None]) -> ProtoResourceTable | None:
        """The table from ``resources.pb`` bytes; None when they are not a resource table."""
        table = _parse(data, ResourceTableMessage)
        return cls(table, read_xml) if table is not None else None

    def _value(self, rid: int, hops: int = 0) -> str | None:
        """The value of a resource in the default configuration (else its first), references followed."""
        values = self._values.get(rid)
        if not values or hops > _MAX_REFERENCE_HOPS:
            return None
        value = next((v for default, v in values if default), values[0][1])
        if not value.HasField("item"):
            return None
        item = value.item
        if item.HasField("ref") and item.ref.id and item.ref.id in self._values:
            return self._value(item.ref.id, hops + 1)
        return _item_text(item)

    def resolve(self, value: str) -> str:
        rid = self._reference_id(value)
        resolved = self._value(rid) if rid is not None else None
        return resolved if resolved is not None else value

    def name_of(self, value: str) -> str:
        rid = self._reference_id(value)
        name = self._names.get(rid) if rid is not None else None
        return "@" + name if name else value

    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._locales))

    def strings(self) -> tuple[str, ...]:
        out: set[str] = set()
        for item in self._items:
            for field in ("str", "raw_str", "styled_str"):
                if item.HasField(field):
                    out.add(getattr(item, field).value)
            if item.HasField("styled_str"):
                out.update(span.tag for span in item.styled_str.span)
        return tuple(sorted(s for s in out if s and not s.startswith("res/")))


def _value_items(value: Any) -> Iterator[Any]:
    """Every compiled item of a resource value: the item itself, or those of a style, array or plural."""
    if value.HasField("item"):
        yield value.item
    elif value.HasField("compound_value"):
        compound = value.compound_value
        for kind, field in (("style", "entry"), ("array", "element"), ("plural", "entry")):
            if compound.HasField(kind):
                yield from (e.item for e in getattr(getattr(compound, kind), field) if e.HasField("item"))
