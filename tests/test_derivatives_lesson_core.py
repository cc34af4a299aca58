"""Core behind lesson 7: forward vs central differences, the error model of finite differences, timings of
forces and Hessians against N, a reference Hessian on file, and model frequencies at the model's minimum."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from model_suite import distorted_ethanol, untrained_model
from nnpes_core.analysis.derivative_cost import (
    TimedSeries, extrapolated_ratio, median_seconds, speedup_at_largest, time_force_methods, time_hessian_methods, torch_threads,
)
from nnpes_core.analysis.evaluation import model_forces
from nnpes_core.analysis.finite_differences import (
    branch_slopes, energy_evaluations, error_guides, fd_vs_autograd, finite_difference_forces, machine_epsilon,
)
from nnpes_core.analysis.frequency_comparison import (
    frequency_table, mass_weighted_spectrum, match_modes, model_minimum, triatomic_mode_name,
)
from nnpes_core.analysis.vibrations import HarmonicAnalysis, harmonic_analysis
from nnpes_core.data import molecule, normal_modes, optimize
from nnpes_core.data.clusters import fcc_cluster
from nnpes_core.data.reference_hessian import (
    compute_reference_hessian, read_reference_hessian, write_reference_hessian,
)
from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential
from nnpes_core.viz.derivatives import ErrorCurve, fd_error_figure, frequency_error_figure, timing_figure
from nnpes_core.viz.style import axes_without_units

STEPS = np.logspace(-1, -8, 15)


@pytest.fixture(scope="module")
def random_bp():
    return untrained_model("bp", distorted_ethanol().numbers)


@pytest.fixture(scope="module")
def morse_water():
    """Water at the minimum of the water-like Morse potential, with its reference harmonic analysis."""
    calculator = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    water = optimize(molecule("H2O"), calculator, fmax=1e-6)
    water.calc = None
    modes = normal_modes(water, calculator)
    return water, harmonic_analysis(modes.hessian, water.get_masses(), water.positions)


# --- finite differences: forward and central ---------------------------------------------------------

def test_forward_differences_are_first_order_and_central_second_order(random_bp):
    atoms = distorted_ethanol()
    central = np.array(fd_vs_autograd(random_bp, atoms, STEPS, torch.float64, "central")["max_error_ev_per_a"])
    forward = np.array(fd_vs_autograd(random_bp, atoms, STEPS, torch.float64, "forward")["max_error_ev_per_a"])
    # h = 1e-2 -> 1e-3 (two entries per decade): error ~ h^p
    assert 1.6 < np.log10(central[2] / central[4]) < 2.4
    assert 0.8 < np.log10(forward[2] / forward[4]) < 1.2
    assert forward[4] > 10 * central[4]  # at h = 1e-3 Å the forward error is far larger


def test_batched_finite_differences_equal_one_batch_and_unknown_schemes_are_refused(random_bp):
    atoms = distorted_ethanol()
    for scheme in ("central", "forward"):
        one_batch = finite_difference_forces(random_bp, atoms, 1e-3, scheme=scheme)
        chunked = finite_difference_forces(random_bp, atoms, 1e-3, scheme=scheme, max_batch_atoms=20)
        np.testing.assert_allclose(chunked, one_batch, atol=1e-12)
    with pytest.raises(ValueError, match="scheme"):
        finite_difference_forces(random_bp, atoms, 1e-3, scheme="backward")
    with pytest.raises(ValueError, match="scheme"):
        fd_vs_autograd(random_bp, atoms, [1e-3], scheme="five-point")


# --- the error model ----------------------------------------------------------------------------------

def test_error_guides_recover_the_truncation_constant_and_the_best_step():
    energy, constant = 2000.0, 20.0
    eps = machine_epsilon(torch.float64)
    errors = constant * STEPS**2 + eps * energy / STEPS  # an ideal central-difference V
    guides = error_guides(STEPS, errors, -energy, torch.float64, "central")
    assert guides.order == 2 and guides.truncation_coefficient == pytest.approx(constant, rel=1e-6)
    assert guides.roundoff_scale == pytest.approx(eps * energy)
    expected_best = (eps * energy / (2 * constant)) ** (1 / 3)
    assert guides.predicted_best_step == pytest.approx(expected_best)
    assert np.argmin(errors) == np.argmin(np.abs(np.log(STEPS / expected_best)))  # the V bottoms out there
    np.testing.assert_allclose(guides.truncation(STEPS) + guides.roundoff(STEPS), errors)
    forward = error_guides(STEPS, 5.0 * STEPS + eps * energy / STEPS, energy, torch.float64, "forward")
    assert forward.order == 1 and forward.truncation_coefficient == pytest.approx(5.0, rel=1e-6)


def test_branch_slopes_read_two_and_minus_one_and_skip_the_float32_plateau():
    errors = 20.0 * STEPS**2 + 1e-12 / STEPS
    large, small = branch_slopes(STEPS, errors)
    assert large == pytest.approx(2.0, abs=0.05) and small == pytest.approx(-1.0, abs=0.1)
    # float32: below some h the coordinate does not move and the error is |F| whatever h
    plateau = 20.0 * STEPS**2 + 1e-8 / STEPS
    plateau[STEPS < 1e-6] = 0.05
    large, small = branch_slopes(STEPS, plateau)
    assert large == pytest.approx(2.0, abs=0.1) and small == pytest.approx(-1.0, abs=0.1)


def test_energy_evaluations_and_machine_epsilon():
    assert energy_evaluations(3, "central") == 18 and energy_evaluations(500, "central") == 3000
    assert energy_evaluations(3, "forward") == 10
    assert machine_epsilon(torch.float64) == pytest.approx(2.22e-16, rel=1e-2)
    assert machine_epsilon(torch.float32) == pytest.approx(1.19e-7, rel=1e-2)


# --- timings ------------------------------------------------------------------------------------------

def test_force_timings_grow_faster_for_finite_differences_and_stop_when_too_slow():
    model = untrained_model("bp", [18])
    clusters = [fcc_cluster(n, jitter=0.05) for n in (4, 8, 16, 32)]
    series = time_force_methods(model, clusters, repeats=1, max_seconds=10.0, threads=1)
    assert series["energy"].n_atoms == [4, 8, 16, 32] and all(s > 0 for s in series["autograd"].seconds)
    assert series["finite_difference"].n_atoms == [4, 8, 16, 32]
    n_atoms, ratio = speedup_at_largest(series["finite_difference"], series["autograd"])
    assert n_atoms == 32 and ratio > 5  # 192 energies against one backward pass
    quick = time_force_methods(model, clusters, repeats=1, max_seconds=1e-9)
    assert len(quick["finite_difference"].n_atoms) == 1 and "stopped before 8 atoms" in quick["finite_difference"].stop_reason
    assert quick["autograd"].n_atoms == [4, 8, 16, 32]  # the cheap series run to the end


def test_hessian_timings_agree_with_hessian_vector_products_and_threads_are_restored():
    model = untrained_model("bp", [18])
    before = torch.get_num_threads()
    series, checks = time_hessian_methods(model, [fcc_cluster(n, jitter=0.05) for n in (4, 8)], repeats=1,
                                          max_seconds=10.0, threads=1)
    assert torch.get_num_threads() == before
    assert series["hessian"].n_atoms == [4, 8] and series["hvp"].n_atoms == [4, 8]
    assert len(checks) == 2 and max(checks) < 1e-10


def test_timing_helpers():
    calls = []
    assert median_seconds(lambda: calls.append(1), repeats=3) >= 0 and len(calls) == 3
    slow_calls = []
    median_seconds(lambda: slow_calls.append(1), repeats=3, single_above=-1.0)  # "slow": timed once
    assert len(slow_calls) == 1
    series = TimedSeries("t", [10, 100, 1000], [1e-3, 1e-2, 1e-1])
    slope, prefactor = series.slope(min_atoms=10)
    assert slope == pytest.approx(1.0) and prefactor == pytest.approx(1e-4)
    assert speedup_at_largest(TimedSeries("a"), series) == (0, pytest.approx(float("nan"), nan_ok=True))
    quadratic = TimedSeries("q", [10, 100, 1000], [1e-4, 1e-2, 1.0])  # 1e-6 N^2
    assert extrapolated_ratio(quadratic, series, 1e4, min_atoms=10) == pytest.approx(1e-2 * 1e4)
    assert np.isnan(extrapolated_ratio(TimedSeries("empty"), series, 1e4))
    with torch_threads(None):
        pass


# --- a reference Hessian on file ---------------------------------------------------------------------

def test_reference_hessian_round_trips_and_gives_the_sampler_frequencies(tmp_path, morse_water):
    _, analysis = morse_water
    calculator = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    messages = []
    reference = compute_reference_hessian(molecule("H2O"), calculator, fmax=1e-6, progress=messages.append)
    assert reference.metadata["hessian_calls"] == 18 and reference.metadata["optimisation_calls"] > 0
    assert len(messages) == 2 and reference.atoms.calc is None
    path = write_reference_hessian(tmp_path / "ref.json", reference)
    back = read_reference_hessian(path)
    np.testing.assert_array_equal(back.hessian, reference.hessian)
    np.testing.assert_array_equal(back.atoms.positions, reference.atoms.positions)
    assert back.energy == reference.energy and back.metadata["delta_A"] == 5e-3
    wavenumbers = harmonic_analysis(back.hessian, back.atoms.get_masses(), back.atoms.positions).wavenumbers
    np.testing.assert_allclose(wavenumbers, analysis.wavenumbers, rtol=1e-4)


def test_a_broken_reference_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="could not read the reference Hessian bad.json"):
        read_reference_hessian(bad)
    bad.write_text(json.dumps({"format": "nnpes-reference-hessian-1", "symbols": ["O", "H", "H"],
                               "positions_angstrom": np.zeros((3, 3)).tolist(), "energy_eV": 0.0,
                               "hessian_eV_per_angstrom2": np.zeros((4, 4)).tolist()}))
    with pytest.raises(ValueError, match=r"\[9, 9\] matrix"):
        read_reference_hessian(bad)


def test_shipped_water_reference_has_three_b3lyp_frequencies():
    from pathlib import Path

    reference = read_reference_hessian(Path(__file__).resolve().parents[1] / "assets" / "data"
                                       / "water_b3lyp_631gs_hessian.json")
    analysis = harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions)
    # the same numbers as the normal modes quoted in assets/data/PROVENANCE.md (1711, 3721, 3845 cm^-1)
    np.testing.assert_allclose(analysis.wavenumbers, [1711, 3721, 3845], atol=1.0)
    assert [triatomic_mode_name(reference.atoms, d) for d in analysis.displacements] == [
        "bend", "symmetric stretch", "antisymmetric stretch"]


# --- frequencies of a model at its own minimum --------------------------------------------------------

def test_water_modes_are_named_by_shape_whatever_their_order(morse_water):
    water, analysis = morse_water
    names = [triatomic_mode_name(water, d) for d in analysis.displacements]
    # the Morse pair potential's H-H repulsion puts the symmetric stretch above the antisymmetric one
    assert names == ["bend", "antisymmetric stretch", "symmetric stretch"]
    o_h = [water.positions[i] - water.positions[0] for i in (1, 2)]
    stretch = [float(b @ analysis.displacements[1][i + 1]) for i, b in enumerate(o_h)]
    assert stretch[0] * stretch[1] < 0  # one O-H bond gets longer while the other gets shorter
    with pytest.raises(ValueError):
        triatomic_mode_name(distorted_ethanol(), np.zeros((9, 3)))


def test_match_modes_pairs_modes_by_shape_not_by_order(morse_water):
    _, analysis = morse_water
    swapped = HarmonicAnalysis(analysis.wavenumbers[[0, 2, 1]], analysis.omega_squared[[0, 2, 1]],
                               analysis.mass_weighted_modes[[0, 2, 1]], analysis.displacements[[0, 2, 1]],
                               analysis.n_rigid)
    order, overlap = match_modes(analysis, swapped)
    assert order.tolist() == [0, 2, 1] and np.allclose(overlap, 1.0)
    rows = frequency_table(analysis, swapped, ["bend", "sym", "asym"])
    assert [row["difference (cm⁻¹)"] for row in rows] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_a_model_is_relaxed_on_its_own_surface_before_its_frequencies(trained_models, morse_water):
    water, reference = morse_water
    model = trained_models["bp"]
    minimum = model_minimum(model, molecule("H2O"), torch.float64, fmax=1e-4)
    assert minimum.max_force < 1e-4 and minimum.atoms.calc is None
    assert minimum.analysis.n_rigid == 6 and len(minimum.analysis.wavenumbers) == 3
    assert np.all(minimum.analysis.wavenumbers > 0)  # a minimum: no imaginary frequency
    np.testing.assert_allclose(np.abs(model_forces(model, minimum.atoms)).max(), minimum.max_force, atol=1e-6)
    # eigenvalues before the projection: six near zero, then the same three vibrations
    eigenvalues, wavenumbers = mass_weighted_spectrum(minimum.hessian, minimum.atoms.get_masses())
    assert len(eigenvalues) == 9
    np.testing.assert_allclose(wavenumbers[-3:], minimum.analysis.wavenumbers, rtol=1e-2)
    assert np.abs(wavenumbers[:6]).max() < 0.25 * minimum.analysis.wavenumbers.min()
    assert next(model.parameters()).dtype == torch.float64  # the caller's model is unchanged


# --- figures ------------------------------------------------------------------------------------------

def test_figures_have_units_on_every_axis():
    steps = STEPS
    curve = ErrorCurve("float64", steps, 20 * steps**2 + 1e-12 / steps, 20 * steps**2, 1e-12 / steps, 1e-5, 1e-8)
    figure = fd_error_figure([curve, ErrorCurve("float32", steps, np.full_like(steps, 0.1), steps, steps, 1e-2, 0.1)])
    assert not axes_without_units(figure) and figure.layout.xaxis.type == "log"
    assert len(figure.data) == 8  # measured, two guides and the best step, per dtype
    shared = fd_error_figure([curve, ErrorCurve("float32", steps, curve.errors, curve.truncation, steps, 1e-2, 0.1)])
    assert len(shared.data) == 7  # one truncation line for both precisions when their fits agree
    timing = timing_figure([("autograd", [8, 16, 32], [1e-3, 2e-3, 4e-3], 1.0, 1.25e-4),
                            ("none", [], [], float("nan"), float("nan"))], "t")
    assert not axes_without_units(timing) and len(timing.data) == 2
    bars = frequency_error_figure(["bend", "s", "a"], [1700, 3700, 3800],
                                  {"water_bp": [1705, 3690, 3810], "water_equivariant": [1699, 3702, 3801]})
    assert not axes_without_units(bars) and len(bars.data) == 2
    assert list(bars.data[0].y) == pytest.approx([5, -10, 10])
