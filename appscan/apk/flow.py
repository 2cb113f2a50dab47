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
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from appscan.apk.dex import INSN_UNITS, DexTables, read_class_fields, uleb128

__all__ = ["Feasible", "FlowIndex", "InvokeFlow", "MethodFlow", "Value", "param_types"]

_INVOKE_KIND = {0x6E: "virtual", 0x6F: "super", 0x70: "direct", 0x71: "static", 0x72: "interface",
                0x74: "virtual", 0x75: "super", 0x76: "direct", 0x77: "static", 0x78: "interface",
                0xFA: "polymorphic", 0xFB: "polymorphic"}
_RANGE = frozenset({0x74, 0x75, 0x76, 0x77, 0x78, 0xFB})
_EMPTY: frozenset[Value] = frozenset()
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


class Feasible(NamedTuple):
    """What can run in one method when some of its invokes never return normally (see ``MethodFlow.feasible``)."""

    invokes: frozenset[int]
    """Indices of the invokes that can be reached."""
    returns: bool
    """Whether a return instruction can be reached (the method can complete normally)."""
    writes: frozenset[str]
    """Fields stored into (``iput-object``/``sput-object``) by reachable instructions."""


class MethodFlow:
    """The register flow of one method. Arguments are put together per invoke only when asked (most questions
    need one argument of one invoke, and a method has many).

    A register written once holds one value everywhere, and the flow-insensitive union answers exactly. Where a
    register is reused (a package name, then a list element), the union would mix values that never meet at the
    instruction asked about: then the method's control flow is decoded (``_Code``) and the definitions that
    really reach that instruction are followed back along it."""

    __slots__ = ("method", "static", "field_writes", "_calls", "_registers", "_invokes", "_returns", "_return_regs",
                 "_store_regs", "_stored", "_source", "_code")

    def __init__(self, method: str, static: bool, calls: list[tuple[str, str, list[int]]],
                 registers: dict[int, frozenset[Value]], return_regs: tuple[int, ...],
                 field_writes: tuple[tuple[str, frozenset[Value]], ...],
                 source: tuple[DexTables, memoryview, int], store_regs: tuple[int, ...] = ()) -> None:
        self.method = method
        self.static = static
        self.field_writes = field_writes
        """(field, values) of every ``iput-object``/``sput-object``, in code order."""
        self._calls = calls
        self._registers = registers
        self._invokes: tuple[InvokeFlow, ...] | None = None
        self._returns: frozenset[Value] | None = None
        self._return_regs = return_regs
        self._store_regs = store_regs
        self._stored: frozenset[Value] | None = None
        self._source = source
        self._code: _Code | None | bool = False  # False: not decoded yet; None: undecodable

    def _precise(self) -> _Code | None:
        """The method's control flow, decoded on first use."""
        if self._code is False:
            t, units, code_off = self._source
            try:
                self._code = _Code(self.method, t, units, code_off)
            except (IndexError, ValueError, struct.error, UnicodeError, KeyError):
                self._code = None
        return self._code  # type: ignore[return-value]

    def _at(self, reg: int, insn: Callable[[_Code], int]) -> frozenset[Value]:
        """Values of ``reg`` before the instruction ``insn`` picks: the union when it is exact, else the
        definitions that reach that instruction."""
        got = self._registers.get(reg, _EMPTY)
        if len(got) <= 1:
            return got
        code = self._precise()
        return got if code is None else code.values(reg, insn(code))

    @property
    def returns(self) -> frozenset[Value]:
        """What ``return-object`` can return."""
        if self._returns is None:
            self._returns = self._reaching(self._return_regs, lambda code: code.object_returns)
        return self._returns

    @property
    def stored(self) -> frozenset[Value]:
        """What the method stores in a field or an array (``iput-object``, ``sput-object``, ``aput-object``, the
        elements of ``filled-new-array``), each store's reaching definitions: the values it keeps beyond its own
        registers, or hands on inside an array (``String.format`` arguments, a reflective call's)."""
        if self._stored is None:
            self._stored = self._reaching(self._store_regs, lambda code: code.store_insns)
        return self._stored

    def _reaching(self, regs: Sequence[int], insns: Callable[[_Code], Sequence[int]]) -> frozenset[Value]:
        """What reaches the k-th of these registers at the k-th of ``insns(code)`` (returns, stores), together."""
        out: set[Value] = set()
        for k, reg in enumerate(regs):
            out |= self._at(reg, lambda code, k=k: insns(code)[k])  # type: ignore[misc]
        return frozenset(out)

    @property
    def calls(self) -> tuple[tuple[str, str], ...]:
        """(callee, kind) of each invoke, in code order, without decoding any argument."""
        return tuple((c, kind) for c, kind, _ in self._calls)

    def arity(self, index: int) -> int:
        """The number of arguments of the ``index``-th invoke, the receiver counted."""
        callee, kind, _ = self._calls[index]
        return len(param_types(callee)) + (0 if kind == "static" else 1)

    def feasible(self, blocked: Collection[int], null_fields: Collection[str]) -> Feasible | None:
        """What can run when the invokes ``blocked`` (indices) never return normally (they always throw) and the
        fields ``null_fields`` are null wherever they are read and tested against null right away. None when the
        control flow cannot be decoded."""
        code = self._precise()
        return None if code is None else code.feasible(blocked, null_fields)

    @property
    def null_tested(self) -> frozenset[str]:
        """Fields read and tested against null by the next instruction (``iget-object``; ``if-eqz``)."""
        code = self._precise()
        return frozenset() if code is None else frozenset(f for f, _ in code.null_tests.values())

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
        return self._at(reg, lambda code: code.invoke_insns[index])

    @property
    def invokes(self) -> tuple[InvokeFlow, ...]:
        """Every invoke but invoke-custom, in code order: the method's ``call_sites`` without those of kind
        custom, each with the values of its arguments (receiver first for non-static calls)."""
        if self._invokes is None:
            out = []
            for k, (callee, kind, _) in enumerate(self._calls):
                out.append(InvokeFlow(callee, kind, tuple(self.arg(k, p) for p in range(self.arity(k)))))
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


def _parameter_registers(method: str, registers: int, ins: int) -> tuple[bool, dict[int, Value]]:
    """(whether the method is static, the register of each object parameter with its ``param`` value): the
    parameters occupy the last ``ins`` registers, ``this`` first for an instance method."""
    params = param_types(method)
    slots = _slots(params)
    words = (slots[-1] + (2 if params[-1] in ("J", "D") else 1)) if params else 0
    static = ins == words
    first = registers - ins
    out = {} if static else {first: Value("param", "0")}
    shift = 0 if static else 1
    for n, (typ, slot) in enumerate(zip(params, slots)):
        if typ[0] in "L[":
            out[first + shift + slot] = Value("param", str(n + shift))
    return static, out


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
        self._dexes: list[tuple[DexTables, memoryview, dict[str, int]]] = []
        """Each dex file's tables, code units and code offsets by method, in load order (kept per file, not merged:
        merging costs a dict entry per method of the APK, and most methods are never decoded)."""
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
        self._dexes.append((tables, units, code_offsets))

    def _where(self, method: str) -> tuple[DexTables, memoryview, int] | None:
        """The first dex file defining ``method`` with code, and the code's offset there."""
        for tables, units, offsets in self._dexes:
            off = offsets.get(method)
            if off is not None:
                return tables, units, off
        return None

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
            for number, (t, _, _) in enumerate(self._dexes):
                for c in range(t.class_size):
                    cls_idx, data_off = struct.unpack_from("<I20xI", t.data, t.class_off + 32 * c)
                    if data_off:
                        self._class_data.setdefault(t.type(cls_idx), (number, data_off))
        where = self._class_data.get(cls)
        if where is None:
            return {}
        t, _, _ = self._dexes[where[0]]
        try:
            static, instance = read_class_fields(t.data, where[1])
            return {t.field(idx): flags for idx, flags in (*static, *instance)}
        except (IndexError, ValueError, struct.error, UnicodeError):
            return {}

    def __contains__(self, method: str) -> bool:
        return self._where(method) is not None

    def flow(self, method: str) -> MethodFlow | None:
        """The flow of ``method``; None when it has no code in the APK or its code cannot be decoded."""
        if method in self._cache:
            return self._cache[method]
        where = self._where(method)
        result = None
        if where is not None:
            tables, units, off = where
            try:
                result = _decode(method, tables, units, off)
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
    static, params = _parameter_registers(method, registers, ins)
    for reg, value in params.items():
        values[reg] = {value}
    invokes: list[tuple[str, str, list[int]]] = []
    returns: list[int] = []
    writes: list[tuple[str, int]] = []
    stores: list[int] = []
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
            invokes.append((callee, _INVOKE_KIND[op], _argument_registers(units, i)))
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
            stores.append((u >> 8) & 0xF)
        elif op == 0x69:
            writes.append((t.field(units[i + 1]), u >> 8))
            stores.append(u >> 8)
        elif op == 0x4D:
            stores.append(u >> 8)
        elif op == 0x11:
            returns.append(u >> 8)
        elif op == 0x23:
            put((u >> 8) & 0xF, Value("array", t.type(units[i + 1])))
        elif op in (0x24, 0x25):
            result = Value("array", t.type(units[i + 1]))
            stores.extend(_argument_registers(units, i))
        elif op == 0x46:
            put(u >> 8, Value("element", ""))
        elif op == 0x0D:
            put(u >> 8, Value("exception", ""))
        elif op == 0x00 and u in _PAYLOADS:
            i += _payload_units(units, i)
            continue
        last_result = result
        i += INSN_UNITS[op]
    _close(values, copies)
    registers = {r: frozenset(v) for r, v in values.items()}
    return MethodFlow(method, static, invokes, registers, tuple(returns),
                      tuple((f, registers.get(r, _EMPTY)) for f, r in writes), (t, units, code_off), tuple(stores))


def _argument_registers(units: memoryview, i: int) -> list[int]:
    """The registers an invoke or ``filled-new-array`` at unit ``i`` names (format 35c, or 3rc for the range
    forms: 0x25 and the ``/range`` invokes have odd opcodes from 0x74 on, ``invoke-polymorphic/range`` too)."""
    u = units[i]
    if (u & 0xFF) in _RANGE or (u & 0xFF) == 0x25:
        return list(range(units[i + 2], units[i + 2] + (u >> 8)))
    count, packed = u >> 12, units[i + 2]
    regs = [(packed >> (4 * k)) & 0xF for k in range(min(count, 4))]
    if count == 5:
        regs.append((u >> 8) & 0xF)
    return regs


_PAYLOADS = (0x0100, 0x0200, 0x0300)
"""The first code unit of a packed-switch, sparse-switch and fill-array-data payload."""


def _payload_units(units: memoryview, i: int) -> int:
    """The length in code units of the payload starting at ``i``."""
    u = units[i]
    if u == 0x0100:
        return units[i + 1] * 2 + 4
    if u == 0x0200:
        return units[i + 1] * 4 + 2
    return ((units[i + 2] | (units[i + 3] << 16)) * units[i + 1] + 1) // 2 + 4


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


def _ops(*ranges: tuple[int, int]) -> frozenset[int]:
    return frozenset(op for lo, hi in ranges for op in range(lo, hi + 1))


_DEST_A4 = _ops((0x01, 0x01), (0x04, 0x04), (0x07, 0x07), (0x12, 0x12), (0x20, 0x21), (0x23, 0x23), (0x52, 0x58),
                (0x7B, 0x8F), (0xB0, 0xD7))
"""Opcodes writing the 4-bit register vA (only vA counts: a wide write also clobbers vA+1, which is left alone, so
a definition may be followed further back than it reaches, never stopped short)."""
_DEST_A8 = _ops((0x02, 0x02), (0x05, 0x05), (0x08, 0x08), (0x0A, 0x0D), (0x13, 0x1C), (0x22, 0x22), (0x2D, 0x31),
                (0x44, 0x4A), (0x60, 0x66), (0x90, 0xAF), (0xD8, 0xE2), (0xFE, 0xFF))
"""Opcodes writing the 8-bit register vAA (check-cast is left out: it keeps the value)."""
_DEST_A16 = frozenset({0x03, 0x06, 0x09})
_RETURNS = frozenset({0x0E, 0x0F, 0x10, 0x11})
_NO_FALLTHROUGH = _RETURNS | {0x27, 0x28, 0x29, 0x2A}
_IF = _ops((0x32, 0x3D))


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def _s32(v: int) -> int:
    return v - 0x100000000 if v & 0x80000000 else v


def _sleb128(data: bytes, pos: int) -> tuple[int, int]:
    value, end = uleb128(data, pos)
    bits = 7 * (end - pos)
    return (value - (1 << bits) if value & (1 << (bits - 1)) else value), end


class _Code:
    """One method's instructions as a control-flow graph (normal and exception edges), with the register each
    instruction writes and what it writes there: enough to follow a register back to its reaching definitions
    and to tell which instructions can run when some calls always throw."""

    __slots__ = ("params", "dests", "defs", "succ", "handlers", "preds", "invoke_insns", "object_returns",
                 "returns", "writes", "store_insns", "null_tests")

    def __init__(self, method: str, t: DexTables, units: memoryview, code_off: int) -> None:
        registers, ins, _, tries = struct.unpack_from("<HHHH", t.data, code_off)
        (size,) = struct.unpack_from("<I", t.data, code_off + 12)
        if size > _MAX_UNITS:
            raise ValueError("method too long")
        start = (code_off + 16) // 2
        self.params = _parameter_registers(method, registers, ins)[1]
        """The registers holding object parameters on entry, with their values."""
        pcs: list[int] = []
        self.dests: list[int] = []
        self.defs: list[Value | int | None] = []
        """Per instruction: the Value written, the register copied (move-object), or None (not an object)."""
        jumps: list[tuple[int, ...]] = []
        falls: list[bool] = []
        self.invoke_insns: list[int] = []
        self.object_returns: list[int] = []
        """Instruction index of each ``return-object``, in code order."""
        self.returns: list[int] = []
        self.writes: dict[int, str] = {}
        self.store_insns: list[int] = []
        """Instruction index of each register an object store reads (``MethodFlow.stored``), in code order."""
        null_reads: dict[int, tuple[int, str]] = {}
        last_result: Value | None = None
        pc = 0
        while pc < size:
            i = start + pc
            u = units[i]
            op = u & 0xFF
            if op == 0x00 and u in _PAYLOADS:  # data, not an instruction
                pc += _payload_units(units, i)
                continue
            k = len(pcs)
            pcs.append(pc)
            dest, value, result = -1, None, None
            if op in _DEST_A4:
                dest = (u >> 8) & 0xF
            elif op in _DEST_A8:
                dest = u >> 8
            elif op in _DEST_A16:
                dest = units[i + 1]
            if op in _INVOKE_KIND:
                self.invoke_insns.append(k)
                result = Value("result", t.method(units[i + 1]))
            elif op in (0x24, 0x25):
                result = Value("array", t.type(units[i + 1]))
                self.store_insns.extend([k] * len(_argument_registers(units, i)))
            elif op == 0x0C:
                value = last_result
            elif op == 0x07:
                value = u >> 12
            elif op == 0x08:
                value = units[i + 1]
            elif op == 0x09:
                value = units[i + 2]
            elif op == 0x22:
                value = Value("new", t.type(units[i + 1]))
            elif op == 0x1A:
                value = Value("string", t.string(units[i + 1]))
            elif op == 0x1B:
                value = Value("string", t.string(units[i + 1] | (units[i + 2] << 16)))
            elif op == 0x1C:
                value = Value("class", t.type(units[i + 1]))
            elif op in (0x54, 0x62):
                value = Value("field", t.field(units[i + 1]))
                null_reads[k] = (dest, value.ref)
            elif op == 0x23:
                value = Value("array", t.type(units[i + 1]))
            elif op == 0x46:
                value = Value("element", "")
            elif op == 0x0D:
                value = Value("exception", "")
            elif op in (0x5B, 0x69):
                self.writes[k] = t.field(units[i + 1])
                self.store_insns.append(k)
            elif op == 0x4D:
                self.store_insns.append(k)
            elif op == 0x11:
                self.object_returns.append(k)
            if op in _RETURNS:
                self.returns.append(k)
            self.dests.append(dest)
            self.defs.append(value)
            last_result = result
            if op == 0x28:
                jumps.append((pc + ((u >> 8) ^ 0x80) - 0x80,))
            elif op == 0x29 or op in _IF:
                jumps.append((pc + _s16(units[i + 1]),))
            elif op == 0x2A:
                jumps.append((pc + _s32(units[i + 1] | (units[i + 2] << 16)),))
            elif op in (0x2B, 0x2C):
                p = i + _s32(units[i + 1] | (units[i + 2] << 16))
                count = units[p + 1]
                base = p + (4 if op == 0x2B else 2 + 2 * count)
                jumps.append(tuple(pc + _s32(units[base + 2 * n] | (units[base + 2 * n + 1] << 16))
                                   for n in range(count)))
            else:
                jumps.append(())
            falls.append(op not in _NO_FALLTHROUGH)
            pc += INSN_UNITS[op]
        at = {p: k for k, p in enumerate(pcs)}
        n = len(pcs)
        self.succ: list[tuple[int, ...]] = [
            tuple(dict.fromkeys([*((k + 1,) if falls[k] and k + 1 < n else ()), *(at[j] for j in jumps[k] if j in at)]))
            for k in range(n)]
        self.handlers: list[tuple[int, ...]] = [()] * n
        if tries:
            base = code_off + 16 + size * 2 + (2 if size & 1 else 0)
            lists = base + 8 * tries
            for r in range(tries):
                first_pc, count, handler_off = struct.unpack_from("<IHH", t.data, base + 8 * r)
                targets = self._catch_targets(t.data, lists + handler_off, at)
                for p in range(first_pc, first_pc + count):
                    k = at.get(p)
                    if k is not None:
                        self.handlers[k] = tuple(dict.fromkeys((*self.handlers[k], *targets)))
        entered = {j for k in range(n) for j in (*self.succ[k][1 if falls[k] else 0:], *self.handlers[k])}
        self.null_tests: dict[int, tuple[str, int]] = {}
        """``if-eqz``/``if-nez`` right after reading a field into the register tested: (field, the instruction a
        null value goes to); only where no other edge enters the test."""
        for k, (reg, fld) in null_reads.items():
            nxt = k + 1
            if nxt < n and nxt not in entered and jumps[nxt] and jumps[nxt][0] in at:
                u = units[start + pcs[nxt]]
                if (u & 0xFF) in (0x38, 0x39) and u >> 8 == reg:
                    jump = at[jumps[nxt][0]]
                    if (u & 0xFF) == 0x38 or nxt + 1 < n:
                        self.null_tests[nxt] = (fld, jump if (u & 0xFF) == 0x38 else nxt + 1)
        self.preds: list[list[int]] = [[] for _ in range(n)]
        if n:
            self.preds[0].append(-1)
        for k in range(n):
            for j in (*self.succ[k], *self.handlers[k]):
                self.preds[j].append(k)

    @staticmethod
    def _catch_targets(data: bytes, pos: int, at: dict[int, int]) -> list[int]:
        """Instruction indices of one encoded_catch_handler's handlers (typed and catch-all)."""
        size, pos = _sleb128(data, pos)
        out = []
        for _ in range(abs(size)):
            _, pos = uleb128(data, pos)
            addr, pos = uleb128(data, pos)
            if addr in at:
                out.append(at[addr])
        if size <= 0:
            addr, pos = uleb128(data, pos)
            if addr in at:
                out.append(at[addr])
        return out

    def values(self, reg: int, insn: int) -> frozenset[Value]:
        """The values ``reg`` can hold just before instruction ``insn``: its definitions on every path there."""
        out: set[Value] = set()
        seen: set[tuple[int, int]] = set()
        stack = [(insn, reg)]
        while stack:
            at, r = stack.pop()
            for p in self.preds[at]:
                if p < 0:
                    if r in self.params:
                        out.add(self.params[r])
                    continue
                if (p, r) in seen:
                    continue
                seen.add((p, r))
                if self.dests[p] == r:
                    d = self.defs[p]
                    if isinstance(d, Value):
                        out.add(d)
                    elif d is not None:
                        stack.append((p, d))
                else:
                    stack.append((p, r))
        return frozenset(out)

    def feasible(self, blocked: Collection[int], null_fields: Collection[str]) -> Feasible:
        """See ``MethodFlow.feasible``."""
        stop = {self.invoke_insns[b] for b in blocked if b < len(self.invoke_insns)}
        n = len(self.succ)
        seen = [False] * n
        stack = [0] if n else []
        if n:
            seen[0] = True
        while stack:
            k = stack.pop()
            if k in stop:
                nexts: tuple[int, ...] = self.handlers[k]
            else:
                test = self.null_tests.get(k)
                if test is not None and test[0] in null_fields:
                    nexts = (test[1], *self.handlers[k])
                else:
                    nexts = (*self.succ[k], *self.handlers[k])
            for j in nexts:
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
        return Feasible(frozenset(b for b, k in enumerate(self.invoke_insns) if seen[k]),
                        any(seen[k] for k in self.returns),
                        frozenset(f for k, f in self.writes.items() if seen[k]))
