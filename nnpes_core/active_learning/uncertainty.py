"""How unsure is a committee, and is its spread a good stand-in for the error it cannot see?

A committee of M models (members differing in seed and bootstrap data subset) predicts per atom I

    F_I = (1/M) sum_m F_I^(m),      sigma_F,I = sqrt( sum_c (1/M) sum_m (F_Ic^(m) - F_Ic)^2 )     (eV/Å)

(``Committee.predict`` gives the per-component standard deviation ``forces_std`` [n_atoms, 3]; its norm
over the three components is the atom's force spread). A structure is as uncertain as its most uncertain
atom, sigma_F = max_I sigma_F,I: one badly described bond is enough to make the structure worth a label.

The spread is only useful if it ranks structures like the true error |F_I - F_I^ref| would. The
Spearman rank correlation answers exactly that (it ignores the scale, which a committee of few members
gets wrong anyway):

    rho = Pearson correlation of rank(sigma) and rank(error),   -1 <= rho <= 1.

2-D surfaces work the same way: a point is a structure with one "atom" and two force components.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import rankdata

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.models import Committee

SCORES = ("force", "energy")  # what ranks candidates: largest atomic force spread, or energy spread


def structure_index(batch: AtomicBatch | SurfacePoints) -> torch.Tensor:
    """The structure each atom belongs to, [n_atoms] (a 2-D point is its own structure)."""
    if hasattr(batch, "structure"):
        return batch.structure
    return torch.arange(batch.n_structures, device=batch.positions.device)


def per_structure_max(values: torch.Tensor, structure: torch.Tensor, n_structures: int) -> torch.Tensor:
    """max over the atoms of each structure of a per-atom value [n_atoms] -> [n_structures]."""
    result = torch.full((n_structures,), -torch.inf, dtype=values.dtype, device=values.device)
    return result.scatter_reduce(0, structure, values, reduce="amax", include_self=True)


@dataclass
class CommitteeSpread:
    """A committee's prediction on a batch and how much its members disagree (eV, eV/Å; 2-D: surface units)."""

    energy: np.ndarray  # [n_structures] committee mean
    forces: np.ndarray  # [n_atoms, d] committee mean
    energy_std: np.ndarray  # [n_structures] spread of the members' energies
    atom_force_spread: np.ndarray  # [n_atoms] sigma_F,I = |forces_std_I|
    force_spread: np.ndarray  # [n_structures] max_I sigma_F,I
    structure: np.ndarray  # [n_atoms] structure of each atom

    def score(self, kind: str = "force") -> np.ndarray:
        """The number active learning ranks candidates by, [n_structures]: "force" (largest atomic force
        spread) or "energy" (energy spread)."""
        if kind not in SCORES:
            raise ValueError(f"unknown uncertainty score {kind!r}: choose one of {', '.join(SCORES)}")
        return self.force_spread if kind == "force" else self.energy_std


def committee_spread(committee: Committee, batch: AtomicBatch | SurfacePoints) -> CommitteeSpread:
    """Mean and spread of a committee on every structure (or 2-D point) of ``batch``."""
    prediction = committee.predict(batch)
    structure = structure_index(batch)
    atom_spread = prediction["forces_std"].norm(dim=-1)  # [n_atoms]
    return CommitteeSpread(
        energy=prediction["energy"].double().cpu().numpy(),
        forces=prediction["forces"].double().cpu().numpy(),
        energy_std=prediction["energy_std"].double().cpu().numpy(),
        atom_force_spread=atom_spread.double().cpu().numpy(),
        force_spread=per_structure_max(atom_spread, structure, batch.n_structures).double().cpu().numpy(),
        structure=structure.cpu().numpy(),
    )


def labelled_batch(committee: Committee, frames) -> AtomicBatch:
    """Labelled structures as one batch in the committee's dtype, with its cutoff."""
    dtype = next(committee.parameters()).dtype
    return AtomicBatch.from_atoms(list(frames), committee.cutoff_radius, dtype=dtype)


def spearman_rank_correlation(x, y) -> float:
    """Spearman's rho: the Pearson correlation of the ranks (ties get their mean rank); NaN for < 3 values
    or a constant input."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError("both inputs need one value per item")
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


@dataclass
class SpreadVersusError:
    """Spread and true force error of a committee on a labelled test set (eV/Å), per atom and per structure."""

    atom_spread: np.ndarray  # [n_atoms] sigma_F,I
    atom_error: np.ndarray  # [n_atoms] |F_I - F_I^ref|
    structure_spread: np.ndarray  # [n_structures] max_I sigma_F,I
    structure_error: np.ndarray  # [n_structures] max_I |F_I - F_I^ref|
    structure: np.ndarray  # [n_atoms]

    @property
    def spearman_structures(self) -> float:
        return spearman_rank_correlation(self.structure_spread, self.structure_error)

    @property
    def spearman_atoms(self) -> float:
        return spearman_rank_correlation(self.atom_spread, self.atom_error)

    def spearman_within(self, groups: np.ndarray) -> dict:
        """rho per group of structures (e.g. per sampling temperature): group -> rho."""
        groups = np.asarray(groups)
        return {group: spearman_rank_correlation(self.structure_spread[groups == group],
                                                 self.structure_error[groups == group])
                for group in np.unique(groups)}

    def top_fraction_recall(self, fraction: float = 0.1) -> float:
        """Of the ``fraction`` structures with the largest true error, the share that are also among the
        ``fraction`` with the largest spread (1: the spread finds all the worst ones; ``fraction``: chance)."""
        n = max(1, int(round(fraction * len(self.structure_error))))
        worst = set(np.argsort(-self.structure_error)[:n].tolist())
        flagged = set(np.argsort(-self.structure_spread)[:n].tolist())
        return len(worst & flagged) / n


def spread_versus_error(committee: Committee, batch: AtomicBatch | SurfacePoints) -> SpreadVersusError:
    """The committee's force spread next to its true force error on a labelled batch."""
    if batch.forces is None:
        raise ValueError("the test structures need reference forces to measure the true error")
    spread = committee_spread(committee, batch)
    atom_error = np.linalg.norm(spread.forces - batch.forces.double().cpu().numpy(), axis=-1)
    structure = structure_index(batch)
    structure_error = per_structure_max(torch.as_tensor(atom_error), structure.cpu(), batch.n_structures).numpy()
    return SpreadVersusError(spread.atom_force_spread, atom_error, spread.force_spread, structure_error,
                             spread.structure)
