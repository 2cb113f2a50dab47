"""A narrow, fast reader of dex files: class definitions, invoke targets, string constants, static field reads.

Why not androguard's ``DEX``/``Analysis``: they decode every instruction into objects and build cross-references
for everything, which costs seconds and hundreds of MB on a large app. appscan needs only the dex tables, the
targets of invoke instructions and the values of const-string, so this module steps through each method's code
units with an opcode-length table and keeps only those. ``tests/apk/test_dex_fidelity.py`` holds it against androguard's
own disassembly (same call sites, same strings) on every corpus APK.

Format reference: the Dalvik executable format and bytecode tables of the Android Open Source Project.
"""

from __future__ import annotations

import hashlib
import struct
import sys
import zlib
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from appscan.model import DUMP_HEADER_NOTE, CallSite

__all__ = ["DexFormatError", "DexCode", "DexTables", "INSN_UNITS", "MAX_CALL_SITES", "parse_dex", "read_class_fields",
           "repair_header", "uleb128"]

_NO_INDEX = 0xFFFFFFFF
_site = tuple.__new__
"""Builds a ``CallSite`` without NamedTuple's argument handling (hundreds of thousands per large app)."""

if sys.byteorder != "little":  # pragma: no cover - code units are read in native order
    raise ImportError("appscan's dex reader needs a little-endian host")

# Instruction length in 16-bit code units, by opcode (unused opcodes are one unit, format 10x).
INSN_UNITS = [1] * 256
for _op, _n in {
    0x02: 2, 0x03: 3, 0x05: 2, 0x06: 3, 0x08: 2, 0x09: 3,
    0x13: 2, 0x14: 3, 0x15: 2, 0x16: 2, 0x17: 3, 0x18: 5, 0x19: 2, 0x1A: 2, 0x1B: 3, 0x1C: 2,
    0x1F: 2, 0x20: 2, 0x22: 2, 0x23: 2, 0x24: 3, 0x25: 3, 0x26: 3, 0x29: 2, 0x2A: 3, 0x2B: 3, 0x2C: 3,
    0xFA: 4, 0xFB: 4, 0xFC: 3, 0xFD: 3, 0xFE: 2, 0xFF: 2,
}.items():
    INSN_UNITS[_op] = _n
for _lo, _hi, _n in ((0x2D, 0x3D, 2), (0x44, 0x6D, 2), (0x6E, 0x72, 3), (0x74, 0x78, 3), (0x90, 0xAF, 2),
                     (0xD0, 0xE2, 2)):
    for _op in range(_lo, _hi + 1):
        INSN_UNITS[_op] = _n

# What the code walk does with an opcode: 0 nothing, 1 invoke of a method id, 2 const-string, 3 const-string/jumbo,
# 4 nop (may start a payload), 5 sget of a field, 6 invoke-custom (call-site id), 7 move-result-object (the register
# no longer holds a string constant), 8 const-class, 9 iput-object/sput-object (a store of an object in a field).
_ACT = [0] * 256
_ACT[0x00] = 4
_ACT[0x1A] = 2
_ACT[0x1B] = 3
_ACT[0x0C] = 7
_ACT[0x1C] = 8
for _op in (*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB):
    _ACT[_op] = 1
for _op in range(0x60, 0x67):
    _ACT[_op] = 5
_ACT[0xFC] = _ACT[0xFD] = 6
_ACT[0x5B] = _ACT[0x69] = 9

_KIND = {
    0x6E: "virtual", 0x6F: "super", 0x70: "direct", 0x71: "static", 0x72: "interface",
    0x74: "virtual", 0x75: "super", 0x76: "direct", 0x77: "static", 0x78: "interface",
    0xFA: "polymorphic", 0xFB: "polymorphic", 0xFC: "custom", 0xFD: "custom",
}

# Reflection entry points whose string arguments name a class or a member (``Class.forName("...")``).
_REFLECTIVE = {("Ljava/lang/Class;", "forName"), ("Ljava/lang/ClassLoader;", "loadClass"),
               ("Ljava/lang/Class;", "getMethod"), ("Ljava/lang/Class;", "getDeclaredMethod"),
               ("Ljava/lang/Class;", "getField"), ("Ljava/lang/Class;", "getDeclaredField"),
               ("Ldalvik/system/DexClassLoader;", "loadClass"), ("Ldalvik/system/PathClassLoader;", "loadClass")}

_ID_TABLES = (("string_ids", 4), ("type_ids", 4), ("proto_ids", 12), ("field_ids", 8), ("method_ids", 8),
              ("class_defs", 32))
"""The id tables of the header (0x38-0x67), in order, with their entry width."""
_BAD_REF = (IndexError, struct.error, ValueError, UnicodeError, OverflowError)
"""What resolving an id that points outside its table (or at garbage) raises."""

# Static fields worth keeping as facts (device identifiers such as Build.SERIAL live in platform classes).
_FIELD_PREFIXES = ("Landroid/", "Ljava/")


class DexFormatError(ValueError):
    """The bytes are not a well-formed dex file (or a table points outside it)."""


@dataclass(frozen=True, slots=True)
class DexClass:
    """A class defined in the dex, as read from its class_def and class_data items."""

    name: str
    superclass: str | None
    interfaces: tuple[str, ...]
    access_flags: int
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DexCode:
    """What ``parse_dex`` returns for one dex file."""

    classes: tuple[DexClass, ...]
    call_sites: list[CallSite]
    """(caller, callee, kind) per invoke instruction, in code order."""
    strings: dict[str, tuple[str, ...]]
    """Per method, its const-string values in code order, duplicates removed (methods without any are absent)."""
    field_reads: list[CallSite]
    """(caller, field, "sget") for static reads of android/ and java/ fields."""
    reflection: set[str]
    """String constants passed (in a register) to Class.forName, getMethod, getDeclaredField and the like."""
    const_classes: dict[str, tuple[str, ...]]
    """Per method, the classes of its const-class instructions (``Foo.class``), in code order, no duplicates."""
    method_count: int
    string_count: int
    tables: DexTables
    """The id tables, kept so that methods can be decoded again later (register flow, on demand)."""
    code_offsets: dict[str, int]
    """Per method with code, the offset of its code_item (what ``appscan.apk.flow`` decodes)."""
    object_stores: dict[str, tuple[str, ...]]
    """Per field (smali), the methods that store an object in it (``iput-object``/``sput-object``): where the
    register flow looks for what a field can hold, without decoding whole classes."""
    version_constants: dict[str, str]
    """Static String constants whose field (or class) name says version, and those of ``BuildConfig`` classes:
    smali field -> value."""
    bad_references: int = 0
    """Instruction operands (method, string, type, field, call-site ids) outside the dex's tables, left out."""
    truncated: bool = False
    """The code walk stopped at ``MAX_CALL_SITES``: later methods' code was not read."""
    skipped: tuple[str, ...] = ()
    """Lenient reading only (``parse_dex(..., lenient=True)``): one line per class left out because its data lies
    outside the file or is garbage, and per id table cut short."""


def uleb128(data: bytes, pos: int) -> tuple[int, int]:
    """Decode an unsigned LEB128 at ``pos``; return (value, next position)."""
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 35:
            raise DexFormatError("bad uleb128")


def _decode_mutf8(raw: bytes) -> str:
    """Decode Modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class DexTables:
    """Lazy, cached views of the dex id tables (strings, types, protos, methods, fields); also what
    ``appscan.apk.flow`` names instructions with when it decodes a method on demand."""

    def __init__(self, data: bytes, lenient: bool = False) -> None:
        """``lenient`` (a dumped dex) cuts an id table running past the end of the file to the entries that fit, and
        drops one that starts inside the header, each said in ``cut``; otherwise either is a ``DexFormatError``."""
        if len(data) < 0x70 or data[:4] != b"dex\n":
            raise DexFormatError("not a dex file (bad magic)")
        sizes = list(struct.unpack_from("<12I", data, 0x38))
        self.cut: list[str] = []
        for k, (name, width) in enumerate(_ID_TABLES):
            size, off = sizes[2 * k], sizes[2 * k + 1]
            if not size or (off >= 0x70 and off + size * width <= len(data)):
                continue
            if not lenient:
                raise DexFormatError("an id table lies outside the file")
            fits = max(0, (len(data) - off) // width) if off >= 0x70 else 0
            self.cut.append(f"{name} table runs past the end of the file: {fits} of its {size} entries read")
            sizes[2 * k] = fits
        (self.string_size, self.string_off, self.type_size, self.type_off, self.proto_size, self.proto_off,
         self.field_size, self.field_off, self.method_size, self.method_off, self.class_size,
         self.class_off) = sizes
        self.data = data
        view = memoryview(data)
        # Id tables as native arrays: one index per lookup instead of a struct call (the hot path of naming).
        self._string_offs = view[self.string_off:self.string_off + 4 * self.string_size].cast("I")
        self._type_ids = view[self.type_off:self.type_off + 4 * self.type_size].cast("I")
        self._method_ids = view[self.method_off:self.method_off + 8 * self.method_size].cast("H")
        self._strings: list[str | None] = [None] * self.string_size
        self._types: list[str | None] = [None] * self.type_size
        self._protos: list[str | None] = [None] * self.proto_size
        self._methods: list[str | None] = [None] * self.method_size
        self._fields: list[str | None] = [None] * self.field_size
        self._sections: dict[int, int] | None = None

    def string(self, idx: int) -> str:
        """The string with this string id."""
        s = self._strings[idx]
        if s is None:
            data = self.data
            off = self._string_offs[idx]
            start = off + 1
            while data[start - 1] & 0x80:  # skip the uleb128 utf16 length
                start += 1
            end = data.index(b"\x00", start)
            s = self._strings[idx] = _decode_mutf8(data[start:end])
        return s

    def type(self, idx: int) -> str:
        """The descriptor of this type id (``Lcom/foo/Bar;``, ``I``, ``[B``)."""
        t = self._types[idx]
        if t is None:
            t = self._types[idx] = sys.intern(self.string(self._type_ids[idx]))
        return t

    def _type_list(self, off: int) -> tuple[str, ...]:
        """The types of a type_list item (0 means an empty list)."""
        if not off:
            return ()
        (n,) = struct.unpack_from("<I", self.data, off)
        return tuple(self.type(i) for i in struct.unpack_from(f"<{n}H", self.data, off + 4))

    def proto(self, idx: int) -> str:
        """The ``(Args)Ret`` part of a method signature."""
        p = self._protos[idx]
        if p is None:
            _, ret, params = struct.unpack_from("<3I", self.data, self.proto_off + 12 * idx)
            p = self._protos[idx] = f"({''.join(self._type_list(params))}){self.type(ret)}"
        return p

    def method(self, idx: int) -> str:
        """The smali name ``Lcls;->name(Args)Ret`` of this method id."""
        m = self._methods[idx]
        if m is None:
            ids = self._method_ids
            cls, proto, name = ids[4 * idx], ids[4 * idx + 1], ids[4 * idx + 2] | (ids[4 * idx + 3] << 16)
            m = self._methods[idx] = sys.intern(f"{self.type(cls)}->{self.string(name)}{self.proto(proto)}")
        return m

    def field(self, idx: int) -> str:
        """The smali name ``Lcls;->name:Type`` of this field id."""
        f = self._fields[idx]
        if f is None:
            cls, typ, name = struct.unpack_from("<HHI", self.data, self.field_off + 8 * idx)
            f = self._fields[idx] = sys.intern(f"{self.type(cls)}->{self.string(name)}:{self.type(typ)}")
        return f

    def reflective_method_ids(self) -> frozenset[int]:
        """Ids of the methods in ``_REFLECTIVE`` (read from the method table once per dex). A type or name that
        cannot be read (a damaged dump) is simply not one of them."""
        owners = {owner for owner, _ in _REFLECTIVE}
        owner_types = {i for i in range(self.type_size) if self._try(self.type, i) in owners}
        ids = self._method_ids
        out = []
        for idx in range(self.method_size):
            cls = ids[4 * idx]
            if cls in owner_types and (
                    self.type(cls), self._try(self.string, ids[4 * idx + 2] | (ids[4 * idx + 3] << 16))) in _REFLECTIVE:
                out.append(idx)
        return frozenset(out)

    @staticmethod
    def _try(read: Callable[[int], str], idx: int) -> str | None:
        """``read(idx)``, None when the id or the bytes it points at are out of bounds or garbage."""
        try:
            return read(idx)
        except _BAD_REF:
            return None

    def call_site_target(self, idx: int) -> str:
        """The bootstrap method of an invoke-custom call site (what a lambda or string concat resolves through)."""
        data = self.data
        sites = self._map_item(0x0007)
        handles = self._map_item(0x0008)
        if sites is None or handles is None:
            raise DexFormatError("invoke-custom without call-site tables")
        (site_off,) = struct.unpack_from("<I", data, sites + 4 * idx)
        _, pos = uleb128(data, site_off)
        header = data[pos]
        if header & 0x1F != 0x16:
            raise DexFormatError("call site does not start with a method handle")
        width = (header >> 5) + 1
        handle = int.from_bytes(data[pos + 1:pos + 1 + width], "little")
        _, _, member, _ = struct.unpack_from("<4H", data, handles + 8 * handle)
        return self.method(member)

    def _map_item(self, type_code: int) -> int | None:
        """Offset of the map-list section of this type, or None (also when the map list is missing or garbage).

        The map list is read once, and only as far as the file reaches: its size field may claim billions of
        entries (dumpers leave garbage there), and only invoke-custom resolution depends on it.
        """
        if self._sections is None:
            self._sections = {}
            data = self.data
            (map_off,) = struct.unpack_from("<I", data, 0x34)
            if 0x70 <= map_off <= len(data) - 4:
                (n,) = struct.unpack_from("<I", data, map_off)
                for i in range(min(n, (len(data) - map_off - 4) // 12)):
                    code, _, _, off = struct.unpack_from("<HHII", data, map_off + 4 + 12 * i)
                    self._sections.setdefault(code, off)
        return self._sections.get(type_code)


def read_class_fields(data: bytes, off: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(field id, access flags) of the static fields and of the instance fields of a class_data item."""
    n_static, pos = uleb128(data, off)
    n_instance, pos = uleb128(data, pos)
    _, pos = uleb128(data, pos)
    _, pos = uleb128(data, pos)
    lists: list[list[tuple[int, int]]] = []
    for count in (n_static, n_instance):
        idx = 0
        fields: list[tuple[int, int]] = []
        for _ in range(count):
            diff, pos = uleb128(data, pos)
            flags, pos = uleb128(data, pos)
            idx += diff
            fields.append((idx, flags))
        lists.append(fields)
    return lists[0], lists[1]


def _read_class_data(data: bytes, off: int) -> list[tuple[int, int]]:
    """(method id, code offset) of every direct and virtual method of a class_data item."""
    n_static, pos = uleb128(data, off)
    n_instance, pos = uleb128(data, pos)
    n_direct, pos = uleb128(data, pos)
    n_virtual, pos = uleb128(data, pos)
    for _ in range(2 * (n_static + n_instance)):
        _, pos = uleb128(data, pos)
    methods: list[tuple[int, int]] = []
    for count in (n_direct, n_virtual):
        idx = 0
        for _ in range(count):
            diff, pos = uleb128(data, pos)
            _, pos = uleb128(data, pos)
            code_off, pos = uleb128(data, pos)
            idx += diff
            methods.append((idx, code_off))
    return methods


def _invoke_registers(units: memoryview, i: int, op: int) -> list[int]:
    """The argument registers of the invoke instruction at ``i`` (formats 35c and 3rc)."""
    u = units[i]
    if 0x74 <= op <= 0x78:
        first = units[i + 2]
        return list(range(first, first + (u >> 8)))
    count = u >> 12
    packed = units[i + 2]
    regs = [(packed >> (4 * k)) & 0xF for k in range(min(count, 4))]
    if count == 5:
        regs.append((u >> 8) & 0xF)
    return regs


def _walk_code(units: memoryview, start: int, end: int, sink_invoke: list[tuple[int, int]],
               sink_string: list[int], sink_field: list[int], sink_custom: list[int],
               reflective: frozenset[int], sink_reflection: list[int], sink_class: list[int],
               sink_store: list[int]) -> None:
    """Step through one method's instructions, collecting invoke targets, string ids and static field ids.

    Which string constant each register holds is tracked just enough to tell which strings reach a reflective
    call (``Class.forName``, ``getMethod``...). This loop is the hot path of the whole scanner: keep it flat.
    """
    act_table = _ACT
    len_table = INSN_UNITS
    held: dict[int, int] = {}
    i = start
    while i < end:
        u = units[i]
        op = u & 0xFF
        act = act_table[op]
        if act:
            if act == 1:
                target = units[i + 1]
                sink_invoke.append((target, op))
                if target in reflective and held:
                    sink_reflection.extend(held[r] for r in _invoke_registers(units, i, op) if r in held)
            elif act == 7:
                held.pop(u >> 8, None)
            elif act == 2:
                sink_string.append(units[i + 1])
                held[u >> 8] = units[i + 1]
            elif act == 5:
                sink_field.append(units[i + 1])
            elif act == 3:
                sink_string.append(units[i + 1] | (units[i + 2] << 16))
                held[u >> 8] = units[i + 1] | (units[i + 2] << 16)
            elif act == 6:
                sink_custom.append(units[i + 1])
            elif act == 8:
                sink_class.append(units[i + 1])
            elif act == 9:
                sink_store.append(units[i + 1])
            elif u == 0x0100:  # packed-switch payload
                i += units[i + 1] * 2 + 4
                continue
            elif u == 0x0200:  # sparse-switch payload
                i += units[i + 1] * 4 + 2
                continue
            elif u == 0x0300:  # fill-array-data payload
                width = units[i + 1]
                size = units[i + 2] | (units[i + 3] << 16)
                i += (size * width + 1) // 2 + 4
                continue
        i += len_table[op]


_VERSION_WORDS = (b"ersion", b"ERSION")
"""How a name says "version" in the casings code uses (version, Version, VERSION)."""
_STRING_VALUE = 0x17
_ARRAY_VALUE = 0x1C
_ANNOTATION_VALUE = 0x1D
_EMPTY_VALUES = (0x1E, 0x1F)
"""Encoded value types with no payload bytes (null, boolean)."""


def _says_version(name: str) -> bool:
    """Whether a decoded name holds one of ``_VERSION_WORDS``."""
    return "ersion" in name or "ERSION" in name


def _skip_value(data: bytes, pos: int) -> int:
    """The position after the encoded_value at ``pos`` (arrays and annotations skipped recursively)."""
    header = data[pos]
    kind, arg = header & 0x1F, header >> 5
    pos += 1
    if kind == _ARRAY_VALUE:
        size, pos = uleb128(data, pos)
        for _ in range(size):
            pos = _skip_value(data, pos)
        return pos
    if kind == _ANNOTATION_VALUE:
        _, pos = uleb128(data, pos)
        size, pos = uleb128(data, pos)
        for _ in range(size):
            _, pos = uleb128(data, pos)
            pos = _skip_value(data, pos)
        return pos
    return pos if kind in _EMPTY_VALUES else pos + arg + 1


class _VersionConstants:
    """Reads the values of static String fields whose name says "version", for SDK version detection.

    A compile-time constant (``static final String VERSION_NAME = "1.2.3"``, a ``BuildConfig`` field, Kotlin
    ``const val``) is no const-string instruction: its value is in the class_def's static_values array. Only
    fields named like a version, and every String of a class named like one (``FacebookSdkVersion.BUILD``) or of a
    ``BuildConfig`` (whose ``APPLICATION_ID`` tells the app's own module from a library's), are kept, so the facts
    stay small. They are found by searching the raw string data for "ersion"/"ERSION" rather than by
    decoding every field name (tens of ms on a large dex); a hit is mapped back to its string id by bisection,
    which relies on string data being laid out in id order, as every dex writer does.
    """

    def __init__(self, t: DexTables) -> None:
        self.t = t
        self.names = self._version_string_ids()
        self.by_class: dict[int, set[int]] = {}
        """Class type id -> ids of its fields whose name says version."""
        if self.names:
            view = memoryview(t.data)[t.field_off:t.field_off + 8 * t.field_size].cast("I")
            for i, name in enumerate(view[1::2]):
                if name in self.names:
                    self.by_class.setdefault(view[2 * i] & 0xFFFF, set()).add(i)

    def _version_string_ids(self) -> frozenset[int]:
        """Ids of the strings holding "version" in any of ``_VERSION_WORDS``' casings."""
        t = self.t
        offs = t._string_offs
        if not len(offs):
            return frozenset()
        data = t.data
        start = offs[0]
        ids: set[int] = set()
        for word in _VERSION_WORDS:
            hit = data.find(word, start)
            while hit != -1:
                item = max(start, data.rfind(b"\x00", start, hit) + 1)  # strings hold no NUL (MUTF-8)
                k = bisect_left(offs, item)
                if k < len(offs) and offs[k] == item:
                    ids.add(k)
                hit = data.find(word, hit + len(word))
        return frozenset(ids)

    def read(self, cls_idx: int, data_off: int, values_off: int, out: dict[str, str]) -> None:
        """Add ``field -> value`` for the class's version-named static String constants to ``out``.

        A malformed static_values array only loses these values: it is not code, and the rest of the dex stays
        readable.
        """
        t = self.t
        wanted = self.by_class.get(cls_idx, ())
        simple = t.type(cls_idx).rpartition("/")[2]
        whole = simple == "BuildConfig;" or (t._type_ids[cls_idx] in self.names and _says_version(simple))
        if not (wanted or whole):
            return
        data = t.data
        try:
            field_ids = [idx for idx, _ in read_class_fields(data, data_off)[0]]
            size, pos = uleb128(data, values_off)
            for k in range(min(size, len(field_ids))):
                header = data[pos]
                if header & 0x1F == _STRING_VALUE and (whole or field_ids[k] in wanted):
                    width = (header >> 5) + 1
                    value = int.from_bytes(data[pos + 1:pos + 1 + width], "little")
                    out[t.field(field_ids[k])] = t.string(value)
                pos = _skip_value(data, pos)
        except (IndexError, DexFormatError, struct.error, UnicodeError):
            return


def parse_dex(data: bytes, lenient: bool = False) -> DexCode:
    """Read one dex file. Raises ``DexFormatError`` when it is malformed anywhere.

    ``lenient`` is for dex files dumped from a running app (``repair_header`` first): a class whose class_data,
    code, name or interfaces lie outside the file or are garbage is left out and listed in ``DexCode.skipped``, and
    an id table cut short by a truncated dump is read as far as it goes, instead of the whole file being refused.
    An APK's own dex is read strictly: Android refuses such a file as a whole, so its code never runs.
    """
    try:
        return _parse(data, lenient)
    except (struct.error, IndexError, ValueError, UnicodeError, OverflowError) as exc:
        if isinstance(exc, DexFormatError):
            raise
        raise DexFormatError(f"malformed dex: {exc}") from exc


_CHECKED = 0x70
"""Header bytes the repair looks at (the whole header)."""
_ENDIAN_TAG = 0x12345678


def repair_header(data: bytes) -> tuple[bytes, list[str]]:
    """A dumped dex with the header fields dumpers get wrong repaired from the rest of the header, and one line
    per repair (or per mismatch noticed) for the scan's ``incomplete`` list, each starting with
    ``DUMP_HEADER_NOTE``: the file is still read in full.

    frida-dexdump, FART and BlackDex copy a dex out of memory, where the packer may have zeroed or scrambled the
    magic, checksum, signature, file_size, header_size and endian tag: none of them is needed to read the tables.
    The checksum and signature are checked against the content (a mismatch is said, and the file still read); the
    length is the file's own; the map list is never needed (``DexTables._map_item`` ignores a garbage one). Without
    the magic, the file counts as a dex only when its string table lies right after the header and inside the
    file, as every dex writer lays it out: zeros or random bytes are refused with ``DexFormatError``.
    """
    if len(data) < _CHECKED:
        raise DexFormatError(f"{len(data)} bytes: shorter than a dex header")
    notes: list[str] = []
    magic = data[:8]
    checksum, file_size, header_size, endian, _, _, map_off, string_size, string_off = struct.unpack_from(
        "<I20x8I", data, 8)
    if not (magic[:4] == b"dex\n" and magic[4:7].isdigit() and magic[7] == 0):
        if not (string_size and string_off == _CHECKED and string_off + 4 * string_size <= len(data)):
            raise DexFormatError("not a dex file (no dex magic, and no string table after a dex header)")
        notes.append(f"{DUMP_HEADER_NOTE}magic {magic.hex()} replaced by dex 035")
        magic = b"dex\n035\x00"
    mismatched = [name for name, bad in (("checksum", checksum != zlib.adler32(data[12:])),
                                         ("signature", data[12:32] != hashlib.sha1(data[32:]).digest())) if bad]
    if mismatched:
        verb = "does" if len(mismatched) == 1 else "do"
        notes.append(f"{DUMP_HEADER_NOTE}{' and '.join(mismatched)} {verb} not match the content (rewritten by "
                     "the dumper or damaged): read anyway")
    if file_size != len(data):
        notes.append(f"{DUMP_HEADER_NOTE}file_size {file_size} replaced by the file's length, {len(data)} bytes")
    if header_size != _CHECKED:
        notes.append(f"{DUMP_HEADER_NOTE}header_size {header_size} read as 112")
    if endian != _ENDIAN_TAG:
        notes.append(f"{DUMP_HEADER_NOTE}endian tag 0x{endian:08x} read as little-endian")
    if map_off and not 0x70 <= map_off <= len(data) - 4:
        notes.append(f"{DUMP_HEADER_NOTE}map_off 0x{map_off:x} points outside the file: the map list is ignored")
    elif map_off and struct.unpack_from("<I", data, map_off)[0] * 12 > len(data) - map_off - 4:
        notes.append(f"{DUMP_HEADER_NOTE}the map list claims more entries than the file holds: read as far as it goes")
    header = magic + data[8:32] + struct.pack("<III", len(data), _CHECKED, _ENDIAN_TAG)
    return (header + data[44:] if header != data[:44] else data), notes


MAX_CALL_SITES = 3_000_000
"""Call sites read from one dex at most (the largest real dex files hold a few hundred thousand). Methods may share
one code item, so a 4 KB file can name billions: past this the rest of the file's code is not walked."""


def _resolved(refs: Iterable[Any], resolve: Callable[[Any], Any], bad: list[int]) -> list[Any]:
    """Each reference resolved, those that cannot be left out and counted in ``bad[0]``. One out-of-range index in
    one instruction must not hide the whole dex: the verifier rejects only the class holding it, and a file that hid
    every call behind one bad index would evade analysis."""
    out = []
    for ref in refs:
        try:
            out.append(resolve(ref))
        except _BAD_REF:
            bad[0] += 1
    return out


def _parse(data: bytes, lenient: bool) -> DexCode:
    """The body of ``parse_dex``; any index or struct error escaping it means a malformed file."""
    t = DexTables(data, lenient)
    usable = len(data) & ~1
    units = memoryview(data)[:usable].cast("H")  # native order: little-endian hosts only (checked at import)

    classes: list[DexClass] = []
    call_sites: list[CallSite] = []
    field_reads: list[CallSite] = []
    strings: dict[str, tuple[str, ...]] = {}
    method_count = 0
    invokes: list[tuple[int, int]] = []
    consts: list[int] = []
    fields: list[int] = []
    customs: list[int] = []
    reflective = t.reflective_method_ids()
    reflected: list[int] = []
    class_refs: list[int] = []
    const_classes: dict[str, tuple[str, ...]] = {}
    code_offsets: dict[str, int] = {}
    stores: list[int] = []
    store_log: list[tuple[int, str]] = []
    versions = _VersionConstants(t)
    version_constants: dict[str, str] = {}
    bad = [0]
    cut = False
    skipped = list(t.cut)
    bad_data: dict[int, str] = {}
    """Lenient: class_data offsets already found unreadable, so that classes sharing one garbage item cost one read."""
    for c in range(t.class_size):
        cls_idx, access, super_idx, ifaces_off, _, _, data_off, values_off = struct.unpack_from(
            "<8I", data, t.class_off + 32 * c)
        marks = (len(call_sites), len(field_reads), len(store_log), len(reflected), bad[0])
        defined: list[str] = []
        try:
            if data_off in bad_data:
                raise DexFormatError(bad_data[data_off])
            if data_off >= len(data):
                raise DexFormatError(f"its class_data offset 0x{data_off:x} lies past the end of the file")
            name = t.type(cls_idx)
            superclass = None if super_idx == _NO_INDEX else t.type(super_idx)
            interfaces = t._type_list(ifaces_off)
            for midx, code_off in _read_class_data(data, data_off) if data_off else ():
                caller = t.method(midx)
                defined.append(caller)
                if not code_off or cut:
                    continue
                (insns,) = struct.unpack_from("<I", data, code_off + 12)
                start = (code_off + 16) // 2
                if (code_off & 1) or start + insns > len(units):
                    raise DexFormatError(f"code of {caller} lies outside the file")
                code_offsets[caller] = code_off
                _walk_code(units, start, start + insns, invokes, consts, fields, customs, reflective, reflected,
                           class_refs, stores)
                if stores:
                    store_log.extend((f, caller) for f in set(stores) if f < t.field_size)
                    stores.clear()
                if invokes:
                    try:
                        call_sites.extend([_site(CallSite, (caller, t.method(m), _KIND[op])) for m, op in invokes])
                    except _BAD_REF:
                        call_sites.extend(_site(CallSite, (caller, callee, _KIND[op])) for callee, op in
                                          _resolved(invokes, lambda invoke: (t.method(invoke[0]), invoke[1]), bad))
                    invokes.clear()
                    cut = len(call_sites) > MAX_CALL_SITES
                if customs:
                    call_sites.extend(_site(CallSite, (caller, target, "custom"))
                                      for target in _resolved(customs, t.call_site_target, bad))
                    customs.clear()
                if consts:
                    strings[caller] = tuple(dict.fromkeys(_resolved(consts, t.string, bad)))
                    consts.clear()
                if class_refs:
                    const_classes[caller] = tuple(dict.fromkeys(_resolved(class_refs, t.type, bad)))
                    class_refs.clear()
                if fields:
                    field_reads.extend(_site(CallSite, (caller, target, "sget"))
                                       for target in _resolved(fields, t.field, bad)
                                       if target.startswith(_FIELD_PREFIXES))
                    fields.clear()
        except _BAD_REF as exc:
            if not lenient:
                raise
            reason = str(exc) if isinstance(exc, DexFormatError) else f"unreadable class data ({exc})"
            if data_off:
                bad_data.setdefault(data_off, reason)
            skipped.append(f"class {t._try(t.type, cls_idx) or f'class_defs[{c}]'} skipped: {reason}")
            _roll_back(marks, defined, (call_sites, field_reads, store_log, reflected), (strings, const_classes,
                       code_offsets), (invokes, consts, fields, customs, class_refs, stores))
            bad[0] = marks[-1]
            continue
        if values_off and data_off:
            versions.read(cls_idx, data_off, values_off, version_constants)
        method_count += len(defined)
        classes.append(DexClass(name, superclass, interfaces, access, tuple(defined)))
    if lenient and skipped and not classes:
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise DexFormatError(f"nothing readable: {skipped[0]}{more}")
    store_ids: dict[str, list[str]] = {}
    for f, caller in store_log:
        if (field := t._try(t.field, f)) is not None:
            store_ids.setdefault(field, []).append(caller)
    return DexCode(tuple(classes), call_sites, strings, field_reads, set(_resolved(reflected, t.string, [0])),
                   const_classes, method_count, t.string_size, t, code_offsets,
                   {f: tuple(methods) for f, methods in store_ids.items()}, version_constants, bad[0], cut,
                   tuple(skipped))


def _roll_back(marks: tuple[int, ...], methods: list[str], lists: tuple[list[Any], ...],
               maps: tuple[dict[str, Any], ...], buffers: tuple[list[Any], ...]) -> None:
    """Undo what a class left out by a lenient read had added before its bad data was met: the lists cut back to
    their lengths before it (``marks``), its methods' entries taken out of the maps, the walk's buffers emptied."""
    for items, mark in zip(lists, marks, strict=False):
        del items[mark:]
    for mapping in maps:
        for method in methods:
            mapping.pop(method, None)
    for buffer in buffers:
        buffer.clear()
