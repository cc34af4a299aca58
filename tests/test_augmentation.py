"""Rotation augmentation (nnpes_core.data.augmentation): rotated copies are exact labels — the energy
stays, the forces turn with the molecule — and the Cartesian augmentation experiment runs end to end."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import model_suite
from nnpes_core.analysis import energies_and_forces
from nnpes_core.analysis.augmentation_study import (
    AugmentationSettings, augmentation_study, epochs_for_steps, rotated_test_set, rotation_errors,
)
from nnpes_core.data import labelled_copy
from nnpes_core.data.augmentation import augment_with_rotations, rotated_frame
from nnpes_core.geometry import random_rotation_matrices


def _distances(atoms) -> np.ndarray:
    return atoms.get_all_distances()


def test_random_rotations_are_proper_rotations():
    rotations = random_rotation_matrices(50, np.random.default_rng(0))
    assert rotations.shape == (50, 3, 3)
    identity = np.broadcast_to(np.eye(3), rotations.shape)
    assert np.allclose(rotations @ rotations.transpose(0, 2, 1), identity, atol=1e-12)
    assert np.allclose(np.linalg.det(rotations), 1.0, atol=1e-12)


def test_each_structure_gets_its_original_and_n_rotated_copies(morse_water_frames):
    frames = morse_water_frames[:4]
    augmented = augment_with_rotations(frames, 3, seed=0)
    assert len(augmented) == 4 * (1 + 3)
    assert len(augment_with_rotations(frames, 3, seed=0, keep_original=False)) == 12
    assert len(augment_with_rotations(frames, 0)) == 4
    for index, atoms in enumerate(frames):
        block = augmented[4 * index:4 * index + 4]
        assert np.array_equal(block[0].positions, atoms.positions)
        for copy in block:
            assert copy.get_potential_energy() == atoms.get_potential_energy()  # E -> E
            assert np.allclose(_distances(copy), _distances(atoms), atol=1e-12)  # a rigid motion
            assert np.allclose(copy.positions.mean(0), atoms.positions.mean(0), atol=1e-12)  # about its centre
            assert np.allclose(np.linalg.norm(copy.get_forces(), axis=1), np.linalg.norm(atoms.get_forces(), axis=1))


def test_the_same_seed_draws_the_same_rotations(morse_water_frames):
    first = augment_with_rotations(morse_water_frames[:2], 2, seed=5)
    second = augment_with_rotations(morse_water_frames[:2], 2, seed=5)
    other = augment_with_rotations(morse_water_frames[:2], 2, seed=6)
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(first, second))
    assert not np.allclose(first[1].positions, other[1].positions)


def test_forces_are_rotated_with_the_positions(morse_water_frames):
    atoms = morse_water_frames[0]
    rotation = random_rotation_matrices(1, np.random.default_rng(3))[0]
    turned = rotated_frame(atoms, rotation)
    center = atoms.positions.mean(0)
    assert np.allclose(turned.positions - center, (atoms.positions - center) @ rotation.T)
    assert np.allclose(turned.get_forces(), atoms.get_forces() @ rotation.T)


def test_augmented_forces_are_what_an_equivariant_model_predicts_on_the_rotated_structure():
    """Label ethanol with a Behler-Parrinello model's own forces, augment, and evaluate the model on the
    rotated copies: its forces there must equal the rotated labels (to round-off)."""
    model = model_suite.untrained_model("bp", model_suite.distorted_ethanol().numbers)
    atoms = model_suite.distorted_ethanol()
    energy, (forces,) = energies_and_forces(model, atoms, torch.float64)
    labelled = labelled_copy(atoms, float(energy[0]), forces)
    augmented = augment_with_rotations([labelled], 5, seed=1, keep_original=False)
    energies, model_forces = energies_and_forces(model, augmented, torch.float64)
    assert np.abs(forces).max() > 1e-3  # forces big enough for the check to mean something
    for copy, predicted_energy, predicted in zip(augmented, energies, model_forces):
        assert np.abs(predicted - copy.get_forces()).max() < 1e-10
        assert abs(predicted_energy - copy.get_potential_energy()) < 1e-10


def test_unlabelled_structures_are_rotated_without_labels():
    atoms = model_suite.distorted_ethanol()
    turned = rotated_frame(atoms, random_rotation_matrices(1, np.random.default_rng(0))[0])
    assert turned.calc is None
    assert np.allclose(_distances(turned), _distances(atoms))


def test_bad_requests_are_refused(morse_water_frames):
    with pytest.raises(ValueError, match=">= 0"):
        augment_with_rotations(morse_water_frames[:1], -1)
    with pytest.raises(ValueError, match="nothing to return"):
        augment_with_rotations(morse_water_frames[:1], 0, keep_original=False)


def test_epochs_give_about_the_same_number_of_steps():
    assert epochs_for_steps(100, 1500, 64) == 750  # 2 steps per epoch
    assert epochs_for_steps(10100, 1500, 64) == 10  # 158 steps per epoch
    assert epochs_for_steps(10, 0, 64) == 1


def test_rotation_errors_are_round_off_for_bp_and_large_for_an_untrained_cartesian_model(morse_water_frames):
    test = morse_water_frames[:6]
    rotated, rotations = rotated_test_set(test, seed=1)
    numbers = test[0].numbers
    bp = rotation_errors(model_suite.untrained_model("bp", numbers), test, rotated, rotations, torch.float64)
    cartesian = rotation_errors(model_suite.untrained_model("cartesian", numbers), test, rotated, rotations,
                                torch.float64)
    assert bp.energy_invariance_ev < 1e-12 and bp.force_equivariance_ev_per_a < 1e-12
    assert bp.energy_mae_rotated_ev == pytest.approx(bp.energy_mae_ev, abs=1e-10)
    assert cartesian.energy_invariance_ev > 1e-4 and cartesian.force_equivariance_ev_per_a > 1e-4


def test_a_small_augmentation_study_trains_one_model_per_rotation_count(morse_water_frames):
    settings = AugmentationSettings(n_structures=12, rotation_counts=(0, 4), steps=20, batch_size=16,
                                    n_validation=4, n_test=6, dtype="float64")
    reported = []
    numbers = morse_water_frames[0].numbers
    study = augmentation_study(morse_water_frames[:40], morse_water_frames[40:50], morse_water_frames[50:],
                               settings, symmetric_models={"bp": model_suite.untrained_model("bp", numbers)},
                               progress=lambda fraction, message: reported.append(fraction))
    assert [run.n_rotations for run in study.runs] == [0, 4]
    assert [run.n_train for run in study.runs] == [12, 60]
    assert reported[-1] == 1.0 and all(0 <= f <= 1 for f in reported)
    assert study.floors["bp"].energy_invariance_ev < 1e-12
    for run in study.runs:
        assert run.errors.energy_invariance_ev > 1e-9  # the Cartesian model never gets the symmetry exactly
        assert np.isfinite(run.errors.force_mae_rotated_ev_per_a)
    assert study.energy_resolution_ev == pytest.approx(np.spacing(np.float64(
        np.mean([abs(a.get_potential_energy()) for a in morse_water_frames[50:56]]))))
