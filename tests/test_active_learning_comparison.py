"""Uncertainty vs random over seeds: the same start per seed, medians, labels to reach a target, the JSON
round trip, the shipped precomputed result, and the figures of lesson 9 (every axis with a unit)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnpes_core.active_learning import ActiveLearningSettings, PoolSource
from nnpes_core.active_learning.comparison import (
    ComparisonFileError, StrategyComparison, compare_strategies, load_comparison, run_side_by_side, save_comparison,
)
from nnpes_core.jobs import Progress
from nnpes_core.viz import axes_without_units
from nnpes_core.viz.active_learning import (
    Curve, learning_curve_figure, picks_on_surface_figure, spread_error_figure, stopping_figure, wasted_labels_figure,
)

SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "data" / "active_learning_water.json"
TINY = ActiveLearningSettings(kind="bp", n_start=4, n_add=2, rounds=1, committee_size=2, epochs=5,
                              model_options=dict(hidden=(16, 16)))


def synthetic() -> StrategyComparison:
    runs = {"uncertainty": [{"seed": s, "labels": [10, 20, 30], "force_mae_mev_per_a": [40.0, 15.0 + s, 8.0 + s],
                             "max_spread_ev_per_a": [0.3, 0.2, None]} for s in range(3)],
            "random": [{"seed": s, "labels": [10, 20, 30], "force_mae_mev_per_a": [40.0, 25.0, 12.0 + s],
                        "max_spread_ev_per_a": [0.3, 0.25, None]} for s in range(3)]}
    return StrategyComparison({"kind": "bp"}, [0, 1, 2], runs, {"date": "today"})


def test_median_and_labels_to_reach_a_target():
    comparison = synthetic()
    labels, median = comparison.median("uncertainty")
    assert labels.tolist() == [10, 20, 30] and median.tolist() == [40.0, 16.0, 9.0]
    assert comparison.labels_to_reach("uncertainty", 10.0) == 30 and comparison.labels_to_reach("random", 10.0) is None
    rows = {row["strategy"]: row for row in comparison.table(16.0)}
    assert rows["uncertainty"]["labels_to_target"] == 20 and rows["random"]["final_max"] == 14.0


def test_comparison_file_round_trip_and_broken_files(tmp_path):
    path = save_comparison(synthetic(), tmp_path / "c.json")
    loaded = load_comparison(path)
    assert loaded.seeds == [0, 1, 2] and loaded.labels_to_reach("uncertainty", 10.0) == 30
    assert np.isnan(np.asarray(loaded.runs["random"][0]["max_spread_ev_per_a"], dtype=float)[-1])
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ComparisonFileError, match="not a JSON file"):
        load_comparison(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ComparisonFileError, match="not an active-learning comparison"):
        load_comparison(tmp_path / "other.json")
    with pytest.raises(ComparisonFileError, match="not found"):
        load_comparison(tmp_path / "absent.json")


def test_strategies_share_the_start_of_each_seed(morse_water_frames):
    comparison = compare_strategies(lambda: PoolSource(morse_water_frames[:20]), morse_water_frames[48:], TINY,
                                    seeds=[0, 1])
    assert comparison.strategies == ["uncertainty", "random"] and len(comparison.runs["random"]) == 2
    for seed in (0, 1):  # the first point (before any pick) is the same committee for both strategies
        first = [comparison.runs[name][seed]["force_mae_mev_per_a"][0] for name in comparison.strategies]
        assert first[0] == pytest.approx(first[1], rel=1e-9)
    assert comparison.runs["uncertainty"][0]["labels"] == [4, 6]


def test_side_by_side_reports_both_curves_and_a_stop_starts_no_further_strategy(morse_water_frames):
    progress = Progress()
    runs = run_side_by_side(lambda: PoolSource(morse_water_frames[:20]), morse_water_frames[48:], TINY,
                            progress=progress)
    assert set(runs) == {"uncertainty", "random"} and set(progress.partial["curves"]) == {"uncertainty", "random"}
    stopped = Progress()
    stopped._stop.set()
    assert run_side_by_side(lambda: PoolSource(morse_water_frames[:20]), morse_water_frames[48:], TINY,
                            progress=stopped) == {}


def test_shipped_comparison_averages_at_least_three_seeds_for_both_strategies():
    comparison = load_comparison(SHIPPED)
    assert set(comparison.strategies) == {"uncertainty", "random"} and len(comparison.seeds) >= 3
    for name in comparison.strategies:
        curves = comparison.curves(name)
        assert curves.shape[0] >= 3 and (np.diff(comparison.labels(name)) > 0).all()
        assert (curves[:, -1] < curves[:, 0]).all()  # every seed's error falls as labels are added
    assert comparison.provenance["script"] == "assets/scripts/make_active_learning_results.py"


def test_figures_have_units_on_every_axis():
    class Result:
        def __init__(self, copies_scale):
            self.spread_known = np.array([0.01, 0.02, 0.03])
            self.spread_copies = copies_scale * self.spread_known
            self.k, self.wasted = 3, 0 if copies_scale == 1 else 3

    figures = [
        learning_curve_figure([Curve("a", [1, 2, 3], [3.0, 2.0, 1.0], low=[2, 1, 0.5], high=[4, 3, 2])],
                              y_title="Test force MAE (meV/Å)", target=1.5),
        spread_error_figure(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 5.0]), unit="meV/Å", rho=1.0,
                            groups=np.array([300.0, 300.0, 600.0]), group_name="K"),
        picks_on_surface_figure(np.linspace(0, 1, 5), np.linspace(0, 1, 4), np.random.default_rng(0).random((4, 5)),
                                np.array([[0.5, 0.5]]), [np.array([[0.1, 0.2]]), np.array([[0.8, 0.9]])],
                                energy_title="E (a.u.)", x_title="x (a.u.)", y_title="y (a.u.)"),
        wasted_labels_figure({"bp": Result(1.0), "cartesian": Result(50.0)}),
        stopping_figure([10, 20, 30], [300.0, 120.0, float("nan")], [40.0, 20.0, 15.0], 150.0, 20,
                        spread_unit="meV/Å", error_title="Test force MAE (meV/Å)"),
    ]
    for figure in figures:
        assert axes_without_units(figure) == [], figure.layout.title.text
