"""Forces are -dE/dR: they match finite differences of the energy and do no work around a closed loop.
The direct-force network is the counter-example: its forces are not the gradient of its own energy,
and moving a molecule around a loop with them gains or loses energy."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model_suite import FINITE_DIFFERENCE_TOLERANCE, ModelCase
from nnpes_core.analysis import (
    circular_loop, closed_loop_work, energy_gradient_forces, fd_vs_autograd, model_forces,
)

STEPS = np.logspace(-2, -7, 11)  # Å: the best step lies inside for both dtypes
LOOP_RADIUS = 0.02  # Å, small enough for the quadrature to converge even on the sharp Cartesian MLP
LOOP_POINTS = 64
# |W| / ∮|F.dR| of a conservative model: quadrature and round-off only (measured ~1e-16 in float64,
# ~1e-7 in float32); the direct model's measured ratios are 2e-4 (random weights) to 0.1 (trained).
LOOP_RELATIVE_TOLERANCE = {torch.float64: 1e-12, torch.float32: 1e-6}
DIRECT_MINIMUM_RATIO = 1e-5


def loop_for(case: ModelCase) -> np.ndarray:
    """All atoms moving on a small circle in configuration space (seeded directions)."""
    return circular_loop(case.atoms, radius=LOOP_RADIUS, n_points=LOOP_POINTS, moved_atoms=None, seed=4)


def test_forces_equal_central_finite_differences_of_the_energy(conservative_model):
    case = conservative_model
    curve = fd_vs_autograd(case.model, case.atoms, STEPS, case.dtype)
    scale = np.abs(model_forces(case.model, case.atoms, case.dtype)).max()
    assert scale > 1e-3
    assert curve["best_error_ev_per_a"] <= FINITE_DIFFERENCE_TOLERANCE[case.dtype].bound(scale), curve


def test_direct_forces_differ_from_the_gradient_of_its_own_energy(direct_model):
    case = direct_model
    predicted = model_forces(case.model, case.atoms, case.dtype)
    gradient = energy_gradient_forces(case.model, case.atoms, case.dtype)
    assert np.abs(predicted - gradient).max() > 1e-2 * np.abs(predicted).max()
    # and no finite-difference step closes the gap: it is not a numerical error
    curve = fd_vs_autograd(case.model, case.atoms, STEPS, case.dtype)
    assert curve["best_error_ev_per_a"] > 1e-2 * np.abs(predicted).max()


def test_work_around_a_closed_loop_vanishes_for_conservative_models(conservative_model):
    case = conservative_model
    result = closed_loop_work(case.model, case.atoms, loop_for(case), case.dtype)
    assert result["path_work_ev"] > 0
    assert abs(result["work_ev"]) <= LOOP_RELATIVE_TOLERANCE[case.dtype] * result["path_work_ev"], result


def test_direct_model_does_work_around_a_closed_loop(direct_model):
    case = direct_model
    result = closed_loop_work(case.model, case.atoms, loop_for(case), case.dtype)
    assert abs(result["work_ev"]) > DIRECT_MINIMUM_RATIO * result["path_work_ev"], result


@pytest.mark.parametrize("n_points", [32, 64])
def test_loop_work_of_the_direct_model_is_converged_in_the_number_of_points(direct_model, n_points):
    """The non-zero work is physics, not quadrature error: it does not change with more points."""
    case = direct_model
    path = circular_loop(case.atoms, LOOP_RADIUS, n_points, moved_atoms=None, seed=4)
    reference = circular_loop(case.atoms, LOOP_RADIUS, 2 * n_points, moved_atoms=None, seed=4)
    work = closed_loop_work(case.model, case.atoms, path, case.dtype)["work_ev"]
    finer = closed_loop_work(case.model, case.atoms, reference, case.dtype)["work_ev"]
    assert abs(work - finer) <= 1e-2 * abs(finer)
