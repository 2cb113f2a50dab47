"""The call graph over all app and SDK code of an APK, built from ``ApkFacts`` alone.

Nodes are the methods defined in the dex files (smali names), plus one *dispatch node* per virtual call that can
land in several methods: the call sites point at the dispatch node and the dispatch node at the possible targets,
so a call on ``Object.toString()`` from 2,000 places costs 2,000 + n edges, not 2,000 * n. Dispatch nodes are not
methods and never appear in a reported path. Framework methods are not nodes: they have no code in the APK and a
path ends at the caller of the API anyway.

Edges (``docs/call-graph.md`` lists them with their limits), each with how it is known (``edge_via``):

* every call site, resolved up the superclass chain to the class that defines the method (``direct``);
* virtual and interface calls also reach the overrides in the APK subtypes of the written class that can really be
  the receiver (``appscan.graph.dispatch``: rapid type analysis, then receiver-type flow at that call site): an
  edge justified by an allocation reaching the receiver, or the only target left, is ``dispatch-resolved``; the
  rest are kept apart as ``dispatch-unresolved`` (``unresolved``), so that a search can be run with or without them;
* implicit callbacks (``implicit.CALLBACK_RULES``): registration API -> callback methods of the objects handed over
  (``implicit``, with the registration kind);
* ``startActivity``/``startService``/``sendBroadcast``... -> the lifecycle of a manifest component whose class name
  is a ``const-class`` operand or a string constant of the calling method (``component``);
* a static call or a constructor call on an APK class -> that class's static initialiser (``direct``).

Edges that need the user to act (click listeners, and interface calls on the listener types) are kept apart
(``interaction``) so that a start-up search can leave them out.

Why no networkx: on the largest corpus APK (318k call sites, 100k methods, 197k distinct edges) loading the edges
into a ``networkx.DiGraph`` took 0.71 s and 76 MB, against 0.05 s and 5 MB for these integer adjacency lists, and
the queries need nothing but breadth-first search (figures in docs/call-graph.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import NamedTuple

from appscan.graph.dispatch import Dispatch
from appscan.graph.entrypoints import LIFECYCLE
from appscan.graph.hierarchy import Hierarchy, class_of, descriptor
from appscan.graph.implicit import (
    COMPONENT_STARTS,
    INTERACTION,
    INTERACTION_TYPES,
    PERIODIC,
    CallbackRule,
    match_rule,
    may_register,
)
from appscan.model import ApkFacts, CallSite

__all__ = ["CallGraph", "EdgeVia"]

_DISPATCHING = frozenset({"virtual", "interface"})
_UNSEEN = object()
_Adjacency = list[list[int]] | defaultdict[int, list[int]]
_STARTABLE = {"activity": "activity", "service": "service", "receiver": "receiver"}


class EdgeVia(NamedTuple):
    """How an edge is known: ``dispatch-resolved``, ``dispatch-unresolved``, ``implicit`` or ``component`` (plain
    calls, ``direct``, are not stored), and what justifies it (the allocation, the registration kind...)."""

    via: str
    detail: str


class _Callee:
    """What one distinct callee (with or without virtual dispatch) contributes, worked out once."""

    __slots__ = ("targets", "candidates", "interaction", "clinit", "constructs", "rule", "starts_component")

    def __init__(self, targets: tuple[int, ...], candidates: tuple[str, ...], interaction: bool, clinit: int | None,
                 constructs: str | None, rule: CallbackRule | None, starts_component: bool) -> None:
        self.targets = targets
        """The target methods, or the one shared dispatch node when several remain after RTA."""
        self.candidates = candidates
        """With a dispatch node: its targets (smali), for narrowing at each call site."""
        self.interaction = interaction
        self.clinit = clinit
        self.constructs = constructs
        self.rule = rule
        self.starts_component = starts_component


class CallGraph:
    """Integer-indexed directed graph over the methods of one APK: ``CallGraph(facts)``."""

    def __init__(self, facts: ApkFacts) -> None:
        """Build the call graph of all code in ``facts``."""
        self.hierarchy = Hierarchy(facts.code.classes)
        self.names: list[str] = list(dict.fromkeys(m for c in self.hierarchy.classes.values() for m in c.methods))
        """Node id -> smali method (for dispatch nodes: the callee they dispatch)."""
        self.method_count = len(self.names)
        """Ids below this are methods defined in the APK; the others are dispatch nodes."""
        self.index: dict[str, int] = {m: i for i, m in enumerate(self.names)}
        self.succ: list[list[int]] = [[] for _ in self.names]
        """Ordinary edges, by source node."""
        self.interaction: defaultdict[int, list[int]] = defaultdict(list)
        """Edges that need a user action (a click listener called back)."""
        self.periodic: list[tuple[int, int]] = []
        """(scheduling method, callback) of repeated callbacks: Timer and fixed-rate executors."""
        self.edge_kinds: dict[tuple[int, int], str] = {}
        """Kind of every implicit edge (``thread``, ``post``, ``click``, ``component``...); plain calls are absent."""
        self.unresolved: defaultdict[int, list[int]] = defaultdict(list)
        """Dispatch edges whose receiver could not be narrowed to the target (``dispatch-unresolved``)."""
        self.edge_via: dict[tuple[int, int], EdgeVia] = {}
        """How each edge that is not a plain call is known (see ``EdgeVia``)."""
        self.dispatch = Dispatch(facts, self.hierarchy)
        self.pending: dict[int, list[tuple[int, str, _Callee]]] = {}
        """Call sites with several dispatch candidates, not narrowed yet: (position, callee, resolution) by caller.
        Narrowing decodes the caller's register flow, so it is done for the methods a start-up search reaches
        (``expand``), not for the whole APK."""
        self._resolved: tuple[dict[str, _Callee | None], dict[str, _Callee | None]] = ({}, {})
        """What each callee resolves to, for virtual/interface calls and for the others."""
        self._strings = facts.code.strings
        self._const_classes = facts.code.const_classes
        self._components = {descriptor(c.target_activity or c.name): _STARTABLE[c.type]
                            for c in facts.manifest.components if c.type in _STARTABLE}
        """Manifest component class (descriptor) -> lifecycle kind, for component starts."""
        self._add_calls(facts)

    def is_method(self, node: int) -> bool:
        """True for nodes that are methods (not dispatch nodes)."""
        return node < self.method_count

    def _new_node(self, name: str) -> int:
        """Append a dispatch node."""
        self.names.append(name)
        self.succ.append([])
        return len(self.names) - 1

    def _callee(self, callee: str, kind: str) -> _Callee | None:
        """Resolve one callee: its targets in the APK and the implicit edges it may trigger (None: nothing)."""
        h = self.hierarchy
        sep = callee.index("->")
        owner, sub = callee[:sep], callee[sep + 2:]
        name = sub[:sub.index("(")]
        known = owner in h.classes
        dispatches = kind in _DISPATCHING and h.has_subtypes(owner)
        registers = may_register(sub)
        starts = name in COMPONENT_STARTS
        if not (known or dispatches or registers or starts):
            return None
        ids: tuple[int, ...] = ()
        candidates: tuple[str, ...] = ()
        if known or dispatches:
            if dispatches:
                found = self.dispatch.rta_targets(owner, sub)
            else:
                target = h.lookup(owner, sub)
                found = [target] if target else []
            ids = tuple(self.index[t] for t in found)
            if len(ids) > 1:
                node = self._new_node(callee)
                self.succ[node].extend(ids)
                ids, candidates = (node,), tuple(found)
        clinit = self.index.get(f"{owner}-><clinit>()V") if known and (kind == "static" or name == "<init>") else None
        rule = match_rule((owner, h.framework_owner(owner)), sub) if registers else None
        constructs = owner if known and name == "<init>" else None
        if not (ids or clinit is not None or constructs or rule or starts):
            return None
        return _Callee(ids, candidates, owner in INTERACTION_TYPES, clinit, constructs, rule, starts)

    def _collect(self, sites: Iterable[CallSite], plain: _Adjacency, interaction: _Adjacency,
                 unresolved: _Adjacency, implicit: Callable[[int, int, str], None],
                 callers: defaultdict[str, list[tuple[str, int]]] | None = None,
                 skip: Collection[int] = ()) -> None:
        """Resolve call sites into edges: calls and static initialisers into ``plain``, calls through
        user-interaction interfaces into ``interaction``, dispatch edges the receiver flow does not justify into
        ``unresolved``, callbacks and component starts through ``implicit(src, dst, kind)`` with the kinds of
        ``implicit.CALLBACK_RULES`` and ``component``. ``sites`` are whole methods' call sites in code order (or a
        prefix of one method's), so that each site's position matches its method's register flow. ``callers``
        collects (caller, position) per callee that can land in APK code, for following parameters. Sites at the
        positions in ``skip`` (of a single method's sites) are left out: they never run."""
        dispatching, exact = self._resolved
        constructed: defaultdict[int, list[str]] = defaultdict(list)
        registrations: list[tuple[int, str, CallbackRule]] = []
        starters: set[int] = set()
        index = self.index
        current, position = "", -1
        for caller, callee, kind in sites:
            if kind != "custom":
                if caller != current:
                    current, position = caller, -1
                position += 1
                if position in skip:
                    continue
            cache = dispatching if kind in _DISPATCHING else exact
            c = cache.get(callee, _UNSEEN)
            if c is _UNSEEN:
                c = cache[callee] = self._callee(callee, kind)
            if c is None:
                continue
            if callers is not None and kind != "custom":
                callers[callee].append((caller, position))
            src = index[caller]
            if c.candidates and not c.interaction:
                if plain is self.succ:
                    self.pending.setdefault(src, []).append((position, callee, c))
                else:
                    self._narrowed(src, caller, position, callee, c, plain, unresolved)
            elif c.targets:
                (interaction if c.interaction else plain)[src].extend(c.targets)
            if c.clinit is not None:
                plain[src].append(c.clinit)
            if c.constructs is not None:
                constructed[src].append(c.constructs)
            if c.rule is not None:
                registrations.append((src, class_of(callee), c.rule))
            if c.starts_component:
                starters.add(src)
        h = self.hierarchy
        for src, written, rule in registrations:
            for cls in dict.fromkeys([*constructed.get(src, ()), class_of(self.names[src]), written]):
                if cls in h.classes and h.is_a(cls, rule.types):
                    for m in (m for callback in rule.callbacks for m in h.named(cls, callback)):
                        implicit(src, index[m], rule.kind)
        for src in sorted(starters):
            name = self.names[src]
            for text in (*self._const_classes.get(name, ()), *self._strings.get(name, ())):
                cls = text if text.startswith("L") and text.endswith(";") else descriptor(text)
                component = self._components.get(cls)
                if component is not None:
                    for m in (m for name in LIFECYCLE[component] for m in h.named(cls, name)):
                        implicit(src, index[m], "component")

    def _narrowed(self, src: int, caller: str, position: int, callee: str, c: _Callee, plain: _Adjacency,
                  unresolved: _Adjacency) -> None:
        """The edges of one call site with several dispatch candidates, narrowed by its receiver's flow."""
        sep = callee.index("->")
        targets = self.dispatch.narrow(caller, position, callee[:sep], callee[sep + 2:], c.candidates)
        if targets is None:
            unresolved[src].extend(c.targets)  # not narrowed at all: through the shared dispatch node
            return
        for t in targets:
            dst = self.index[t.method]
            if t.resolved:
                plain[src].append(dst)
                self.edge_via.setdefault((src, dst), EdgeVia("dispatch-resolved", t.why))
            else:
                unresolved[src].append(dst)
                self.edge_via.setdefault((src, dst), EdgeVia("dispatch-unresolved", t.why))

    def expand(self, node: int, relevant: set[int] | None = None) -> None:
        """Narrow the pending dispatch call sites of ``node`` into edges (once). With ``relevant`` (the nodes that
        can lead to a call site of interest), only sites with a relevant candidate are narrowed: the others lead
        to nothing a path is reported to, and stay unnarrowed."""
        sites = self.pending.get(node)
        if not sites:
            return
        caller = self.names[node]
        index = self.index
        keep = []
        for position, callee, c in sites:
            if relevant is None or any(index[m] in relevant for m in c.candidates):
                self._narrowed(node, caller, position, callee, c, self.succ, self.unresolved)
            else:
                keep.append((position, callee, c))
        if keep:
            self.pending[node] = keep
        else:
            del self.pending[node]

    def leading_to(self, methods: Iterable[str]) -> set[int]:
        """Every node from which one of ``methods`` can be reached over any edge (calls, every dispatch
        candidate, registrations, interaction): where narrowing can change what is reported about them."""
        back: list[list[int]] = [[] for _ in self.names]
        for src, targets in enumerate(self.succ):
            for dst in targets:
                back[dst].append(src)
        for adjacency in (self.unresolved, self.interaction):
            for src, targets in adjacency.items():
                for dst in targets:
                    back[dst].append(src)
        for src, sites in self.pending.items():
            for _, _, c in sites:
                back[c.targets[0]].append(src)
        seen = {self.index[m] for m in methods if m in self.index}
        stack = list(seen)
        while stack:
            for prev in back[stack.pop()]:
                if prev not in seen:
                    seen.add(prev)
                    stack.append(prev)
        return seen

    def loose(self, node: int) -> list[int]:
        """Successors of ``node`` through dispatch that no receiver flow justifies: its unresolved edges, and
        the dispatch nodes of its call sites not narrowed yet."""
        sites = self.pending.get(node)
        if not sites:
            return self.unresolved.get(node, [])
        return [*self.unresolved.get(node, ()), *(c.targets[0] for _, _, c in sites)]

    def via(self, src: int, dst: int) -> EdgeVia:
        """How the edge ``src -> dst`` is known (a step out of a dispatch node is unresolved)."""
        if src >= self.method_count:
            return EdgeVia("dispatch-unresolved", "receiver type not narrowed")
        got = self.edge_via.get((src, dst))
        if got is not None:
            return got
        kind = self.edge_kinds.get((src, dst))
        if kind is not None:
            return EdgeVia("component", kind) if kind == "component" else EdgeVia("implicit", kind)
        return EdgeVia("direct", "")

    def _add_implicit(self, src: int, dst: int, kind: str) -> None:
        """Store one implicit edge with its kind."""
        if (src, dst) in self.edge_kinds:
            return
        self.edge_kinds[(src, dst)] = kind
        (self.interaction[src] if kind in INTERACTION else self.succ[src]).append(dst)
        if kind in PERIODIC:
            self.periodic.append((src, dst))

    def _add_calls(self, facts: ApkFacts) -> None:
        """All edges of all call sites, duplicates removed."""
        callers: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
        self._collect(facts.code.call_sites, self.succ, self.interaction, self.unresolved, self._add_implicit,
                      callers)
        self.dispatch.callers = dict(callers)
        succ = self.succ
        for i, targets in enumerate(succ):
            if len(targets) > 1:
                succ[i] = list(dict.fromkeys(targets))


    def successors(self, sites: Iterable[CallSite], unresolved: bool, skip: Collection[int] = (),
                   interaction: bool = False) -> list[int]:
        """The nodes that these call sites (of one method, e.g. those before a consent check) lead to without a
        user action; with ``unresolved``, through dispatch edges the receiver flow does not justify too; with
        ``interaction``, through user actions too. Sites at the positions in ``skip`` are left out."""
        plain: defaultdict[int, list[int]] = defaultdict(list)
        loose: defaultdict[int, list[int]] = defaultdict(list)
        clicks: defaultdict[int, list[int]] = defaultdict(list)

        def implicit(src: int, dst: int, kind: str) -> None:
            (clicks if kind in INTERACTION else plain)[src].append(dst)

        self._collect(sites, plain, clicks, loose, implicit, skip=skip)
        found = [dst for targets in plain.values() for dst in targets]
        if unresolved:
            found.extend(dst for targets in loose.values() for dst in targets)
        if interaction:
            found.extend(dst for targets in clicks.values() for dst in targets)
        return found
