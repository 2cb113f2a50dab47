"""androguard's reading of a dex file, reduced to what appscan's dex pass reports: call sites and const-strings.

This is the oracle of ``test_dex_fidelity``: it walks androguard's own decoded instructions (``DEX`` ->
``get_encoded_methods`` -> ``get_instructions``), never appscan code, and names methods the way appscan does
(smali ``Lpkg/Cls;->name(Args)Ret``: androguard's "real" descriptor, which has no spaces between arguments).

androguard decodes no call-site or method-handle items, so the bootstrap method of an ``invoke-custom`` is read
here from the raw tables (dex format: ``call_site_id_item`` -> ``encoded_array`` -> method-handle value ->
``method_handle_item``); the method name itself still comes from androguard.

One normalisation: androguard keeps a lone UTF-16 surrogate of a Modified-UTF-8 string as is (``"\\ud800"``, as
in Guava's ``CharMatcher``); such a ``str`` cannot be written as UTF-8 JSON or stored in a database, so appscan
replaces it with U+FFFD, and so does this oracle before comparing.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass

from androguard.core.dex import DEX
from loguru import logger

logger.disable("androguard")

__all__ = ["ReferenceCode", "read_reference"]

INVOKE_KINDS = {
    0x6E: "virtual", 0x6F: "super", 0x70: "direct", 0x71: "static", 0x72: "interface",
    0x74: "virtual", 0x75: "super", 0x76: "direct", 0x77: "static", 0x78: "interface",
    0xFA: "polymorphic", 0xFB: "polymorphic", 0xFC: "custom", 0xFD: "custom",
}
_CONST_STRING = (0x1A, 0x1B)
_CALL_SITE_IDS = 0x0007
_METHOD_HANDLES = 0x0008
_VALUE_METHOD_HANDLE = 0x16


@dataclass(frozen=True)
class ReferenceCode:
    """Call sites (as a multiset) and per-method const-string values (code order, first occurrence kept)."""

    call_sites: Counter[tuple[str, str, str]]
    strings: dict[str, tuple[str, ...]]
    method_count: int


def _well_formed(text: str) -> str:
    """Pair surrogates into characters and replace lone ones with U+FFFD (appscan's rule for dex strings)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _method_name(dex: DEX, idx: int) -> str:
    """Smali name of a method id, from androguard's method_id item."""
    ref = dex.get_class_manager().get_method_ref(idx)
    return f"{ref.get_class_name()}->{ref.get_name()}{ref.get_real_descriptor()}"


def _map_offsets(data: bytes) -> dict[int, int]:
    """Map-list item type -> section offset."""
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    (count,) = struct.unpack_from("<I", data, map_off)
    return {code: off for code, _, _, off in
            (struct.unpack_from("<HHII", data, map_off + 4 + 12 * i) for i in range(count))}


def _bootstrap_method(dex: DEX, data: bytes, call_site: int) -> str:
    """The method an ``invoke-custom`` call site is bootstrapped through (its first encoded value)."""
    sections = _map_offsets(data)
    (site_off,) = struct.unpack_from("<I", data, sections[_CALL_SITE_IDS] + 4 * call_site)
    pos = site_off
    while data[pos] & 0x80:  # skip the array size (uleb128)
        pos += 1
    header = data[pos + 1]
    assert header & 0x1F == _VALUE_METHOD_HANDLE, f"call site {call_site} does not start with a method handle"
    handle = int.from_bytes(data[pos + 2:pos + 3 + (header >> 5)], "little")
    (member,) = struct.unpack_from("<H", data, sections[_METHOD_HANDLES] + 8 * handle + 4)
    return _method_name(dex, member)


def read_reference(data: bytes) -> ReferenceCode:
    """Parse one dex with androguard and collect what appscan's ``parse_dex`` must report for it."""
    dex = DEX(data)
    sites: Counter[tuple[str, str, str]] = Counter()
    strings: dict[str, tuple[str, ...]] = {}
    methods = 0
    for method in dex.get_encoded_methods():
        methods += 1
        caller = _method_name(dex, method.get_method_idx())
        found: list[str] = []
        for ins in method.get_instructions():
            op = ins.get_op_value()
            kind = INVOKE_KINDS.get(op)
            if kind == "custom":
                sites[(caller, _bootstrap_method(dex, data, ins.BBBB), kind)] += 1
            elif kind:  # every invoke format keeps its method id in BBBB (35c, 3rc, 45cc, 4rcc)
                sites[(caller, _method_name(dex, ins.BBBB), kind)] += 1
            elif op in _CONST_STRING:
                found.append(_well_formed(ins.get_raw_string()))
        if found:  # a method defined twice keeps the strings of both definitions
            strings[caller] = tuple(dict.fromkeys((*strings.get(caller, ()), *found)))
    return ReferenceCode(sites, strings, methods)
