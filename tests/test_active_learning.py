"""Lesson 9 core: a committee's spread per structure and per atom, labels revealed only when picked, the
loop and its learning curve, stopping, MD candidates labelled by a reference, rigid copies that an
invariant committee recognises and a Cartesian one does not, and Müller-Brown. Morse-labelled water and
tiny committees (2 members, small networks, a few epochs) keep every test to a second or two."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from nnpes_core.active_learning import (
    ActiveLearningSettings, HiddenLabelPool, MDSource, PoolError, PoolSource, StrategyError, committee_spread,
    run_active_learning, select, spearman_rank_correlation, spread_versus_error, stopping_point,
)
from nnpes_core.active_learning.invariance import rigid_copies, wasted_labels
from nnpes_core.data import labelled_copy
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.jobs import Progress
from nnpes_core.training import default_config, train_committee

TINY = dict(kind="bp", committee_size=2, epochs=8, model_options=dict(hidden=(16, 16)))


@pytest.fixture(scope="module")
def committee(morse_water_frames):
    """Two small bp members (seed and bootstrap subset differ) trained for a moment on 20 structures."""
    config = default_config("bp", epochs=30, seed=0)
    return train_committee("bp", morse_water_frames[:20], None, config, n_members=2, hidden=(16, 16))


def batch_of(frames, committee, labels=False):
    return AtomicBatch.from_atoms(frames, committee.cutoff_radius, dtype=torch.float32, with_labels=labels)


def test_structure_spread_is_its_largest_atomic_force_spread(committee, morse_water_frames):
    batch = batch_of(morse_water_frames[40:50], committee)
    spread = committee_spread(committee, batch)
    prediction = committee.predict(batch)
    assert np.allclose(spread.atom_force_spread, prediction["forces_std"].norm(dim=-1).numpy())
    assert np.allclose(spread.force_spread, spread.atom_force_spread.reshape(10, 3).max(axis=1))
    members = torch.stack([energy for energy in committee.member_energies(batch).detach()])
    assert np.allclose(spread.energy_std, members.std(0, unbiased=False).numpy())
    assert (spread.force_spread > 0).all() and spread.score("energy") is spread.energy_std


def test_spearman_is_the_rank_correlation():
    rng = np.random.default_rng(0)
    x = rng.random(50)
    assert spearman_rank_correlation(x, x**3 + 7) == pytest.approx(1.0)  # any increasing function: rho = 1
    assert spearman_rank_correlation(x, -x) == pytest.approx(-1.0)
    y = x + rng.normal(0, 0.3, 50)
    assert spearman_rank_correlation(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert np.isnan(spearman_rank_correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))


def test_true_error_is_the_size_of_the_force_error(committee, morse_water_frames):
    batch = batch_of(morse_water_frames[40:], committee, labels=True)
    study = spread_versus_error(committee, batch)
    mean_forces = committee.predict(batch)["forces"].numpy()
    expected = np.linalg.norm(mean_forces - batch.forces.numpy(), axis=1)
    assert np.allclose(study.atom_error, expected, rtol=1e-5)
    assert np.allclose(study.structure_error, expected.reshape(-1, 3).max(axis=1), rtol=1e-5)
    assert -1 <= study.spearman_structures <= 1 and 0 <= study.top_fraction_recall(0.2) <= 1


def test_pool_labels_are_revealed_only_when_picked(morse_water_frames):
    pool = HiddenLabelPool(morse_water_frames[:10])
    batch = pool.unlabelled_batch(5.0, torch.float64)
    assert batch.energy is None and batch.forces is None and batch.n_structures == 10
    revealed = pool.reveal([3, 7])
    assert [a.get_potential_energy() for a in revealed] == \
        [morse_water_frames[i].get_potential_energy() for i in (3, 7)]
    assert pool.revealed == [3, 7] and list(pool.unrevealed) == [0, 1, 2, 4, 5, 6, 8, 9]
    with pytest.raises(PoolError, match="already labelled"):
        pool.reveal([7])


def test_pool_without_forces_or_with_nan_is_refused(morse_water_frames):
    energies_only = [labelled_copy(a.copy(), energy=a.get_potential_energy()) for a in morse_water_frames[:3]]
    with pytest.raises(PoolError, match="no reference energy and forces"):
        HiddenLabelPool(energies_only)
    broken = [labelled_copy(a) for a in morse_water_frames[:3]]
    forces = broken[1].get_forces().copy()
    forces[0, 0] = np.nan
    broken[1] = labelled_copy(broken[1], forces=forces)
    with pytest.raises(PoolError, match="NaN"):
        HiddenLabelPool(broken)


def test_uncertainty_picks_the_largest_spreads_and_random_is_seeded():
    scores = np.array([0.1, 0.5, 0.3, 0.9, 0.2])
    assert select("uncertainty", scores, 2, np.random.default_rng(0)).tolist() == [3, 1]
    first = select("random", scores, 3, np.random.default_rng(4))
    assert first.tolist() == select("random", scores, 3, np.random.default_rng(4)).tolist() and len(set(first)) == 3
    with pytest.raises(StrategyError, match="unknown strategy"):
        select("greedy", scores, 2, np.random.default_rng(0))


def test_learning_curve_has_a_point_per_round_and_every_label_is_counted(morse_water_frames):
    source = PoolSource(morse_water_frames[:30])
    settings = ActiveLearningSettings(n_start=4, n_add=3, rounds=2, **TINY)
    run = run_active_learning(source, morse_water_frames[40:], settings)
    assert run.labels == [4, 7, 10] and len(source.pool.revealed) == 10 == len(run.labelled)
    assert all(r.test["force_mae"] > 0 for r in run.rounds) and len(run.committee.members) == 2
    picked = run.rounds[0].picked_scores
    assert len(picked) == 3 and picked == sorted(picked, reverse=True)
    assert run.rounds[0].max_spread == pytest.approx(picked[0]) and run.rounds[0].n_candidates == 26
    random_run = run_active_learning(PoolSource(morse_water_frames[:30]), morse_water_frames[40:],
                                     ActiveLearningSettings(n_start=4, n_add=3, rounds=0, strategy="random", **TINY))
    assert random_run.start_positions == run.start_positions  # one seed, one start: the same labels budget


def test_a_stopped_loop_keeps_its_partial_learning_curve(morse_water_frames):
    class StopAfterFirstRound(Progress):
        @property
        def stop_requested(self):
            return len(self.partial.get("curve", [])) >= 1

    settings = ActiveLearningSettings(n_start=4, n_add=3, rounds=5, **TINY)
    run = run_active_learning(PoolSource(morse_water_frames[:30]), morse_water_frames[40:], settings,
                              StopAfterFirstRound())
    assert run.stop_reason == "stopped" and 1 <= len(run.rounds) < 6 and run.committee is not None


def test_stopping_rule_stops_at_the_first_round_below_the_threshold(morse_water_frames):
    point = stopping_point([10, 20, 30, 40], [0.5, 0.2, 0.08, float("nan")], [50.0, 30.0, 20.0, 15.0], 0.1)
    assert (point.round, point.labels, point.error, point.labels_saved) == (2, 30, 20.0, 10)
    never = stopping_point([10, 20], [0.5, float("nan")], [50.0, 30.0], 0.01)
    assert not never.stopped and never.labels == 20
    settings = ActiveLearningSettings(n_start=4, n_add=3, rounds=3, stop_threshold=1e6, **TINY)
    run = run_active_learning(PoolSource(morse_water_frames[:30]), morse_water_frames[40:], settings)
    assert run.stop_reason == "spread below threshold" and run.labels == [4]


def test_settings_and_budget_are_checked(morse_water_frames):
    with pytest.raises(PoolError, match="pool holds 10"):
        run_active_learning(PoolSource(morse_water_frames[:10]), morse_water_frames[40:],
                            ActiveLearningSettings(n_start=12, **TINY))
    with pytest.raises(PoolError, match="labels, but the pool holds 10"):
        run_active_learning(PoolSource(morse_water_frames[:10]), morse_water_frames[40:],
                            ActiveLearningSettings(n_start=4, n_add=4, rounds=2, **TINY))
    with pytest.raises(ValueError, match="positive"):
        ActiveLearningSettings(time_budget=float("nan")).validate()


def test_md_candidates_are_labelled_by_the_reference_when_picked(morse_water_frames):
    from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential

    reference = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    source = MDSource(morse_water_frames[:10], reference, temperature=300.0, trajectories=2, snapshots=4, interval=5)
    settings = ActiveLearningSettings(n_start=4, n_add=2, rounds=1, **TINY)
    run = run_active_learning(source, morse_water_frames[40:], settings)
    assert run.labels == [4, 6] and 2 <= run.rounds[0].n_candidates <= 8 and source.computed == 2
    for atoms in run.labelled[4:]:
        check = atoms.copy()
        check.calc = reference
        assert atoms.get_potential_energy() == pytest.approx(check.get_potential_energy(), abs=1e-10)
        assert atoms.info["sampler"] == "al-md"


def test_an_invariant_committee_rates_rigid_copies_like_the_originals_a_cartesian_one_does_not(morse_water_frames):
    known, new = morse_water_frames[:12], morse_water_frames[40:52]
    copies = rigid_copies(known, seed=3)
    assert np.allclose([a.get_potential_energy() for a in copies], [a.get_potential_energy() for a in known])
    results = {}
    for kind, options in (("bp", dict(hidden=(16, 16))), ("cartesian", dict(hidden=(32, 32)))):
        committee = train_committee(kind, known, None, default_config(kind, epochs=40, seed=0), 2, **options)
        results[kind] = wasted_labels(committee, known, new, seed=3, kind=kind)
    bp, cartesian = results["bp"], results["cartesian"]
    assert bp.copy_spread_change < 1e-4  # float32 round-off: the copy looks exactly as known as the original
    assert cartesian.copy_spread_change > 1.0  # the Cartesian committee sees new numbers
    assert bp.wasted == 0 and cartesian.wasted >= 6  # of 12 labels
    # plain top-k: the invariant committee picks a copy only where it would pick the original itself
    originals = np.concatenate([bp.spread_known, bp.spread_new])
    top_k = select("uncertainty", originals, bp.k, np.random.default_rng(0))
    assert int(np.sum(top_k < len(known))) == bp.wasted_top_k


def test_muller_brown_picks_leave_the_start_well():
    from nnpes_core.active_learning.surface import surface_active_learning, surface_problem, surface_settings

    settings = surface_settings(rounds=2, committee_size=2, epochs=60, n_add=4)
    run = surface_active_learning(settings, surface_problem(n_pool=200, n_test=200))
    start = np.array(run.start_positions)
    assert run.labels == [5, 9, 13] and np.array(run.rounds[0].picked_positions).shape == (4, 2)
    centre = start.mean(axis=0)
    start_radius = np.linalg.norm(start - centre, axis=1).max()
    picked = np.array(run.rounds[0].picked_positions)
    assert (np.linalg.norm(picked - centre, axis=1) > 2 * start_radius).all()  # far from the known well


def test_boltzmann_pool_has_few_points_on_the_saddles():
    from nnpes_core.active_learning.surface import boltzmann_pool, surface_pool
    from nnpes_core.potentials import MullerBrown

    hot, uniform = boltzmann_pool(MullerBrown(), 300), surface_pool(MullerBrown(), 300)
    assert hot.forces is not None and float(hot.energy.max()) < 0.0
    saddle = -72.25  # the lower saddle (B-C)
    assert (hot.energy > saddle).float().mean() < 0.5 * (uniform.energy > saddle).float().mean()


def test_picked_md_snapshots_get_pyscf_labels_that_are_cached_on_disk(tmp_path, morse_water_frames):
    from ase import Atoms

    from nnpes_core.potentials import PySCFCalculator
    from nnpes_core.units import HARTREE

    reference = PySCFCalculator("hf", "sto-3g", cache_dir=tmp_path)  # the cheapest real reference
    source = MDSource(morse_water_frames[:4], reference)
    snapshot = Atoms(morse_water_frames[0].numbers, positions=morse_water_frames[0].positions)
    first, second = source.label([snapshot])[0], source.label([snapshot])[0]
    assert (source.computed, source.from_cache) == (1, 1)
    assert second.get_potential_energy() == first.get_potential_energy()
    assert -75.2 < first.get_potential_energy() / HARTREE < -74.7  # HF/STO-3G water is about -74.96 Eh
    assert np.abs(first.get_forces().sum(axis=0)).max() < 1e-6  # no net force on an isolated molecule
