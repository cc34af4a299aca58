"""Is the crystal really periodic for the model? Three measured checks that hold for any weights.

    translation   shift every atom by the same vector and wrap them back into the cell:  |dE| = 0
    extensivity   describe the same crystal with a cell twice as large:                 |E_2 - 2 E_1| = 0
    forces        -dE/dR by autograd against central finite differences of the energy, atom at a face

and how an atom's neighbour list looks in a small cell: how many of its neighbours are periodic images,
and how many of those are images of the atom itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import energies, model_forces
from nnpes_core.analysis.finite_differences import finite_difference_forces
from nnpes_core.neighbors import neighbor_list


@dataclass
class PeriodicChecks:
    translation_error_ev: float  # |E(shifted and wrapped) - E|
    extensivity_error_ev: float  # |E(2x1x1 supercell) - 2 E|
    force_error_ev_per_a: float  # max |F_autograd - F_finite difference|
    max_force_ev_per_a: float  # max |F|, the scale of the forces compared
    shift: tuple[float, float, float]  # Å, the translation applied
    atoms_moved_through_a_face: int  # atoms that left the cell and came back through the opposite face


def periodic_checks(model: nn.Module, atoms: Atoms, shift=(1.3, -2.1, 0.7), step: float = 1e-5) -> PeriodicChecks:
    """The three checks on ``atoms`` (periodic), in float64, without changing ``model``."""
    dtype = torch.float64
    energy = float(energies(model, atoms, dtype)[0])
    shifted = atoms.copy()
    shifted.translate(shift)
    before = shifted.get_positions()
    shifted.wrap()
    moved = int(np.sum(np.any(np.abs(shifted.get_positions() - before) > 1e-9, axis=1)))
    translation = abs(float(energies(model, shifted, dtype)[0]) - energy)
    doubled = abs(float(energies(model, atoms.repeat((2, 1, 1)), dtype)[0]) - 2 * energy)
    forces = model_forces(model, atoms, dtype)
    difference = finite_difference_forces(model, atoms, step, dtype) - forces
    return PeriodicChecks(translation, doubled, float(np.abs(difference).max()), float(np.abs(forces).max()),
                          tuple(float(s) for s in shift), moved)


@dataclass
class NeighbourCount:
    neighbours: int  # within the cutoff, images included
    images: int  # of which periodic images (a non-zero cell shift)
    self_images: int  # of which images of the atom itself
    distances: np.ndarray  # [neighbours] Å, sorted


def neighbour_count(atoms: Atoms, index: int, cutoff_radius: float) -> NeighbourCount:
    """Who atom ``index`` sees within ``cutoff_radius`` Å in the periodic crystal."""
    positions = atoms.get_positions()
    centers, neighbors, shifts = neighbor_list(positions, cutoff_radius, atoms.cell.array, atoms.pbc)
    mine = centers == index
    vectors = positions[neighbors[mine]] - positions[index] + shifts[mine] @ atoms.cell.array
    image = np.any(shifts[mine] != 0, axis=1)
    return NeighbourCount(int(mine.sum()), int(image.sum()), int(np.sum(image & (neighbors[mine] == index))),
                          np.sort(np.linalg.norm(vectors, axis=1)))
