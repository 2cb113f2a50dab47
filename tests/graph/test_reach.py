"""Start-up, consent and background classification on small hand-built apps, one planted shape per test."""

from __future__ import annotations

from appscan.graph import CallGraph, ReachAnalysis, analyze, requests_at_startup
from appscan.model import ApkFacts, CallSite, ClassDef, MetaData, Reach
from tests.graph.factory import apk, call, component, klass

IMEI = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
LOCATION = "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;"
APP = "Lcom/ex/App;"
MAIN = "Lcom/ex/Main;"
COLLECT = "Lcom/ex/Collector;->collect()V"
UMENG_SWITCH = "Lcom/umeng/commonsdk/UMConfigure;->submitPolicyGrantResult"


def collector(dex: str = "classes.dex") -> tuple[ClassDef, CallSite]:
    """The class whose ``collect()`` reads the IMEI, and that call site (the target of most tests)."""
    return klass("Lcom/ex/Collector;", "collect()V", dex=dex), call(COLLECT, IMEI)


def reach_of(facts: ApkFacts, target: CallSite, consent_apis: tuple[str, ...] = ()) -> Reach:
    """The classification of one call site."""
    return analyze(facts, [target], consent_apis)[target]


def launcher_app(main_methods: tuple[str, ...], extra_classes: list[ClassDef], calls: list[CallSite]) -> ApkFacts:
    """An app whose launcher activity ``Main`` defines ``main_methods``, plus the given classes and calls."""
    cls, target = collector()
    return apk([klass(MAIN, *main_methods, superclass="Landroid/app/Activity;"), cls, *extra_classes],
               [*calls, target], launcher="com.ex.Main")


def test_click_only_is_not_startup_but_thread_start_is() -> None:
    listener = klass("Lcom/ex/Main$1;", "<init>(Lcom/ex/Main;)V", "onClick(Landroid/view/View;)V",
                     interfaces=("Landroid/view/View$OnClickListener;",))
    facts = launcher_app(("onCreate(Landroid/os/Bundle;)V",), [listener], [
        call(f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "Lcom/ex/Main$1;-><init>(Lcom/ex/Main;)V"),
        call(f"{MAIN}->onCreate(Landroid/os/Bundle;)V",
             "Landroid/view/View;->setOnClickListener(Landroid/view/View$OnClickListener;)V"),
        call("Lcom/ex/Main$1;->onClick(Landroid/view/View;)V", COLLECT),
    ])
    target = facts.code.call_sites[-1]
    r = reach_of(facts, target)
    assert not r.startup_reachable and not r.background
    assert (r.entry_kind, r.entry) == ("interaction", "Lcom/ex/Main$1;->onClick(Landroid/view/View;)V")
    assert r.path == ("Lcom/ex/Main$1;->onClick(Landroid/view/View;)V", COLLECT)

    # The same listener class handed to a Thread instead runs without the user.
    worker = klass("Lcom/ex/Main$1;", "<init>(Lcom/ex/Main;)V", "run()V", interfaces=("Ljava/lang/Runnable;",))
    facts = launcher_app(("onCreate(Landroid/os/Bundle;)V",), [worker], [
        call(f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "Lcom/ex/Main$1;-><init>(Lcom/ex/Main;)V"),
        call(f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "Ljava/lang/Thread;-><init>(Ljava/lang/Runnable;)V"),
        call(f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "Ljava/lang/Thread;->start()V"),
        call("Lcom/ex/Main$1;->run()V", COLLECT),
    ])
    r = reach_of(facts, facts.code.call_sites[-1])
    assert r.startup_reachable and not r.consent_gated
    assert r.path[1] == "Lcom/ex/Main$1;->run()V"


def test_thread_subclass_started_from_application() -> None:
    on_create = f"{APP}->onCreate()V"
    cls, target = collector()
    facts = apk([klass(APP, "onCreate()V", superclass="Landroid/app/Application;"), cls,
                 klass("Lcom/ex/Worker;", "<init>()V", "run()V", superclass="Ljava/lang/Thread;")],
                [call(on_create, "Lcom/ex/Worker;-><init>()V"), call(on_create, "Lcom/ex/Worker;->start()V"),
                 call("Lcom/ex/Worker;->run()V", COLLECT), target], application="com.ex.App")
    graph = CallGraph(facts)
    src, dst = graph.index[on_create], graph.index["Lcom/ex/Worker;->run()V"]
    assert graph.edge_kinds[(src, dst)] == "thread"
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.entry_kind, r.entry) == (True, "application", on_create)
    assert r.path == (on_create, "Lcom/ex/Worker;->run()V", COLLECT)


def test_consent_flag_and_sdk_switch_gate_but_a_parallel_path_does_not() -> None:
    on_create = f"{APP}->onCreate()V"
    gate = f"{APP}->initIfAgreed()V"
    sdk_init = "Lcom/sdk/Sdk;->init()V"
    sdk = klass("Lcom/sdk/Sdk;", "init()V")
    cls, target = collector()
    app = klass(APP, "onCreate()V", "initIfAgreed()V", superclass="Landroid/app/Application;")
    gated_calls = [call(on_create, gate), call(gate, "Landroid/content/SharedPreferences;->getBoolean"
                                                    "(Ljava/lang/String;Z)Z", "interface"),
                   call(gate, sdk_init), call(sdk_init, COLLECT), target]
    facts = apk([app, sdk, cls], gated_calls, strings={gate: ("prefs", "privacy_agreed")}, application="com.ex.App")
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.consent_gated) == (True, True)
    assert gate in r.path

    # A key that is not about consent does not gate.
    facts = apk([app, sdk, cls], gated_calls, strings={gate: ("prefs", "night_mode")}, application="com.ex.App")
    assert reach_of(facts, target).consent_gated is False

    # An SDK privacy switch gates when the rules name it, and only then.
    switch_calls = [call(on_create, gate), call(gate, f"{UMENG_SWITCH}(Landroid/content/Context;Z)V", "static"),
                    call(gate, sdk_init), call(sdk_init, COLLECT), target]
    facts = apk([app, sdk, cls], switch_calls, application="com.ex.App")
    assert reach_of(facts, target, (UMENG_SWITCH,)).consent_gated is True
    assert reach_of(facts, target).consent_gated is False

    # A second, unguarded path makes the call run before consent, and that path is the evidence.
    facts = apk([app, sdk, cls], [*switch_calls, call(on_create, sdk_init)], application="com.ex.App")
    r = reach_of(facts, target, (UMENG_SWITCH,))
    assert (r.startup_reachable, r.consent_gated) == (True, False)
    assert r.path == (on_create, sdk_init, COLLECT)


def test_provider_oncreate_and_startup_initializer_are_startup_entries() -> None:
    provider = "Lcom/sdk/InitProvider;"
    initializer = "Lcom/sdk/SdkInitializer;"
    cls, target = collector()
    facts = apk([klass(provider, "onCreate()Z", superclass="Landroid/content/ContentProvider;"),
                 klass(initializer, "create(Landroid/content/Context;)Ljava/lang/Object;",
                       interfaces=("Landroidx/startup/Initializer;",)), cls],
                [call(f"{provider}->onCreate()Z", COLLECT), target],
                components=[component("provider", "com.sdk.InitProvider"),
                            component("provider", "androidx.startup.InitializationProvider")],
                meta_data=[MetaData("androidx.startup.InitializationProvider", "com.sdk.SdkInitializer",
                                    "androidx.startup", None)])
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.entry_kind, r.path[0]) == (True, "provider", f"{provider}->onCreate()Z")

    moved = [call(f"{initializer}->create(Landroid/content/Context;)Ljava/lang/Object;", COLLECT), target]
    facts = apk(facts.code.classes, moved, components=facts.manifest.components, meta_data=facts.manifest.meta_data)
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.entry_kind) == (True, "startup-initializer")


def test_virtual_dispatch_reaches_overrides_and_resolves_up() -> None:
    on_create = f"{APP}->onCreate()V"
    base, sub = "Lcom/ex/Base;", "Lcom/ex/Sub;"
    cls, target = collector()
    classes = [klass(APP, "onCreate()V", superclass="Landroid/app/Application;"), cls,
               klass(base, "work()V", "helper()V"), klass(sub, "work()V", superclass=base)]
    # A call written on the base type reaches the override in the subclass, once a Sub is instantiated (rapid
    # type analysis); without register flow (facts built by hand) the receiver is not narrowed: a possible path.
    new_sub = call(on_create, f"{sub}-><init>()V")
    facts = apk(classes, [new_sub, call(on_create, f"{base}->work()V"), call(f"{sub}->work()V", COLLECT), target],
                application="com.ex.App")
    r = reach_of(facts, target)
    assert r.startup_reachable and r.path == (on_create, f"{sub}->work()V", COLLECT)
    assert r.evidence == "possible" and r.steps[1].via == "dispatch-unresolved"
    facts = apk(classes, [call(on_create, f"{base}->work()V"), call(f"{sub}->work()V", COLLECT), target],
                application="com.ex.App")
    assert reach_of(facts, target).startup_reachable is False
    # A call written on the subclass for a method only the base defines lands in the base.
    facts = apk(classes, [call(on_create, f"{sub}->helper()V"), call(f"{base}->helper()V", COLLECT), target],
                application="com.ex.App")
    assert reach_of(facts, target).path == (on_create, f"{base}->helper()V", COLLECT)
    # A non-virtual call does not dispatch down.
    facts = apk(classes, [call(on_create, f"{base}->work()V", "super"), call(f"{sub}->work()V", COLLECT), target],
                application="com.ex.App")
    assert reach_of(facts, target).startup_reachable is False


def test_interface_call_on_framework_type_reaches_app_implementors() -> None:
    on_create = f"{APP}->onCreate()V"
    task = "Lcom/ex/Task;"
    cls, target = collector()
    other = klass("Lcom/ex/Other;", "run()V", interfaces=("Ljava/lang/Runnable;",))
    facts = apk([klass(APP, "onCreate()V", superclass="Landroid/app/Application;"), cls, other,
                 klass(task, "run()V", interfaces=("Ljava/lang/Runnable;",))],
                [call(on_create, f"{task}-><init>()V"), call(on_create, "Lcom/ex/Other;-><init>()V"),
                 call(on_create, "Ljava/lang/Runnable;->run()V", "interface"), call(f"{task}->run()V", COLLECT),
                 target], application="com.ex.App")
    # Two instantiated implementors: the call goes through a dispatch node, which the path does not show.
    graph = CallGraph(facts)
    assert len(graph.names) == graph.method_count + 1
    assert reach_of(facts, target).path == (on_create, f"{task}->run()V", COLLECT)


def test_path_crosses_dex_files() -> None:
    cls, target = collector(dex="classes3.dex")
    bridge = klass("Lcom/ex/Bridge;", "go()V", dex="classes2.dex")
    facts = apk([klass(APP, "onCreate()V", superclass="Landroid/app/Application;"), bridge, cls],
                [call(f"{APP}->onCreate()V", "Lcom/ex/Bridge;->go()V", "static"),
                 call("Lcom/ex/Bridge;->go()V", COLLECT, "static"), target], application="com.ex.App")
    r = reach_of(facts, target)
    dex_of = {m: c.dex for c in facts.code.classes for m in c.methods}
    assert r.startup_reachable
    assert [dex_of[m] for m in r.path] == ["classes.dex", "classes2.dex", "classes3.dex"]


def test_boot_receiver_is_background_not_startup() -> None:
    receiver = "Lcom/ex/BootReceiver;"
    on_receive = f"{receiver}->onReceive(Landroid/content/Context;Landroid/content/Intent;)V"
    cls, target = collector()
    facts = apk([klass(receiver, "onReceive(Landroid/content/Context;Landroid/content/Intent;)V",
                       superclass="Landroid/content/BroadcastReceiver;"), cls],
                [call(on_receive, COLLECT), target],
                components=[component("receiver", "com.ex.BootReceiver", ("android.intent.action.BOOT_COMPLETED",))])
    analysis = ReachAnalysis(facts)
    r = analysis.reach(target.caller, target.callee)
    assert (r.startup_reachable, r.background, r.entry_kind, r.path) == (False, True, "receiver",
                                                                         (on_receive, COLLECT))
    assert analysis.entries[0].actions == ("android.intent.action.BOOT_COMPLETED",)


def test_timer_callback_is_background() -> None:
    settings = "Lcom/ex/Settings;"
    poll = "Lcom/ex/Poll;"
    on_create = f"{settings}->onCreate(Landroid/os/Bundle;)V"
    target = call(f"{poll}->run()V", LOCATION)
    facts = apk([klass(settings, "onCreate(Landroid/os/Bundle;)V", superclass="Landroid/app/Activity;"),
                 klass(poll, "<init>()V", "run()V", superclass="Ljava/util/TimerTask;")],
                [call(on_create, f"{poll}-><init>()V"),
                 call(on_create, "Ljava/util/Timer;->scheduleAtFixedRate(Ljava/util/TimerTask;JJ)V"), target],
                components=[component("activity", "com.ex.Settings")])
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.background, r.entry_kind, r.path) == (False, True, "timer", (f"{poll}->run()V",))


def test_inherited_lifecycle_and_unreached_code() -> None:
    base_app = "Lcom/lib/BaseApp;"
    cls, target = collector()
    facts = apk([klass(APP, "<init>()V", superclass=base_app),
                 klass(base_app, "onCreate()V", superclass="Landroid/app/Application;"), cls],
                [call(f"{base_app}->onCreate()V", COLLECT), target], application="com.ex.App")
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.entry) == (True, f"{base_app}->onCreate()V")
    facts = apk(facts.code.classes, [target], application="com.ex.App")
    assert reach_of(facts, target) == Reach(False, False, False, None, None, ())


def test_component_started_by_name_and_startup_permission_request() -> None:
    on_create = f"{MAIN}->onCreate(Landroid/os/Bundle;)V"
    service = "Lcom/ex/SyncService;"
    request = call(on_create, "Landroidx/core/app/ActivityCompat;->requestPermissions"
                              "(Landroid/app/Activity;[Ljava/lang/String;I)V", "static")
    cls, target = collector()
    facts = apk([klass(MAIN, "onCreate(Landroid/os/Bundle;)V", superclass="Landroid/app/Activity;"), cls,
                 klass(service, "onStartCommand(Landroid/content/Intent;II)I", superclass="Landroid/app/Service;")],
                [call(on_create, "Landroid/content/Intent;->setClassName"
                                 "(Landroid/content/Context;Ljava/lang/String;)Landroid/content/Intent;"),
                 call(on_create, "Landroid/content/Context;->startService"
                                 "(Landroid/content/Intent;)Landroid/content/ComponentName;"),
                 request, call(f"{service}->onStartCommand(Landroid/content/Intent;II)I", COLLECT), target],
                strings={on_create: ("com.ex.SyncService", "android.permission.READ_PHONE_STATE")},
                components=[component("service", "com.ex.SyncService")], launcher="com.ex.Main")
    r = reach_of(facts, target)
    assert (r.startup_reachable, r.background, r.entry_kind) == (True, True, "launcher")
    assert r.path[1] == f"{service}->onStartCommand(Landroid/content/Intent;II)I"
    requests = requests_at_startup(facts)
    assert [(q.site, q.permissions) for q in requests] == [(request, ("android.permission.READ_PHONE_STATE",))]

    # Written on the activity itself, the request is the inherited Activity.requestPermissions.
    own = call(on_create, f"{MAIN}->requestPermissions([Ljava/lang/String;I)V")
    facts = apk(facts.code.classes, [own], strings=facts.code.strings, launcher="com.ex.Main")
    assert [q.site for q in requests_at_startup(facts)] == [own]


def test_calls_before_the_check_in_the_gate_method_are_not_gated() -> None:
    on_create = f"{MAIN}->onCreate(Landroid/os/Bundle;)V"
    early, late = call(on_create, IMEI), call(on_create, LOCATION)
    facts = launcher_app(("onCreate(Landroid/os/Bundle;)V",), [], [
        early, call(on_create, "Landroid/content/SharedPreferences;->getBoolean(Ljava/lang/String;Z)Z", "interface"),
        late, call(on_create, COLLECT, "static")])
    facts = apk(facts.code.classes, facts.code.call_sites, strings={on_create: ("settings", "privacy_agreed")},
                launcher="com.ex.Main")
    result = analyze(facts, [early, late, facts.code.call_sites[-1]])
    assert [(r.startup_reachable, r.consent_gated) for r in result.values()] == [(True, False), (True, True),
                                                                                  (True, True)]
