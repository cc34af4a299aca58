"""Locality: the energy as a sum of atomic energies, each seeing only the atoms inside a cutoff sphere.

    E = sum_I eps(environment of I),   environment of I = {R_J - R_I : |R_J - R_I| < r_c}

A smooth cutoff function f_c(r) takes every neighbour's contribution to zero at r_c, so an atom that
crosses the sphere changes the energy continuously. The functions here give the pieces a page shows: the
atomic energies of a real model and their sum, the neighbours inside a sphere, and the two cutoff
functions the models use (cosine for Behler-Parrinello, polynomial for the equivariant network).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import batch_for, model_in_dtype
from nnpes_core.models.layers import cosine_cutoff, polynomial_cutoff


def cutoff_functions(distance: np.ndarray, cutoff_radius: float, p: int = 6) -> dict[str, np.ndarray]:
    """f_c(r) of both smooth cutoffs at distances r (Å): {"cosine": ..., "polynomial": ...}, each [n]."""
    r = torch.as_tensor(np.asarray(distance, dtype=float))
    return {
        "cosine": cosine_cutoff(r, cutoff_radius).numpy(),
        "polynomial": polynomial_cutoff(r, cutoff_radius, p).numpy(),
    }


def neighbors_within(atoms: Atoms, index: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """The atoms closer than ``radius`` (Å) to atom ``index`` (itself excluded), nearest first:
    (indices [k], distances [k] in Å). Isolated structures (no periodic images)."""
    if not 0 <= index < len(atoms):
        raise ValueError(f"atom index {index} is out of range (0-{len(atoms) - 1})")
    distances = np.linalg.norm(atoms.positions - atoms.positions[index], axis=1)
    inside = np.flatnonzero(distances < radius)
    inside = inside[inside != index]
    order = np.argsort(distances[inside], kind="stable")
    return inside[order], distances[inside][order]


@dataclass(frozen=True)
class EnergyDecomposition:
    atomic_energies: np.ndarray  # [n_atoms] eV
    element_energies: np.ndarray  # [n_atoms] eV, the per-element reference energy inside each E_I
    total_energy: float  # eV, the model's energy of the structure
    sum_of_atomic: float  # eV, sum of atomic_energies
    cutoff_radius: float  # Å, the model's own cutoff

    @property
    def network_part(self) -> np.ndarray:
        """E_I minus its element's reference energy, [n_atoms] eV: what the environment adds."""
        return self.atomic_energies - self.element_energies

    @property
    def sum_error(self) -> float:
        """|sum_I E_I - E| in eV: round-off for a model that really is a sum of atomic energies."""
        return abs(self.sum_of_atomic - self.total_energy)


def energy_decomposition(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> EnergyDecomposition:
    """Atomic energies of a local model (bp, equivariant, direct) and the total energy, computed
    separately (the total by the model's forward pass, not by adding the atomic energies here)."""
    if not getattr(model, "local", False) or not hasattr(model, "atomic_energies"):
        raise ValueError("this model is not a sum of atomic energies (choose a bp or equivariant model)")
    model = model_in_dtype(model, dtype)
    batch = batch_for(model, atoms, dtype)
    with torch.no_grad():
        atomic = model.atomic_energies(batch).cpu().double().numpy()
        references = model.element_energies[model.species(batch.numbers)].cpu().double().numpy()
        total = float(model(batch)[0])
    return EnergyDecomposition(atomic, references, total, float(atomic.sum()), float(model.cutoff_radius))


def consecutive_groups(n_atoms: int, group_size: int) -> list[np.ndarray]:
    """Atom indices of consecutive molecules of ``group_size`` atoms each (e.g. water: O, H, H)."""
    if n_atoms % group_size:
        raise ValueError(f"{n_atoms} atoms do not split into molecules of {group_size}")
    return [np.arange(start, start + group_size) for start in range(0, n_atoms, group_size)]


def closest_contact(atoms: Atoms, groups: list[np.ndarray]) -> float:
    """The shortest distance (Å) between atoms of different groups (inf for a single group)."""
    label = np.empty(len(atoms), dtype=int)
    for index, group in enumerate(groups):
        label[group] = index
    distances = np.linalg.norm(atoms.positions[:, None] - atoms.positions[None], axis=-1)
    different = label[:, None] != label[None]
    return float(distances[different].min()) if different.any() else float("inf")


def interaction_energy(model: nn.Module, atoms: Atoms, groups: list[np.ndarray],
                       dtype: torch.dtype = torch.float64) -> float:
    """E(all groups together) - sum of E(each group alone), eV. Exactly zero for a local model once
    every group is farther than the cutoff from every other: it cannot see across the gap."""
    model = model_in_dtype(model, dtype)
    frames = [atoms] + [atoms[np.asarray(group)] for group in groups]
    with torch.no_grad():
        energies = model(batch_for(model, frames, dtype)).cpu().double().numpy()
    return float(energies[0] - energies[1:].sum())
