"""The analysis tools against cases with known answers: analytic force fields, a harmonic spring,
the Morse water molecule, and the shape of the finite-difference error curve."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from ase import Atoms

from model_suite import distorted_ethanol, untrained_model
from nnpes_core.analysis import (
    applicable_operations, circle_work, curl_2d, energies, fd_vs_autograd, harmonic_analysis, mode_animation_frames,
    model_forces, model_hessian, symmetry_errors,
)
from nnpes_core.derivatives import force_field
from nnpes_core.geometry import random_permutation, random_reflection, random_rotation
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.data import finite_difference_hessian, molecule, normal_modes, optimize
from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential, MullerBrown
from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU


def swirl(strength: float):
    """F = c (-y, x): curl 2c everywhere, so W = -∮F.dl = -2 c pi r^2 around any circle."""
    return lambda xy: strength * torch.stack([-xy[..., 1], xy[..., 0]], dim=-1)


# --- conservation --------------------------------------------------------------------------------

def test_curl_of_a_gradient_field_vanishes():
    X, Y = np.meshgrid(np.linspace(-1.5, 1.0, 30), np.linspace(-0.4, 2.0, 30))
    curl = curl_2d(force_field(MullerBrown(), create_graph=True), X, Y)
    assert curl.shape == X.shape
    assert np.abs(curl).max() < 1e-9  # the forces themselves reach ~1e3 here


def test_curl_of_a_swirl_is_twice_its_strength_by_autograd_and_by_finite_differences():
    X, Y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    np.testing.assert_allclose(curl_2d(swirl(0.7), X, Y), 1.4, atol=1e-12)
    numpy_only = lambda xy: 0.7 * np.stack([-np.asarray(xy)[..., 1], np.asarray(xy)[..., 0]], axis=-1)
    np.testing.assert_allclose(curl_2d(numpy_only, X, Y), 1.4, atol=1e-8)


def loop_work(force_fn, center, radius, n_points=128) -> float:
    return circle_work(force_fn, center, radius, n_points)["work"]


def test_loop_work_vanishes_for_a_gradient_field_and_follows_stokes_otherwise():
    assert abs(loop_work(force_field(MullerBrown(), create_graph=True), (-0.5, 1.0), 0.3)) < 1e-9
    assert loop_work(swirl(0.7), (0.3, -0.2), 0.5, n_points=16) == pytest.approx(-1.4 * np.pi * 0.25, rel=1e-12)
    # F = (0, x^2) has curl 2x: W = -2 x_c pi r^2 (exact already with a few points: spectral accuracy)
    parabola = lambda xy: torch.stack([torch.zeros_like(xy[..., 0]), xy[..., 0] ** 2], dim=-1)
    assert loop_work(parabola, (0.4, 0.0), 0.2, n_points=8) == pytest.approx(-0.8 * np.pi * 0.04, rel=1e-12)


# --- symmetry operations -------------------------------------------------------------------------

def test_random_rotations_are_proper_and_reflections_improper():
    rng = np.random.default_rng(0)
    for _ in range(5):
        rotation, reflection = random_rotation(rng), random_reflection(rng)
        np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-14)
        np.testing.assert_allclose(reflection @ reflection.T, np.eye(3), atol=1e-14)
        assert np.linalg.det(rotation) == pytest.approx(1.0)
        assert np.linalg.det(reflection) == pytest.approx(-1.0)


def test_permutation_only_exchanges_atoms_of_the_same_element():
    numbers = molecule("ethanol").numbers
    rng = np.random.default_rng(0)
    for _ in range(20):
        permutation = random_permutation(numbers, rng)
        assert not np.array_equal(permutation, np.arange(len(numbers)))
        np.testing.assert_array_equal(numbers[permutation], numbers)
    with pytest.raises(ValueError, match="no two atoms share an element"):
        random_permutation(molecule("CO").numbers, rng)


def test_symmetry_errors_skip_permutation_when_every_element_occurs_once():
    carbon_monoxide = molecule("CO")
    assert applicable_operations(carbon_monoxide) == ["translation", "rotation", "reflection"]
    model = untrained_model("bp", carbon_monoxide.numbers)
    assert set(symmetry_errors(model, carbon_monoxide, n_trials=1)) == {"translation", "rotation", "reflection"}


# --- derivatives ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def random_bp():
    return untrained_model("bp", distorted_ethanol().numbers)


def test_finite_difference_error_falls_as_h_squared_then_grows_with_round_off(random_bp):
    atoms = distorted_ethanol()
    steps = np.logspace(-1, -8, 15)
    double = fd_vs_autograd(random_bp, atoms, steps, torch.float64)
    single = fd_vs_autograd(random_bp, atoms, steps, torch.float32)
    error = np.array(double["max_error_ev_per_a"])
    slope = np.log10(error[2] / error[4])  # h = 1e-2 -> 1e-3: truncation error ~ h^2
    assert 1.6 < slope < 2.4
    assert double["best_error_ev_per_a"] < 1e-9 < single["best_error_ev_per_a"]
    assert single["best_step_a"] > double["best_step_a"]  # round-off takes over earlier in float32
    assert error[-1] > 100 * double["best_error_ev_per_a"]  # and it does take over
    # at h = 1e-8 Å a float32 coordinate does not even change: the difference quotient is garbage
    assert single["max_error_ev_per_a"][-1] > 0.1 * np.abs(model_forces(random_bp, atoms)).max()


def test_hessian_equals_finite_differences_of_the_forces(random_bp):
    atoms = distorted_ethanol()
    reference = finite_difference_hessian(atoms, NNPESCalculator(random_bp), delta=1e-4)
    matrix = model_hessian(random_bp, atoms)
    assert np.abs(matrix - reference).max() < 1e-6 * np.abs(reference).max()
    np.testing.assert_allclose(model_hessian(random_bp, atoms, rows_per_pass=4), matrix, atol=1e-13)


def test_analysis_changes_neither_the_model_nor_torch_global_state(random_bp):
    atoms = distorted_ethanol()
    rng_state, default_dtype = torch.random.get_rng_state(), torch.get_default_dtype()
    before = energies(random_bp, atoms)
    symmetry_errors(random_bp, atoms, dtype=torch.float32)
    fd_vs_autograd(random_bp, atoms, [1e-3], torch.float32)
    assert next(random_bp.parameters()).dtype == torch.float64
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    assert torch.get_default_dtype() == default_dtype
    np.testing.assert_array_equal(energies(random_bp, atoms), before)


# --- vibrations ----------------------------------------------------------------------------------

def test_harmonic_spring_has_the_textbook_frequency_and_five_rigid_modes():
    """Two masses on a spring k along z: one vibration at sqrt(k / mu), 3 translations + 2 rotations."""
    k, masses = 5.0, np.array([1.008, 15.999])
    along = np.diag([0.0, 0.0, 1.0])
    spring = k * np.block([[along, -along], [-along, along]])
    analysis = harmonic_analysis(spring, masses, np.array([[0, 0, 0], [0, 0, 1.0]]))
    reduced_mass = masses.prod() / masses.sum()
    assert analysis.n_rigid == 5
    assert analysis.wavenumbers == pytest.approx([np.sqrt(k / reduced_mass) * WAVENUMBER_PER_SQRT_EV_A2_AMU])


def test_morse_water_frequencies_match_the_sampler_normal_modes():
    calculator = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    water = optimize(molecule("H2O"), calculator, fmax=1e-6)
    reference = normal_modes(water, calculator)
    analysis = harmonic_analysis(reference.hessian, water.get_masses(), water.positions)
    assert analysis.n_rigid == 6
    np.testing.assert_allclose(analysis.wavenumbers, reference.wavenumbers, rtol=1e-4)
    assert analysis.wavenumbers == pytest.approx([1420, 3760, 4300], rel=0.05)  # Morse module's note
    frames = mode_animation_frames(water, analysis.displacements[0], amplitude=0.2, n_frames=8)
    assert len(frames) == 8
    np.testing.assert_allclose(frames[0].positions, water.positions)
    assert np.linalg.norm(frames[2].positions - water.positions, axis=1).max() == pytest.approx(0.2)
