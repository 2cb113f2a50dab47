"""Where a virtual or interface call can really land: rapid type analysis narrowed by receiver-type flow.

Class-hierarchy dispatch sends ``callback.handleMessage(msg)`` to every ``Handler$Callback`` of the APK (68 in one
real push SDK), and a start-up search then walks through callbacks the call can never reach. Two analyses cut
those edges, each sound in the sense that a removed target can never be the receiver:

1. **Rapid type analysis** (RTA): only classes that are instantiated somewhere can be receivers: those whose
   constructor is called (a ``new``; a constructor calling its superclass's does not count), those the framework
   instantiates (manifest components, androidx.startup initializers, WorkManager workers: every class the manifest
   names) and those named by ``const-class`` or by a string handed to reflection. A method keeps its own class as a
   possible receiver: a method that runs has an instance.
2. **Receiver-type flow** (variable-type analysis on demand): what the receiver register can hold, from the method's
   register flow (``appscan.apk.flow``): an allocation gives its exact class; ``this`` gives the instantiated
   subclasses of the method's class; a parameter is followed to the arguments that callers pass (a few levels up);
   a call result to the values the APK method returns; anything else (a field, an array element, a framework
   result) to the instantiated subtypes of its declared type.

A dispatch edge is *resolved* when its target is justified by an allocation in the calling method itself, or when
it is the only target left; otherwise it stays, *unresolved*, and a path through it is only "possible". (An
allocation that reaches the receiver through a parameter may come from another caller than the one on a path:
parameters are followed without calling context, so it justifies an edge only as the single class left.)
"""

from __future__ import annotations

from typing import NamedTuple

from appscan.apk.flow import Value, param_types
from appscan.graph.hierarchy import Hierarchy, class_of, descriptor
from appscan.model import ApkFacts

__all__ = ["Dispatch", "Target", "instantiated_classes"]

_MAX_DEPTH = 2
"""How many levels a value is followed through parameters, fields and returns (each decodes other methods)."""
_MAX_CALLERS = 12
"""A parameter with more call sites (a field with more storing methods) than this is left at its declared type:
a utility called from everywhere."""
_MAX_TYPES = 16
"""A receiver that can be more classes than this is taken as not narrowed: only a small set can justify an edge
(only resolved edges make a path definite), and following large sets costs the most."""
_OBJECT = "Ljava/lang/Object;"
_PRIVATE = 0x2
_FINAL = 0x10
_CONST_TYPES = {"string": "Ljava/lang/String;", "class": "Ljava/lang/Class;"}
_UNKNOWN = frozenset({"element", "exception"})
"""Value kinds whose runtime class nothing in the method tells."""


class Target(NamedTuple):
    """A method a call can land in, and why it is believed."""

    method: str
    resolved: bool
    why: str
    """What the receiver's class came from: ``new Lpkg/Cls;`` (an allocation in the calling method), ``... via
    callers of M`` (one passed to a parameter), ``this (Lpkg/Cls;)``, ``declared Lpkg/Type;``."""


def instantiated_classes(facts: ApkFacts, h: Hierarchy) -> frozenset[str]:
    """Classes that can exist as objects (see the module docstring, point 1)."""
    out: set[str] = set()
    for caller, callee, kind in facts.code.call_sites:
        if kind != "direct" or "-><init>(" not in callee:
            continue
        cls = class_of(callee)
        if caller.startswith(cls + "-><init>("):
            continue  # this(...) delegating to another constructor of the same class
        owner = class_of(caller)
        if "-><init>(" in caller:
            c = h.classes.get(owner)
            if c is not None and c.superclass == cls:
                continue  # super(...) from a subclass constructor: no object of ``cls`` itself
        out.add(cls)
    for c in facts.manifest.components:
        out.add(descriptor(c.target_activity or c.name))
    if facts.app.application_class:
        out.add(descriptor(facts.app.application_class))
    for md in facts.manifest.meta_data:
        for name in (md.name, md.value or ""):
            if "." in name and " " not in name:
                out.add(descriptor(name))
    for names in facts.code.const_classes.values():
        out.update(names)
    out.update(descriptor(s) for s in facts.code.reflection if "." in s and " " not in s)
    return frozenset(c for c in out if c in h.classes)


class Dispatch:
    """Dispatch of virtual and interface calls for one APK (``targets`` per call site)."""

    def __init__(self, facts: ApkFacts, h: Hierarchy) -> None:
        self.h = h
        self.code = facts.code
        self.instantiated = instantiated_classes(facts, h)
        self._cones: dict[str, frozenset[str]] = {}
        self.callers: dict[str, list[tuple[str, int]]] = {}
        """(caller, invoke index) of every call site per written callee that can land in APK code; filled by the
        call graph as it reads the call sites."""
        self._param_memo: dict[tuple[str, int, int], frozenset[Value] | None] = {}
        self._param_types_memo: dict[tuple[str, int, str, int], dict[str, str] | None] = {}
        self._types_memo: dict[tuple[frozenset[Value], str, str, int], dict[str, str] | None] = {}

    # -- rapid type analysis ------------------------------------------------------------------------------------

    def cone(self, cls: str) -> frozenset[str]:
        """Instantiated classes that are ``cls`` or extend/implement it."""
        found = self._cones.get(cls)
        if found is None:
            inst = self.instantiated
            found = frozenset(c for c in (cls, *self.h.descendants(cls)) if c in inst)
            self._cones[cls] = found
        return found

    def rta_targets(self, owner: str, sub: str) -> list[str]:
        """The methods a call to ``owner->sub`` can run in some instantiated receiver (the written class's own
        resolution always included: the receiver may be of a class instantiated where no analysis sees it)."""
        h = self.h
        out: dict[str, None] = {}
        own = h.lookup(owner, sub)
        if own is not None:
            out[own] = None
        for m in h.overrides(owner, sub):
            if self.cone(class_of(m)):  # some instantiated class inherits this override (or re-overrides it)
                out[m] = None
        flows = self.code.flows
        if flows is not None and len(out) > 1:  # abstract (and native) methods have no code: nothing runs there
            return [m for m in out if m in flows] or list(out)
        return list(out)

    # -- receiver-type flow -------------------------------------------------------------------------------------

    def narrow(self, caller: str, index: int, owner: str, sub: str, candidates: tuple[str, ...]
               ) -> list[Target] | None:
        """Targets of the ``index``-th invoke of ``caller`` (a call to ``owner->sub`` with several ``candidates``
        after RTA), each marked resolved or not; None when the receiver's flow narrows nothing (every candidate
        stays, unresolved)."""
        flow = self.code.flow(caller)
        if flow is None or index >= len(flow):
            return None
        types = self._types(flow.arg(index, 0), caller, owner, _MAX_DEPTH)
        if types is None:
            return None
        h = self.h
        allowed = set(candidates)
        found: dict[str, str] = {}
        for cls, why in sorted(types.items()):
            m = h.lookup(cls, sub)
            if m is not None and m in allowed and m not in found:
                found[m] = why
        if len(found) == 1:
            ((m, why),) = found.items()
            return [Target(m, True, why)]
        return [Target(m, why.startswith("new ") and " via " not in why, why) for m, why in found.items()]

    def _types(self, values: frozenset[Value], method: str, owner: str, depth: int) -> dict[str, str] | None:
        """Exact classes (each with its justification) the values can be, kept to those that can receive a call
        written on ``owner``; None when some value could be anything. Memoised: a method makes many calls on the
        same register (``this``, a field it read once)."""
        key = (values, method, owner, depth)
        if key not in self._types_memo:
            self._types_memo[key] = self._types_uncached(values, method, owner, depth)
        return self._types_memo[key]

    def _types_uncached(self, values: frozenset[Value], method: str, owner: str, depth: int
                        ) -> dict[str, str] | None:
        """The body of ``_types``."""
        if any(v.kind in _UNKNOWN for v in values):
            return None  # checked first: nothing else needs resolving then
        out: dict[str, str] = {}
        cone = self.cone(owner)
        for v in values:
            got = self._value_types(v, method, owner, depth)
            if got is None:
                return None
            for cls, why in got.items():
                if cls in cone or cls == owner:
                    out.setdefault(cls, why)
            if len(out) > _MAX_TYPES:
                return None
        return out

    def _value_types(self, v: Value, method: str, owner: str, depth: int) -> dict[str, str] | None:
        """The classes one value can be (None: unknown)."""
        kind = v.kind
        if kind == "new":
            return {v.ref: f"new {v.ref}"}
        if kind in _CONST_TYPES:
            return {_CONST_TYPES[kind]: kind}
        if kind == "array":
            return {v.ref: "array"}
        if kind == "param":
            return self._param_types(method, int(v.ref), owner, depth)
        if kind == "result":
            return self._result_types(v.ref, owner, depth)
        if kind == "field":
            return self._field_types(v.ref, owner, depth)
        return None

    def _field_types(self, field: str, owner: str, depth: int) -> dict[str, str] | None:
        """What a field can hold: for a private or final field (written only in its own class, or for a private
        one in the classes nested in it), the values those methods store; else its declared type."""
        declared = field[field.rindex(":") + 1:]
        flows = self.code.flows
        access = flows.field_access(field) if flows is not None and depth > 0 else None
        if access is None or not access & (_PRIVATE | _FINAL):
            return self._declared(declared, owner)
        cls = class_of(field)
        nested = cls[:-1] + "$"
        writers = [m for m in flows.storing_methods(field)
                   if m.startswith(cls + "->") or (access & _PRIVATE and m.startswith(nested))]
        if not writers or len(writers) > _MAX_CALLERS:
            return self._declared(declared, owner)
        stores: list[tuple[str, frozenset[Value] | None]] = []
        for method in writers:
            flow = self.code.flow(method)
            if flow is None:
                return self._declared(declared, owner)
            stores.extend((method, values) for name, values in flow.field_writes if name == field)
        return self._merged(stores, owner, depth, declared)

    def _merged(self, sources: list[tuple[str, frozenset[Value] | None]], owner: str, depth: int, declared: str,
                via: str | None = None) -> dict[str, str] | None:
        """The union of what each (method, values) source can be, one level down; any unknown source leaves the
        value at its ``declared`` type. ``via`` marks justifications that lost their calling context."""
        out: dict[str, str] = {}
        for method, values in sources:
            got = None if values is None else self._types(values, method, owner, depth - 1)
            if got is None:
                return self._declared(declared, owner)
            for c, why in got.items():
                out.setdefault(c, why if via is None or " via " in why else f"{why} via {via}")
        return out

    def _declared(self, typ: str, owner: str) -> dict[str, str] | None:
        """The instantiated classes a value of declared type ``typ`` can be, when that says anything."""
        if typ == _OBJECT or not typ.startswith("L"):
            return None if typ == _OBJECT else {}
        if typ in self.h.classes or self.h.has_subtypes(typ):
            cone = self.cone(typ)
            if len(cone) > _MAX_TYPES:
                return None
            return {c: f"declared {typ}" for c in cone}
        # A framework type no APK class extends: its objects run framework code, never an APK method.
        return {typ: f"declared {typ}"}

    def _param_types(self, method: str, number: int, owner: str, depth: int) -> dict[str, str] | None:
        """Parameter ``number`` (smali ``p`` numbering) of ``method``: ``this``, or what its callers pass."""
        key = (method, number, owner, depth)
        if key not in self._param_types_memo:
            self._param_types_memo[key] = None  # a recursive question about the same parameter: unknown
            self._param_types_memo[key] = self._param_types_uncached(method, number, owner, depth)
        return self._param_types_memo[key]

    def _param_types_uncached(self, method: str, number: int, owner: str, depth: int) -> dict[str, str] | None:
        """The body of ``_param_types``."""
        cls = class_of(method)
        flow = self.code.flow(method)
        static = flow.static if flow is not None else False
        if number == 0 and not static:
            cone = self.cone(cls) or frozenset({cls})
            return {c: f"this ({cls})" for c in cone} if len(cone) <= _MAX_TYPES else None
        position = number - (0 if static else 1)
        types = param_types(method)
        if position >= len(types):
            return None
        declared = types[position]
        if depth <= 0:
            return self._declared(declared, owner)
        callers = self.callers_of(method)
        if not callers or len(callers) > _MAX_CALLERS:
            return self._declared(declared, owner)
        # Which caller passed a value is lost here (context-insensitive): such an allocation alone no longer proves
        # the edge on a given path, only the fact that it is the single class left does.
        arg = position + (0 if static else 1)
        return self._merged([(caller, self._arg_values(caller, index, arg)) for caller, index in callers], owner,
                            depth, declared, via=f"callers of {method}")

    def _arg_values(self, caller: str, index: int, arg: int) -> frozenset[Value] | None:
        """Values of argument ``arg`` (receiver = 0 for instance calls) at the ``index``-th invoke of ``caller``."""
        key = (caller, index, arg)
        if key not in self._param_memo:
            flow = self.code.flow(caller)
            self._param_memo[key] = flow.arg(index, arg) if flow is not None and index < len(flow) else None
        return self._param_memo[key]

    def _result_types(self, callee: str, owner: str, depth: int) -> dict[str, str] | None:
        """What a call's result can be: the values the APK method returns, else its declared return type."""
        declared = callee[callee.rindex(")") + 1:]
        sep = callee.index("->")
        target = self.h.lookup(callee[:sep], callee[sep + 2:])
        if target is None or depth <= 0:
            return self._declared(declared, owner)
        flow = self.code.flow(target)
        if flow is None or not flow.returns:
            return self._declared(declared, owner)
        return self._types(flow.returns, target, owner, depth - 1) or self._declared(declared, owner)

    def callers_of(self, method: str) -> list[tuple[str, int]]:
        """(caller, invoke index) of every call site that can run ``method``: written on its class, on a type it
        extends or implements, or on a subclass that inherits it, with the same name and descriptor."""
        cls = class_of(method)
        sub = method[method.index("->") + 2:]
        h = self.h
        return [site for written in (*h.ancestors(cls), *h.descendants(cls))
                for site in self.callers.get(f"{written}->{sub}", ())]
