"""A hand-picked symmetry operation (nnpes_core.analysis.symmetry, nnpes_core.geometry): built from slider values,
applied to a molecule, and measured on the models — invariant ones show round-off, the Cartesian MLP
fails; Hessian blocks turn as Q H Q^T. And the page's choice of models: pretrained when they know the
molecule, fresh seeded ones otherwise."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import model_suite
from nnpes_core.analysis.symmetry import (
    hessian_check, models_for_structure, operation_effect, symmetry_table, user_operation,
)
from nnpes_core.geometry import centered, count_same_element_permutations, same_element_swaps, swap_permutation
from nnpes_core.data import molecule


@pytest.fixture(scope="module")
def ethanol():
    return centered(model_suite.distorted_ethanol())


@pytest.fixture(scope="module")
def ethanol_models(ethanol):
    return {kind: model_suite.untrained_model(kind, ethanol.numbers) for kind in ("cartesian", "bp", "equivariant")}


def test_the_identity_changes_nothing(ethanol):
    operation = user_operation(len(ethanol))
    assert operation.name == "identity"
    assert np.array_equal(operation.apply(ethanol).positions, ethanol.positions)


def test_rotation_reflection_translation_and_swap_combine_into_one_operation(ethanol):
    swap = same_element_swaps(ethanol.numbers)[0]
    operation = user_operation(len(ethanol), (0, 0, 1), 90, (1.0, 0.0, -2.0), True, swap)
    assert np.isclose(np.linalg.det(operation.matrix), -1.0)  # a mirror is in it
    assert np.allclose(operation.matrix.T @ operation.matrix, np.eye(3))
    # mirror z -> -z first, then 90 degrees about z: (x, y, z) -> (-y, x, -z)
    assert np.allclose(operation.matrix @ [1.0, 2.0, 3.0], [-2.0, 1.0, -3.0])
    moved = operation.apply(ethanol)
    i, j = swap
    assert np.allclose(moved.positions[i], operation.matrix @ ethanol.positions[j] + [1.0, 0.0, -2.0])
    for part in ("rotation by 90°", "mirror", "translation", f"swap of atoms {i} and {j}"):
        assert part in operation.name


def test_swaps_pair_only_atoms_of_the_same_element():
    water = molecule("H2O")
    assert same_element_swaps(water.numbers) == [(1, 2)]
    assert list(swap_permutation(3, (1, 2))) == [0, 2, 1]
    assert list(swap_permutation(3, None)) == [0, 1, 2]
    ethanol = molecule("ethanol")
    swaps = same_element_swaps(ethanol.numbers)
    assert len(swaps) == 1 + 15  # one C-C pair, 6 choose 2 H-H pairs
    assert all(ethanol.numbers[i] == ethanol.numbers[j] for i, j in swaps)
    assert same_element_swaps([8, 1]) == []


def test_relabellings_are_counted_per_element():
    ethanol = molecule("ethanol").numbers  # C2 H6 O
    assert count_same_element_permutations(ethanol, element=1) == 720
    assert count_same_element_permutations(ethanol) == 1440
    assert count_same_element_permutations(molecule("H2O").numbers) == 2


def test_centering_puts_the_mean_position_at_the_origin():
    atoms = molecule("ethanol")
    atoms.positions += 5.0
    assert np.allclose(centered(atoms).positions.mean(0), 0.0)


@pytest.mark.parametrize("kind", ["bp", "equivariant"])
def test_models_with_symmetry_built_in_are_unmoved_by_any_operation(ethanol, ethanol_models, kind):
    operation = user_operation(len(ethanol), (1, 1, 1), 75, (0.5, -1.0, 2.0), True, (3, 4))
    effect = operation_effect(ethanol_models[kind], ethanol, operation, torch.float64)
    assert np.abs(effect.forces_before).max() > 1e-3
    assert effect.energy_error < 1e-10
    assert effect.force_error < 1e-10
    expected = (effect.forces_before @ operation.matrix.T)[[0, 1, 2, 4, 3, 5, 6, 7, 8]]  # g F: turn, swap 3-4
    assert np.allclose(effect.forces_expected, expected)


def test_the_cartesian_model_fails_a_rotation(ethanol, ethanol_models):
    effect = operation_effect(ethanol_models["cartesian"], ethanol, user_operation(len(ethanol), (0, 0, 1), 60),
                              torch.float64)
    assert effect.energy_error > 1e-4
    assert effect.force_error > 1e-4


def test_the_pretrained_model_is_used_only_where_it_knows_the_molecule(ethanol):
    water = centered(molecule("H2O"))
    pretrained = {kind: model_suite.untrained_model(kind, water.numbers) for kind in ("cartesian", "bp")}
    for_water = models_for_structure(water, pretrained)
    assert for_water["cartesian"].pretrained and for_water["bp"].pretrained
    assert for_water["cartesian"].model is pretrained["cartesian"]
    assert not for_water["equivariant"].pretrained  # none was given
    for_ethanol = models_for_structure(ethanol, pretrained)
    assert not any(choice.pretrained for choice in for_ethanol.values())
    assert "random weights, seed 0" in for_ethanol["bp"].note and "H, C, O" in for_ethanol["bp"].note
    assert for_ethanol["cartesian"].model.numbers == ethanol.numbers.tolist()
    # two waters: bp still knows H and O, the cartesian model only takes its own three atoms
    dimer = water + water
    dimer.positions[3:] += [0.0, 0.0, 3.0]
    for_dimer = models_for_structure(dimer, pretrained)
    assert for_dimer["bp"].pretrained and not for_dimer["cartesian"].pretrained


def test_the_table_has_a_row_per_model_and_dtype(ethanol, ethanol_models):
    choices = models_for_structure(ethanol, ethanol_models, kinds=("cartesian", "bp"))
    operation = user_operation(len(ethanol), (0, 1, 0), 30)
    rows = symmetry_table(choices, ethanol, operation=operation)
    assert [(row["model"], row["dtype"]) for row in rows] == [
        ("cartesian", "float32"), ("cartesian", "float64"), ("bp", "float32"), ("bp", "float64")]
    for operation_name in ("translation", "rotation", "reflection", "permutation", "yours"):
        assert f"{operation_name} ΔE (eV)" in rows[0] and f"{operation_name} ΔF (eV/Å)" in rows[0]
    assert rows[1]["rotation ΔE (eV)"] > 1e-4  # cartesian, float64: not round-off
    assert rows[3]["rotation ΔE (eV)"] < 1e-12 and rows[3]["rotation ΔF (eV/Å)"] < 1e-12
    assert rows[2]["rotation ΔF (eV/Å)"] < 1e-4  # float32 round-off


def test_hessian_blocks_rotate_as_q_h_qt_for_bp_but_not_for_the_cartesian_model(ethanol, ethanol_models):
    rotation = user_operation(len(ethanol), (1, 2, 3), 50, reflect=True).matrix
    check = hessian_check(ethanol_models["bp"], ethanol, rotation)
    assert check.before.shape == (27, 27)
    assert np.abs(check.before).max() > 1e-2
    assert check.error < 1e-9
    block = check.block("expected", 0, 1)
    assert np.allclose(block, rotation @ check.block("before", 0, 1) @ rotation.T)
    assert np.allclose(check.block("error", 0, 1), check.block("after", 0, 1) - block)
    assert hessian_check(ethanol_models["cartesian"], ethanol, rotation).error > 1e-4
