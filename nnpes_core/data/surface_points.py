"""Points on a 2-D surface as training data: the smallest picture of an atomistic data set.

A point xy = (x, y) on a surface E(x, y) plays the part of a structure with one "atom"; its label is the
energy and the force F = -grad E, a vector with two components. ``SurfacePoints`` behaves like an
``AtomicBatch`` where training needs it (``positions``, ``select``, ``to``, ``with_positions``,
``atoms_per_structure``), so the ONE training loop and the ONE loss of ``nnpes_core.training`` serve both.
Energies and forces are in the surface's own units (``energy_unit``, ``length_unit``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import torch

from nnpes_core.derivatives import forces
from nnpes_core.potentials.toy2d import Surface2D


@dataclass
class SurfacePoints:
    positions: torch.Tensor  # [n, 2] points xy
    energy: torch.Tensor | None = None  # [n] reference energies
    forces: torch.Tensor | None = None  # [n, 2] reference forces -dE/dxy
    energy_unit: str = "a.u."
    length_unit: str = "a.u."

    error_scale = 1.0  # errors are reported in the surface's own units (atomistic data: meV)

    @property
    def n_structures(self) -> int:
        return len(self.positions)

    @property
    def atoms_per_structure(self) -> torch.Tensor:  # [n]: one "atom" per point
        return torch.ones(len(self.positions), dtype=self.positions.dtype, device=self.positions.device)

    @property
    def force_unit(self) -> str:
        return self.energy_unit if self.energy_unit == self.length_unit else f"{self.energy_unit}/{self.length_unit}"

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def xy(self) -> torch.Tensor:
        return self.positions

    def with_positions(self, positions: torch.Tensor) -> "SurfacePoints":
        return replace(self, positions=positions)

    def select(self, indices: torch.Tensor | Sequence[int]) -> "SurfacePoints":
        index = torch.as_tensor(indices, dtype=torch.long, device=self.positions.device)
        return replace(self, positions=self.positions[index],
                       energy=None if self.energy is None else self.energy[index],
                       forces=None if self.forces is None else self.forces[index])

    def to(self, device=None, dtype=None) -> "SurfacePoints":
        move = lambda t: None if t is None else t.to(device=device, dtype=dtype)  # noqa: E731
        return replace(self, positions=move(self.positions), energy=move(self.energy), forces=move(self.forces))


def surface_units(surface: Surface2D) -> tuple[str, str]:
    """(energy unit, length unit) of a surface: ("eV", "Å") for LEPS, ("a.u.", "a.u.") for the
    surfaces in arbitrary units."""
    return ("eV", "Å") if surface.energy_unit == "eV" else ("a.u.", "a.u.")


def sample_surface(surface: Surface2D, n_points: int, seed: int = 0, energy_max: float | None = None,
                   dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform random points in the surface's plotting window, xy [n, 2], and their energies [n].

    Points above ``energy_max`` (default: the surface's ``plot_energy_max``) are dropped and redrawn,
    so the data covers the region a student looks at, not the steep walls.
    """
    energy_max = surface.plot_energy_max if energy_max is None else energy_max
    generator = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    kept: list[np.ndarray] = []
    count = 0
    while count < n_points:
        xy = np.column_stack([generator.uniform(x0, x1, 4 * n_points), generator.uniform(y0, y1, 4 * n_points)])
        energy = surface(torch.as_tensor(xy, dtype=dtype)).numpy()
        if energy_max is not None:
            xy = xy[energy <= energy_max]
        kept.append(xy)
        count += len(xy)
    xy = torch.as_tensor(np.concatenate(kept)[:n_points], dtype=dtype)
    return xy, surface(xy).detach()


def label_points(surface: Surface2D, xy: torch.Tensor) -> SurfacePoints:
    """Points xy [n, 2] labelled with the surface's exact energy and force -grad E (float64)."""
    xy = torch.as_tensor(xy, dtype=torch.float64).detach()
    energy_unit, length_unit = surface_units(surface)
    return SurfacePoints(xy, surface(xy).detach(), forces(surface, xy).detach(), energy_unit, length_unit)


def surface_dataset(surface: Surface2D, n_points: int, seed: int = 0, energy_max: float | None = None
                    ) -> SurfacePoints:
    """``n_points`` uniform random points in the surface's window (below its plotting ceiling),
    labelled with the exact energy and force."""
    xy, _ = sample_surface(surface, n_points, seed=seed, energy_max=energy_max)
    return label_points(surface, xy)
