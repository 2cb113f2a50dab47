"""Fingerprint matching (appscan/rules/fingerprint.py): renamed SDK code is found, nothing else is.

Hand-built facts pin the rules (masking, thresholds, which code is looked at, how detections merge); the corpus
tests check the bundled fingerprints never fire on an app without the SDK, and find the SDKs of renamed copies of
labelled apps built at test time with baksmali/smali (tools/obfuscate_apk.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import MappingProxyType

import pytest

from appscan.apk import extract_facts
from appscan.errors import AppscanError
from appscan.model import ApkFacts, Evidence, MetaData, SdkDetection
from appscan.rules.catalog import Fingerprint, Sdk, SdkSignals
from appscan.rules.errors import RuleLoadError
from appscan.rules.fingerprint import MIN_SCORE, class_features, mask_descriptor, match_fingerprints
from appscan.rules.loader import bundled_dir, load_layers, load_rulesets
from appscan.rules.sdk_match import Attribution, detect_sdks
from tests.conftest import corpus_path, require
from tests.graph.factory import apk, call, klass
from tests.rules.test_sdk_corpus import LABELS

CTX = "Landroid/content/Context;"
STR = "Ljava/lang/String;"
VENDOR = Sdk("acme", "Acme", "Acme Ltd", "global", "analytics", SdkSignals(packages=("com.acme",),
                                                                           meta_data=("ACME_KEY",)), (), ())


def test_mask_keeps_framework_and_primitive_types_only() -> None:
    assert mask_descriptor(f"({CTX}Lcom/acme/Cfg;[Lcom/acme/E;I[B)Lcom/acme/R;") == f"({CTX}L;[L;I[B)L;"
    # a framework-looking class the APK defines itself (bundled support library) is renamed like app code
    assert mask_descriptor("(Landroid/support/v4/Foo;)V", frozenset({"Landroid/support/v4/Foo;"})) == "(L;)V"


def _acme_code(package: str) -> list[tuple[object, ...]]:
    """The same SDK code under any package: (classes, calls, strings) of a tracker with a framework service."""
    p = package.replace(".", "/")
    svc, net = f"L{p}/a;", f"L{p}/b;"
    classes = [klass(svc, f"onStartCommand(Landroid/content/Intent;II)I", f"a({CTX}{STR}L{p}/b;)V",
                     superclass="Landroid/app/Service;"),
               klass(net, f"a({CTX}{STR}{STR})Z", "b()V")]
    calls = [call(f"{net}->a({CTX}{STR}{STR})Z", c) for c in (
        f"{CTX}->getPackageName()Ljava/lang/String;", "Ljava/net/URL;-><init>(Ljava/lang/String;)V",
        "Ljava/net/URL;->openConnection()Ljava/net/URLConnection;")]
    strings = {f"{net}->a({CTX}{STR}{STR})Z": ("https://collect.acme-analytics.example/v2", "acme_device_token"),
               f"{svc}->onStartCommand(Landroid/content/Intent;II)I": ("AcmeAgent started",)}
    return [classes, calls, strings]


def _facts(package: str, meta: tuple[str, ...] = ()) -> ApkFacts:
    classes, calls, strings = _acme_code(package)
    return apk(classes, calls, strings=strings,  # type: ignore[arg-type]
               meta_data=[MetaData("application", m, "x", None) for m in meta])


def _learned() -> Fingerprint:
    """A fingerprint built from the unobfuscated code, as the generator would (every feature kept)."""
    features: dict[str, set[str]] = {}
    for _, by_signal in class_features(_facts("com.acme")):
        for signal, values in by_signal.items():
            features.setdefault(signal, set()).update(values)
    return Fingerprint("acme", ("test.apk",), MappingProxyType({k: tuple(sorted(v)) for k, v in features.items()
                                                                if v}))


def test_features_cover_every_signal() -> None:
    assert set(_learned().features) == {"strings", "descriptors", "methods", "classes"}


def test_renamed_code_is_found_with_fingerprint_evidence() -> None:
    facts = _facts("a.b")
    (detection,) = detect_sdks(facts, [VENDOR], None, [_learned()])
    assert detection.id == "acme" and detection.evidence_level == "present"
    (evidence,) = detection.evidence
    assert evidence.kind == "fingerprint" and evidence.value.startswith("score=1.00 strings=3/3")
    assert evidence.location == "a.b"


def test_renamed_classes_holding_features_are_claimed_for_the_sdk() -> None:
    """Their calls are the SDK's, not the app's: a class holding CLAIM_FEATURES of the fingerprint's features is
    claimed; code with fewer (the app's own class passing the SDK one of its strings) keeps its package's owner."""
    classes, calls, strings = _acme_code("com.example")  # renamed into the app's package (R8 repackaging)
    app_class = "Lcom/example/Main;"
    facts = apk([*classes, klass(app_class, "onCreate()V")], calls,  # type: ignore[list-item, arg-type]
                strings={**strings, f"{app_class}->onCreate()V": ("acme_device_token",)})  # type: ignore[dict-item]
    attribution = Attribution.for_app(facts, [VENDOR])
    assert attribution.owner("Lcom/example/b;").kind == "app"
    detect_sdks(facts, [VENDOR], attribution, [_learned()])
    assert attribution.of("Lcom/example/b;->a()V") == "acme"  # strings, descriptor and method digest
    assert attribution.of("Lcom/example/a;") == "acme"  # descriptor and class shape
    assert attribution.owner(app_class).kind == "app"


def test_prefix_match_is_not_fingerprinted_again() -> None:
    (detection,) = detect_sdks(_facts("com.acme"), [VENDOR], None, [_learned()])
    assert [e.kind for e in detection.evidence] == ["package"]


def test_declared_sdk_found_in_renamed_code_becomes_present() -> None:
    (detection,) = detect_sdks(_facts("a.b", meta=("ACME_KEY",)), [VENDOR], None, [_learned()])
    assert [e.kind for e in detection.evidence] == ["meta-data", "fingerprint"]
    assert detection.evidence_level == "present"


def test_a_few_shared_features_do_not_fire() -> None:
    """Two strings of the SDK copied into other code match, but fewer than MIN_FEATURES from one signal."""
    m = "Lcom/example/Main;->onCreate()V"
    facts = apk([klass("Lcom/example/Main;", "onCreate()V")], (),
                strings={m: ("https://collect.acme-analytics.example/v2", "acme_device_token")})
    (match,) = match_fingerprints(facts, [_learned()], Attribution.for_app(facts, [VENDOR]))
    assert match.found["strings"] == 2 and not match.fires
    assert detect_sdks(facts, [VENDOR], None, [_learned()]) == ()


def test_another_version_fires_while_the_found_share_reaches_min_score() -> None:
    """A fingerprint learned from another version has features this copy lacks (padded strings here): the SDK is
    still named while the share found reaches MIN_SCORE, and no longer below it."""
    learned = _learned()
    found = sum(len(v) for v in learned.features.values())
    facts = _facts("a.b")
    attribution = Attribution.for_app(facts, [VENDOR])
    fires = []
    for extra in (int(found / MIN_SCORE) - found - 1, int(found / MIN_SCORE) - found + 1):
        padded = {**learned.features,
                  "strings": (*learned.features["strings"], *(f"other version text {i}" for i in range(extra)))}
        fp = Fingerprint("acme", ("test.apk",), MappingProxyType(padded))
        (match,) = match_fingerprints(facts, [fp], attribution)
        assert sum(match.found.values()) == found
        fires.append(match.fires)
    assert fires == [True, False]


def test_code_owned_by_a_library_is_not_looked_at() -> None:
    from appscan.rules.catalog import Library
    lib = Library("acme-lib", "lib", "open-source", "utility", "x", ("a.b",), ("https://example.org",))
    facts = _facts("a.b")
    attribution = Attribution.for_app(facts, [VENDOR], [lib])
    assert detect_sdks(facts, [VENDOR], attribution, [_learned()]) == ()


def test_loader_rejects_fingerprint_of_unknown_sdk(tmp_path: Path) -> None:
    (tmp_path / "fp.yaml").write_text(
        "kind: fingerprints\nentries:\n- id: no-such-sdk\n  learned_from: [x.apk]\n"
        "  features:\n    strings: [abcdefgh]\n", encoding="utf-8")
    with pytest.raises(RuleLoadError, match="id 'no-such-sdk' is not a known SDK"):
        load_layers([bundled_dir(), tmp_path])
    (tmp_path / "fp.yaml").write_text(
        "kind: fingerprints\nentries:\n- id: cnzz\n  learned_from: [x.apk]\n  features:\n    methods: [XYZ]\n",
        encoding="utf-8")
    with pytest.raises(RuleLoadError, match="methods"):
        load_layers([bundled_dir(), tmp_path])


def test_bundled_fingerprints_load_and_name_sdks() -> None:
    ruleset = load_rulesets()
    assert len(ruleset.fingerprints) >= 40
    for fp in ruleset.fingerprints:
        assert ruleset.sdk(fp.id) and sum(len(v) for v in fp.features.values()) >= 8


@cache
def _detections(path: Path) -> tuple[SdkDetection, ...]:
    ruleset = load_rulesets()
    facts = extract_facts(path)
    return detect_sdks(facts, ruleset.sdks, Attribution.for_app(facts, ruleset.sdks, ruleset.libraries),
                       ruleset.fingerprints)


def _by_fingerprint(detections: tuple[SdkDetection, ...]) -> set[str]:
    return {d.id for d in detections if any(e.kind == "fingerprint" for e in d.evidence)}


def _corpus_apks() -> list[str]:
    folder = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "apks"
    return sorted(p.name for p in folder.glob("*.apk")) if folder.is_dir() else ["(no corpus)"]


@pytest.mark.parametrize("name", _corpus_apks())
def test_fingerprints_never_fire_without_the_sdk(name: str) -> None:
    """On every real corpus APK, an SDK found by fingerprint is in the APK's label; an unlabelled APK has none
    (CNZZ's renamed copy in github__CNZZ.apk is the one labelled case of renamed SDK code)."""
    path = corpus_path() / name
    try:
        detections = _detections(path)
    except AppscanError as exc:  # the corpus keeps two files without a manifest on purpose
        assert "AndroidManifest.xml" in str(exc)
        return
    label = LABELS.get(name)
    assert _by_fingerprint(detections) <= (label.truth if label else set())


VARIANTS = ("github__MyWeixinTest_shoenet.apk", "github__SMSSDK-3.3.0.apk", "github__YoudaoOCR_readboy.apk")


@pytest.mark.parametrize("name", VARIANTS)
def test_renamed_copy_keeps_its_sdks(name: str, tmp_path: Path) -> None:
    """Every class renamed into the unnamed package (R8 -repackageclasses ''): the labelled SDKs are still named,
    renamed ones from fingerprints, and nothing else is."""
    from tools.obfuscate_apk import obfuscate, tools_available
    require(tools_available(), "baksmali/smali not installed")
    variant = tmp_path / name
    obfuscate(corpus_path() / name, variant, "flat")
    detections = _detections(variant)
    truth = LABELS[name].truth
    assert {d.id for d in detections if d.evidence_level != "declared"} == truth
    # classes the manifest names keep their names (R8 keeps them), so some SDKs are still found by prefix
    assert _by_fingerprint(detections) and _by_fingerprint(detections) <= truth
    evidence = next(e for d in detections for e in d.evidence if e.kind == "fingerprint")
    assert evidence == Evidence("fingerprint", evidence.value, evidence.location) and "score=" in evidence.value


def test_learned_fingerprint_survives_tree_renaming() -> None:
    """Masking ignores package names: the same code under another package tree gives the same features."""
    ours = [f for _, f in class_features(_facts("com.acme"))]
    theirs = [f for _, f in class_features(_facts("x.y.z"))]
    assert ours == theirs and any(f["methods"] for f in ours)
