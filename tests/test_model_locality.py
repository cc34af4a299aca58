"""Local models write the energy as a sum of atomic energies, each seeing only its neighbours within the
cutoff: far-apart molecules have additive energies and an atom beyond the cutoff feels no force."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from ase import Atoms

from model_suite import ModelCase, far_apart
from nnpes_core.analysis import energies_and_forces
from nnpes_core.analysis.evaluation import batch_for
from nnpes_core.analysis.symmetry import random_rotation


def second_molecule(case: ModelCase) -> Atoms:
    """Another copy of the test molecule, rotated and deformed, so the two halves differ."""
    other = case.atoms.copy()
    other.positions = other.positions @ random_rotation(np.random.default_rng(5)).T
    other.positions += 0.03 * np.random.default_rng(6).standard_normal(other.positions.shape)
    return other


def test_energies_of_molecules_20_angstrom_apart_add_up(local_model):
    case = local_model
    first, second = case.atoms, second_molecule(case)
    energy, forces = energies_and_forces(case.model, [first, second, far_apart(first, second, 20.0)], case.dtype)
    assert abs(energy[2] - (energy[0] + energy[1])) <= case.tolerance.bound(abs(energy[2]))
    separate_forces = np.concatenate([forces[0], forces[1]])
    assert np.abs(forces[2] - separate_forces).max() <= case.tolerance.bound(np.abs(separate_forces).max())


def test_atomic_energies_sum_to_the_total_energy(local_model):
    case = local_model
    model = case.model_in_dtype()
    members = model.members if case.kind == "committee" else [model]
    for member in members:  # a committee is the mean of its members, each a sum of atomic energies
        batch = batch_for(member, case.atoms, case.dtype)
        with torch.no_grad():
            total, atomic = member(batch), member.atomic_energies(batch)
        assert atomic.shape == (len(case.atoms),)
        assert abs(float(atomic.sum() - total[0])) <= case.tolerance.bound(abs(float(total[0])))


def atom_at_distance(case: ModelCase, distance: float) -> Atoms:
    """The molecule plus an H atom ``distance`` Å beyond its outermost atom along x; every other atom
    is farther away, so only one pair can cross the cutoff sphere."""
    outermost = case.atoms.positions[np.argmax(case.atoms.positions[:, 0])]
    return case.atoms + Atoms("H", positions=[outermost + [distance, 0.0, 0.0]])


def test_energy_is_continuous_as_an_atom_crosses_the_cutoff(local_model):
    """A pair entering the cutoff sphere must enter with zero energy, or MD and loop work see a jump."""
    case = local_model
    cutoff, step = case.model.cutoff_radius, 1e-6
    inside, outside = atom_at_distance(case, cutoff - step), atom_at_distance(case, cutoff + step)
    energy, forces = energies_and_forces(case.model, [inside, outside], case.dtype)
    work_over_the_step = 2 * step * np.abs(forces[0][-1]).max()  # what a finite force could change
    assert abs(energy[0] - energy[1]) <= case.tolerance.bound(abs(energy[1])) + work_over_the_step


def test_force_vanishes_on_an_atom_beyond_the_cutoff(local_model):
    case = local_model
    combined = atom_at_distance(case, case.model.cutoff_radius + 0.01)
    _, forces = energies_and_forces(case.model, [case.atoms, combined], case.dtype)
    assert np.all(forces[1][-1] == 0.0), forces[1][-1]  # exactly zero: no neighbour within the cutoff
    assert np.abs(forces[1][:-1] - forces[0]).max() <= case.tolerance.bound(np.abs(forces[0]).max())
