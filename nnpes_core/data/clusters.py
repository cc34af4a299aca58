"""Clusters of atoms and molecules: test systems for locality, cutoffs and the cost of a model.

- ``fcc_cluster``: the ``n_atoms`` sites of a face-centred cubic lattice closest to its centre, a roughly
  spherical, argon-like droplet at solid/liquid density (each inner atom has 12 nearest neighbours). With
  a fixed cutoff every atom sees about the same number of neighbours whatever the cluster size: the
  setting in which a local model costs O(N).
- ``water_cluster``: a few rigid water molecules at random orientations, oxygens at least a chosen
  distance apart — something with many atoms and several neighbours in a cutoff sphere that a model
  trained on water (H, O) can evaluate.

Positions in Å; every builder is seeded and changes no global random state.
"""
from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import molecule

from nnpes_core.geometry import random_rotation_matrices

ARGON_LATTICE_CONSTANT = 5.26  # Å, solid argon near its triple point (nearest neighbours at a/√2 = 3.72 Å)


def fcc_positions(n_atoms: int, lattice_constant: float = ARGON_LATTICE_CONSTANT) -> np.ndarray:
    """The ``n_atoms`` fcc lattice sites nearest to the origin (a lattice site), [n_atoms, 3] Å.

    Ties in distance are broken by a fixed order of the sites, so the result is deterministic.
    """
    if n_atoms < 1:
        raise ValueError("a cluster needs at least one atom")
    # a cube of cells large enough to hold a sphere with n_atoms sites (4 sites per cubic cell)
    cells_across = int(np.ceil((n_atoms / 4 * 6 / np.pi) ** (1 / 3))) + 2
    span = np.arange(-cells_across, cells_across + 1)
    corners = np.stack(np.meshgrid(span, span, span, indexing="ij"), -1).reshape(-1, 3)
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    sites = (corners[:, None, :] + basis[None]).reshape(-1, 3) * lattice_constant
    order = np.lexsort((sites[:, 2], sites[:, 1], sites[:, 0], np.round(np.linalg.norm(sites, axis=1), 6)))
    return sites[order[:n_atoms]]


def fcc_cluster(n_atoms: int, symbol: str = "Ar", lattice_constant: float = ARGON_LATTICE_CONSTANT,
                jitter: float = 0.0, seed: int = 0) -> Atoms:
    """A roughly spherical fcc cluster of ``n_atoms`` atoms of ``symbol``, centred at the origin.

    ``jitter`` (Å) displaces every atom by a Gaussian of that standard deviation per coordinate, like a
    thermal snapshot (0 = the perfect lattice). An isolated cluster: no cell, no periodicity.
    """
    positions = fcc_positions(n_atoms, lattice_constant)
    if jitter > 0:
        positions = positions + np.random.default_rng(seed).normal(0.0, jitter, positions.shape)
    positions = positions - positions.mean(axis=0)
    return Atoms([symbol] * n_atoms, positions=positions)


def water_cluster(n_molecules: int, min_oxygen_distance: float = 2.9, density: float | None = None,
                  seed: int = 0, max_tries: int = 20000) -> Atoms:
    """``n_molecules`` rigid water molecules (ASE's gas-phase geometry) at random orientations.

    Oxygen positions are drawn at random in a sphere sized for ``density`` molecules per Å³ and kept
    when at least ``min_oxygen_distance`` Å from every oxygen already placed (a hydrogen-bonded O-O
    distance is about 2.8-2.9 Å). The default density is that of liquid water (0.033 Å⁻³) or less, so
    that spheres of diameter ``min_oxygen_distance`` fill at most about 30 % of the volume (random
    placement jams near 38 %). Atoms are ordered O, H, H per molecule (molecule k: atoms 3k, 3k+1, 3k+2).
    Raises ValueError when the molecules do not fit (too dense): lower the density.
    """
    if n_molecules < 1:
        raise ValueError("a water cluster needs at least one molecule")
    if density is None:
        density = min(0.033, 0.3 / (np.pi / 6 * min_oxygen_distance**3))
    rng = np.random.default_rng(seed)
    radius = (3.0 * n_molecules / (4.0 * np.pi * density)) ** (1.0 / 3.0)
    template = molecule("H2O")
    template.positions -= template.positions[0]  # oxygen at the origin
    oxygens: list[np.ndarray] = []
    tries = 0
    while len(oxygens) < n_molecules:
        tries += 1
        if tries > max_tries:
            raise ValueError(f"could not place {n_molecules} water molecules at density {density} "
                             f"molecules/Å³ with O-O ≥ {min_oxygen_distance} Å: lower the density")
        point = rng.uniform(-radius, radius, 3)
        if np.linalg.norm(point) > radius:
            continue
        if oxygens and np.min(np.linalg.norm(np.array(oxygens) - point, axis=1)) < min_oxygen_distance:
            continue
        oxygens.append(point)
    rotations = random_rotation_matrices(n_molecules, rng)  # [n_molecules, 3, 3], one per molecule
    positions = [template.positions @ rotation.T + center for rotation, center in zip(rotations, oxygens)]
    cluster = Atoms(template.get_chemical_symbols() * n_molecules, positions=np.concatenate(positions))
    cluster.positions -= cluster.get_center_of_mass()
    return cluster
