"""Control flow on real apps: definitions that reach an instruction, and call sites that never run because an
earlier call always throws (a permission the manifest lacks)."""

from __future__ import annotations

from dataclasses import replace
from appscan.apk.flow import Value
from appscan.graph import ReachAnalysis
from appscan.graph.callgraph import CallGraph
from appscan.graph.feasible import dead_calls
from appscan.model import ApkFacts, Permission
from appscan.rules.loader import load_rulesets
from appscan.rules.startup import failing_calls
from tests.conftest import corpus_facts as facts

SMSSDK_APP = "github__ThirdPartyLogin.apk"
"""Embeds SMSSDK, which reads the contacts and then uploads them with the device identifiers; no READ_CONTACTS."""
QUERY_HELPER = ("Lcn/smssdk/contact/c;->a(Landroid/net/Uri;[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;"
                "Ljava/lang/String;)Ljava/util/ArrayList;")
"""Queries the URI it is given, first thing, outside any try."""
CONTACT_LIST = "Lcn/smssdk/contact/a;->e()Ljava/util/ArrayList;"
"""Returns a cached list when its private field is set (only after a successful query), else queries the contacts."""
UPLOAD_THREAD = "Lcn/smssdk/contact/e;->run()V"
"""Reads the contacts (through ``a(Z)`` -> ``e()``) inside a try, then uploads them: ``Protocols.a(ArrayList)``."""
UPLOAD = "Lcn/smssdk/utils/Protocols;->a(Ljava/util/ArrayList;)V"
SIM_SERIAL = "Lcn/smssdk/framework/utils/a;->i()Ljava/lang/String;"
"""Reached only from the upload."""


def with_permission(f: ApkFacts, name: str) -> ApkFacts:
    extra = Permission(name, "dangerous", "uses-permission", None)
    return replace(f, manifest=replace(f.manifest, permissions=(*f.manifest.permissions, extra)))


def test_reaching_definitions_separate_a_reused_register() -> None:
    """The helper moves its Uri parameter into v1 for the query and later reuses v1 for a new ArrayList: at the
    query only the parameter reaches (the method-wide union holds both)."""
    flow = facts(SMSSDK_APP).code.flow(QUERY_HELPER)
    assert flow is not None
    query = next(k for k, (callee, _) in enumerate(flow.calls) if "ContentResolver;->query(" in callee)
    assert flow.arg(query, 1) == {Value("param", "1")}


def test_package_names_from_a_reused_register_are_the_constants_passed() -> None:
    """MobLink's emulator check passes constant package names to isPackageInstalled in a register it also uses
    for iteration results elsewhere in the method; the lookups are probes of those names."""
    flow = facts("github__MobLinkDemo-2.0.5.apk").code.flow("Lcom/mob/commons/clt/DClt;->c()V")
    assert flow is not None
    probes = [k for k, (callee, _) in enumerate(flow.calls) if callee.endswith("->isPackageInstalled(Ljava/lang/String;)Z")]
    assert len(probes) > 5
    for k in probes:
        values = flow.arg(k, 1)
        assert values and all(v.kind == "string" and v.ref.startswith("com.") for v in values), values


def test_a_call_that_always_throws_ends_its_path_but_not_its_catch() -> None:
    f = facts(SMSSDK_APP)
    helper = f.code.flow(QUERY_HELPER)
    assert helper is not None
    query = next(k for k, (callee, _) in enumerate(helper.calls) if "ContentResolver;->query(" in callee)
    feasible = helper.feasible({query}, ())
    assert feasible is not None and not feasible.returns and feasible.invokes == {query}
    thread = f.code.flow(UPLOAD_THREAD)
    assert thread is not None
    read = next(k for k, (callee, _) in enumerate(thread.calls) if callee.endswith(";->a(Z)Ljava/util/ArrayList;"))
    upload = next(k for k, (callee, _) in enumerate(thread.calls) if callee == UPLOAD)
    after = thread.feasible({read}, ())
    assert after is not None and after.returns  # the catch handler returns
    assert upload not in after.invokes


def test_a_private_cache_written_only_after_the_failing_call_stays_null() -> None:
    flow = facts(SMSSDK_APP).code.flow(CONTACT_LIST)
    assert flow is not None
    cache_field = "Lcn/smssdk/contact/a;->f:Ljava/util/ArrayList;"
    assert flow.null_tested == {cache_field}
    helper = next(k for k, (callee, _) in enumerate(flow.calls) if callee == QUERY_HELPER)
    assert flow.feasible({helper}, ()).returns  # type: ignore[union-attr]  # the cached list could be returned
    assert not flow.feasible({helper}, {cache_field}).returns  # type: ignore[union-attr]


def test_contacts_upload_is_dead_without_read_contacts() -> None:
    """No READ_CONTACTS: the query throws, the upload after it never runs, and the SIM serial it sends is not
    collected at start-up. With the permission declared, the same code is live."""
    f = facts(SMSSDK_APP)
    rules = load_rulesets()
    graph = CallGraph(f)
    dead = dead_calls(f, graph.hierarchy, graph.dispatch, failing_calls(rules, f))
    thread = f.code.flow(UPLOAD_THREAD)
    assert thread is not None
    upload = next(k for k, (callee, _) in enumerate(thread.calls) if callee == UPLOAD)
    assert upload in dead[UPLOAD_THREAD]
    reach = ReachAnalysis(f, failing=failing_calls(rules, f)).reach(SIM_SERIAL, None)
    assert not reach.startup_reachable
    granted = with_permission(f, "android.permission.READ_CONTACTS")
    assert UPLOAD_THREAD not in dead_calls(granted, graph.hierarchy, graph.dispatch, failing_calls(rules, granted))
    assert ReachAnalysis(granted, failing=failing_calls(rules, granted)).reach(SIM_SERIAL, None).startup_reachable
