"""Why one NN-PES is not enough: a network of the ground adiabat cannot end on the upper surface; a
network of the 2 x 2 diabatic Hamiltonian gives smooth adiabats and couplings and the right
probabilities; trained on energies alone it fits the adiabats but not the coupling."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnpes_core.nonadiabatic import CHANNELS, DiabaticHamiltonian, adiabatic_states, exact_probabilities, tully_model
from nnpes_core.nonadiabatic.diabatisation import (
    NetworkTwoStateModel, adiabatic_data, align_diabatic_basis, born_oppenheimer_scattering, fit_diabatic_network,
    fit_ground_state_network,
)

MODEL = tully_model(1)


@pytest.fixture(scope="module")
def data():
    return adiabatic_data(MODEL, 101)


@pytest.fixture(scope="module")
def with_coupling(data):
    return fit_diabatic_network(data, coupling_weight=1.0, iterations=150, seed=0)


@pytest.fixture(scope="module")
def energies_only(data):
    return fit_diabatic_network(data, coupling_weight=0.0, iterations=150, seed=0)


def test_a_ground_state_network_can_never_end_on_the_upper_surface(data):
    network = fit_ground_state_network(data, epochs=200)
    momenta = [3.0, 6.0, 15.0, 25.0]
    outcomes = born_oppenheimer_scattering(network, momenta, box=MODEL.box)
    exact = [exact_probabilities(MODEL, k) for k in momenta]
    # below the 0.005 Eh barrier the particle turns back, above it it passes: like the exact lower channel
    assert outcomes[0].reflection_lower == 1.0 and outcomes[1].transmission_lower == 1.0
    for mine, truth in zip(outcomes[2:], exact[2:]):
        assert mine.transmission_upper == 0.0 and mine.reflection_upper == 0.0
        assert truth.transmission_upper > 0.3  # what the single surface misses


def test_the_diabatic_network_reproduces_the_exact_probabilities(with_coupling):
    network_model = NetworkTwoStateModel(with_coupling.network, MODEL)
    assert with_coupling.energy_rmse < 1e-3  # Eh, on both adiabats
    for momentum in (10.0, 20.0, 28.0):
        learned, truth = exact_probabilities(network_model, momentum), exact_probabilities(MODEL, momentum)
        for name in CHANNELS:
            assert getattr(learned, name) == pytest.approx(getattr(truth, name), abs=0.1), (momentum, name)
    assert with_coupling.network.training is False


def test_its_adiabats_and_coupling_are_smooth_between_the_training_points(with_coupling):
    x = np.linspace(-4.0, 4.0, 801)  # 8 times denser than the data
    learned = NetworkTwoStateModel(with_coupling.network, MODEL).adiabatic(x)
    truth = MODEL.adiabatic(x)
    assert np.abs(learned.energies - truth.energies).max() < 2e-3
    assert np.abs(np.abs(learned.coupling) - np.abs(truth.coupling)).max() < 0.35  # peak 1.6 bohr⁻¹
    assert np.abs(np.diff(learned.coupling, 2)).max() < 0.01  # no kinks or spikes


def test_energies_alone_do_not_fix_the_coupling(energies_only, with_coupling):
    """A rotation of the diabatic basis by α(x) keeps the eigenvalues and shifts d12 by α'(x): the
    energies-only fit (energies and slopes of both adiabats) matches the adiabats as well or better,
    the coupling far worse, and the probabilities with it."""
    assert energies_only.energy_rmse <= with_coupling.energy_rmse < 1e-3
    assert energies_only.coupling_rmse > 3 * with_coupling.coupling_rmse
    wrong, right = (NetworkTwoStateModel(fit.network, MODEL) for fit in (energies_only, with_coupling))
    errors = {name: max(abs(exact_probabilities(model, k).transmission_upper
                            - exact_probabilities(MODEL, k).transmission_upper) for k in (12.0, 15.0, 18.0))
              for name, model in (("energies only", wrong), ("with coupling", right))}
    assert errors["energies only"] > 0.15 and errors["with coupling"] < 0.1, errors


def test_fitting_is_seeded_and_leaves_torch_random_state_alone(data):
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a = fit_diabatic_network(data, iterations=5, seed=1)
    assert torch.rand(1) == before
    b = fit_diabatic_network(data, iterations=5, seed=1)
    assert a.losses == b.losses


def rotated(h: DiabaticHamiltonian, angle: float, flip: bool) -> DiabaticHamiltonian:
    """S R V Rᵀ S and the same for V': a constant rotation R(angle) of the diabatic basis, S = diag(1, ±1)."""
    c, s = np.cos(angle), np.sin(angle)
    turn = np.diag([1.0, -1.0 if flip else 1.0]) @ np.array([[c, -s], [s, c]])
    derivative = np.stack([np.stack([h.dv11, h.dv12], -1), np.stack([h.dv12, h.dv22], -1)], -2)
    value, slope = (turn @ m @ turn.T for m in (h.matrix(), derivative))
    return DiabaticHamiltonian(value[:, 0, 0], value[:, 1, 1], value[:, 0, 1], slope[:, 0, 0], slope[:, 1, 1],
                               slope[:, 0, 1])


def test_a_constant_rotation_of_the_diabatic_basis_changes_neither_adiabats_nor_coupling_and_is_undone():
    h = MODEL.diabatic(np.linspace(-5.0, 5.0, 201))
    turned = rotated(h, 0.4, flip=True)
    original, after = adiabatic_states(h), adiabatic_states(turned)
    assert np.allclose(after.energies, original.energies, atol=1e-15)
    assert np.allclose(after.coupling, -original.coupling, atol=1e-12)  # the sign flip flips d12 only
    aligned, angle, flipped = align_diabatic_basis(turned, h, n_angles=3601)
    assert flipped and abs(abs(angle) - 0.4) < 1e-3
    assert np.allclose(aligned.v11, h.v11, atol=2e-5) and np.allclose(aligned.v12, h.v12, atol=2e-5)
