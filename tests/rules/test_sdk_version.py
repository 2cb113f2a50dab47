"""SDK versions: each place an APK states one, the order they are tried in, and what must not be taken for one.

Hand-built facts pin each rule of ``appscan.rules.sdk_version``; the corpus test holds a dozen versions read by
hand from the bytecode (``baksmali d --classes``) or the zip listing of real APKs.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from appscan.apk import extract_facts
from appscan.model import ApkFacts, MetaData, NativeLib
from appscan.rules.catalog import Sdk, SdkSignals, VersionHint
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution, detect_sdks
from appscan.rules.sdk_version import SdkVersions, version_value
from tests.conftest import corpus_path
from tests.graph.factory import apk, klass


def _sdk(id_: str, *packages: str, native_libs: tuple[str, ...] = (), assets: tuple[str, ...] = (),
         version: tuple[VersionHint, ...] = ()) -> Sdk:
    """A catalogue entry with these signals and version hints."""
    return Sdk(id_, id_, "vendor", "cn", "other",
               SdkSignals(packages=packages, native_libs=native_libs, assets=assets), (), (), version=version)


def _facts(constants: dict[str, tuple[str, ...]], *, package: str = "com.example.app",
           libs: tuple[str, ...] = (), assets: tuple[str, ...] = (), version_files: dict[str, str] | None = None,
           meta_data: tuple[MetaData, ...] = ()) -> ApkFacts:
    """An app whose classes are those of ``constants``' members, with these version constants and files."""
    classes = sorted({m.partition("->")[0] for m in constants})
    facts = apk([klass(c) for c in classes], (), meta_data=meta_data)
    return dataclasses.replace(
        facts, app=dataclasses.replace(facts.app, package=package),
        code=dataclasses.replace(facts.code, version_constants=dict(constants)),
        native_libs=tuple(NativeLib("arm64-v8a", name, f"lib/arm64-v8a/{name}", 1) for name in libs),
        resources=dataclasses.replace(facts.resources, assets=assets, version_files=version_files or {}))


def _version(facts: ApkFacts, sdk: Sdk, *others: Sdk) -> str | None:
    """The version ``SdkVersions`` gives ``sdk`` in these facts, with ``others`` also in the catalogue."""
    catalogue = (sdk, *others)
    return SdkVersions(facts, Attribution.for_app(facts, catalogue).of, catalogue).of(sdk)


def _field(cls: str, name: str) -> str:
    return f"L{cls};->{name}:Ljava/lang/String;"


@pytest.mark.parametrize(("text", "expected"), [
    ("4.3.0.316", "4.3.0.316"), ("v3.1", "3.1"), (" 6.2.1-beta ", "6.2.1-beta"), ("3.2.2-20160830", "3.2.2-20160830"),
    ("android 5.1.6", "5.1.6"), ("1.3.1 rev 1", "1.3.1 rev 1"),
    ("1", None), ("0.0.0", None), ("", None), ("app_version", None), ("HTTP/1.1", None), ("ConstraintLayout-2.1.4", None),
])
def test_version_value(text: str, expected: str | None) -> None:
    assert version_value(text) == expected


def test_sdk_version_field_beats_buildconfig_and_getter() -> None:
    sdk = _sdk("x5", "com.tencent.smtt")
    facts = _facts({_field("com/tencent/smtt/sdk/TbsConfig", "TBS_SDK_VERSIONNAME"): ("4.3.0.316",),
                    _field("com/tencent/smtt/BuildConfig", "VERSION_NAME"): ("4.1.0",),
                    "Lcom/tencent/smtt/sdk/QbSdk;->getVersion()Ljava/lang/String;": ("4.0.0",)})
    assert _version(facts, sdk) == "4.3.0.316"


def test_buildconfig_beats_plain_fields_and_getters() -> None:
    sdk = _sdk("crash", "com.crashlytics")
    facts = _facts({_field("com/crashlytics/android/BuildConfig", "VERSION_NAME"): ("2.6.7",),
                    _field("com/crashlytics/android/Kit", "VERSION"): ("2.0.0",),
                    "Lcom/crashlytics/android/Kit;->getVersion()Ljava/lang/String;": ("2.1.0",)})
    assert _version(facts, sdk) == "2.6.7"


def test_template_buildconfig_loses_to_a_getter() -> None:
    """Vendors' library modules often keep the template's versionName 1.0.0; the SDK's own getter knows better."""
    sdk = _sdk("shop", "com.mob.shop")
    facts = _facts({_field("com/mob/shop/BuildConfig", "VERSION_NAME"): ("1.0.0",),
                    "Lcom/mob/shop/ShopSDK;->getVersion()Ljava/lang/String;": ("1.1.0",)})
    assert _version(facts, sdk) == "1.1.0"
    alone = _facts({_field("com/mob/shop/BuildConfig", "VERSION_NAME"): ("1.0.0",)})
    assert _version(alone, sdk) == "1.0.0"


def test_the_apps_own_buildconfig_is_not_the_sdks() -> None:
    """A demo app built in the vendor's namespace: its BuildConfig names the app's own application id."""
    sdk = _sdk("jcore", "cn.jiguang")
    facts = _facts({_field("cn/jiguang/jmlinkdemo/BuildConfig", "VERSION_NAME"): ("1.2",),
                    _field("cn/jiguang/jmlinkdemo/BuildConfig", "APPLICATION_ID"): ("com.jiguang.jmlinkdemo",)},
                   package="com.jiguang.jmlinkdemo")
    assert _version(facts, sdk) is None


def test_constants_deep_below_the_prefix_belong_to_sub_modules() -> None:
    core = _sdk("mob-core", "com.mob")
    facts = _facts({_field("com/mob/push/vivo/BuildConfig", "VERSION_NAME"): ("1.2",)})
    assert _version(facts, core) is None
    near = _facts({_field("com/mob/tools/BuildConfig", "VERSION_NAME"): ("3.1.1",)})
    assert _version(near, core) == "3.1.1"


def test_a_product_version_is_not_the_vendor_core_version() -> None:
    core, product = _sdk("mob-core", "com.mob"), _sdk("mob-push", "com.mob.pushsdk")
    facts = _facts({_field("com/mob/pushsdk/MobPush", "SDK_VERSION_NAME"): ("1.7.4",)})
    assert _version(facts, core, product) is None
    assert _version(facts, product, core) == "1.7.4"
    tagged = _facts({_field("com/mob/commons/SHAREREC", "SDK_VERSION_NAME"): ("2.0.1",)})
    assert _version(tagged, core) is None  # a constants class named in capitals after another product


def test_a_field_hinted_by_another_sdk_is_that_sdks_alone() -> None:
    core = _sdk("mob-core", "com.mob")
    share = _sdk("sharesdk", "cn.sharesdk",
                 version=(VersionHint("field", _field("com/mob/commons/ShareSdkInfo", "SDK_VERSION_NAME")),))
    facts = _facts({_field("com/mob/commons/ShareSdkInfo", "SDK_VERSION_NAME"): ("3.1.1",)})
    assert _version(facts, share, core) == "3.1.1"
    assert _version(facts, core, share) is None


@pytest.mark.parametrize("member", [
    _field("com/vendor/sdk/Constants", "KEY_APP_VERSION"), _field("com/vendor/sdk/Constants", "OS_VERSION"),
    _field("com/vendor/sdk/Constants", "PROTOCOL_VERSION"), _field("com/vendor/sdk/JsonSerializer", "VERSION"),
    _field("com/vendor/sdk/HttpVersion", "HTTP_1_1"), "Lcom/vendor/sdk/Util;->getAppVersionName()Ljava/lang/String;",
    _field("com/vendor/sdk/Constants", "TIMEOUT"),
])
def test_names_of_other_versions_are_not_taken(member: str) -> None:
    assert _version(_facts({member: ("2.3.4",)}), _sdk("vendor", "com.vendor.sdk")) is None


def test_disagreeing_equals_give_no_version() -> None:
    sdk = _sdk("vendor", "com.vendor.sdk")
    tie = _facts({_field("com/vendor/sdk/A", "SDK_VERSION"): ("1.2.0",), _field("com/vendor/sdk/B", "SDK_VERSION"): ("1.3.0",)})
    assert _version(tie, sdk) is None
    majority = _facts({_field("com/vendor/sdk/A", "SDK_VERSION"): ("1.2.0",),
                       _field("com/vendor/sdk/B", "SDK_VERSION"): ("1.3.0",),
                       _field("com/vendor/sdk/C", "SDK_VERSION"): ("1.3.0",)})
    assert _version(majority, sdk) == "1.3.0"
    getter = _facts({"Lcom/vendor/sdk/A;->getSdkVersion()Ljava/lang/String;": ("1.2.0", "1.3.0")})
    assert _version(getter, sdk) is None


def test_hints_come_first_in_the_order_written() -> None:
    sdk = _sdk("fa", "com.google.firebase.analytics", version=(
        VersionHint("meta_data", "fa_version"),
        VersionHint("file", "META-INF/com.google.firebase_firebase-analytics.version"),
        VersionHint("field", _field("com/tencent/mm/opensdk/constants/Build", "SDK_VERSION_NAME"))))
    generic = {_field("com/google/firebase/analytics/BuildConfig", "VERSION_NAME"): ("9.9.9",)}
    assert _version(_facts(generic), sdk) == "9.9.9"
    files = {"META-INF/com.google.firebase_firebase-analytics.version": "21.2.0"}
    assert _version(_facts(generic, version_files=files), sdk) == "21.2.0"
    meta = (MetaData("application", "fa_version", "20.1", None),)
    assert _version(_facts(generic, version_files=files, meta_data=meta), sdk) == "20.1"
    field = {_field("com/tencent/mm/opensdk/constants/Build", "SDK_VERSION_NAME"): ("android 6.8.0",)}
    assert _version(_facts(field), sdk) == "6.8.0"


def test_versions_in_file_names() -> None:
    baidu = _sdk("baidu-map", "com.baidu.mapapi", native_libs=("libBaiduMapSDK_*.so",))
    assert _version(_facts({}, libs=("libBaiduMapSDK_base_v7_5_4.so",)), baidu) == "7.5.4"
    jpush = _sdk("jpush", "cn.jpush.android", native_libs=("libjpush*.so",))
    assert _version(_facts({}, libs=("libjpush219.so",)), jpush) == "2.1.9"
    assert _version(_facts({}, libs=("libjpush.so",)), jpush) is None
    tbs = _sdk("tbs", "com.tencent.smtt", assets=("tbs_sdk_*.jar",))
    assert _version(_facts({}, assets=("assets/tbs_sdk_3.6.0.jar",)), tbs) == "3.6.0"
    other = _sdk("other", "com.other", native_libs=("libother*.so",))
    assert _version(_facts({}, libs=("libBaiduMapSDK_base_v7_5_4.so",)), other) is None


@pytest.mark.parametrize(("lib", "expected"), [
    ("libshella-2.8.so", "2.8"), ("libshella-2.10.3.1.so", "2.10.3.1"), ("libshellx-3.0.0.0.so", "3.0.0.0"),
    ("libshell-super.2019.so", None), ("libshellx-super.2019.so", None)])
def test_a_packers_version_from_its_loader_library(lib: str, expected: str | None) -> None:
    """Tencent Legu names its loader library with its version; its yearly editions carry a year, not a version."""
    (legu,) = [s for s in load_rulesets().sdks if s.id == "tencent-legu"]
    facts = _facts({}, libs=(lib,))
    assert {d.id: d.version for d in detect_sdks(facts, [legu])} == {"tencent-legu": expected}


def test_detect_sdks_reports_the_version() -> None:
    """The detection itself carries the version (the hook in ``detect_sdks``)."""
    sdk = _sdk("x5", "com.tencent.smtt")
    facts = _facts({_field("com/tencent/smtt/sdk/TbsConfig", "TBS_SDK_VERSIONNAME"): ("4.3.0.316",)})
    assert [(d.id, d.version) for d in detect_sdks(facts, (sdk,))] == [("x5", "4.3.0.316")]


HAND_CHECKED = {
    # APK: {sdk id: version}. Each read by hand: `baksmali d --classes` on the class named, or `unzip -l`.
    "pypi__airtest-1.4.3_Yosemite.apk": {"tencent-x5": "4.3.0.316"},  # TbsConfig.TBS_SDK_VERSIONNAME
    "github__MobPush-10704.apk": {
        "mobpush": "1.7.4",  # com.mob.pushsdk.MobPush.SDK_VERSION_NAME
        "hms-base": "2.6.0.301",  # HuaweiApiAvailability.HMS_SDK_VERSION_NAME
        "vivo-push": "2.3.1",  # com.vivo.push.PushClient.getVersion(): const-string "2.3.1"
    },
    "github__ShopSDK-1.1.0.apk": {
        "mob-shopsdk": "1.1.0",  # com.mob.shop.ShopSDK.SDK_VERSION_NAME (its BuildConfig keeps the template 1.0.0)
        "alipay": "15.4.1",  # com.alipay.sdk.app.PayTask.getVersion()
        "alipay-security": "3.2.2-20160830",  # APSecuritySdk.getSdkVersion()
        "sharesdk": "3.1.1",  # com.mob.commons.SHARESDK.SDK_VERSION_NAME (catalogue hint)
    },
    "exodus-core__instapaper.apk": {"firebase-crashlytics": "2.6.7"},  # com.crashlytics.android.BuildConfig
    "github__BuglyHotfixDemo.apk": {"tencent-tinker": "1.9.9"},  # ShareConstants.TINKER_VERSION
    "github__CrossWeather-release.apk": {
        "google-analytics": "1.4.2",  # GoogleAnalyticsTracker.VERSION (not WIRE_VERSION 4.8.1ma)
        "umeng-analytics": "3.0",  # com.mobclick.android.UmengConstants.SDK_VERSION
    },
    "github__MyWeixinTest_shoenet.apk": {"wechat-opensdk": "5.1.6"},  # opensdk Build: "android 5.1.6"
    "github__YoudaoOCR_readboy.apk": {"youdao-zhiyun": "1.7.3"},  # YoudaoParams.SDK_VERSION
    "github__LabCalificadoFirebase.apk": {"firebase-database": "3.0.0"},  # FirebaseDatabase.getSdkVersion()
    "github__SMSSDK-3.3.0.apk": {"smssdk": "3.3.0"},  # cn.smssdk.BuildConfig (APPLICATION_ID cn.smssdk)
    "github__jbox.apk": {"jpush": "2.1.9"},  # lib/armeabi/libjpush219.so
}


@cache
def _corpus_versions(name: str) -> dict[str, str | None]:
    facts = extract_facts(corpus_path() / name)
    return {d.id: d.version for d in detect_sdks(facts, load_rulesets().sdks)}


@pytest.mark.parametrize("name", sorted(HAND_CHECKED))
def test_hand_checked_corpus_versions(name: str) -> None:
    found = _corpus_versions(name)
    assert {sdk: found.get(sdk) for sdk in HAND_CHECKED[name]} == HAND_CHECKED[name]
