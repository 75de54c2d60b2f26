"""Evaluation rollouts of a real (random or briefly trained) walker and the HTML report: smoke tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from synergait.data.reference import Condition, load_falisse2019
from synergait.errors import InputFileError, ParameterError
from synergait.evaluate.evaluation import Evaluation
from synergait.evaluate.rollout import CONDITION_SETS, conditions_from, evaluate_condition
from synergait.evaluate.run import evaluate_policy
from synergait.report.html import write_report
from synergait.walker import load_walker


def test_condition_sets(tmp_path: Path) -> None:
    paper = conditions_from("paper")
    assert len(paper) == 14 and paper[0] == Condition(0.7, 0.0) and paper[11] == Condition(1.8, 0.0)
    assert {Condition(1.2, -5.0), Condition(1.2, 5.0)} <= set(paper)
    (tmp_path / "c.csv").write_text("speed_m_s,slope_deg\n1.1,0\n1.3,2\n")
    assert conditions_from(str(tmp_path / "c.csv")) == [Condition(1.1, 0.0), Condition(1.3, 2.0)]
    with pytest.raises(ParameterError, match="neither 'paper', 'quick' nor a CSV"):
        conditions_from("fast")


def test_random_walker_gaps_are_reported_by_name() -> None:
    result = evaluate_condition(load_walker("zero", controller="synergy"), Condition(1.2, 0.0), rollouts=1,
                                strides=10)
    assert result.table.empty
    assert result.gaps and "no complete stride" in result.gaps[0] and "fall" in result.gaps[0]


def test_evaluate_and_report(tmp_path: Path, falisse_mat: Path) -> None:
    human = load_falisse2019(falisse_mat)
    runs = []
    for controller in ("synergy", "independent"):
        out = tmp_path / controller
        evaluation = evaluate_policy("random", CONDITION_SETS["quick"], out, controller=controller, reference=human,
                                     rollouts=1, workers=2)
        assert evaluation.gaps  # a random walker falls: every shortfall is named
        again = Evaluation.load(out)
        assert again.description() == evaluation.description()
        assert again.metrics.keys() == evaluation.metrics.keys()
        assert len(again.spatiotemporal) == len(CONDITION_SETS["quick"])
        runs.append(again)
    with pytest.raises(InputFileError, match="not an evaluation directory"):
        Evaluation.load(tmp_path)
    report = write_report(runs, tmp_path / "report.html", human=human)
    text = report.read_text()
    assert text.count("data:image/png;base64,") >= 2  # self-contained figures
    assert "synergy" in text and "independent" in text and "ratio &gt; 5" in text
    assert "Movement quality" in text and "CCI TA/SOL" in text and "Spatiotemporal measures" in text


def test_a_slope_condition_counts_only_strides_on_the_slope() -> None:
    walker = load_walker("synergy-default")  # walks; stopped after 1.25 s, before the slope, which starts 2 m ahead
    result = evaluate_condition(walker, Condition(1.2, 5.0), rollouts=2, strides=10, max_steps=50)
    assert result.table.empty
    assert any("before the slope begins (2.0 m ahead)" in gap for gap in result.gaps)
    assert all("slope" in gap for gap in result.gaps)  # level strides of the run-up are not slope walking
