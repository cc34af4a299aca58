"""Cost timing: measured points, the stop rule for slow series, and power-law fits (tiny sizes, fast)."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.analysis.cost import (
    ALL_PAIRS_CUTOFF, TimingPoint, cost_series, fit_power_law, measure_scaling, predicted_seconds, scaling_model,
    time_energy_and_forces,
)
from nnpes_core.data.clusters import fcc_cluster


@pytest.mark.parametrize("kind", ["equivariant", "bp"])
def test_a_timing_point_counts_the_pairs_and_takes_positive_time(kind):
    point = time_energy_and_forces(scaling_model(kind, 5.0), fcc_cluster(13), repeats=2)
    assert point.n_atoms == 13 and point.repeats == 2
    assert point.n_pairs == 12 + 12 * 5  # centre: 12 neighbours; each shell atom: the centre + 4 shell atoms
    assert 0 < point.neighbor_seconds < point.seconds


def test_without_a_cutoff_every_atom_sees_every_other():
    model = scaling_model("equivariant", None)
    assert model.cutoff_radius == ALL_PAIRS_CUTOFF
    point = time_energy_and_forces(model, fcc_cluster(30), repeats=1)
    assert point.n_pairs == 30 * 29


def test_scaling_model_is_seeded_and_leaves_the_global_generator_alone():
    import torch

    state = torch.random.get_rng_state()
    first, second = scaling_model("bp", 5.0, seed=1), scaling_model("bp", 5.0, seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters()))


def test_cost_series_times_each_size_in_order():
    series = cost_series(scaling_model("bp", 5.0), [20, 10], repeats=1)
    assert list(series.n_atoms) == [10, 20]
    assert series.label == "cutoff 5 Å" and series.cutoff_radius == 5.0
    assert np.all(series.seconds > 0) and series.stopped_before is None


def test_a_series_stops_before_a_size_predicted_to_be_too_slow():
    # all pairs grow at least as N²: 20 -> 5000 atoms is a factor of 62,500 at least
    series = cost_series(scaling_model("equivariant", None), [10, 20, 5000], repeats=1, max_seconds=0.5)
    assert list(series.n_atoms) == [10, 20]
    assert series.stopped_before == 5000 and "predicted" in series.stop_reason
    assert series.label == "all pairs (no cutoff)" and series.cutoff_radius is None


def test_progress_can_stop_a_series():
    calls = []

    def progress(done, total, message):
        calls.append((done, total, message))
        return done < 1

    series = cost_series(scaling_model("bp", 5.0), [10, 20, 30], repeats=1, progress=progress)
    assert len(series.points) == 1 and series.stop_reason == "stopped by the user"
    assert calls[0][1] == 3 and "10 atoms" in calls[0][2]


def test_prediction_extrapolates_the_local_power_law():
    points = [TimingPoint(100, 0, 0.01, 0.0, 1), TimingPoint(200, 0, 0.04, 0.0, 1)]
    assert predicted_seconds(points, 400) == pytest.approx(0.16)  # slope 2
    assert predicted_seconds(points[:1], 300) == pytest.approx(0.03)  # one point: linear
    assert predicted_seconds(points[:1], 300, min_exponent=2.0) == pytest.approx(0.09)
    flat = [TimingPoint(10, 0, 0.01, 0.0, 1), TimingPoint(20, 0, 0.01, 0.0, 1)]  # overhead only
    assert predicted_seconds(flat, 40, min_exponent=2.0) == pytest.approx(0.04)
    assert predicted_seconds([], 10) == 0.0


def test_power_law_fit_recovers_exponent_and_prefactor():
    n_atoms = np.array([10, 30, 100, 300, 1000])
    seconds = 2e-6 * n_atoms**1.5
    seconds[:2] = 1e-3  # overhead-dominated small sizes are left out of the fit
    slope, prefactor = fit_power_law(n_atoms, seconds)
    assert slope == pytest.approx(1.5) and prefactor == pytest.approx(2e-6)
    assert fit_power_law([10, 20], [1.0, 4.0]) == pytest.approx((2.0, 0.01))  # too few large: the two largest
    assert np.isnan(fit_power_law([10], [1.0])[0])


def test_measure_scaling_gives_both_series():
    result = measure_scaling("bp", 4.0, sizes=(10, 20), all_pairs_sizes=(10,), repeats=1)
    assert set(result) == {"cutoff", "all_pairs"}
    assert list(result["cutoff"].n_atoms) == [10, 20] and list(result["all_pairs"].n_atoms) == [10]


def test_timing_threads_are_restored_afterwards():
    import torch

    from nnpes_core.analysis.cost import torch_threads

    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    series = cost_series(scaling_model("bp", 5.0), [10], repeats=1, threads=1)
    assert len(series.points) == 1 and torch.get_num_threads() == before
