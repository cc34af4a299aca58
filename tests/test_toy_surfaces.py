"""2-D model surfaces: known stationary points, autograd derivatives, LEPS physics."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnpes_core.potentials import (
    LEPS, DoubleWell, MullerBrown, classify, find_stationary_point, gradient, grid, hessian, toy_surface,
)

MULLER_BROWN = MullerBrown()


@pytest.mark.parametrize("known", MullerBrown.known_points, ids=lambda point: point.name)
def test_muller_brown_stationary_points_are_found_from_nearby_guesses(known):
    guess = np.array(known.xy) + np.array([0.04, -0.03])
    found = find_stationary_point(MULLER_BROWN, guess)
    assert found.xy == pytest.approx(known.xy, abs=2e-3)
    assert found.energy == pytest.approx(known.energy, abs=0.01)
    assert found.kind == known.kind == classify(MULLER_BROWN, found.xy)


@pytest.mark.parametrize("surface", [MullerBrown(), LEPS(), DoubleWell()], ids=lambda s: s.name)
def test_autograd_gradient_equals_central_finite_differences(surface):
    rng = np.random.default_rng(0)
    low = np.array([surface.x_range[0], surface.y_range[0]])
    high = np.array([surface.x_range[1], surface.y_range[1]])
    points = torch.as_tensor(low + (high - low) * rng.random((20, 2)))  # [20, 2] float64
    step = 1e-6
    units = torch.eye(2, dtype=points.dtype)
    finite_difference = torch.stack(
        [(surface(points + step * unit) - surface(points - step * unit)) / (2 * step) for unit in units], dim=-1
    )
    assert torch.allclose(gradient(surface, points), finite_difference, rtol=1e-6, atol=1e-6)


def test_hessian_is_symmetric_and_the_derivative_of_the_gradient():
    point = torch.tensor([0.3, 0.7], dtype=torch.float64)
    curvature = hessian(MULLER_BROWN, point)
    assert torch.allclose(curvature, curvature.T, atol=1e-10)
    step = 1e-6
    columns = [
        (gradient(MULLER_BROWN, point + step * unit) - gradient(MULLER_BROWN, point - step * unit)) / (2 * step)
        for unit in torch.eye(2, dtype=torch.float64)
    ]
    assert torch.allclose(curvature, torch.stack(columns, dim=-1), rtol=1e-6)


def test_surfaces_keep_the_dtype_and_batch_shape_of_their_input():
    points = torch.zeros(4, 5, 2, dtype=torch.float32)
    for surface in (MullerBrown(), LEPS(), DoubleWell()):
        energy = surface(points + 1.0)
        assert energy.shape == (4, 5) and energy.dtype == torch.float32
        assert gradient(surface, points + 1.0).dtype == torch.float32


def test_leps_far_from_the_third_atom_is_the_h2_morse_curve():
    leps = LEPS()
    distances = torch.linspace(0.5, 1.2, 701, dtype=torch.float64)
    far = torch.full_like(distances, 30.0)
    energies = leps(torch.stack([distances, far], dim=-1))
    assert float(distances[energies.argmin()]) == pytest.approx(0.7416, abs=1e-3)
    assert float(energies.min()) == pytest.approx(-4.7466, abs=1e-4)
    assert float(leps(torch.tensor([30.0, 30.0], dtype=torch.float64))) == pytest.approx(0.0, abs=1e-6)


def test_leps_is_symmetric_under_exchange_of_the_end_atoms():
    points = torch.rand(10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 + 0.5
    leps = LEPS()
    assert torch.allclose(leps(points), leps(points.flip(-1)), atol=1e-12)


def test_leps_saddle_lies_on_the_diagonal_with_a_sensible_barrier():
    leps = LEPS()
    saddle = find_stationary_point(leps, (0.85, 0.97))
    assert saddle.kind == "saddle"
    assert saddle.xy[0] == pytest.approx(saddle.xy[1], abs=1e-8)
    barrier = saddle.energy - leps.reactant_energy()
    # Sato's k = 0.18 gives 0.229 eV at r = 0.915 Å (the accurate H3 barrier is 0.425 eV at 0.930 Å).
    assert barrier == pytest.approx(0.2294, abs=1e-3)
    assert saddle.xy[0] == pytest.approx(0.9153, abs=1e-3)
    known = leps.known_points[0]
    assert saddle.energy == pytest.approx(known.energy, abs=1e-3)


def test_a_smaller_sato_parameter_raises_the_leps_barrier():
    barriers = [find_stationary_point(LEPS(sato=k), (0.9, 0.9)).energy + 4.7466 for k in (0.18, 0.14, 0.10)]
    assert barriers[0] < barriers[1] < barriers[2]


def test_double_well_has_two_minima_and_one_saddle():
    well = DoubleWell(barrier=0.5)
    for known in well.known_points:
        found = find_stationary_point(well, np.array(known.xy) + 0.1)
        assert found.xy == pytest.approx(known.xy, abs=1e-8)
        assert found.kind == known.kind
        assert found.energy == pytest.approx(known.energy, abs=1e-10)


def test_grid_gives_plot_arrays_matching_the_surface():
    X, Y, E = grid(MULLER_BROWN, n=(30, 20))
    assert X.shape == Y.shape == E.shape == (20, 30)
    assert E[5, 7] == pytest.approx(float(MULLER_BROWN(torch.tensor([X[5, 7], Y[5, 7]]))))
    assert X[0, 0] == MULLER_BROWN.x_range[0] and Y[-1, 0] == MULLER_BROWN.y_range[1]


def test_surfaces_by_name():
    assert isinstance(toy_surface("Muller-Brown"), MullerBrown)
    assert toy_surface("leps", sato=0.14).sato == 0.14
    with pytest.raises(ValueError, match="unknown surface"):
        toy_surface("himmelblau")
