"""Unidentified third-party code: grouped by package root, counted, and given a vendor guess from the package name,
the catalogue's vendors and the network hosts its strings name."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from appscan.apk import extract_facts
from appscan.model import ApkFacts
from appscan.rules.inventory import code_inventory, host_label, hosts_in
from appscan.rules.loader import load_rulesets
from appscan.rules.sdk_match import Attribution, java_package
from tests.conftest import corpus_path
from tests.graph.factory import apk, klass

RULES = load_rulesets()


def _inventory(facts: ApkFacts):  # type: ignore[no-untyped-def]
    attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
    return code_inventory(facts, attribution, RULES.sdks, RULES.libraries)


def _app() -> ApkFacts:
    classes = ["Lcom/example/app/Main;", "Lokhttp3/OkHttpClient;", "Lokhttp3/Call;", "Lcom/trkco/sdk/Tracker;",
               "Lcom/trkco/sdk/a;", "Lcom/trkco/util/b;", "La/b/C;", "Lcom/alipay/zz/Foo;"]
    strings = {
        "Lcom/example/app/Main;->onCreate()V": ("https://api.example.com/",),
        "Lcom/trkco/sdk/Tracker;->send()V": ("https://api.trkco.com/v1/collect", "http://cdn.trkco.com/x.js"),
        "Lcom/trkco/sdk/a;->b()V": ("https://api.trkco.com/v2", "com.trkco.sdk.Tracker"),
        "La/b/C;->run()V": ("https://alog.umeng.com/app_logs",),
    }
    facts = apk([klass(c) for c in classes], (), strings=strings)
    return dataclasses.replace(facts, app=dataclasses.replace(facts.app, package="com.example.app"))


def test_groups_counts_and_vendor_guesses() -> None:
    libraries, groups = _inventory(_app())
    assert [(lib.id, lib.classes, lib.packages) for lib in libraries] == [("okhttp", 2, ("okhttp3",))]
    by_root = {g.package: g for g in groups}
    assert [g.package for g in groups] == ["com.trkco", "a", "com.alipay.zz"]  # largest first, then by name
    trkco = by_root["com.trkco"]
    assert (trkco.classes, trkco.obfuscated, trkco.vendor_guess, trkco.guess_basis, trkco.hosts) == (
        3, False, "trkco", ("package", "host"), ("api.trkco.com", "cdn.trkco.com"))
    umeng_vendor = RULES.sdk("umeng-analytics").vendor
    renamed = by_root["a"]
    assert (renamed.obfuscated, renamed.vendor_guess, renamed.guess_basis) == (
        True, umeng_vendor, ("catalogue-vendor", "host"))
    alipay = by_root["com.alipay.zz"]
    assert (alipay.vendor_guess, alipay.guess_basis) == (RULES.sdk("alipay").vendor, ("catalogue-vendor", "package"))


@pytest.mark.parametrize(("strings", "hosts"), [
    (["https://api.trkco.com/v1?x=1", "HTTP://Log.Foo.CN:8080/"], {"api.trkco.com", "log.foo.cn"}),
    (["stat.example.net", "com.foo.bar", "android.net.conn.CONNECTIVITY_CHANGE", "intent.extra.update.info"],
     {"stat.example.net"}),
    (["http://schemas.android.com/apk/res/android", "http://www.w3.org/2001/XMLSchema"], set()),
])
def test_hosts_in_strings(strings: list[str], hosts: set[str]) -> None:
    assert hosts_in(strings) == hosts


@pytest.mark.parametrize(("host", "label"), [("api.apsalar.com", "apsalar"), ("log.foo.com.cn", "foo"),
                                             ("umeng.com", "umeng"), ("a.b.co.uk", "b")])
def test_host_label(host: str, label: str) -> None:
    assert host_label(host) == label


@pytest.mark.parametrize("name", ["github__CrossWeather-release.apk", "github__MobPush-10704.apk",
                                  "github__jmlink-demo.apk", "github__QuranyApp-v15.apk"])
def test_corpus_inventory_accounts_for_every_class(name: str) -> None:
    """Each class is counted once: in a library, in an unidentified group, or as app/SDK code; no group is the
    app's own namespace."""
    facts = extract_facts(corpus_path() / name, None)
    attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
    libraries, groups = code_inventory(facts, attribution, RULES.sdks, RULES.libraries)
    kinds = Counter(attribution.owner_of_package(java_package(c.name)).kind for c in facts.code.classes)
    assert sum(lib.classes for lib in libraries) == kinds["library"]
    assert sum(g.classes for g in groups) == kinds["unidentified"]
    assert [g.classes for g in groups] == sorted((g.classes for g in groups), reverse=True)
    assert not any(attribution.owner_of_package(g.package).kind == "app" for g in groups if g.package)


def test_corpus_unidentified_code_of_an_old_app() -> None:
    """CrossWeather ships SDKs of 2012-2014 next to its own code; whatever the SDK catalogue does not name is an
    unidentified group, never the app's, and each group's hosts are named by its own classes' strings."""
    facts = extract_facts(corpus_path() / "github__CrossWeather-release.apk", None)
    attribution = Attribution.for_app(facts, RULES.sdks, RULES.libraries)
    _, groups = code_inventory(facts, attribution, RULES.sdks, RULES.libraries)
    for vendor_package in ("com.exchange", "com.feedback", "com.apsalar", "com.mobclick", "com.cnzz"):
        assert attribution.owner_of_package(vendor_package + ".x").kind in ("sdk", "unidentified")
    for group in groups:
        own = [s for m, strings in facts.code.strings.items()
               if attribution.owner(m) == ("unidentified", group.package) for s in strings]
        assert set(group.hosts) <= hosts_in(own)
