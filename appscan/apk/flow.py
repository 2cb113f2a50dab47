"""Register flow of one method, decoded on demand: which values each invoke's arguments can hold.

The fast dex pass (``dex.py``) keeps only invoke targets and constants, which is all most of the scan needs. Some
questions need to know *what* reaches an argument: which object a virtual call is made on (to dispatch it to the
classes that can really be the receiver, not to every implementor), whether ``getPackageInfo`` is given the app's
own ``getPackageName()``, which Runnable is handed to ``Handler.post``. Decoding every method for that would double
the cost of the scan, so ``FlowIndex.flow`` decodes one method when it is asked, from the dex bytes kept for it,
and caches the answer.

The analysis is flow-insensitive within a method: a register holds the union of every value written to it anywhere
in the method (``move-object`` copies are followed to a fixed point). That over-approximates what a register holds
at one instruction, never under-approximates it, so a receiver narrowed to a set of types really is one of them.
Values are described by where they come from (``Value.kind``):

* ``new``: a ``new-instance`` of ``ref`` (an exact type); ``string``/``class``: a ``const-string``/``const-class``
  (``ref`` is the string or the class descriptor); ``array``: a new array of type ``ref``;
* ``param``: parameter ``ref`` of the method, numbered as smali's ``p`` registers (``"0"`` is ``this`` for
  instance methods, else the first parameter);
* ``result``: what the invoked method ``ref`` returned; ``field``: read from field ``ref`` (smali form);
* ``element`` (read from an array) and ``exception`` (a caught exception): only their static type is known.

Primitive values are not tracked: the verifier guarantees that a register used as an object was last written
with an object.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from appscan.apk.dex import INSN_UNITS, DexTables, read_class_fields

__all__ = ["FlowIndex", "InvokeFlow", "MethodFlow", "Value", "param_types"]

_INVOKE_KIND = {0x6E: "virtual", 0x6F: "super", 0x70: "direct", 0x71: "static", 0x72: "interface",
                0x74: "virtual", 0x75: "super", 0x76: "direct", 0x77: "static", 0x78: "interface",
                0xFA: "polymorphic", 0xFB: "polymorphic"}
_RANGE = frozenset({0x74, 0x75, 0x76, 0x77, 0x78, 0xFB})
_MAX_UNITS = 1 << 20
"""Methods longer than this (2 MB of code) are not decoded: their flow is unknown, never a long stall."""


class Value(NamedTuple):
    """Where a value held in a register comes from (see the module docstring for the kinds)."""

    kind: str
    ref: str


class InvokeFlow(NamedTuple):
    """One invoke instruction: its target and, per argument (receiver first), the values it can be given."""

    callee: str
    kind: str
    args: tuple[frozenset[Value], ...]


class MethodFlow:
    """The register flow of one method. Arguments are put together per invoke only when asked (most questions
    need one argument of one invoke, and a method has many)."""

    __slots__ = ("method", "static", "returns", "field_writes", "_calls", "_registers", "_invokes")

    def __init__(self, method: str, static: bool, calls: list[tuple[str, str, list[int]]],
                 registers: dict[int, frozenset[Value]], returns: frozenset[Value],
                 field_writes: tuple[tuple[str, frozenset[Value]], ...]) -> None:
        self.method = method
        self.static = static
        self.returns = returns
        """What ``return-object`` can return."""
        self.field_writes = field_writes
        """(field, values) of every ``iput-object``/``sput-object``, in code order."""
        self._calls = calls
        self._registers = registers
        self._invokes: tuple[InvokeFlow, ...] | None = None

    def __len__(self) -> int:
        """The number of invokes (every invoke but invoke-custom)."""
        return len(self._calls)

    def callee(self, index: int) -> str:
        """The method the ``index``-th invoke names."""
        return self._calls[index][0]

    def arg(self, index: int, position: int) -> frozenset[Value]:
        """Values of argument ``position`` (the receiver is 0 for non-static calls) of the ``index``-th invoke."""
        callee, kind, regs = self._calls[index]
        if kind != "static" and position == 0:
            reg = regs[0] if regs else -1
        else:
            slots = _slots(param_types(callee))
            at = position - (0 if kind == "static" else 1)
            offset = (0 if kind == "static" else 1) + slots[at] if 0 <= at < len(slots) else len(regs)
            reg = regs[offset] if offset < len(regs) else -1
        return self._registers.get(reg, frozenset())

    @property
    def invokes(self) -> tuple[InvokeFlow, ...]:
        """Every invoke but invoke-custom, in code order: the method's ``call_sites`` without those of kind
        custom, each with the values of its arguments (receiver first for non-static calls)."""
        if self._invokes is None:
            out = []
            for k, (callee, kind, _) in enumerate(self._calls):
                count = len(param_types(callee)) + (0 if kind == "static" else 1)
                out.append(InvokeFlow(callee, kind, tuple(self.arg(k, p) for p in range(count))))
            self._invokes = tuple(out)
        return self._invokes


def param_types(method: str) -> list[str]:
    """The parameter type descriptors of a smali method name: ``(ILjava/lang/String;[B)V`` -> [I, String, [B]."""
    args = method[method.index("(") + 1:method.index(")")]
    out: list[str] = []
    i = 0
    while i < len(args):
        j = i
        while args[j] == "[":
            j += 1
        if args[j] == "L":
            j = args.index(";", j)
        out.append(args[i:j + 1])
        i = j + 1
    return out


def _slots(types: list[str]) -> list[int]:
    """Register offsets of each parameter (long and double take two registers)."""
    out, pos = [], 0
    for t in types:
        out.append(pos)
        pos += 2 if t in ("J", "D") else 1
    return out


class FlowIndex:
    """Where each method's code is, and the flows decoded so far: ``flow(method)`` decodes on first use."""

    def __init__(self) -> None:
        self._dexes: list[tuple[DexTables, memoryview]] = []
        self._where: dict[str, tuple[int, int]] = {}
        self._cache: dict[str, MethodFlow | None] = {}
        self._class_data: dict[str, tuple[int, int]] | None = None
        self._field_flags: dict[str, dict[str, int]] = {}
        self._stores: dict[str, list[str]] = {}

    def add(self, tables: DexTables, code_offsets: dict[str, int], stores: dict[str, tuple[str, ...]]) -> None:
        """Register one dex file's methods (the first definition of a method wins, as at run time) and which of
        them store objects in which fields."""
        for field, methods in stores.items():
            self._stores.setdefault(field, []).extend(methods)
        data = tables.data
        units = memoryview(data)[:len(data) & ~1].cast("H")
        number = len(self._dexes)
        self._dexes.append((tables, units))
        for method, off in code_offsets.items():
            self._where.setdefault(method, (number, off))

    def storing_methods(self, field: str) -> list[str]:
        """The methods with an ``iput-object``/``sput-object`` to ``field``."""
        return self._stores.get(field, [])

    def field_access(self, field: str) -> int | None:
        """The access flags of a field defined in the APK (``Lcls;->name:Type``), None when it is not."""
        cls = field[:field.index("->")]
        flags = self._field_flags.get(cls)
        if flags is None:
            flags = self._field_flags[cls] = self._read_field_flags(cls)
        return flags.get(field)

    def _read_field_flags(self, cls: str) -> dict[str, int]:
        """Every field a class defines, with its access flags (from its class_data item)."""
        if self._class_data is None:
            self._class_data = {}
            for number, (t, _) in enumerate(self._dexes):
                for c in range(t.class_size):
                    cls_idx, data_off = struct.unpack_from("<I20xI", t.data, t.class_off + 32 * c)
                    if data_off:
                        self._class_data.setdefault(t.type(cls_idx), (number, data_off))
        where = self._class_data.get(cls)
        if where is None:
            return {}
        t, _ = self._dexes[where[0]]
        try:
            static, instance = read_class_fields(t.data, where[1])
            return {t.field(idx): flags for idx, flags in (*static, *instance)}
        except (IndexError, ValueError, struct.error, UnicodeError):
            return {}

    def __contains__(self, method: str) -> bool:
        return method in self._where

    def flow(self, method: str) -> MethodFlow | None:
        """The flow of ``method``; None when it has no code in the APK or its code cannot be decoded."""
        if method in self._cache:
            return self._cache[method]
        where = self._where.get(method)
        result = None
        if where is not None:
            tables, units = self._dexes[where[0]]
            try:
                result = _decode(method, tables, units, where[1])
            except (IndexError, ValueError, struct.error, UnicodeError):
                result = None  # the fast pass read this method; a table it names may still be unreadable
        self._cache[method] = result
        return result


def _decode(method: str, t: DexTables, units: memoryview, code_off: int) -> MethodFlow | None:
    """Decode one method's code_item into its ``MethodFlow``."""
    registers, ins = struct.unpack_from("<HH", t.data, code_off)
    (size,) = struct.unpack_from("<I", t.data, code_off + 12)
    if size > _MAX_UNITS:
        return None
    start = (code_off + 16) // 2
    end = start + size
    values: dict[int, set[Value]] = {}
    copies: list[tuple[int, int]] = []
    params = param_types(method)
    slots = _slots(params)
    words = (slots[-1] + (2 if params[-1] in ("J", "D") else 1)) if params else 0
    static = ins == words
    first = registers - ins
    if not static:
        values.setdefault(first, set()).add(Value("param", "0"))
    for n, (typ, slot) in enumerate(zip(params, slots)):
        if typ[0] in "L[":
            values.setdefault(first + (0 if static else 1) + slot, set()).add(Value("param", str(n + (0 if static
                                                                                                          else 1))))
    invokes: list[tuple[str, str, list[int]]] = []
    returns: list[int] = []
    writes: list[tuple[str, int]] = []
    last_result: Value | None = None

    def put(reg: int, value: Value) -> None:
        values.setdefault(reg, set()).add(value)

    i = start
    while i < end:
        u = units[i]
        op = u & 0xFF
        result = None
        if op in _INVOKE_KIND:
            callee = t.method(units[i + 1])
            if op in _RANGE:
                regs = list(range(units[i + 2], units[i + 2] + (u >> 8)))
            else:
                count, packed = u >> 12, units[i + 2]
                regs = [(packed >> (4 * k)) & 0xF for k in range(min(count, 4))]
                if count == 5:
                    regs.append((u >> 8) & 0xF)
            invokes.append((callee, _INVOKE_KIND[op], regs))
            result = Value("result", callee)
        elif op == 0x0C:
            if last_result is not None:
                put(u >> 8, last_result)
        elif op == 0x07:
            copies.append(((u >> 8) & 0xF, u >> 12))
        elif op == 0x08:
            copies.append((u >> 8, units[i + 1]))
        elif op == 0x09:
            copies.append((units[i + 1], units[i + 2]))
        elif op == 0x22:
            put(u >> 8, Value("new", t.type(units[i + 1])))
        elif op == 0x1A:
            put(u >> 8, Value("string", t.string(units[i + 1])))
        elif op == 0x1B:
            put(u >> 8, Value("string", t.string(units[i + 1] | (units[i + 2] << 16))))
        elif op == 0x1C:
            put(u >> 8, Value("class", t.type(units[i + 1])))
        elif op == 0x54:
            put((u >> 8) & 0xF, Value("field", t.field(units[i + 1])))
        elif op == 0x62:
            put(u >> 8, Value("field", t.field(units[i + 1])))
        elif op == 0x5B:
            writes.append((t.field(units[i + 1]), (u >> 8) & 0xF))
        elif op == 0x69:
            writes.append((t.field(units[i + 1]), u >> 8))
        elif op == 0x11:
            returns.append(u >> 8)
        elif op == 0x23:
            put((u >> 8) & 0xF, Value("array", t.type(units[i + 1])))
        elif op in (0x24, 0x25):
            result = Value("array", t.type(units[i + 1]))
        elif op == 0x46:
            put(u >> 8, Value("element", ""))
        elif op == 0x0D:
            put(u >> 8, Value("exception", ""))
        elif op == 0x00 and u in (0x0100, 0x0200, 0x0300):  # payloads of switch and fill-array-data
            if u == 0x0100:
                i += units[i + 1] * 2 + 4
            elif u == 0x0200:
                i += units[i + 1] * 4 + 2
            else:
                i += ((units[i + 2] | (units[i + 3] << 16)) * units[i + 1] + 1) // 2 + 4
            continue
        last_result = result
        i += INSN_UNITS[op]
    _close(values, copies)
    registers = {r: frozenset(v) for r, v in values.items()}
    empty: frozenset[Value] = frozenset()
    ret = frozenset(v for r in returns for v in registers.get(r, ()))
    return MethodFlow(method, static, invokes, registers, ret,
                      tuple((f, registers.get(r, empty)) for f, r in writes))


def _close(values: dict[int, set[Value]], copies: list[tuple[int, int]]) -> None:
    """Follow ``move-object`` copies until no register gains a value."""
    if not copies:
        return
    changed = True
    rounds = 0
    while changed and rounds < 64:
        changed = False
        rounds += 1
        for dst, src in copies:
            got = values.get(src)
            if got:
                have = values.setdefault(dst, set())
                if not got <= have:
                    have |= got
                    changed = True
