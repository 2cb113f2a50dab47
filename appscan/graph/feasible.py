"""Call sites that can never run: those after a call that always throws, on every path through their method.

An app that does not declare ``READ_CONTACTS`` and queries ``ContactsContract.RawContacts.CONTENT_URI`` gets a
``SecurityException``, not a cursor. When an SDK reads the contacts first and uploads them, with the device
identifiers, only afterwards, that upload never runs in this app, and a path through it is not evidence of
collection. Which calls always throw is the rules' knowledge (a permission the manifest lacks, an argument naming
the protected data); this module is told it as ``FailingCalls`` and works out the consequences over the code:

* a method **always throws** when none of its return instructions can be reached once the failing calls (and the
  calls of methods that always throw) are taken to end their path; their exception edges into a ``catch`` still
  count, so a call inside a ``try`` only ends the ``try``;
* a method whose failing call depends on a parameter (a helper that queries the URI it is given) is judged again
  at each call site with the arguments passed there, a few levels deep;
* a private cache is recognised: a field tested against null right after being read (``if (cache == null)``),
  stored only by this method and only after the failing call, is still null wherever it is tested, so the branch
  that would skip the failing call is never taken;
* the **dead call sites** of a method are the invokes not reachable from its entry under those assumptions.

Only methods that can lead to a failing call are examined: the methods calling one, then their callers while
something in them is blocked, within a fixed budget, so the cost is nil for the usual app that declares the
permissions its code needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from appscan.apk.flow import Feasible, MethodFlow, Value
from appscan.graph.dispatch import Dispatch
from appscan.graph.hierarchy import Hierarchy
from appscan.model import ApkFacts

__all__ = ["FailingCalls", "dead_calls"]

_BUDGET = 4000
"""Methods examined at most per APK (each is one control-flow walk)."""
_DEPTH = 3
"""Call levels a parameter-dependent failure is followed down."""
_DISPATCHING = ("virtual", "interface")


class FailingCalls(NamedTuple):
    """The calls that always throw in this app, as the rules know them."""

    prefixes: tuple[str, ...]
    """Callees (smali prefixes) ``fails`` can say yes to: a cheap filter of the call sites to start from."""
    fails: Callable[[str, tuple[frozenset[Value], ...]], bool]
    """Whether a call of this callee with these argument values (receiver first) always throws."""


Args = tuple[frozenset[Value], ...]


class _Analysis:
    """Bottom-up from the methods calling a failing API: which of their calls can run, and which always throw."""

    def __init__(self, facts: ApkFacts, hierarchy: Hierarchy, dispatch: Dispatch, failing: FailingCalls) -> None:
        self.code = facts.code
        self.h = hierarchy
        self.dispatch = dispatch
        self.failing = failing
        self.candidates: set[str] = set()
        """Methods that may always throw, or throw given some arguments: the only callees worth judging."""
        self.parametric: set[str] = set()
        """Methods whose failure depends on an argument they are given."""
        self.memo: dict[tuple[str, Args | None], bool] = {}
        self.budget = _BUDGET

    def run(self) -> dict[str, frozenset[int]]:
        """Dead invoke positions by method (only methods with some)."""
        prefixes = self.failing.prefixes
        queue = list(dict.fromkeys(s.caller for s in self.code.call_sites if s.callee.startswith(prefixes)))
        self.candidates.update(queue)
        for method in queue:  # known before any caller is judged: their failure is judged per call site
            flow = self.code.flow(method)
            if flow is not None and any(self._depends_on_parameter(flow, k, callee)
                                        for k, (callee, _) in enumerate(flow.calls) if callee.startswith(prefixes)):
                self.parametric.add(method)
        dead: dict[str, frozenset[int]] = {}
        while queue and self.budget > 0:
            method = queue.pop()
            flow = self.code.flow(method)
            if flow is None:
                continue
            blocked = self._blocked(flow, None, 0)
            if not blocked and method not in self.parametric:
                continue
            feasible = self._feasible(flow, blocked)
            if feasible is None:
                continue
            unreached = frozenset(range(len(flow))) - feasible.invokes
            if unreached:
                dead[method] = unreached
            if (blocked and not feasible.returns) or method in self.parametric:
                self.memo[(method, None)] = not feasible.returns
                for caller, _ in self.dispatch.callers_of(method):
                    if caller not in self.candidates:
                        self.candidates.add(caller)
                        queue.append(caller)
        return dead

    def _blocked(self, flow: MethodFlow, binding: Args | None, depth: int) -> set[int]:
        """Invoke indices of ``flow`` that never return normally, its parameters bound to ``binding`` if given."""
        self.budget -= 1
        out: set[int] = set()
        prefixes = self.failing.prefixes
        for k, (callee, kind) in enumerate(flow.calls):
            if callee.startswith(prefixes):
                if self.failing.fails(callee, self._args(flow, k, binding)):
                    out.add(k)
                continue
            targets = self._targets(callee, kind)
            if not targets:
                continue
            args = self._args(flow, k, binding)
            if all(self._always_throws(t, args, depth + 1) for t in targets):
                out.add(k)
            elif any(t in self.parametric for t in targets) and _has_parameter(args):
                self.parametric.add(flow.method)
        return out

    @staticmethod
    def _args(flow: MethodFlow, index: int, binding: Args | None) -> Args:
        """The values of every argument of the ``index``-th invoke, parameters bound to ``binding``."""
        return tuple(_bind(flow.arg(index, p), binding) for p in range(flow.arity(index)))

    def _depends_on_parameter(self, flow: MethodFlow, index: int, callee: str) -> bool:
        """The failing API at invoke ``index`` does not fail as such, and is given a parameter of the method."""
        args = self._args(flow, index, None)
        return not self.failing.fails(callee, args) and _has_parameter(args)

    def _targets(self, callee: str, kind: str) -> list[str] | None:
        """The candidate methods a call can run, when every one is a candidate; else None."""
        sep = callee.index("->")
        owner, sub = callee[:sep], callee[sep + 2:]
        if kind in _DISPATCHING and self.h.has_subtypes(owner):
            found = self.dispatch.rta_targets(owner, sub)
        else:
            target = self.h.lookup(owner, sub)
            found = [target] if target is not None else []
        return found if found and all(t in self.candidates for t in found) else None

    def _always_throws(self, method: str, args: Args, depth: int) -> bool:
        """Whether ``method`` called with ``args`` never returns normally."""
        key = (method, args if method in self.parametric else None)
        if key in self.memo:
            return self.memo[key]
        flow = self.code.flow(method)
        if flow is None or depth > _DEPTH or self.budget <= 0:
            return False
        self.memo[key] = False  # a recursive call is taken to return
        feasible = self._feasible(flow, self._blocked(flow, key[1], depth))
        self.memo[key] = feasible is not None and not feasible.returns
        return self.memo[key]

    def _feasible(self, flow: MethodFlow, blocked: set[int]) -> Feasible | None:
        """``flow.feasible`` with the method's private caches taken as null (see the module docstring)."""
        flows = self.code.flows
        if flows is None:
            return None
        null = {f for f in flow.null_tested if set(flows.storing_methods(f)) == {flow.method}}
        while True:
            feasible = flow.feasible(blocked, null)
            if feasible is None or not (null & feasible.writes):
                return feasible
            null -= feasible.writes


def _has_parameter(args: Args) -> bool:
    return any(v.kind == "param" for arg in args for v in arg)


def _bind(values: frozenset[Value], binding: Args | None) -> frozenset[Value]:
    """``values`` with each parameter replaced by what the call site passes for it."""
    if binding is None or not any(v.kind == "param" for v in values):
        return values
    out: set[Value] = set()
    for v in values:
        if v.kind == "param" and int(v.ref) < len(binding):
            out |= binding[int(v.ref)]
        else:
            out.add(v)
    return frozenset(out)


def dead_calls(facts: ApkFacts, hierarchy: Hierarchy, dispatch: Dispatch,
               failing: FailingCalls) -> dict[str, frozenset[int]]:
    """Per method, the positions (its invokes in code order, invoke-custom excluded) of the call sites that can
    never run because an earlier call always throws (see the module docstring). Empty when nothing fails."""
    if not failing.prefixes or facts.code.flows is None:
        return {}
    return _Analysis(facts, hierarchy, dispatch, failing).run()
