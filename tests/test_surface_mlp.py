"""SurfaceMLP on 2-D surfaces: shapes, seeded fits, gradients, and wider/deeper fitting better."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnpes_core.models.surface import SurfaceMLP, fit_surface, sample_surface, width_depth_scan
from nnpes_core.potentials import DoubleWell, MullerBrown, gradient


def test_surface_mlp_maps_points_to_energies_of_any_batch_shape():
    model = SurfaceMLP(width=8, depth=2).double()
    assert model(torch.zeros(5, 2, dtype=torch.float64)).shape == (5,)
    assert model(torch.zeros(4, 3, 2, dtype=torch.float64)).shape == (4, 3)
    assert model.n_parameters == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1)
    with pytest.raises(ValueError):
        SurfaceMLP(width=0)


def test_gradient_is_the_autograd_derivative():
    model = SurfaceMLP(8, 2).double()
    xy = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    step = 1e-6
    numeric = [(model(xy + step * e) - model(xy - step * e)) / (2 * step)
               for e in torch.eye(2, dtype=torch.float64)]
    assert torch.allclose(model.gradient(xy)[0], torch.cat(numeric), atol=1e-8)


def test_samples_lie_in_the_window_and_below_the_energy_ceiling():
    surface = MullerBrown()
    xy, energy = sample_surface(surface, 200, seed=0)
    assert xy.shape == (200, 2) and energy.shape == (200,)
    assert torch.all(energy <= surface.plot_energy_max)
    assert xy[:, 0].min() >= surface.x_range[0] and xy[:, 0].max() <= surface.x_range[1]
    assert torch.equal(xy, sample_surface(surface, 200, seed=0)[0])


def test_fit_is_seeded_and_lowers_the_error():
    xy, energy = sample_surface(DoubleWell(), 100, seed=0)
    first = fit_surface(SurfaceMLP(16, 2), xy, energy, steps=300, seed=3)
    second = fit_surface(SurfaceMLP(16, 2), xy, energy, steps=300, seed=3)
    assert first.losses == second.losses
    assert first.losses[-1] < 0.1 * first.losses[0]
    assert first.train_rmse < 0.3 * float(energy.std())


def test_fitting_gradients_as_well_gives_a_better_force_field():
    surface = DoubleWell()
    xy, energy = sample_surface(surface, 60, seed=0)
    reference_gradient = gradient(surface, xy)
    test_xy, _ = sample_surface(surface, 200, seed=1)
    errors = {}
    for beta in (0.0, 1.0):
        fit = fit_surface(SurfaceMLP(16, 2), xy, energy, reference_gradient if beta else None, beta=beta,
                          steps=200, seed=0)
        errors[beta] = float((fit.model.gradient(test_xy) - gradient(surface, test_xy)).pow(2).mean().sqrt())
    assert errors[1.0] < errors[0.0]


def test_callback_can_stop_the_fit():
    xy, energy = sample_surface(DoubleWell(), 50, seed=0)
    fit = fit_surface(SurfaceMLP(4, 1), xy, energy, steps=100, callback=lambda step, loss: step < 5)
    assert len(fit.losses) == 5


def test_wider_and_deeper_networks_fit_mueller_brown_better():
    scan = width_depth_scan(MullerBrown(), widths=(2, 32), depths=(1, 2), n_train=200, n_test=400, steps=300)
    assert scan.test_rmse.shape == (2, 2) and len(scan.models) == 2 and len(scan.models[0]) == 2
    assert scan.test_rmse[0, 1] < 0.7 * scan.test_rmse[0, 0]  # width 2 -> 32 at depth 1
    assert scan.test_rmse[1, 1] < 0.7 * scan.test_rmse[0, 0]  # and deeper
    assert scan.n_parameters[1, 1] > scan.n_parameters[0, 0]
    assert np.all(scan.train_rmse > 0)
