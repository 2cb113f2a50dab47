"""``appscan rules`` through a group that maps errors to exit codes the way the main CLI does."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from appscan.cli.common import AppscanGroup
from appscan.cli.rules_cmd import rules
from appscan.rules.loader import load_rulesets

DATA = Path(__file__).resolve().parent / "data"


@click.group(cls=AppscanGroup)
def cli() -> None:
    """Stand-in for the main group: the same error mapping, with only ``rules`` attached."""


cli.add_command(rules)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rules", *args])
    return result.exit_code, result.stdout, result.stderr


def test_list_json_one_object_per_entry_of_the_kind() -> None:
    code, out, _ = run("list", "--kind", "sdk", "--format", "json")
    records = json.loads(out)
    assert code == 0
    assert len(records) == len(load_rulesets().sdks)
    assert {r["kind"] for r in records} == {"sdk"}
    umeng = next(r for r in records if r["id"] == "umeng-common")
    assert "com.umeng.commonsdk" in umeng["signals"]["packages"]
    assert umeng["consent_apis"] == ["Lcom/umeng/commonsdk/UMConfigure;->submitPolicyGrantResult"]


def test_list_all_kinds_as_text() -> None:
    code, out, _ = run("list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == load_rulesets().size()
    assert {line.split()[0] for line in lines} == {"sdk", "api", "permission", "clause", "app-type", "data-type",
                                                    "rule", "library", "fingerprint", "secret", "region",
                                                    "policy-term"}


def test_permission_kind_does_not_hide_the_entry_kind() -> None:
    code, out, _ = run("show", "android.permission.CAMERA", "--format", "json")
    (record,) = json.loads(out)
    assert code == 0 and record["kind"] == "permission" and record["permission_kind"] == "dangerous"


def test_show_finds_an_id_in_every_kind() -> None:
    code, out, _ = run("show", "NEC-07", "--format", "json")
    assert code == 0
    assert sorted(r["kind"] for r in json.loads(out)) == ["app-type", "clause"]
    code, out, _ = run("show", "NEC-07", "--kind", "app-type")
    assert code == 0 and out.startswith("[app-type] NEC-07\n") and "餐饮外卖类" in out


def test_show_unknown_id_is_an_error() -> None:
    code, out, err = run("show", "no-such-entry")
    assert code == 2 and out == ""
    assert err.strip() == "appscan: error: no ruleset entry with id 'no-such-entry'"


def test_validate_directory_and_file(in_repo: Path) -> None:
    assert run("validate", "rulesets")[:2] == (0, f"OK: {load_rulesets().size()} entries\n")
    assert run("validate", "tests/rules/data/extra")[:2] == (0, "OK: 3 entries\n")
    assert run("validate", "tests/rules/data/extra/data_types.yaml")[:2] == (0, "OK: 1 entries\n")


def test_validate_file_resolves_against_bundled_only(in_repo: Path) -> None:
    """acme.yaml uses a data type defined in its sibling file, which validating the file alone does not see."""
    code, _, err = run("validate", "tests/rules/data/extra/sdks/acme.yaml")
    assert code == 4
    assert err == ("appscan: error: tests/rules/data/extra/sdks/acme.yaml: entry 'acme-loyalty' (#1): "
                   "data_collected 'loyalty-card' is not a known data type\n")


def test_validate_extra_alone_fails_without_the_bundled_base(in_repo: Path) -> None:
    code, _, err = run("validate", "--standalone", "tests/rules/data/extra")
    assert code == 4 and "no manifest" in err


@pytest.mark.parametrize("name", ["unknown_data_type.yaml", "bad_yaml.yaml"])
def test_validate_invalid_exits_4_with_one_line(in_repo: Path, name: str) -> None:
    code, out, err = run("validate", str(DATA.relative_to(in_repo) / "invalid" / name))
    assert code == 4 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"appscan: error: tests/rules/data/invalid/{name}: ")


def test_list_json_covers_every_kind_including_rule_params() -> None:
    code, out, _ = run("list", "--format", "json")
    records = json.loads(out)
    assert code == 0 and len(records) == load_rulesets().size()
    boot = next(r for r in records if r["kind"] == "rule" and "actions" in r["params"])
    assert "android.intent.action.BOOT_COMPLETED" in boot["params"]["actions"]
