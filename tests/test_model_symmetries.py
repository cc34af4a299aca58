"""Every model with symmetry built in is invariant (energy) and equivariant (forces, Hessian) under
translation, rotation, reflection and permutation of same-element atoms — to round-off, in float64 and
float32. The Cartesian MLP is the counter-example and must fail, by a wide margin."""
from __future__ import annotations

import numpy as np
import pytest

from model_suite import CLEAR_VIOLATION_EV, ModelCase
from nnpes_core.analysis import hessian, hessian_equivariance_error, hessian_vector_product, symmetry_errors


def errors_under(case: ModelCase, operation: str) -> dict[str, float]:
    return symmetry_errors(case.model, case.atoms, case.dtype, seed=1, n_trials=3, operations=[operation])[operation]


def assert_energy_invariant(case: ModelCase, operation: str) -> None:
    row = errors_under(case, operation)
    assert row["energy_error_ev"] <= case.tolerance.bound(row["energy_ev"]), row


def assert_forces_equivariant(case: ModelCase, operation: str) -> None:
    row = errors_under(case, operation)
    assert row["max_force_ev_per_a"] > 1e-3, "forces too small for the check to mean anything"
    assert row["force_error_ev_per_a"] <= case.tolerance.bound(row["max_force_ev_per_a"]), row


def test_energy_is_invariant_under_translation(symmetric_model):
    assert_energy_invariant(symmetric_model, "translation")


def test_energy_is_invariant_under_rotation(symmetric_model):
    assert_energy_invariant(symmetric_model, "rotation")


def test_energy_is_invariant_under_reflection(symmetric_model):
    assert_energy_invariant(symmetric_model, "reflection")


def test_energy_is_invariant_under_permutation_of_same_element_atoms(symmetric_model):
    assert_energy_invariant(symmetric_model, "permutation")


def test_forces_are_equivariant_under_translation(symmetric_model):
    assert_forces_equivariant(symmetric_model, "translation")


def test_forces_are_equivariant_under_rotation(symmetric_model):
    assert_forces_equivariant(symmetric_model, "rotation")


def test_forces_are_equivariant_under_reflection(symmetric_model):
    assert_forces_equivariant(symmetric_model, "reflection")


def test_forces_are_equivariant_under_permutation_of_same_element_atoms(symmetric_model):
    assert_forces_equivariant(symmetric_model, "permutation")


@pytest.mark.parametrize("operation", ["rotation", "permutation", "translation"])
def test_cartesian_model_is_not_invariant(cartesian_model, operation):
    """The counter-example really fails: errors far above any round-off, not a vacuous pass."""
    row = errors_under(cartesian_model, operation)
    assert row["energy_error_ev"] > CLEAR_VIOLATION_EV, row
    assert row["force_error_ev_per_a"] > CLEAR_VIOLATION_EV, row


def test_hessian_is_symmetric(conservative_model):
    case = conservative_model
    matrix = hessian(case.model, case.atoms, case.dtype)
    scale = np.abs(matrix).max()
    assert scale > 1e-3
    assert np.abs(matrix - matrix.T).max() <= case.tolerance.bound(scale)


def test_force_jacobian_of_the_direct_model_is_not_symmetric(direct_model):
    """-dF/dR of a direct-force network is not a Hessian: its antisymmetric part is the curl."""
    case = direct_model
    matrix = hessian(case.model, case.atoms, case.dtype)
    assert np.abs(matrix - matrix.T).max() > 1e-2 * np.abs(matrix).max()


def test_hessian_is_equivariant_under_rotation(symmetric_model):
    case = symmetric_model
    scale = np.abs(hessian(case.model, case.atoms, case.dtype)).max()
    error = hessian_equivariance_error(case.model, case.atoms, dtype=case.dtype, seed=2)
    assert error <= case.tolerance.bound(scale), (error, scale)


def test_cartesian_hessian_is_not_equivariant(cartesian_model):
    case = cartesian_model
    assert hessian_equivariance_error(case.model, case.atoms, dtype=case.dtype, seed=2) > CLEAR_VIOLATION_EV


def test_hessian_vector_product_equals_hessian_times_vector(any_model):
    """One double-backward pass gives H v without forming H (v^T K = K^T v for the direct model)."""
    case = any_model
    matrix = hessian(case.model, case.atoms, case.dtype)
    vector = np.random.default_rng(3).standard_normal(len(matrix))
    expected = (matrix.T if case.kind == "direct" else matrix) @ vector
    product = hessian_vector_product(case.model, case.atoms, vector, case.dtype)
    assert np.abs(product - expected).max() <= case.tolerance.bound(np.abs(expected).max())
