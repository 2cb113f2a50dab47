"""Loading: one-line errors naming file, entry and problem; all-or-nothing; layering; caching; speed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from appscan.errors import EXIT_RULES, AppscanError
from appscan.rules import loader
from appscan.rules.errors import RuleLoadError
from appscan.rules.loader import bundled_dir, load_layers, load_rulesets

DATA = Path(__file__).resolve().parent / "data"

INVALID = "tests/rules/data/invalid"
EXPECTED = {
    "bad_yaml.yaml": f"{INVALID}/bad_yaml.yaml: line 5, column 10: invalid YAML: did not find expected ',' or '}}'",
    "missing_field.yaml": f"{INVALID}/missing_field.yaml: entry 'acme-analytics' (#1): 'category' is a required "
                          "property",
    "unknown_data_type.yaml": f"{INVALID}/unknown_data_type.yaml: entry 'imei-getdeviceid' (#3): data_type 'imeii' "
                              "is not a known data type",
    "duplicate_id.yaml": f"{INVALID}/duplicate_id.yaml: entry 'face-template' (#2): duplicate id (first defined in "
                         f"{INVALID}/duplicate_id.yaml entry #1)",
    "wrong_type.yaml": f"{INVALID}/wrong_type.yaml: entry 'face-template' (#1): sensitive: 'yes' is not of type "
                       "'boolean'",
    "unknown_clause.yaml": f"{INVALID}/unknown_clause.yaml: entry 'com.acme.permission.READ_PROFILE' (#1): clauses "
                           "'C191-9.9' is not a known clause",
    "rule_without_summary.yaml": f"{INVALID}/rule_without_summary.yaml: entry 'PERM-901' (#1): a title with "
                                 "{placeholders} needs a 'summary' without them",
    "unknown_kind.yaml": f"{INVALID}/unknown_kind.yaml: kind: 'trackers' is not one of ['ruleset', 'sdks', 'apis', "
                         "'permissions', 'clauses', 'app_types', 'data_types', 'rules', 'libraries', "
                         "'fingerprints', 'secrets', 'regions', 'policy_terms']",
    "bad_secret_regex.yaml": f"{INVALID}/bad_secret_regex.yaml: entry 'broken' (#1): value is not a valid "
                             "regular expression (unterminated character set at position 0)",
}


def test_every_fixture_has_an_expected_message() -> None:
    assert sorted(p.name for p in (DATA / "invalid").glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file_gives_one_exact_line(in_repo: Path, name: str) -> None:
    with pytest.raises(RuleLoadError) as caught:
        load_rulesets([DATA / "invalid" / name])
    message = str(caught.value)
    assert message == EXPECTED[name]
    assert "\n" not in message
    assert isinstance(caught.value, AppscanError) and caught.value.code == EXIT_RULES


def test_a_failed_load_leaves_nothing_loaded(in_repo: Path) -> None:
    good = load_rulesets()
    before = loader._load_cached.cache_info().currsize
    with pytest.raises(RuleLoadError):
        load_rulesets([DATA / "invalid" / "unknown_data_type.yaml"])
    assert loader._load_cached.cache_info().currsize == before
    again = load_rulesets()
    assert again is good and again.api("imei-getdeviceid").data_type == "imei"


def test_broken_bundled_copy_is_refused_whole(tmp_path: Path, in_repo: Path) -> None:
    copy = tmp_path / "rulesets"
    shutil.copytree(bundled_dir(), copy)
    apis = copy / "apis.yaml"
    apis.write_text(apis.read_text(encoding="utf-8").replace("data_type: imsi", "data_type: imsii", 1),
                    encoding="utf-8")
    with pytest.raises(RuleLoadError, match=r"apis\.yaml: entry 'imsi-getsubscriberid' \(#\d+\): data_type 'imsii' "
                                            r"is not a known data type$"):
        load_layers([copy])


def test_extra_directory_adds_and_overrides(in_repo: Path) -> None:
    base = load_rulesets()
    extended = load_rulesets([DATA / "extra"])
    assert extended.sdk("acme-loyalty").data_collected == ("loyalty-card", "device-info")
    assert extended.data_type("loyalty-card").name.en == "Loyalty-card number"
    assert extended.sdk("umeng-analytics").name == "Umeng (reviewed by our legal team)"
    assert base.sdk("umeng-analytics").name == "Umeng U-App Analytics"
    assert len(extended.sdks) == len(base.sdks) + 1
    assert extended.layer_sizes == (base.size(), 3)
    assert extended.sha256 != base.sha256 and extended.version == base.version


def test_loading_is_cached_per_directory_list(in_repo: Path) -> None:
    assert load_rulesets() is load_rulesets()
    assert load_rulesets([DATA / "extra"]) is load_rulesets([str(DATA / "extra")])  # type: ignore[list-item]
    assert load_rulesets([DATA / "extra"]) is not load_rulesets()


def test_hash_and_version_identify_the_rules() -> None:
    first = load_layers([bundled_dir()])
    assert first.sha256 == load_layers([bundled_dir()]).sha256
    assert len(first.sha256) == 64
    assert first.name == "appscan-miit" and first.version.count(".") == 2


def test_base_layer_needs_a_manifest(tmp_path: Path) -> None:
    shutil.copy(bundled_dir() / "data_types.yaml", tmp_path / "data_types.yaml")
    with pytest.raises(RuleLoadError, match="no manifest"):
        load_layers([tmp_path])


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="no such file or directory$"):
        load_rulesets([tmp_path / "absent"])


def test_file_in_a_kind_directory_must_be_of_that_kind(tmp_path: Path) -> None:
    (tmp_path / "sdks").mkdir()
    shutil.copy(bundled_dir() / "data_types.yaml", tmp_path / "sdks" / "mixed.yaml")
    with pytest.raises(RuleLoadError, match="kind 'data_types' in the sdks/ directory$"):
        load_rulesets([tmp_path])


def test_rules_package_does_not_import_androguard() -> None:
    package = Path(loader.__file__).parent
    imports = re.compile(r"^\s*(?:import|from)\s+androguard\b", re.MULTILINE)
    offenders = [p.name for p in package.rglob("*.py") if imports.search(p.read_text(encoding="utf-8"))]
    assert not offenders
