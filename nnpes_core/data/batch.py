"""Structures as tensors: the batch every model takes.

Many structures are stored as one flat set of atoms plus a ``structure`` index telling which structure
each atom belongs to, the same layout as SchNetPack or MACE. Pairs within the cutoff (the neighbour list)
are computed once, without gradients; models rebuild the pair vectors from ``positions`` so that forces
can flow back to the atoms.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import torch
from ase import Atoms

from nnpes_core.neighbors import angle_triplets, neighbor_list


@dataclass
class AtomicBatch:
    positions: torch.Tensor  # [n_atoms, 3] Å
    numbers: torch.Tensor  # [n_atoms] atomic numbers
    structure: torch.Tensor  # [n_atoms] index of the structure each atom belongs to
    n_structures: int
    cell: torch.Tensor  # [n_structures, 3, 3] Å, zeros for an isolated molecule
    pbc: torch.Tensor  # [n_structures, 3] bool
    edge_index: torch.Tensor  # [2, n_edges] (center I, neighbour J), sorted by center
    edge_shift: torch.Tensor  # [n_edges, 3] periodic image of J, in cell vectors
    cutoff_radius: float
    atom_offsets: torch.Tensor  # [n_structures + 1] first atom of each structure
    edge_offsets: torch.Tensor  # [n_structures + 1] first edge of each structure
    energy: torch.Tensor | None = None  # [n_structures] eV, reference labels when known (float64 always)
    forces: torch.Tensor | None = None  # [n_atoms, 3] eV/Å, reference labels when known
    # index arrays derived from the neighbour list (triplets, per-model slots): they depend on the list
    # only, so copies made by with_positions share them (MD reuses one list for many steps)
    _derived: dict = field(default_factory=dict, repr=False)

    error_scale = 1e3  # training errors are reported in meV (meV/atom, meV/Å)

    @property
    def n_atoms(self) -> int:
        return len(self.numbers)

    @property
    def atoms_per_structure(self) -> torch.Tensor:  # [n_structures]
        return self.atom_offsets[1:] - self.atom_offsets[:-1]

    def edge_vectors(self, positions: torch.Tensor | None = None) -> torch.Tensor:
        """r_IJ = R_J - R_I (+ periodic shift), [n_edges, 3]; differentiable in ``positions``."""
        positions = self.positions if positions is None else positions
        centers, neighbors = self.edge_index
        vectors = positions[neighbors] - positions[centers]
        if bool(self.pbc.any()):
            cell_of_edge = self.cell[self.structure[centers]]  # [n_edges, 3, 3]
            vectors = vectors + torch.einsum("ea,eab->eb", self.edge_shift, cell_of_edge)
        return vectors

    def triplets(self) -> torch.Tensor:
        """Edge pairs (IJ, IK) with a common center, [2, n_triplets], for angular terms (cached)."""
        return self.derived("triplets", lambda: torch.stack(angle_triplets(self.edge_index[0], self.n_atoms)))

    def derived(self, key, compute):
        """``compute()`` once per neighbour list: index arrays that depend on the list, not on positions."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def with_positions(self, positions: torch.Tensor) -> "AtomicBatch":
        """The same structures (same neighbour list) at new positions."""
        return replace(self, positions=positions)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "AtomicBatch":
        def move(tensor, floating):
            if tensor is None:
                return None
            return tensor.to(device=device, dtype=dtype if floating else None)

        return replace(
            self,
            positions=move(self.positions, True),
            numbers=move(self.numbers, False),
            structure=move(self.structure, False),
            cell=move(self.cell, True),
            pbc=move(self.pbc, False),
            edge_index=move(self.edge_index, False),
            edge_shift=move(self.edge_shift, True),
            atom_offsets=move(self.atom_offsets, False),
            edge_offsets=move(self.edge_offsets, False),
            energy=move(self.energy, False),  # labels stay float64: see AtomisticModel._apply
            forces=move(self.forces, True),
            _derived={},
        )

    def select(self, indices: torch.Tensor | Sequence[int]) -> "AtomicBatch":
        """A batch of the chosen structures only, re-indexed (used for minibatches)."""
        device = self.numbers.device
        indices = torch.as_tensor(indices, dtype=torch.long, device=device)
        atom_counts = self.atoms_per_structure[indices]
        edge_counts = (self.edge_offsets[1:] - self.edge_offsets[:-1])[indices]
        atoms = _concatenated_ranges(self.atom_offsets[indices], atom_counts)
        edges = _concatenated_ranges(self.edge_offsets[indices], edge_counts)
        new_atom_offsets = _offsets(atom_counts)
        new_edge_offsets = _offsets(edge_counts)
        # shift each edge's atom indices from the old structure's first atom to the new one's
        edge_structure = torch.repeat_interleave(torch.arange(len(indices), device=device), edge_counts)
        shift = new_atom_offsets[:-1][edge_structure] - self.atom_offsets[indices][edge_structure]
        return AtomicBatch(
            positions=self.positions[atoms],
            numbers=self.numbers[atoms],
            structure=torch.repeat_interleave(torch.arange(len(indices), device=device), atom_counts),
            n_structures=len(indices),
            cell=self.cell[indices],
            pbc=self.pbc[indices],
            edge_index=self.edge_index[:, edges] + shift,
            edge_shift=self.edge_shift[edges],
            cutoff_radius=self.cutoff_radius,
            atom_offsets=new_atom_offsets,
            edge_offsets=new_edge_offsets,
            energy=None if self.energy is None else self.energy[indices],
            forces=None if self.forces is None else self.forces[atoms],
        )

    @classmethod
    def from_atoms(
        cls,
        frames: Atoms | Sequence[Atoms],
        cutoff_radius: float,
        dtype: torch.dtype = torch.float64,
        device: torch.device | str = "cpu",
        with_labels: bool = True,
    ) -> "AtomicBatch":
        """Collate ASE structures (with their energies and forces when ``with_labels``)."""
        if isinstance(frames, Atoms):
            frames = [frames]
        if len(frames) == 0:
            raise ValueError("no structures to batch")
        positions, numbers, structure, cells, pbcs, edges, shifts = [], [], [], [], [], [], []
        atom_counts, edge_counts = [], []
        offset = 0
        for index, atoms in enumerate(frames):
            pos = atoms.get_positions()
            centers, neighbors, cell_shifts = neighbor_list(
                pos, cutoff_radius, atoms.cell.array, atoms.pbc
            )
            positions.append(pos)
            numbers.append(atoms.numbers)
            structure.append(np.full(len(atoms), index))
            cells.append(atoms.cell.array if atoms.pbc.any() else np.zeros((3, 3)))
            pbcs.append(atoms.pbc)
            edges.append(np.stack([centers + offset, neighbors + offset]))
            shifts.append(cell_shifts)
            atom_counts.append(len(atoms))
            edge_counts.append(len(centers))
            offset += len(atoms)
        energy, forces = (_labels(frames) if with_labels else (None, None))

        def floating(array):
            return torch.as_tensor(np.asarray(array), dtype=dtype, device=device)

        def integer(array):
            return torch.as_tensor(np.asarray(array), dtype=torch.long, device=device)

        return cls(
            positions=floating(np.concatenate(positions)),
            numbers=integer(np.concatenate(numbers)),
            structure=integer(np.concatenate(structure)),
            n_structures=len(frames),
            cell=floating(np.stack(cells)),
            pbc=torch.as_tensor(np.stack(pbcs), dtype=torch.bool, device=device),
            edge_index=integer(np.concatenate(edges, axis=1)),
            edge_shift=floating(np.concatenate(shifts)),
            cutoff_radius=float(cutoff_radius),
            atom_offsets=_offsets(integer(atom_counts)),
            edge_offsets=_offsets(integer(edge_counts)),
            energy=None if energy is None else torch.as_tensor(energy, dtype=torch.float64, device=device),
            forces=None if forces is None else floating(forces),
        )


def _labels(frames: Sequence[Atoms]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Reference energies and forces when every frame carries them, else None."""
    energies, forces = [], []
    for atoms in frames:
        results = getattr(atoms.calc, "results", {}) if atoms.calc is not None else {}
        energy = results.get("energy", atoms.info.get("energy"))
        force = results.get("forces", atoms.arrays.get("forces"))
        energies.append(energy)
        forces.append(force)
    energy = None if any(e is None for e in energies) else np.array(energies, dtype=np.float64)
    force = None if any(f is None for f in forces) else np.concatenate(forces).astype(np.float64)
    return energy, force


def _offsets(counts: torch.Tensor) -> torch.Tensor:
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])


def _concatenated_ranges(starts: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """[start_0, ..., start_0 + len_0 - 1, start_1, ...] without a Python loop."""
    total = int(lengths.sum())
    run_starts = torch.cumsum(lengths, 0) - lengths
    within = torch.arange(total, device=starts.device) - torch.repeat_interleave(run_starts, lengths)
    return torch.repeat_interleave(starts, lengths) + within
