"""Lesson 3's analysis tools: locality, symmetry functions, equivariant features, long range.

Each test is one claim of the lesson, measured on small real models (random weights where the claim
holds for any weights, a briefly trained model where it is about training)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnpes_core.analysis.descriptors import (
    fingerprint_change, fingerprint_labels, fingerprints, g2_curve, g4_curve, rotated_copy, rotation_about_axis,
)
from nnpes_core.analysis.equivariant_features import (
    HARMONIC_COMPONENTS, feature_equivariance, harmonic_on_sphere, node_features, readout, wigner_d, worked_message,
)
from nnpes_core.analysis.locality import (
    closest_contact, consecutive_groups, cutoff_functions, energy_decomposition, interaction_energy, neighbors_within,
)
from nnpes_core.analysis.long_range import ion_pair, ion_pair_curves, ion_pair_dataset, train_local_ion_model
from nnpes_core.data import molecule
from nnpes_core.data.clusters import water_cluster
from nnpes_core.models import build_model
from nnpes_core.potentials.ionic import COULOMB_CONSTANT

ROTATION = rotation_about_axis((1.0, -2.0, 0.5), 73.0)


def _model(kind: str, elements=(1, 8), **options):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build_model(kind, list(elements), **options).double()


@pytest.fixture(scope="module")
def water_bp():
    return _model("bp", hidden=(16, 16))


@pytest.fixture(scope="module")
def water_equivariant():
    return _model("equivariant", channels=8, radial_hidden=16)


# --- locality -----------------------------------------------------------------------------------------

def test_rotation_about_axis_is_a_proper_rotation_about_that_axis():
    assert np.allclose(ROTATION @ ROTATION.T, np.eye(3)) and np.linalg.det(ROTATION) == pytest.approx(1.0)
    axis = np.array([1.0, -2.0, 0.5])
    assert np.allclose(ROTATION @ axis, axis)
    assert np.allclose(rotation_about_axis((0, 0, 1), 90) @ [1, 0, 0], [0, 1, 0])
    with pytest.raises(ValueError):
        rotation_about_axis((0, 0, 0), 10)


def test_both_cutoff_functions_go_from_one_to_zero_smoothly():
    r = np.linspace(0.0, 6.0, 601)
    curves = cutoff_functions(r, 5.0)
    for values in curves.values():
        assert values[0] == pytest.approx(1.0) and np.all(values[r >= 5.0] == 0.0)
        assert np.all(np.diff(values) <= 1e-12)  # never increases
        assert values[r < 5.0][-1] < 1e-3  # reaches zero continuously
    assert cutoff_functions(np.array([3.0]), 4.0)["cosine"][0] == pytest.approx(0.5 * (math.cos(0.75 * math.pi) + 1))


def test_neighbors_within_counts_atoms_inside_the_sphere_nearest_first():
    water = molecule("H2O")
    indices, distances = neighbors_within(water, 0, 1.2)
    assert list(indices) == [1, 2] and np.allclose(distances, 0.9686, atol=1e-3)
    assert len(neighbors_within(water, 1, 1.2)[0]) == 1  # an H sees only the O at this radius
    assert len(neighbors_within(water, 1, 2.0)[0]) == 2
    with pytest.raises(ValueError):
        neighbors_within(water, 5, 1.0)


@pytest.mark.parametrize("kind", ["bp", "equivariant"])
def test_atomic_energies_add_up_to_the_model_energy(kind, water_bp, water_equivariant):
    model = water_bp if kind == "bp" else water_equivariant
    decomposition = energy_decomposition(model, water_cluster(4, seed=0))
    assert decomposition.atomic_energies.shape == (12,)
    assert decomposition.sum_error < 1e-12
    assert np.allclose(decomposition.network_part + decomposition.element_energies, decomposition.atomic_energies)


def test_a_model_without_atomic_energies_is_refused():
    cartesian = build_model("cartesian", [8, 1, 1])
    with pytest.raises(ValueError, match="not a sum of atomic energies"):
        energy_decomposition(cartesian, molecule("H2O"))


def test_molecules_beyond_the_cutoff_do_not_interact_and_closer_ones_do(water_bp):
    groups = consecutive_groups(12, 3)
    assert [list(g) for g in groups[:2]] == [[0, 1, 2], [3, 4, 5]]
    far = water_cluster(4, 9.0, seed=0)
    assert closest_contact(far, groups) > water_bp.cutoff_radius
    assert abs(interaction_energy(water_bp, far, groups)) < 1e-10
    near = water_cluster(4, 2.9, seed=0)
    assert closest_contact(near, groups) < water_bp.cutoff_radius
    assert abs(interaction_energy(water_bp, near, groups)) > 1e-6
    with pytest.raises(ValueError):
        consecutive_groups(10, 3)


# --- Behler-Parrinello symmetry functions --------------------------------------------------------------

def test_g2_is_a_gaussian_shell_times_the_cutoff():
    r = np.array([0.5, 1.0, 2.5, 4.9, 5.0, 6.0])
    expected = np.exp(-2.0 * (r - 1.5) ** 2) * cutoff_functions(r, 5.0)["cosine"]
    assert np.allclose(g2_curve(r, 2.0, 1.5, 5.0), expected)
    assert np.all(g2_curve(r, 2.0, 1.5, 5.0)[r >= 5.0] == 0.0)


def test_g4_prefers_small_angles_for_lambda_plus_and_large_for_lambda_minus():
    theta = np.array([0.0, 60.0, 120.0, 180.0])
    plus, minus = g4_curve(theta, 0.0, 4.0, 1, 1.0, 5.0), g4_curve(theta, 0.0, 4.0, -1, 1.0, 5.0)
    assert np.argmax(plus) == 0 and np.argmax(minus) == 3
    # the formula by hand at 60 degrees, eta = 0: 2^(1-zeta) (1 + cos)^zeta fc(r)^2 fc(r_jk)
    fc = cutoff_functions(np.array([1.0]), 5.0)["cosine"][0]  # r_jk = r at 60 degrees
    assert plus[1] == pytest.approx(2.0**-3 * 1.5**4 * fc**3)
    with pytest.raises(ValueError):
        g4_curve(theta, 0.0, 1.0, 0, 1.0, 5.0)


def test_fingerprint_labels_follow_the_model_layout(water_bp):
    labels = fingerprint_labels(water_bp)
    values = fingerprints(water_bp, molecule("H2O"))
    assert values.shape == (3, len(labels))
    oxygen = values[0]
    g2_o = [i for i, label in enumerate(labels) if label.startswith("G2 O ")]
    g2_h = [i for i, label in enumerate(labels) if label.startswith("G2 H ")]
    g4_hh = [i for i, label in enumerate(labels) if label.startswith("G4 HH ")]
    g4_ho = [i for i, label in enumerate(labels) if label.startswith("G4 HO ")]
    assert np.all(oxygen[g2_o] == 0) and oxygen[g2_h].sum() > 0  # O sees two H and no O
    assert oxygen[g4_hh].sum() > 0 and np.all(oxygen[g4_ho] == 0)  # its one angle is H-O-H
    assert values[1][g4_ho].sum() > 0  # a hydrogen's angle has neighbours H and O


@pytest.mark.parametrize("name", ["H2O", "ethanol"])
def test_fingerprints_are_invariant_under_rotation_and_translation(name):
    atoms = molecule(name)
    model = _model("bp", sorted(set(atoms.numbers)), hidden=(8,))
    assert fingerprint_change(model, atoms, ROTATION, (1.0, -3.0, 2.5)) < 1e-12
    distorted = atoms.copy()
    distorted.positions[0] += (0.05, 0.0, 0.0)
    assert np.max(np.abs(fingerprints(model, distorted) - fingerprints(model, atoms))) > 1e-4


def test_rotated_copy_moves_positions_and_keeps_the_original():
    water = molecule("H2O")
    moved = rotated_copy(water, ROTATION, (1.0, 0.0, 0.0))
    assert np.allclose(moved.positions, water.positions @ ROTATION.T + [1.0, 0.0, 0.0])
    assert not np.allclose(moved.positions, water.positions)


# --- equivariant features ------------------------------------------------------------------------------

def test_harmonics_on_the_sphere_match_their_polynomials():
    points, values = harmonic_on_sphere(1, 2, n_points=20)
    assert np.allclose(values, math.sqrt(3) * points[..., 2])  # component 2 of l = 1 is sqrt(3) z
    points, values = harmonic_on_sphere(2, 1, n_points=20)
    assert np.allclose(values, math.sqrt(15) * points[..., 0] * points[..., 1])
    _, values = harmonic_on_sphere(0, 0, n_points=5)
    assert np.allclose(values, 1.0)
    assert [len(c) for c in HARMONIC_COMPONENTS.values()] == [1, 3, 5]
    with pytest.raises(ValueError):
        harmonic_on_sphere(3, 0)


@pytest.mark.parametrize("l", [0, 1, 2])
def test_wigner_matrices_are_orthogonal_and_represent_rotations(l):
    second = rotation_about_axis((0.2, 1.0, -0.4), 40.0)
    d_first, d_second = wigner_d(l, ROTATION), wigner_d(l, second)
    assert np.allclose(d_first @ d_first.T, np.eye(2 * l + 1), atol=1e-12)
    assert np.allclose(wigner_d(l, second @ ROTATION), d_second @ d_first, atol=1e-12)


def test_worked_message_paths_are_the_familiar_vector_algebra_and_rotate_correctly():
    paths = worked_message(0.8, [0.3, -0.5, 1.0], [0.0, 0.76, -0.59], ROTATION)
    by_path = {p.path: p for p in paths}
    unit = np.array([0.0, 0.76, -0.59]) / np.linalg.norm([0.0, 0.76, -0.59])
    assert np.allclose(by_path["0 ⊗ 1 → 1"].message, 0.8 * math.sqrt(3) * unit)
    assert by_path["1 ⊗ 1 → 0"].message[0] == pytest.approx(np.dot([0.3, -0.5, 1.0], unit))
    assert not by_path["1 ⊗ 1 → 1"].in_model and by_path["1 ⊗ 1 → 2"].in_model
    for path in paths:
        assert path.equivariance_error < 1e-12
        if path.closed_form is not None:
            assert np.allclose(path.closed_form, path.message)
    with pytest.raises(ValueError):
        worked_message(1.0, [1, 0, 0], [0, 0, 0], ROTATION)


def test_features_rotate_with_the_molecule_and_the_energy_does_not(water_equivariant):
    check = feature_equivariance(water_equivariant, molecule("H2O"), ROTATION)
    assert check.vectors.shape == (3, 8, 3) and check.scalars.shape == (3, 8)
    assert check.scalar_error < 1e-12 and check.vector_error < 1e-12 and check.tensor_error < 1e-12
    assert check.energy_error < 1e-10
    assert np.abs(check.vectors).max() > 1e-3  # the vectors are not trivially zero
    assert not np.allclose(check.rotated_vectors, check.vectors)  # ... and they did turn


def test_a_model_without_vector_features_is_refused():
    scalars_only = _model("equivariant", channels=4, radial_hidden=8, n_layers=1)
    assert node_features(scalars_only, molecule("H2O")).shape[-1] == 1
    with pytest.raises(ValueError, match="no l = 1"):
        feature_equivariance(scalars_only, molecule("H2O"), ROTATION)


def test_readout_turns_last_layer_scalars_into_atomic_energies_that_sum_to_the_energy(water_equivariant):
    result = readout(water_equivariant, molecule("H2O"))
    assert result.last_scalars.shape == (3, 8)
    scale = float(water_equivariant.energy_scale)
    shifts = water_equivariant.element_energies[water_equivariant.species(torch.tensor([8, 1, 1]))].numpy()
    assert np.allclose(result.atomic_energies, scale * result.network_outputs + shifts)
    assert result.atomic_energies.sum() == pytest.approx(result.total_energy, abs=1e-12)


# --- long range ----------------------------------------------------------------------------------------

def test_ion_pair_dataset_carries_coulomb_born_mayer_labels():
    frames = ion_pair_dataset([2.36, 9.0])
    assert frames[1].get_potential_energy() == pytest.approx(-COULOMB_CONSTANT / 9.0, rel=1e-6)
    assert np.abs(frames[0].get_forces()).max() < 1e-2  # near the minimum
    assert np.allclose(ion_pair(3.0).positions[1], [3.0, 0.0, 0.0])


def test_a_local_model_goes_flat_beyond_its_cutoff_while_coulomb_does_not():
    fit = train_local_ion_model(cutoff_radius=3.0, n_train=24, epochs=40)
    curves = ion_pair_curves(fit.model, np.linspace(2.0, 10.0, 81))
    assert fit.train_distances.min() <= 2.0 and fit.train_distances.max() >= 9.9  # data spans the plot
    assert curves.model_beyond_cutoff_spread < 1e-12  # exactly constant past r_c
    beyond = curves.distances > 3.0
    assert np.ptp(curves.reference[beyond]) > 2.0  # the reference still changes by eV
    assert np.allclose(curves.coulomb, -COULOMB_CONSTANT / curves.distances)
    reference_at, model_at = curves.at(8.0)
    assert reference_at == pytest.approx(-COULOMB_CONSTANT / 8.0, abs=1e-6)
    assert model_at == pytest.approx(curves.model[-1])
