"""What a local model costs on a real periodic metal: time of energy + forces against the number of atoms.

Lesson 3 measured it on finite clusters. In a crystal every atom has exactly the same number of
neighbours inside the cutoff (42 within 5 Å in fcc Cu, 18 within 4.2 Å), so the neighbour list,
the model and the backward pass for the forces all cost the same per atom: time = c N. The cubic
supercells here hold 4 k³ atoms (k = 2 ... 14: 32 to 10,976 atoms); each point is the median of a few
repeats of neighbour list + energy + forces (``nnpes_core.analysis.cost``), after one warm-up call.
"""
from __future__ import annotations

from typing import Sequence

from ase import Atoms
from torch import nn

from nnpes_core.analysis.cost import CostSeries, Progress, cost_series
from nnpes_core.materials.crystals import CrystalInputError, fcc_supercell

# 4 k³ atoms for k = 2, 3, 4, 5, 6, 8, 10, 12, 14
SUPERCELL_SIZES = (32, 108, 256, 500, 864, 2048, 4000, 6912, 10976)


def supercell_with(element: str, n_atoms: int, lattice_constant: float | None = None) -> Atoms:
    """The cubic fcc supercell with exactly ``n_atoms`` = 4 k³ atoms (k = 1, 2, ...)."""
    repeat = round((n_atoms / 4) ** (1.0 / 3.0))
    if repeat < 1 or 4 * repeat**3 != n_atoms:
        raise CrystalInputError(f"{n_atoms} atoms is not a cubic fcc supercell: use 4 k³ (32, 108, 256, ...)")
    return fcc_supercell(element, repeat, lattice_constant)


def supercell_cost(model: nn.Module, element: str, sizes: Sequence[int] = SUPERCELL_SIZES[:5],
                   lattice_constant: float | None = None, repeats: int = 3, max_seconds: float = 5.0,
                   progress: Progress | None = None, threads: int | None = None) -> CostSeries:
    """Seconds per energy + forces evaluation of ``model`` on periodic supercells of each size.

    A size predicted to take longer than ``max_seconds`` per evaluation is not timed (the series
    stops); ``threads`` sets torch's CPU threads while timing (restored afterwards)."""
    label = f"{getattr(model, 'kind', 'model')}, periodic {element}, cutoff {model.cutoff_radius:g} Å"
    return cost_series(model, sizes, label=label, repeats=repeats, max_seconds=max_seconds,
                       cluster=lambda n: supercell_with(element, n, lattice_constant),
                       progress=progress, threads=threads)
