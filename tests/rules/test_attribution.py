"""Who wrote each piece of code: the app, an SDK, a library or unidentified third-party code.

Hand-built facts (``tests.graph.factory``) pin each rule of ``appscan.rules.sdk_match``; real corpus APKs check that
the rules hold on apps nobody wrote for this test, including a dozen call sites whose owner was verified by hand.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from appscan.apk import extract_facts
from appscan.model import ApiCall, ApkFacts
from appscan.rules.catalog import Sdk, SdkSignals
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution, Owner, app_namespaces, detect_sdks, unidentified_root
from tests.conftest import corpus_path
from tests.graph.factory import apk, component, klass

RULES = load_rulesets()


def _facts(package: str, *classes: str, launcher: str | None = None, application: str | None = None,
           components: tuple[str, ...] = ()) -> ApkFacts:
    """An app with this manifest package, these classes, and optionally these manifest names."""
    facts = apk([klass(c) for c in classes], (), launcher=launcher, application=application,
                components=[component("activity", c) for c in components])
    return dataclasses.replace(facts, app=dataclasses.replace(facts.app, package=package))


def _owners(facts: ApkFacts, *classes: str, sdks: tuple[Sdk, ...] | None = None) -> list[Owner]:
    """The owner of each class under the bundled catalogue (or the given SDKs and no library)."""
    if sdks is None:
        attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
    else:
        attribution = Attribution.for_app(facts, sdks)
    return [attribution.owner(c) for c in classes]


def test_four_owners() -> None:
    classes = ("Lcom/example/shop/Main;", "Landroidx/core/app/ActivityCompat;", "Lcom/umeng/analytics/Agent;",
               "Lcom/unknownvendor/track/Beacon;", "Lokhttp3/OkHttpClient;")
    assert _owners(_facts("com.example.shop", *classes), *classes) == [
        Owner("app"), Owner("library", "androidx"), Owner("sdk", "umeng-analytics"),
        Owner("unidentified", "com.unknownvendor"), Owner("library", "okhttp")]


def test_longest_prefix_wins_across_sdks_and_libraries() -> None:
    classes = ("Lcom/google/android/gms/common/api/GoogleApiClient;", "Lcom/google/android/gms/measurement/M;",
               "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;")
    assert _owners(_facts("com.example", *classes), *classes) == [
        Owner("library", "play-services-base"), Owner("sdk", "firebase-analytics"),
        Owner("sdk", "google-ads-identifier")]


def test_manifest_package_beats_the_catalogue() -> None:
    classes = ("Lcom/umeng/soexample/MainActivity;", "Lcom/umeng/analytics/MobclickAgent;")
    assert _owners(_facts("com.umeng.soexample", *classes), *classes) == [Owner("app"),
                                                                          Owner("sdk", "umeng-analytics")]


def test_vendor_demo_under_a_twin_package_is_the_app() -> None:
    """A vendor's demo app: manifest com.jiguang.jmlinkdemo, code in cn.jiguang.jmlinkdemo, inside JCore's
    cn.jiguang prefix. The demo is not JCore; JCore's own code, when present, still is."""
    own = ("Lcn/jiguang/jmlinkdemo/MainActivity;", "Lcn/jiguang/jmlinkdemo/a/B;")
    demo = _facts("com.jiguang.jmlinkdemo", *own, launcher="cn.jiguang.jmlinkdemo.MainActivity",
                  components=("cn.jiguang.jmlinkdemo.MainActivity",))
    namespaces = {n.package: (n.source, n.overrides_catalogue)
                  for n in app_namespaces(demo, Attribution(RULES.sdks, "", RULES.libraries).catalogue)}
    assert namespaces["cn.jiguang.jmlinkdemo"] == ("manifest-twin", True)
    assert _owners(demo, *own) == [Owner("app"), Owner("app")]
    assert "jiguang-jcore" not in {d.id for d in detect_sdks(demo, RULES.sdks)}
    with_sdk = dataclasses.replace(demo, code=dataclasses.replace(
        demo.code, classes=(*demo.code.classes, klass("Lcn/jiguang/api/JCoreInterface;"))))
    found = {d.id: d for d in detect_sdks(with_sdk, RULES.sdks)}
    assert [e.kind for e in found["jiguang-jcore"].evidence] == ["package"]  # the demo's activity is no evidence
    assert _owners(with_sdk, "Lcn/jiguang/api/JCoreInterface;") == [Owner("sdk", "jiguang-jcore")]


def test_twin_needs_the_whole_name_after_the_first_segment() -> None:
    facts = _facts("com.jiguang.jbox", "Lcom/jiguang/jbox/Main;", "Lcn/jiguang/push/Service;",
                   components=("cn.jiguang.push.Service",))
    assert _owners(facts, "Lcn/jiguang/push/Service;") == [Owner("sdk", "jiguang-jcore")]


def test_launcher_package_counts_only_when_the_manifest_package_is_empty_and_named_alike() -> None:
    renamed = _facts("owasp.mstg.uncrackable1", "Lsg/vantagepoint/uncrackable1/MainActivity;",
                     "Lsg/vantagepoint/a/c;", launcher="sg.vantagepoint.uncrackable1.MainActivity")
    assert _owners(renamed, "Lsg/vantagepoint/uncrackable1/MainActivity;", "Lsg/vantagepoint/a/c;") == [
        Owner("app"), Owner("unidentified", "sg.vantagepoint")]
    with_code = _facts("com.studio.game", "Lcom/studio/game/Main;", "Lcom/adsdk/splash/SplashActivity;",
                       launcher="com.adsdk.splash.SplashActivity")
    assert _owners(with_code, "Lcom/adsdk/splash/SplashActivity;") == [Owner("unidentified", "com.adsdk")]


@pytest.mark.parametrize(("launcher", "owner"), [
    ("com.unity3d.player.UnityPlayerActivity", Owner("library", "unity")),
    ("com.adsdk.splash.SplashActivity", Owner("unidentified", "com.adsdk")),
    ("com.studio.mygame.SplashActivity", Owner("app")),
])
def test_game_whose_launcher_is_an_engine_or_sdk_activity(launcher: str, owner: Owner) -> None:
    cls = "L" + launcher.replace(".", "/") + ";"
    facts = _facts("com.studio.mygame", cls, "Lcom/studio/mygame/R;", launcher=launcher)
    assert _owners(facts, cls) == [owner]


def test_organisation_namespace_unless_a_vendor_organisation() -> None:
    vendor = (Sdk("vendor-sdk", "Vendor", "vendor", "global", "other", SdkSignals(packages=("com.vendor.sdk",)),
                  (), ()),)
    own = _facts("com.acme.app", "Lcom/acme/app/Main;", "Lcom/acme/common/Util;")
    assert _owners(own, "Lcom/acme/common/Util;", sdks=vendor) == [Owner("app")]
    demo = _facts("com.vendor.demo", "Lcom/vendor/demo/Main;", "Lcom/vendor/feedback/Form;",
                  "Lcom/vendor/sdk/Agent;")
    assert _owners(demo, "Lcom/vendor/demo/Main;", "Lcom/vendor/feedback/Form;", "Lcom/vendor/sdk/Agent;",
                   sdks=vendor) == [Owner("app"), Owner("unidentified", "com.vendor.feedback"),
                                    Owner("sdk", "vendor-sdk")]


@pytest.mark.parametrize(("package", "inner", "root"), [
    ("com.loopj.android.http", (), "com.loopj"),
    ("com.tencent.smtt.sdk", (), "com.tencent.smtt"),
    ("a.b.c", (), "a"),
    ("bo", (), "bo"),
    ("rx.internal.util", (), "rx"),
    ("", (), ""),
    ("com.google.firebase.auth.internal", ("com.google.firebase",), "com.google.firebase.auth"),
    ("com.huawei.hms.c", ("com.huawei.hms",), "com.huawei.hms"),
    ("cz.msebera.android.httpclient", (), "cz.msebera"),
])
def test_unidentified_roots(package: str, inner: tuple[str, ...], root: str) -> None:
    assert unidentified_root(package, frozenset(inner)) == root


def test_assign_keeps_sdk_and_owner_in_step() -> None:
    facts = _facts("com.example", "Lcom/example/A;")
    attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
    calls = [ApiCall("x", "api", "imei", caller, "stale-sdk", None) for caller in (
        "Lcom/example/A;->m()V", "Landroidx/core/B;->m()V", "Lcom/umeng/analytics/C;->m()V", "Lorg/x/D;->m()V")]
    assigned = [(c.sdk, c.owner_kind, c.owner) for c in attribution.assign(calls)]
    assert assigned == [(None, "app", None), (None, "library", "androidx"),
                        ("umeng-analytics", "sdk", "umeng-analytics"), (None, "unidentified", "org.x")]


def test_api_call_owner_defaults_and_consistency() -> None:
    assert (ApiCall("x", "a", "imei", "c", None, None).owner_kind, ApiCall("x", "a", "imei", "c", "s", None).owner) \
        == ("app", "s")
    with pytest.raises(ValueError, match="disagrees"):
        ApiCall("x", "a", "imei", "c", None, None, owner_kind="sdk", owner="s")


@cache
def _corpus(name: str) -> tuple[Attribution, frozenset[str]]:
    """The attribution of a corpus APK and the names of its classes."""
    facts = extract_facts(corpus_path() / name, None)
    return (Attribution.for_app(facts, RULES.sdks, RULES.libraries),
            frozenset(c.name for c in facts.code.classes))


def _corpus_attribution(name: str) -> Attribution:
    return _corpus(name)[0]


SPOT_CHECKS = [
    # (APK, calling method, owners accepted). Verified by hand from the class's package, superclass and strings.
    # android.support.v4 media session: Support Library code, not MobPush's demo.
    ("MobClub+MobPush-for-Android__c136fdb0__MobPush.apk", "Landroid/support/v4/media/session/MediaButtonReceiver;->a("
     "Landroid/content/Context;Ljava/lang/String;)Landroid/content/ComponentName;", {Owner("library", "android-support")}),
    ("androguard__com.test.intent_filter.apk", "Landroidx/versionedparcelable/VersionedParcel;->readFromParcel()V",
     {Owner("library", "androidx")}),
    # OkHttp with renamed classes but its package kept (okhttp3.internal.connection).
    ("exodus-core__instapaper.apk", "Lokhttp3/internal/connection/e;->a(Ljava/net/InetSocketAddress;)"
     "Ljava/lang/String;", {Owner("library", "okhttp")}),
    ("github__CommunicationNetwork_qingyun.apk", "Lio/netty/handler/proxy/Socks4ProxyHandler;->newInitialMessage("
     "Lio/netty/channel/ChannelHandlerContext;)Ljava/lang/Object;", {Owner("library", "netty")}),
    ("exodus-core__blooddonation.apk", "Lorg/osmdroid/tileprovider/util/CloudmadeUtil;->retrieveCloudmadeKey("
     "Landroid/content/Context;)V", {Owner("library", "osmdroid")}),
    ("github__KotlinGank.apk", "Lcom/squareup/picasso/Dispatcher$NetworkBroadcastReceiver;->onReceive("
     "Landroid/content/Context;Landroid/content/Intent;)V", {Owner("library", "picasso")}),
    ("github__CocosUMProject-debug.apk", "Lorg/cocos2dx/lib/Cocos2dxWebView;-><init>(Landroid/content/Context;I)V",
     {Owner("library", "cocos2d-x")}),
    # Old flat Play services internals (ClearcutLogger strings): Google code of no single module.
    ("androguard__com.example.android.wearable.wear.weardrawers.apk",
     "Lcom/google/android/gms/internal/zzbdy;->zzbz(Landroid/content/Context;)I",
     {Owner("unidentified", "com.google.android.gms.internal")}),
    # Emulator and gatekeeper-file probes: Alipay's security SDK, renamed into com.alipay.b.
    ("github__ShopSDK-1.1.0.apk", "Lcom/alipay/b/a/a/b/b;->n(Landroid/content/Context;)Ljava/lang/String;",
     {Owner("unidentified", "com.alipay.b"), Owner("sdk", "alipay-security")}),
    # OkHttp's RouteSelector ("exhausted proxy configurations") renamed to a.a.b: obfuscated third-party code.
    ("github__QuranyApp-v15.apk", "La/a/b/f;->a(Ljava/net/Proxy;)V", {Owner("unidentified", "a")}),
    # CNZZ's SDK renamed into com.a (its strings name CNZZ_CHANNEL_ID).
    ("github__CNZZ.apk", "Lcom/a/a/a/a/c;->a(Landroid/content/Context;)Ljava/lang/String;",
     {Owner("unidentified", "com.a"), Owner("sdk", "cnzz")}),
    # Xiaomi push's shared utilities, which the Xiaomi push entry's prefixes do not cover.
    ("github__MobPush-10704.apk", "Lcom/xiaomi/channel/commonutils/android/b;->a(Landroid/content/Context;)"
     "Landroid/accounts/Account;", {Owner("unidentified", "com.xiaomi.channel"), Owner("sdk", "xiaomi-push")}),
    # The app's own utilities under its manifest package.
    ("github__CrossWeather-release.apk", "Lcom/crossweather/iweather/util/SendLog;->getDeviceId("
     "Landroid/content/Context;)Ljava/lang/String;", {Owner("app")}),
    # The demo's own code, in the twin of its manifest package.
    ("github__jmlink-demo.apk", "Lcn/jiguang/jmlinkdemo/MainActivity;->onCreate(Landroid/os/Bundle;)V",
     {Owner("app")}),
]


@pytest.mark.parametrize(("name", "caller", "accepted"), SPOT_CHECKS, ids=lambda v: str(v)[:40])
def test_hand_checked_owners_on_corpus_apks(name: str, caller: str, accepted: set[Owner]) -> None:
    attribution, classes = _corpus(name)
    assert caller.split("->", 1)[0] in classes
    assert attribution.owner(caller) in accepted


def test_corpus_demo_twin_and_empty_manifest_package() -> None:
    assert ("cn.jiguang.jmlinkdemo", "manifest-twin") in {
        (n.package, n.source) for n in _corpus_attribution("github__jmlink-demo.apk").namespaces}
    assert ("sg.vantagepoint.uncrackable2", "launcher") in {
        (n.package, n.source) for n in _corpus_attribution("training__UnCrackable-Level2.apk").namespaces}
    # Cocos2d-x's template activity is the launcher, but the engine is a library, never the app.
    cocos = _corpus_attribution("github__CocosUMProject-debug.apk")
    assert [n.package for n in cocos.namespaces] == ["com.umeng.soexample"]
    assert cocos.owner("Lorg/cocos2dx/cpp/AppActivity;") == Owner("library", "cocos2d-x")
