"""Type-resolved dispatch on real apps: register flow decoded on demand, RTA, receiver narrowing, step evidence."""

from __future__ import annotations

from appscan.graph import ReachAnalysis
from appscan.graph.callgraph import CallGraph
from tests.conftest import corpus_facts as facts

MOBPUSH = "github__MobPush-10704.apk"
# com.mob.pushsdk.impl.m.a(Handler$Callback) calls callback.handleMessage; its only caller passes new i$27.
HANDLER_USER = "Lcom/mob/pushsdk/impl/m;->a(Landroid/os/Handler$Callback;)V"
REAL_CALLBACK = "Lcom/mob/pushsdk/impl/i$27;->handleMessage(Landroid/os/Message;)Z"
INVENTED = "Lcom/mob/tools/FakeActivity$3;->handleMessage(Landroid/os/Message;)Z"


def test_flow_invokes_match_the_fast_pass_call_sites() -> None:
    """Every method's decoded invokes are its call sites (less invoke-custom), in the same order: the index that
    ties a call site to its register flow."""
    f = facts(MOBPUSH)
    by_caller: dict[str, list[str]] = {}
    for site in f.code.call_sites:
        if site.kind != "custom":
            by_caller.setdefault(site.caller, []).append(site.callee)
    checked = 0
    for method, callees in by_caller.items():
        flow = f.code.flow(method)
        assert flow is not None, method
        assert [flow.callee(k) for k in range(len(flow))] == callees, method
        checked += 1
    assert checked > 10_000


def test_parameter_flow_reaches_the_callers_allocation() -> None:
    f = facts(MOBPUSH)
    flow = f.code.flow(HANDLER_USER)
    assert flow is not None and not flow.static
    handle = [k for k in range(len(flow)) if flow.callee(k).endswith("->handleMessage(Landroid/os/Message;)Z")]
    assert handle and all({v.kind for v in flow.arg(k, 0)} == {"param"} for k in handle)


def test_callback_dispatch_goes_only_to_the_object_passed() -> None:
    """Class-hierarchy dispatch sent handleMessage to 68 implementors; the receiver's flow leaves the one passed."""
    g = CallGraph(facts(MOBPUSH))
    node = g.index[HANDLER_USER]
    g.expand(node)
    reached = {g.names[n] for n in (*g.succ[node], *g.loose(node))}
    assert REAL_CALLBACK in reached
    assert INVENTED not in reached
    via = g.via(node, g.index[REAL_CALLBACK])
    # The allocation reaches the receiver through the parameter: resolved as the single class left.
    assert via.via == "dispatch-resolved" and via.detail.startswith("new Lcom/mob/pushsdk/impl/i$27; via callers")


def test_rta_drops_classes_never_instantiated() -> None:
    g = CallGraph(facts(MOBPUSH))
    inst = g.dispatch.instantiated
    assert "Lcom/mob/pushsdk/impl/i$27;" in inst
    assert "Lcom/mob/demo/mobpush/DemoApplication;" in inst  # named by the manifest
    assert len(inst) < len(g.hierarchy.classes)


def test_every_path_step_says_how_it_is_known() -> None:
    analysis = ReachAnalysis(facts(MOBPUSH))
    kinds = set()
    for site in facts(MOBPUSH).code.call_sites[:20000]:
        r = analysis.reach(site.caller, site.callee)
        if not r.path:
            continue
        assert [s.method for s in r.steps] == list(r.path)
        assert r.steps[0].via == "entry" and r.steps[0].detail == r.entry_kind
        assert r.evidence == ("possible" if any(s.via == "dispatch-unresolved" for s in r.steps) else "definite")
        kinds.update(s.via for s in r.steps[1:])
    assert {"direct", "implicit", "dispatch-resolved"} <= kinds
