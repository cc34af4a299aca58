"""Lesson 12 core: Tully's models, adiabatic states and d12, the exact scattering solution and FSSH.

Published values used here:
- J. C. Tully, J. Chem. Phys. 93, 1061 (1990): the models and their parameters (mass 2000 a.u.), and the
  features of his exact curves, one figure per model: model 1 reflects below the lower-surface barrier (k < 4.5)
  and opens the upper channel above k = 8.9; model 2 oscillates (Stückelberg); model 3 cannot transmit
  on the upper surface below k = 28 and reflects on it instead.
- Exact time-independent scattering results of W. Ouyang et al. (the algorithm of J. Chem. Phys. 142,
  084110 (2015), appendix), from the authors' public code and its shipped output (github.com/ouyangw/
  scattering, examples/tully_{1,2,3}_range/tully_*_range.dat; columns E, k, R_lower, R_upper,
  T_lower, T_upper, total), an independent method (sinc-DVR grid).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from nnpes_core.nonadiabatic import (
    CHANNELS, TULLY_MASS, UnknownModelError, exact_probabilities, run_fssh, tully_model,
)
from nnpes_core.nonadiabatic.fssh import hopping_probability, propagate_amplitudes
from nnpes_core.nonadiabatic.scan import momentum_scan

MODELS = (1, 2, 3)

# (model, k) -> (R_lower, R_upper, T_lower, T_upper), Ouyang et al.'s exact results (see module docstring)
PUBLISHED_EXACT = {
    (1, 5.0): (0.13312417, 0.0, 0.86687583, 0.0),
    (1, 10.0): (4.4e-06, 1.06e-05, 0.84451989, 0.15546461),
    (1, 20.0): (9.7e-09, 1.4e-09, 0.50680977, 0.49318082),
    (1, 30.0): (1.1e-09, 3.9e-10, 0.28457377, 0.71539402),
    (2, 19.9875): (6.5e-15, 3.2e-15, 0.95472802, 0.045271868),
    (2, 29.9875): (3.9e-12, 6.8e-13, 0.33409983, 0.66589575),
    (2, 49.9875): (4.7e-10, 5.0e-17, 0.99999689, 3.1105709e-06),
    (3, 10.0): (0.089977058, 0.20995515, 0.70025095, 0.0),
    (3, 20.0): (0.15718615, 0.23927567, 0.60378951, 0.0),
    (3, 30.0): (1.07e-08, 2.1e-09, 0.56991873, 0.43035026),
}


@pytest.mark.parametrize("number", MODELS)
def test_adiabatic_energies_are_the_eigenvalues_of_the_diabatic_matrix(number):
    model = tully_model(number)
    x = np.linspace(*model.box, 301)
    states = model.adiabatic(x)
    assert np.allclose(states.energies, np.linalg.eigvalsh(model.diabatic(x).matrix()), atol=1e-15)
    assert np.all(states.gap > 0)  # an avoided crossing never closes


@pytest.mark.parametrize("number", MODELS)
def test_slopes_and_coupling_match_finite_differences_of_energies_and_eigenvectors(number):
    model, step = tully_model(number), 1e-6
    x = np.linspace(-6.0, 6.0, 41) + 0.0123  # avoid the kinks of models 1 and 3 at x = 0 exactly
    states = model.adiabatic(x)
    slopes = (model.adiabatic(x + step).energies - model.adiabatic(x - step).energies) / (2 * step)
    assert np.allclose(states.gradients, slopes, atol=1e-8)
    _, vectors = np.linalg.eigh(model.diabatic(x).matrix())
    _, ahead = np.linalg.eigh(model.diabatic(x + step).matrix())
    _, behind = np.linalg.eigh(model.diabatic(x - step).matrix())
    for moved in (ahead, behind):  # eigenvectors come with arbitrary signs: align them with x
        moved *= np.sign(np.einsum("nik,nik->nk", moved, vectors))[:, None, :]
    d_upper_dx = (ahead[:, :, 1] - behind[:, :, 1]) / (2 * step)
    d12 = np.einsum("ni,ni->n", vectors[:, :, 0], d_upper_dx)
    assert np.allclose(np.abs(d12), np.abs(states.coupling), atol=1e-7)
    assert np.abs(states.coupling).max() > 0.1


def test_models_have_tullys_parameters():
    assert TULLY_MASS == 2000.0
    simple, dual, extended = (tully_model(n) for n in MODELS)
    left, right = simple.asymptotic_energies()
    assert left == pytest.approx([-0.01, 0.01], abs=1e-8) and right == pytest.approx([-0.01, 0.01], abs=1e-8)
    assert simple.adiabatic(np.array([0.0])).gap[0] == pytest.approx(0.01)  # 2C at the crossing
    assert dual.asymptotic_energies()[0] == pytest.approx([0.0, 0.05], abs=1e-6)
    assert dual.adiabatic(np.array([0.0])).energy_lower[0] == pytest.approx(-0.025 - np.hypot(0.025, 0.015))  # V22 well
    left, right = extended.asymptotic_energies()
    assert left == pytest.approx([-6e-4, 6e-4], abs=1e-7)
    assert right == pytest.approx([-0.2, 0.2], abs=1e-4)


@pytest.mark.parametrize("number", [0, 4, -1])
def test_an_unknown_model_is_refused_with_a_clear_message(number):
    with pytest.raises(UnknownModelError, match="1, 2 and 3|simple avoided crossing"):
        tully_model(number)
    assert issubclass(UnknownModelError, ValueError)


@pytest.mark.parametrize(("number", "momentum"), list(PUBLISHED_EXACT))
def test_exact_solution_matches_published_exact_results(number, momentum):
    result = exact_probabilities(tully_model(number), momentum)
    published = PUBLISHED_EXACT[(number, momentum)]
    mine = (result.reflection_lower, result.reflection_upper, result.transmission_lower, result.transmission_upper)
    assert mine == pytest.approx(published, abs=1.5e-3)
    assert result.total == pytest.approx(1.0, abs=1e-9)  # flux is conserved on the grid


def test_exact_solution_converges_with_the_grid():
    model = tully_model(1)
    coarse = exact_probabilities(model, 15.0, grid_spacing=0.01)
    fine = exact_probabilities(model, 15.0, grid_spacing=0.005)
    for name in CHANNELS:
        assert getattr(coarse, name) == pytest.approx(getattr(fine, name), abs=2e-3)
    assert abs(coarse.transmission_upper - fine.transmission_upper) > 0  # the grid is really different


def test_exact_curves_show_the_features_of_tullys_figures():
    simple, dual, extended = (tully_model(n) for n in MODELS)
    # model 1: below the barrier of the lower adiabat (0.005 Eh, k = 4.5) the particle is reflected;
    # below k = sqrt(2M·2A) = 8.9 the upper surface is closed; at k = 10 both channels are open
    assert exact_probabilities(simple, 3.0).reflection_lower > 0.99
    assert exact_probabilities(simple, 8.0).transmission_upper == 0.0
    at_10 = exact_probabilities(simple, 10.0)
    assert at_10.transmission_lower < 0.9 and at_10.transmission_upper > 0.1
    # model 2: T_lower rises, falls and rises again with the momentum (Stückelberg oscillations)
    t_lower = momentum_scan(dual, [20.0, 30.0, 50.0]).probabilities["transmission_lower"]
    assert t_lower[0] > 0.9 and t_lower[1] < 0.4 and t_lower[2] > 0.99
    # model 3: the upper surface rises to +0.2 Eh on the right: closed below k = 28.3, so what hops up
    # comes back
    at_20 = exact_probabilities(extended, 20.0)
    assert at_20.transmission_upper == 0.0 and at_20.reflection_upper > 0.2


def test_propagator_is_the_exact_exponential_and_unitary():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(5, 2)) + 1j * rng.normal(size=(5, 2))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    energies, w, tau = rng.normal(scale=0.02, size=(5, 2)), rng.normal(scale=0.01, size=5), 7.0
    new = propagate_amplitudes(c, energies, w, tau)
    assert np.allclose(np.linalg.norm(new, axis=1), 1.0, atol=1e-14)
    for i in range(5):
        hamiltonian = np.array([[energies[i, 0], -1j * w[i]], [1j * w[i], energies[i, 1]]])
        exact = expm(-1j * hamiltonian * tau) @ c[i]
        phase = np.exp(1j * energies[i].mean() * tau)  # the common phase is left out
        assert np.allclose(new[i], phase * exact, atol=1e-12)


def test_hopping_probability_is_the_population_flux_over_the_active_population():
    c = np.array([[0.8, 0.6j * np.exp(0.3j)], [0.6, 0.8]], dtype=complex)
    state, energies, w, tau = np.array([0, 1]), np.array([[-0.01, 0.01], [-0.01, 0.01]]), np.array([0.002, 0.002]), 1e-3
    after = propagate_amplitudes(c, energies, w, tau)
    gained = np.abs(after[np.arange(2), 1 - state]) ** 2 - np.abs(c[np.arange(2), 1 - state]) ** 2
    expected = np.clip(gained, 0, None) / np.abs(c[np.arange(2), state]) ** 2
    assert np.allclose(hopping_probability(c, state, w, tau), expected, rtol=1e-3, atol=1e-12)


def test_fssh_probabilities_add_up_and_carry_binomial_errors():
    run = run_fssh(tully_model(1), 12.0, 300, seed=4, n_recorded=3)
    p = run.probabilities
    assert p.total == pytest.approx(1.0)
    for name in CHANNELS:
        assert p.stderr[name] == pytest.approx(np.sqrt(getattr(p, name) * (1 - getattr(p, name)) / 300))
        assert round(getattr(p, name) * 300) == pytest.approx(getattr(p, name) * 300)  # a count over N
    assert p.details["unfinished"] == 0
    assert run.hops > 0 and len(run.trajectories) == 3


def test_fssh_is_reproducible_with_its_seed_and_leaves_global_random_state_alone():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    a = run_fssh(tully_model(1), 12.0, 100, seed=7).probabilities
    assert np.random.random() == before
    b = run_fssh(tully_model(1), 12.0, 100, seed=7).probabilities
    c = run_fssh(tully_model(1), 12.0, 100, seed=8).probabilities
    assert a.as_dict() == b.as_dict()
    assert a.transmission_upper != c.transmission_upper


@pytest.mark.parametrize("momentum", [10.0, 20.0])
def test_fssh_agrees_with_the_exact_answer_on_the_simple_avoided_crossing(momentum):
    """Tully 1990 (the model 1 figure): surface hopping follows the exact curves of model 1 above k ≈ 9."""
    model = tully_model(1)
    fssh = run_fssh(model, momentum, 600, seed=1).probabilities
    exact = exact_probabilities(model, momentum)
    for name in ("transmission_lower", "transmission_upper"):
        assert abs(getattr(fssh, name) - getattr(exact, name)) < 3 * fssh.stderr[name] + 0.02


def test_energy_is_conserved_along_trajectories_through_hops():
    run = run_fssh(tully_model(1), 15.0, 40, seed=2, n_recorded=40, record_every=5)
    hopped = [path for path in run.trajectories if np.any(np.diff(path.state) != 0)]
    assert hopped
    for path in run.trajectories:
        total = path.total_energy(TULLY_MASS)
        assert np.ptp(total) < 2e-5  # Eh; the kinetic energy is 0.056 Eh


def test_hops_are_frustrated_when_the_upper_surface_is_out_of_reach():
    """Below k = 8.9 the upper surface lies higher than the total energy on the right: every attempted
    hop there is refused, and no trajectory ends on it."""
    run = run_fssh(tully_model(1), 7.0, 200, seed=0)
    assert run.frustrated_hops > 0
    assert run.probabilities.transmission_upper == 0.0 and run.probabilities.reflection_upper == 0.0


def test_fssh_nuclei_are_classical_they_never_reflect_above_the_barrier():
    """k = 5 is just above the 0.005 Eh barrier of model 1's lower adiabat: quantum mechanics reflects
    13 % (published exact result), classical nuclei pass every time."""
    model = tully_model(1)
    assert run_fssh(model, 5.0, 200, seed=0).probabilities.transmission_lower == 1.0
    assert exact_probabilities(model, 5.0).reflection_lower == pytest.approx(0.133, abs=2e-3)


def test_fssh_is_overcoherent_in_the_extended_coupling_model():
    """Tully 1990 (the model 3 figure): in model 3 the reflected trajectories pass the coupling region twice and FSSH
    splits them between the surfaces wrongly (no decoherence): it reflects far too much on the lower one."""
    model = tully_model(3)
    fssh = run_fssh(model, 10.0, 300, seed=0).probabilities
    exact = exact_probabilities(model, 10.0)
    assert fssh.transmission_lower == pytest.approx(exact.transmission_lower, abs=4 * fssh.stderr["transmission_lower"])
    assert fssh.reflection_lower - exact.reflection_lower > 6 * fssh.stderr["reflection_lower"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="positive"):
        run_fssh(tully_model(1), 0.0, 10)
    with pytest.raises(ValueError, match="at least one"):
        run_fssh(tully_model(1), 10.0, 0)
    with pytest.raises(ValueError, match="positive"):
        exact_probabilities(tully_model(2), -3.0)
    with pytest.raises(ValueError, match="unknown method"):
        momentum_scan(tully_model(1), [10.0], method="ehrenfest")
