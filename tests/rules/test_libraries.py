"""The platform/open-source library catalogue (``rulesets/libraries.yaml``): well-formed, disjoint from the SDK
catalogue, and covering what real corpus apps carry."""

from __future__ import annotations

from collections import Counter

import pytest

from appscan.apk import extract_facts
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution, java_package
from tests.conftest import corpus_path

RULES = load_rulesets()

COVERAGE_APKS = (
    "github__DoubanMovie.apk", "github__KotlinGank.apk", "github__Zhihu-Daily.apk", "github__QuranyApp-v15.apk",
    "github__CommunicationNetwork_qingyun.apk", "exodus-core__instapaper.apk", "github__Walrus.apk",
    "mobsf__XposedInstaller_3.1.5.apk", "npm__io.appium.settings-8.0.10.apk", "github__agentweb-sample.apk",
    "training__InsecureBankv2.apk", "github__ShareREC-my-gdx-game-V2.0.01.apk",
)
"""Apps of different kinds (Kotlin, RxJava/Retrofit, netty, libGDX, Xposed, test servers) whose libraries the
catalogue was grown from."""


def test_brief_list_is_catalogued() -> None:
    """Every library family named when the catalogue was asked for is there, by a class it ships."""
    attribution = Attribution(RULES.sdks, "com.example", RULES.libraries)
    expected = {
        "androidx.appcompat.app": "androidx", "android.support.v7.app": "android-support", "kotlin.jvm": "kotlin-stdlib",
        "kotlinx.coroutines": "kotlinx-coroutines", "com.google.android.material.button": "material-components",
        "okhttp3": "okhttp", "okio": "okio", "retrofit2": "retrofit", "com.google.gson": "gson",
        "com.bumptech.glide": "glide", "com.squareup.picasso": "picasso", "com.facebook.drawee.view": "fresco",
        "io.reactivex.internal": "rxjava", "org.greenrobot.eventbus": "eventbus", "butterknife": "butterknife",
        "dagger.internal": "dagger", "com.fasterxml.jackson.databind": "jackson", "org.apache.commons.lang3":
        "apache-commons", "com.google.common.collect": "guava", "com.google.zxing.qrcode": "zxing",
        "com.airbnb.lottie": "lottie", "com.google.protobuf": "protobuf", "javax.inject": "javax", "org.json": "org-json",
    }
    assert {p: attribution.owner_of_package(p).id for p in expected} == expected


def test_no_library_prefix_equals_or_lies_inside_an_sdk_prefix() -> None:
    """A library prefix equal to an SDK's would make ownership depend on tie-breaking, and one inside an SDK's
    prefix would take that SDK's code (and its data collection) away from it, unless the library says it is
    carved out of that SDK's tree on purpose (``carved_from``)."""
    sdk_prefixes = {p: s.id for s in RULES.sdks for p in s.signals.packages}
    clashes = []
    for library in RULES.libraries:
        for prefix in library.packages:
            probe = prefix
            while probe:
                if probe in sdk_prefixes and (probe == prefix or sdk_prefixes[probe] != library.carved_from):
                    clashes.append(f"{library.id}:{prefix} in {sdk_prefixes[probe]}:{probe}")
                probe = probe.rpartition(".")[0]
    assert clashes == []


def test_library_prefixes_are_unique() -> None:
    owners = Counter(p for lib in RULES.libraries for p in lib.packages)
    assert [p for p, n in owners.items() if n > 1] == []


@pytest.mark.parametrize("origin", ["platform", "open-source", "proprietary"])
def test_every_origin_is_used(origin: str) -> None:
    assert any(lib.origin == origin for lib in RULES.libraries)


def test_catalogue_covers_the_corpus_third_party_code() -> None:
    """Of the classes that are neither the app's nor an SDK's, the library catalogue names at least 92% (0.926 when
    written); every large remaining group is renamed (obfuscated) code or a Play services, Firebase or Facebook
    module, which are SDKs' business, and is reported as unidentified code, never as the app's."""
    counts: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for name in COVERAGE_APKS:
        facts = extract_facts(corpus_path() / name, None)
        attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
        for cls in facts.code.classes:
            owner = attribution.owner_of_package(java_package(cls.name))
            counts[owner.kind] += 1
            if owner.kind == "unidentified" and owner.id is not None:
                groups[owner.id] += 1
    share = counts["library"] / (counts["library"] + counts["unidentified"])
    assert share >= 0.92, f"library share {share:.3f} ({dict(counts)})"
    large = sorted(root for root, n in groups.items() if n >= 20 and not _renamed(root)
                   and not root.startswith(SDK_TERRITORY))
    assert large == [], f"large unidentified groups that may be libraries: {large}"


SDK_TERRITORY = ("com.google.android.gms", "com.google.firebase", "com.facebook")
"""Roots left to the SDK catalogue: Play services, Firebase and Facebook SDK modules (data-collecting SDKs)."""


def _renamed(root: str) -> bool:
    """An obfuscated root (``a``, ``com.b``): its short segments say nothing about the library it was."""
    parts = root.split(".")
    return all(len(p) <= 2 for p in (parts[1:] if parts[0] in ("com", "org", "net") else parts))


def test_dormant_code_lies_in_its_library_and_names_smali_switches() -> None:
    """A library's dormant classes are its own (a prefix of its packages), and the calls that switch them on are
    smali method prefixes, so that the app-wide search can match them."""
    dormant = [(library, code) for library in RULES.libraries for code in library.dormant]
    assert dormant
    for library, code in dormant:
        for cls in code.callers:
            assert any(java_package(cls).startswith(p) for p in library.packages), (library.id, cls)
        assert all(s.startswith("L") and s.endswith("(") and ";->" in s for s in code.unless_called)
