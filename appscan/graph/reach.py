"""Which call sites run at start-up, before consent, or in the background, with the shortest call path as evidence.

Every question is one multi-source breadth-first search over the call graph with parent pointers (never an
enumeration of paths), so the whole analysis is linear in the size of the graph:

1. **start-up**: from the application, provider, androidx.startup and launcher entry points, ordinary edges only
   (a method reached only through a click listener does not run at start-up);
2. **start-up before consent**: the same search, where a *gate* method is entered but followed only through the
   calls it makes before its consent check (in code order). A gate is a method that (a) reads a SharedPreferences
   (or MMKV) value and has a string constant naming privacy, agreement, consent, a protocol or a policy
   (``privacy_agreed``, ``隐私``, ``同意``, ``协议``...): its check is its first such read; or (b) calls an SDK
   privacy switch from ``consent_apis``: its check is the first such call. A call site reached by (1) but not by
   (2) is ``consent_gated``: every start-up path to it passes a consent check first. A call site reached by (2)
   runs before consent could be given. No control flow is analysed: a call after the check in the same method is
   taken as guarded by it, a call before it as not;
3. **background**: from receivers, services, JobService and WorkManager entry points, and from the callbacks of
   repeated schedules (Timer, fixed-rate executors) whose scheduling method is reachable from any entry point;
4. **any**: from every entry point, click edges included, to give an entry and a path to what is reachable only
   later: in another activity, or after a click (then the path starts at the click callback, entry kind
   ``interaction``).

Each of searches 1-3 runs twice: over the edges whose every step is known (calls, dispatch resolved by the
receiver's flow, registrations, component starts), then with dispatch edges the receiver flow could not narrow
(``CallGraph.unresolved``) too. The second only adds *possible* reach: ``Reach.evidence`` says which one a path is.

The flags (start-up, before consent, background) are those of the searches with unresolved edges, so that
nothing reachable is hidden. The reported path supports the strongest flag set, in the order 2, 1, 3, 4, and is
taken from the search over known edges when that one reaches the call site: ``evidence`` then tells a reviewer
how far to trust that claim.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from typing import NamedTuple

from appscan.graph.callgraph import CallGraph
from appscan.graph.feasible import FailingCalls, dead_calls
from appscan.graph.entrypoints import (
    BACKGROUND_KINDS,
    STARTUP_KINDS,
    EntryPoint,
    entry_points,
)
from appscan.model import ApkFacts, CallSite, PathStep, Reach

__all__ = ["Gate", "PermissionRequest", "ReachAnalysis", "analyze", "consent_gates", "requests_at_startup"]

CONSENT_WORDS = re.compile(r"privacy|agree|consent|protocol|policy|隐私|同意|协议", re.IGNORECASE)
"""A string constant naming the consent flag."""
_PREF_READS = ("Landroid/content/SharedPreferences;->get", "Landroid/content/SharedPreferences;->contains",
               "Lcom/tencent/mmkv/MMKV;->decode", "Lcom/tencent/mmkv/MMKV;->get")
_PERMISSION_REQUESTS = ("Landroid/app/Activity;->requestPermissions(", "Landroid/app/Fragment;->requestPermissions(",
                        "Landroidx/core/app/ActivityCompat;->requestPermissions(",
                        "Landroid/support/v4/app/ActivityCompat;->requestPermissions(",
                        "Landroidx/fragment/app/Fragment;->requestPermissions(")
_REQUEST_WRAPPER = "->requestPermissions("
"""Library wrappers (ActivityCompat and its helpers) are named like the API: their own inner call is not reported.
Also the cheap pre-filter: every request API has this name."""
_UNREACHED = -2
_SOURCE = -1
_NOWHERE = Reach(False, False, False, None, None, ())


class _Search(NamedTuple):
    """Result of one multi-source BFS: parent node per node (``_UNREACHED`` if not reached) and entry per node."""

    parent: list[int]
    origin: list[int]


def _bfs(graph: CallGraph, sources: Iterable[tuple[int, int]], loose: bool = False, narrow: bool = False,
         interaction: bool = False, only: Mapping[int, list[int]] | None = None,
         relevant: set[int] | None = None) -> _Search:
    """Breadth-first search from all ``(node, entry number)`` sources at once, over the ordinary edges, plus
    unresolved dispatch (``loose``) and interaction edges when asked; with ``narrow``, the dispatch call sites of
    each node reached are narrowed first (``CallGraph.expand``, limited to ``relevant`` sites when given). A node
    in ``only`` is followed through the listed successors instead of all of its edges."""
    n = len(graph.names)
    parent = [_UNREACHED] * n
    origin = [_UNREACHED] * n
    queue: deque[int] = deque()
    for node, entry in sources:
        if parent[node] == _UNREACHED:
            parent[node] = _SOURCE
            origin[node] = entry
            queue.append(node)
    succ, ui = graph.succ, graph.interaction
    only = only or {}
    while queue:
        node = queue.popleft()
        entry = origin[node]
        if node in only:
            nexts = only[node]
        else:
            if narrow:
                graph.expand(node, relevant)
            nexts = succ[node]
            if loose:
                nexts = nexts + graph.loose(node)
            if interaction and node in ui:
                nexts = nexts + ui[node]
        for nxt in nexts:
            if parent[nxt] == _UNREACHED:
                parent[nxt] = node
                origin[nxt] = entry
                queue.append(nxt)
    return _Search(parent, origin)


class Gate(NamedTuple):
    """A method that checks consent, its call sites in code order, and the position of its first check."""

    sites: tuple[CallSite, ...]
    check: int


def consent_gates(facts: ApkFacts, consent_apis: Iterable[str]) -> dict[str, Gate]:
    """Methods that check consent (see the module docstring), by smali name."""
    apis = tuple(consent_apis)
    checks = apis + _PREF_READS
    strings = facts.code.strings
    own = _sites_of(facts, dict.fromkeys(s.caller for s in facts.code.call_sites if s.callee.startswith(checks)))
    gates: dict[str, Gate] = {}
    for caller, calls in own.items():
        keyed = any(CONSENT_WORDS.search(s) for s in strings.get(caller, ()))
        for i, site in enumerate(calls):
            if (apis and site.callee.startswith(apis)) or (keyed and site.callee.startswith(_PREF_READS)):
                gates[caller] = Gate(tuple(calls), i)
                break
    return gates


class ReachAnalysis:
    """The four searches over one APK's call graph; ``reach(caller, callee)`` answers for any call site."""

    def __init__(self, facts: ApkFacts, consent_apis: Iterable[str] = (), graph: CallGraph | None = None,
                 targets: Iterable[str] | None = None, failing: FailingCalls | None = None) -> None:
        """``targets``: the calling methods whose reach will be asked (when known), so that receiver narrowing is
        spent only on dispatch that can lead to them; without it, every reached dispatch site is narrowed.
        ``failing``: the calls that always throw in this app; the call sites they make unreachable
        (``feasible.dead_calls``) are left out of every search."""
        self.graph = graph if graph is not None else CallGraph(facts)
        g = self.graph
        relevant = g.leading_to(targets) if targets is not None else None
        self.entries: list[EntryPoint] = [e for e in entry_points(facts, g.hierarchy) if e.method in g.index]
        self.gates = {m: gate for m, gate in consent_gates(facts, consent_apis).items() if m in g.index}
        self.dead = {m: d for m, d in (dead_calls(facts, g.hierarchy, g.dispatch, failing) if failing else {}).items()
                     if m in g.index}
        """Dead call-site positions by method (``feasible.dead_calls``)."""
        self._dead_sites = _sites_of(facts, self.dead)

        def sources(kinds: Iterable[str]) -> list[tuple[int, int]]:
            wanted = set(kinds)
            return [(g.index[e.method], i) for i, e in enumerate(self.entries) if e.kind in wanted]

        def live(unresolved: bool, interaction: bool = False) -> dict[int, list[int]]:
            return {g.index[m]: g.successors(sites, unresolved, self.dead[m], interaction)
                    for m, sites in self._dead_sites.items()}

        known, loose = live(False), live(True)
        startup = sources(STARTUP_KINDS)
        # Narrowing runs in the search over known edges: only a node it reaches can be on a definite path, and
        # every edge it resolves extends that search; nodes reached only through unresolved dispatch keep their
        # dispatch unnarrowed (their paths are possible whatever else is known about them).
        self.startup_known = _bfs(g, startup, narrow=True, relevant=relevant, only=known)
        self.startup = _bfs(g, startup, loose=True, only=loose)
        gates = {m: gate.sites[:gate.check] for m, gate in self.gates.items()}
        if gates:
            def before(unresolved: bool) -> dict[int, list[int]]:
                return {g.index[m]: g.successors(s, unresolved, self.dead.get(m, ())) for m, s in gates.items()}

            self.ungated_known = _bfs(g, startup, only=known | before(False))
            self.ungated = _bfs(g, startup, loose=True, only=loose | before(True))
        else:  # no consent check anywhere: before consent is at start-up
            self.ungated_known, self.ungated = self.startup_known, self.startup
        self.any = _bfs(g, [(g.index[e.method], i) for i, e in enumerate(self.entries)], loose=True,
                        interaction=True, only=live(True, True))
        # Repeated callbacks become background entries of their own (kind "timer"), when scheduled reachably.
        for scheduler, callback in g.periodic:
            if self.any.parent[scheduler] != _UNREACHED:
                self.entries.append(EntryPoint(g.names[callback], "timer"))
        background = sources(BACKGROUND_KINDS + ("timer",))
        self.background_known = _bfs(g, background, only=known)
        self.background = _bfs(g, background, loose=True, only=loose)

    def _path(self, search: _Search, node: int) -> tuple[tuple[PathStep, ...], str]:
        """The steps from the entry to ``node`` (dispatch nodes left out, each step saying how it is known) and
        the entry's kind.

        A path that needs a user action starts at the callback after its last interaction edge (an ``onClick``),
        with entry kind ``interaction``: that callback, not the activity that registered it, is where it begins.
        """
        g = self.graph
        entry = self.entries[search.origin[node]]
        chain = [node]
        while search.parent[chain[-1]] >= 0:
            chain.append(search.parent[chain[-1]])
        chain.reverse()
        start, kind = 0, entry.kind
        for i in range(len(chain) - 1, 0, -1):
            a, b = chain[i - 1], chain[i]
            if b in g.interaction.get(a, ()) and b not in g.succ[a] and b not in g.loose(a):
                start, kind = i, "interaction"
                break
        chain = chain[start:]
        steps = [PathStep(g.names[chain[0]], "entry", kind)]
        for a, b in zip(chain, chain[1:]):
            if g.is_method(b):
                via = g.via(a, b)
                steps.append(PathStep(g.names[b], via.via, via.detail))
        return tuple(steps), kind

    def _before_check(self, caller: str, callee: str | None) -> bool:
        """False when ``callee`` is called in a gate method only at or after its consent check."""
        gate = self.gates.get(caller)
        if gate is None or callee is None:
            return True
        return any(s.callee == callee for s in gate.sites[:gate.check])

    def _never_runs(self, caller: str, callee: str | None) -> bool:
        """True when every call of ``callee`` in ``caller`` is a dead call site."""
        sites = self._dead_sites.get(caller)
        if sites is None or callee is None:
            return False
        dead = self.dead[caller]
        found = [position in dead for position, site in _positions(sites) if site.callee == callee]
        return bool(found) and all(found)

    def reach(self, caller: str, callee: str | None = None) -> Reach:
        """How a call of ``callee`` in method ``caller`` is reached (``callee`` None: the method itself, as if the
        call came before any consent check in it)."""
        node = self.graph.index.get(caller)
        if node is None or self._never_runs(caller, callee):
            return _NOWHERE
        before = self._before_check(caller, callee)

        def hit(search: _Search, gated_search: bool = False) -> bool:
            return search.parent[node] != _UNREACHED and (before or not gated_search)

        startup, ungated, background = hit(self.startup), hit(self.ungated, True), hit(self.background)
        # The path shown supports the strongest claim made (before consent, start-up, background), from the
        # search over known edges when that reaches it, so that ``evidence`` speaks of that claim.
        if ungated:
            search = self.ungated_known if hit(self.ungated_known, True) else self.ungated
        elif startup:
            search = self.startup_known if hit(self.startup_known) else self.startup
        elif background:
            search = self.background_known if hit(self.background_known) else self.background
        elif hit(self.any):
            search = self.any
        else:
            return _NOWHERE
        steps, kind = self._path(search, node)
        definite = all(s.via != "dispatch-unresolved" for s in steps)
        return Reach(startup_reachable=startup, consent_gated=startup and not ungated, background=background,
                     entry=steps[0].method, entry_kind=kind, path=tuple(s.method for s in steps), steps=steps,
                     evidence="definite" if definite else "possible")


def _sites_of(facts: ApkFacts, methods: Collection[str]) -> dict[str, list[CallSite]]:
    """The call sites of each of ``methods``, in code order."""
    out: dict[str, list[CallSite]] = {m: [] for m in methods}
    if out:
        for site in facts.code.call_sites:
            if site.caller in out:
                out[site.caller].append(site)
    return out


def _positions(sites: Iterable[CallSite]) -> Iterable[tuple[int, CallSite]]:
    """(position, site) of one method's call sites: the position counts invokes in code order, invoke-custom
    excluded (as ``MethodFlow`` does); an invoke-custom site gets -1."""
    position = -1
    for site in sites:
        if site.kind == "custom":
            yield -1, site
        else:
            position += 1
            yield position, site


def analyze(facts: ApkFacts, targets: Iterable[CallSite], consent_apis: Iterable[str] = (),
            analysis: ReachAnalysis | None = None) -> dict[CallSite, Reach]:
    """Classify each target call site (sensitive-API calls, SDK initialisations) by how it is reached."""
    analysis = analysis if analysis is not None else ReachAnalysis(facts, consent_apis)
    return {t: analysis.reach(t.caller, t.callee) for t in targets}


class PermissionRequest(NamedTuple):
    """A runtime permission request that runs at start-up, and the permissions its method names."""

    site: CallSite
    reach: Reach
    permissions: tuple[str, ...]


def requests_at_startup(facts: ApkFacts, analysis: ReachAnalysis | None = None) -> list[PermissionRequest]:
    """``requestPermissions`` call sites reachable at start-up (asking before the user needs the feature)."""
    analysis = analysis if analysis is not None else ReachAnalysis(facts)
    h = analysis.graph.hierarchy
    out = []
    for site in facts.code.call_sites:
        if _REQUEST_WRAPPER not in site.callee or _REQUEST_WRAPPER in site.caller:
            continue
        owner, sub = site.callee.split("->", 1)
        # Written on the app's own activity (``this.requestPermissions``): the API is the inherited one.
        resolved = h.lookup(owner, sub) or f"{h.framework_owner(owner)}->{sub}"
        if not (site.callee.startswith(_PERMISSION_REQUESTS) or resolved.startswith(_PERMISSION_REQUESTS)):
            continue
        reach = analysis.reach(site.caller, site.callee)
        if reach.startup_reachable:
            perms = tuple(s for s in facts.code.strings.get(site.caller, ()) if ".permission." in s)
            out.append(PermissionRequest(site, reach, perms))
    return out
