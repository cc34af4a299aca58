"""Cluster builders: fcc (argon-like) droplets and water clusters, seeded and physically sensible."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.data.clusters import ARGON_LATTICE_CONSTANT, fcc_cluster, fcc_positions, water_cluster
from nnpes_core.neighbors import neighbor_list


def _pair_distances(positions: np.ndarray) -> np.ndarray:
    distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    return distances[np.triu_indices(len(positions), k=1)]


@pytest.mark.parametrize("n_atoms", [1, 13, 100, 1000])
def test_fcc_cluster_has_the_requested_number_of_atoms_at_the_lattice_spacing(n_atoms):
    atoms = fcc_cluster(n_atoms)
    assert len(atoms) == n_atoms and set(atoms.get_chemical_symbols()) == {"Ar"}
    assert not atoms.pbc.any()
    assert np.allclose(atoms.positions.mean(axis=0), 0.0, atol=1e-9)
    if n_atoms > 1:  # nearest neighbours of fcc sit at a / sqrt(2)
        assert _pair_distances(atoms.positions).min() == pytest.approx(ARGON_LATTICE_CONSTANT / np.sqrt(2))


def test_thirteen_atoms_are_a_centre_and_its_twelve_nearest_neighbours():
    positions = fcc_positions(13)
    radii = np.linalg.norm(positions, axis=1)
    assert radii[0] == 0.0
    assert np.allclose(radii[1:], ARGON_LATTICE_CONSTANT / np.sqrt(2))


def test_fcc_cluster_is_compact_so_an_inner_atom_has_twelve_neighbours_within_a_cutoff():
    atoms = fcc_cluster(500)
    centers, _, _ = neighbor_list(atoms.positions, 4.0)
    counts = np.bincount(centers, minlength=len(atoms))
    inner = np.linalg.norm(atoms.positions, axis=1) < 6.0
    assert np.all(counts[inner] == 12)
    assert counts.max() == 12
    # roughly spherical: the radius of gyration is close to that of a uniform ball of the same volume
    radius = (3 * len(atoms) / (4 * np.pi * 4 / ARGON_LATTICE_CONSTANT**3)) ** (1 / 3)
    gyration = np.sqrt((np.linalg.norm(atoms.positions, axis=1) ** 2).mean())
    assert gyration == pytest.approx(np.sqrt(3 / 5) * radius, rel=0.1)


def test_fcc_cluster_is_deterministic_and_jitter_is_seeded():
    assert np.array_equal(fcc_cluster(200).positions, fcc_cluster(200).positions)
    first, again = fcc_cluster(50, jitter=0.1, seed=3), fcc_cluster(50, jitter=0.1, seed=3)
    assert np.array_equal(first.positions, again.positions)
    assert not np.allclose(first.positions, fcc_cluster(50, jitter=0.1, seed=4).positions)


def test_fcc_cluster_refuses_zero_atoms():
    with pytest.raises(ValueError):
        fcc_cluster(0)


@pytest.mark.parametrize(("n_molecules", "spacing"), [(1, 2.9), (4, 2.9), (10, 2.8), (6, 9.0)])
def test_water_cluster_keeps_molecules_intact_and_oxygens_apart(n_molecules, spacing):
    atoms = water_cluster(n_molecules, spacing, seed=1)
    assert atoms.get_chemical_formula() == ("H2O" if n_molecules == 1 else f"H{2 * n_molecules}O{n_molecules}")
    assert list(atoms.numbers[:3]) == [8, 1, 1]
    for start in range(0, len(atoms), 3):  # O-H bonds of ASE's water geometry, 0.969 Å
        oxygen, hydrogens = atoms.positions[start], atoms.positions[start + 1:start + 3]
        assert np.allclose(np.linalg.norm(hydrogens - oxygen, axis=1), 0.9686, atol=1e-3)
    if n_molecules > 1:
        assert _pair_distances(atoms.positions[::3]).min() >= spacing


def test_water_cluster_is_seeded():
    assert np.array_equal(water_cluster(5, seed=2).positions, water_cluster(5, seed=2).positions)
    assert not np.allclose(water_cluster(5, seed=2).positions, water_cluster(5, seed=3).positions)


def test_water_cluster_that_cannot_fit_raises_a_clear_error():
    with pytest.raises(ValueError, match="lower the density"):
        water_cluster(30, 3.0, density=0.1, max_tries=2000)
