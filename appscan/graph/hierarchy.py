"""The class hierarchy defined in the APK: which class defines which method, and who extends or implements whom.

The call graph needs three questions answered fast and many times: which method really runs for a call written
against a class (resolution up the superclass chain), which classes can stand behind a reference of a given type
(subtypes, for virtual dispatch) and whether a class is a kind of something (supertypes, for callback objects).
Framework classes are not in the APK: they appear only as names (a superclass or interface of an app class), so a
walk up the chain stops at the first framework class and the framework's own hierarchy is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from appscan.model import ClassDef

__all__ = ["Hierarchy", "class_of", "descriptor"]

_MAX_DEPTH = 64
"""Bound on superclass walks: malformed dex files can hold cycles."""


def descriptor(java_name: str) -> str:
    """``com.example.App`` -> ``Lcom/example/App;`` (manifest names to dex names)."""
    return "L" + java_name.replace(".", "/") + ";"


def class_of(method: str) -> str:
    """The class part of a smali method name: ``Lpkg/C;->m()V`` -> ``Lpkg/C;``."""
    return method[:method.index("->")]


class Hierarchy:
    """Lookups over the classes of all dex files; the first definition of a class name wins (as at run time)."""

    def __init__(self, classes: Iterable[ClassDef]) -> None:
        self.classes: dict[str, ClassDef] = {}
        for c in classes:
            self.classes.setdefault(c.name, c)
        self.methods: frozenset[str] = frozenset(m for c in self.classes.values() for m in c.methods)
        children: defaultdict[str, list[str]] = defaultdict(list)
        implementors: defaultdict[str, list[str]] = defaultdict(list)
        for c in self.classes.values():
            if c.superclass:
                children[c.superclass].append(c.name)
            for iface in c.interfaces:
                children[iface].append(c.name)
                implementors[iface].append(c.name)
        self._children = dict(children)
        self._implementors = dict(implementors)
        self._descendants: dict[str, tuple[str, ...]] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._named: dict[tuple[str, str], tuple[str, ...]] = {}

    def _chain(self, cls: str) -> Iterable[str]:
        """``cls`` and its superclasses while they are defined in the APK, then the first framework class."""
        seen = 0
        current: str | None = cls
        while current is not None and seen < _MAX_DEPTH:
            yield current
            c = self.classes.get(current)
            current = c.superclass if c is not None else None
            seen += 1

    def lookup(self, cls: str, sub: str) -> str | None:
        """The APK method that a call to ``cls->sub`` executes for a receiver of exactly ``cls`` (None: framework)."""
        classes, methods = self.classes, self.methods
        current: str | None = cls
        for _ in range(_MAX_DEPTH):
            c = classes.get(current)  # type: ignore[arg-type]
            if c is None:
                return None
            method = f"{current}->{sub}"
            if method in methods:
                return method
            current = c.superclass
        return None

    def overrides(self, cls: str, sub: str) -> list[str]:
        """The methods ``sub`` that a virtual call on ``cls`` can reach in the APK subtypes of ``cls``.

        Each subtype that defines ``sub`` counts; a class implementing interface ``cls`` without defining ``sub``
        contributes the method it inherits (``class A extends B implements Runnable`` with ``run`` in ``B``).
        """
        methods = self.methods
        out = [m for m in (f"{d}->{sub}" for d in self.descendants(cls)) if m in methods]
        for child in self._implementors.get(cls, ()):
            inherited = self.lookup(child, sub)
            if inherited is not None:
                out.append(inherited)
        return out

    def has_subtypes(self, cls: str) -> bool:
        """True when some APK class extends or implements ``cls``."""
        return cls in self._children

    def framework_owner(self, cls: str) -> str:
        """The first class up the superclass chain that is not defined in the APK (``cls`` itself if it is not)."""
        last = cls
        for last in self._chain(cls):
            if last not in self.classes:
                return last
        return last

    def named(self, cls: str, name: str) -> tuple[str, ...]:
        """Methods called ``name`` (any descriptor) of the nearest class up the chain that defines one."""
        key = (cls, name)
        found = self._named.get(key)
        if found is None:
            found = ()
            for c in self._chain(cls):
                cdef = self.classes.get(c)
                if cdef is None:
                    break
                prefix = f"{c}->{name}("
                found = tuple(m for m in cdef.methods if m.startswith(prefix))
                if found:
                    break
            self._named[key] = found
        return found

    def descendants(self, cls: str) -> tuple[str, ...]:
        """Every APK class that extends or implements ``cls``, directly or not (``cls`` excluded)."""
        found = self._descendants.get(cls)
        if found is None:
            seen: dict[str, None] = {}
            stack = list(self._children.get(cls, ()))
            while stack:
                c = stack.pop()
                if c not in seen:
                    seen[c] = None
                    stack.extend(self._children.get(c, ()))
            found = self._descendants[cls] = tuple(seen)
        return found

    def ancestors(self, cls: str) -> frozenset[str]:
        """``cls`` and every type it extends or implements, directly or not, as far as the APK names them."""
        found = self._ancestors.get(cls)
        if found is None:
            out = {cls}
            stack = [cls]
            while stack:
                c = self.classes.get(stack.pop())
                if c is None:
                    continue
                for parent in (c.superclass, *c.interfaces):
                    if parent and parent not in out:
                        out.add(parent)
                        stack.append(parent)
            found = self._ancestors[cls] = frozenset(out)
        return found

    def is_a(self, cls: str, types: Iterable[str]) -> bool:
        """True when ``cls`` extends or implements one of ``types``."""
        return not self.ancestors(cls).isdisjoint(types)
