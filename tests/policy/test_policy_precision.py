"""Precision and recall of declared data types and of named SDKs over the labelled policies: the issue's goal
is 0.9 for each (tests/policy/evaluate.py prints the figures and each policy's misses)."""

from __future__ import annotations

import pytest

from tests.policy.evaluate import LABELS, Evaluation, evaluate

GOAL = 0.9


@pytest.fixture(scope="module")
def result() -> Evaluation:
    if not LABELS.is_file():
        pytest.skip("tests/policy/labels.yaml not present")
    return evaluate()


def test_declared_data_types(result: Evaluation) -> None:
    score = result.declared
    assert score.precision >= GOAL and score.recall >= GOAL, (score.precision, score.recall, score.extra,
                                                              score.missed)


def test_named_sdks(result: Evaluation) -> None:
    score = result.sdks
    assert score.precision >= GOAL and score.recall >= GOAL, (score.precision, score.recall, score.extra,
                                                              score.missed)


def test_a_policy_is_analysed_well_within_a_second(result: Evaluation) -> None:
    assert max(seconds for _, seconds in result.times.values()) < 1.0
