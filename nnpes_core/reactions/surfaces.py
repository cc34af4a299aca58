"""Paths and saddles on 2-D surfaces (Müller-Brown, the double well) through the same ASE code as H3.

The surface becomes a one-particle ASE calculator (``potentials.particle``), so ``find_minimum_energy_path``
and ``analyse_saddle`` run on it unchanged. Energies and lengths are in the surface's units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from nnpes_core.potentials.particle import ParticleCalculator, particle_atoms, particle_xy
from nnpes_core.potentials.toy2d import KnownPoint, Surface2D
from nnpes_core.reactions.neb import MULLER_BROWN_SETTINGS, NEBSettings, ReactionPath, find_minimum_energy_path
from nnpes_core.reactions.saddle import SaddleAnalysis, analyse_saddle
from nnpes_core.data.surface_points import surface_dataset
from nnpes_core.surface_training import fit_surface
from nnpes_core.training import EpochReport, TrainingResult


def known_point(surface: Surface2D, name: str) -> KnownPoint:
    """The surface's tabulated stationary point called ``name`` (e.g. "minimum A")."""
    for point in surface.known_points:
        if point.name == name:
            return point
    names = ", ".join(point.name for point in surface.known_points) or "none"
    raise ValueError(f"{surface.name} has no point {name!r} (known: {names})")


@dataclass
class SurfacePath:
    """A minimum-energy path on a 2-D surface and its highest saddle."""

    path: ReactionPath
    xy: np.ndarray  # [n_images, 2] the images in the surface's coordinates
    saddle: SaddleAnalysis  # barrier from the first image (a minimum)


def surface_path(surface: Surface2D | torch.nn.Module, start: Sequence[float], end: Sequence[float],
                 settings: NEBSettings = MULLER_BROWN_SETTINGS,
                 progress: Callable[[int, float], bool | None] | None = None) -> SurfacePath:
    """NEB from ``start`` to ``end`` ((x, y) points) on a surface or a trained 2-D model, then the saddle
    (its barrier measured from ``start``)."""
    calculator = ParticleCalculator(surface)
    path = find_minimum_energy_path(particle_atoms(start), particle_atoms(end), calculator, settings, progress)
    saddle = analyse_saddle(path.saddle, calculator, reactant_energy=float(path.energies[0]))
    return SurfacePath(path=path, xy=particle_xy(path.images), saddle=saddle)


def fit_surface_model(surface: Surface2D, n_points: int = 300, width: int = 48, depth: int = 3, steps: int = 400,
                      seed: int = 0, callback: Callable[[EpochReport], bool | None] | None = None) -> TrainingResult:
    """An MLP fitted to energies and forces at ``n_points`` random points of ``surface`` (the shared
    full-batch fit of lessons 3-6: float64, seeded, ``steps`` Adam steps). ``callback(report)`` after
    every step; returning False stops (the best weights are kept)."""
    return fit_surface(surface_dataset(surface, n_points, seed=seed), "surface", width, depth, steps, seed,
                       learning_rate=1e-2, callback=callback)
