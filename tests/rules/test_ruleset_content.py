"""The bundled ruleset's content: sizes the project promises, and references that must resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from tests.conftest import require

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "miit-criteria.md"
_PREFIXES = "C191|M337|M164|NEC|GB41391|TC260P|TC260S|GB35273|M292|M26|MD21|CD26|STORE|CAC"
_TOKEN = re.compile(rf"\b(?:{_PREFIXES})-[A-Z0-9][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*"
                    r"(?:(?:/|–|\.\.)[A-Z0-9][A-Za-z0-9.]*)*")


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_rulesets()


def _expand(token: str) -> list[str]:
    """``C191-3.3/3.5`` -> C191-3.3, C191-3.5; ``M164-1.S4–S6`` -> S4, S5, S6; ``M26-1..3`` -> M26-1..M26-3."""
    token = token.rstrip(".")
    head, *rest = re.split(r"(/|–|\.\.)", token)
    prefix, _, first = head.partition("-")
    ids = [head]
    for sep, part in zip(rest[::2], rest[1::2]):
        last = ids[-1]
        if part.startswith("S"):  # a test scenario of the same task: M164-2.S2/S4
            base = last.rsplit(".S", 1)[0]
            new = [f"{base}.{part}"]
            if sep != "/":
                lo, hi = int(last.rsplit(".S", 1)[1]), int(part[1:])
                new = [f"{base}.S{n}" for n in range(lo + 1, hi + 1)]
        elif sep == "/":
            new = [f"{prefix}-{part}"]
        else:
            lo, hi = int(last.partition("-")[2]), int(part)
            new = [f"{prefix}-{n}" for n in range(lo + 1, hi + 1)]
        ids.extend(new)
    assert first
    return ids


def test_expand_covers_the_shorthands() -> None:
    assert _expand("C191-3.3/3.5") == ["C191-3.3", "C191-3.5"]
    assert _expand("M164-1.S4–S6") == ["M164-1.S4", "M164-1.S5", "M164-1.S6"]
    assert _expand("M164-2.S2/S4") == ["M164-2.S2", "M164-2.S4"]
    assert _expand("M337-1/2/7") == ["M337-1", "M337-2", "M337-7"]
    assert _expand("M26-1..3") == ["M26-1", "M26-2", "M26-3"]


def test_every_clause_of_the_reference_is_defined(ruleset: Ruleset) -> None:
    require(REFERENCE.is_file(), f"reference {REFERENCE} not present (a user's clone has no ../shared)")
    text = REFERENCE.read_text(encoding="utf-8")
    cited = {cid for token in _TOKEN.findall(text) for cid in _expand(token)}
    assert len(cited) > 150  # the extraction itself works
    missing = sorted(cited - ruleset.clause_ids)
    assert not missing, f"clauses cited in miit-criteria.md but not in clauses.yaml: {missing}"


def test_sizes(ruleset: Ruleset) -> None:
    assert len(ruleset.sdks) >= 500
    assert sum(1 for s in ruleset.sdks if s.region == "cn") >= 250
    assert len(ruleset.apis) >= 90
    assert [t.id for t in ruleset.app_types] == [f"NEC-{n:02d}" for n in range(1, 40)]


def test_app_types_without_necessary_data_are_the_thirteen_of_the_rules(ruleset: Ruleset) -> None:
    empty = [t.id for t in ruleset.app_types if not t.necessary_data]
    assert empty == ["NEC-21", *[f"NEC-{n}" for n in range(27, 39)]]


def test_every_app_type_has_its_clause(ruleset: Ruleset) -> None:
    assert {t.id for t in ruleset.app_types} <= ruleset.clause_ids


def test_references_resolve(ruleset: Ruleset) -> None:
    data, clauses = ruleset.data_type_ids, ruleset.clause_ids
    apis = {a.id for a in ruleset.apis}
    permissions = {p.name for p in ruleset.permissions}
    for sdk in ruleset.sdks:
        assert set(sdk.data_collected) <= data, sdk.id
        assert sdk.within is None or sdk.within in {s.id for s in ruleset.sdks}, sdk.id
    for api in ruleset.apis:
        assert api.data_type in data and set(api.clauses) <= clauses, api.id
    for perm in ruleset.permissions:
        assert set(perm.data_types) <= data and set(perm.apis) <= apis and set(perm.clauses) <= clauses, perm.name
    for app_type in ruleset.app_types:
        assert set(app_type.necessary_data) <= data and set(app_type.necessary_permissions) <= permissions
    for rule in ruleset.rules:
        assert set(rule.clauses) <= clauses, rule.id


def test_sdks_collect_personal_data_not_capabilities(ruleset: Ruleset) -> None:
    capabilities = {d.id for d in ruleset.data_types if not d.personal}
    assert capabilities
    assert not [s.id for s in ruleset.sdks if capabilities & set(s.data_collected)]


def test_packers_are_recognisable_without_dex(ruleset: Ruleset) -> None:
    """Packers hide the dex, so each needs a native-library, asset or manifest signal."""
    packers = [s for s in ruleset.sdks if s.category == "packer"]
    assert len(packers) >= 8
    for sdk in packers:
        assert sdk.signals.native_libs or sdk.signals.assets or sdk.signals.components, sdk.id


def test_every_sdk_can_be_listed_in_the_sharing_list(ruleset: Ruleset) -> None:
    """The 第三方信息共享清单 names each SDK's company and purpose; Chinese vendors' entries all carry both, and a
    policy link, where given, is a web address."""
    for sdk in ruleset.sdks:
        assert sdk.purpose is not None, sdk.id
        assert sdk.company is not None or sdk.region == "global", sdk.id
        assert sdk.privacy_policy is None or sdk.privacy_policy.startswith(("https://", "http://")), sdk.id
    assert sum(1 for s in ruleset.sdks if s.privacy_policy) >= 150


def test_app_keys_name_only_the_module_that_reads_them(ruleset: Ruleset) -> None:
    """A vendor-wide app key proves no particular module: each key belongs to exactly one entry, and the keys the
    analytics, map and location SDKs do not read themselves sit on the module that does."""
    owners: dict[str, list[str]] = {}
    for sdk in ruleset.sdks:
        for key in sdk.signals.meta_data:
            owners.setdefault(key, []).append(sdk.id)
    assert not {k: v for k, v in owners.items() if len(v) > 1}
    assert owners["UMENG_APPKEY"] == ["umeng-common"]
    assert owners["com.baidu.lbsapi.API_KEY"] == ["baidu-lbs-auth"]
    assert "com.amap.api.v2.apikey" not in owners


def test_argument_conditions_tell_content_resolver_queries_apart(ruleset: Ruleset) -> None:
    queries = [a for a in ruleset.apis if a.callee == "Landroid/content/ContentResolver;->query("]
    assert {a.data_type for a in queries} >= {"contacts", "sms", "call-log", "calendar"}
    assert all(a.string_any for a in queries)
    assert len({a.data_type for a in queries}) == len(queries)


def test_version_meta_data_comes_from_version_hints(ruleset: Ruleset) -> None:
    hinted = [s for s in ruleset.sdks if s.version]
    assert hinted
    for sdk in hinted:
        assert sdk.version_meta_data == tuple(h.name for h in sdk.version if h.kind == "meta_data")
