"""A 2-D surface as an ASE calculator: one "atom" that moves in (x, y) on E(x, y).

Müller-Brown, the double well and the collinear LEPS map are functions of two coordinates, not
molecules. Putting a single particle at (x, y, z) with energy E(x, y) and force (-dE/dx, -dE/dy, 0)
makes them look like a molecule to ASE, so that ASE's NEB, optimisers and vibrations run on them
unchanged — the same code that runs on H3 and on trained models. z is ignored (no force along it, so
it never moves). Energies and lengths are in the surface's own units (arbitrary units for Müller-Brown;
ASE will call them eV and Å, which they are not). The force is -grad E by autograd
(``nnpes_core.derivatives``), in float64 for the analytic surfaces.

    atoms = particle_atoms((-0.558, 1.442))
    atoms.calc = ParticleCalculator(MullerBrown())
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from nnpes_core.derivatives import gradient
from nnpes_core.potentials.toy2d import Surface2D, toy_surface

PARTICLE_SYMBOL = "H"  # the particle's element only sets its mass (1.008 amu) for vibrations


class ParticleInputError(ValueError):
    """The structure is not one particle (the only thing a 2-D surface describes)."""


def particle_atoms(xy: Sequence[float], symbol: str = PARTICLE_SYMBOL) -> Atoms:
    """One particle at (x, y, 0), without a calculator."""
    x, y = (float(value) for value in xy)
    return Atoms(symbol, positions=[[x, y, 0.0]])


def particle_xy(images: Sequence[Atoms]) -> np.ndarray:
    """The (x, y) of the particle in each image, [n_images, 2]."""
    return np.array([atoms.positions[0, :2] for atoms in images], dtype=float)


class ParticleCalculator(Calculator):
    """ASE calculator for one particle on a 2-D surface: energy E(x, y) and forces (-dE/dx, -dE/dy, 0),
    in the surface's own units. ``surface`` is a ``Surface2D``, a name ("muller-brown", ...) or a trained
    2-D model (a torch module mapping xy [..., 2] to E [...], e.g. ``SurfaceMLP``), in its own dtype."""

    implemented_properties = ["energy", "free_energy", "forces"]

    def __init__(self, surface: Surface2D | torch.nn.Module | str, **kwargs):
        super().__init__(**kwargs)
        self.surface = toy_surface(surface) if isinstance(surface, str) else surface
        parameters = list(surface.parameters()) if isinstance(surface, torch.nn.Module) else []
        self.dtype = parameters[0].dtype if parameters else torch.float64
        self.name_of_surface = getattr(self.surface, "name", type(self.surface).__name__)

    def calculate(self, atoms: Atoms | None = None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if len(self.atoms) != 1:
            raise ParticleInputError(f"a 2-D surface ({self.name_of_surface}) moves one particle, "
                                     f"not {len(self.atoms)} atoms")
        xy = torch.as_tensor(self.atoms.positions[0, :2], dtype=self.dtype)  # [2]
        energy, grad = gradient(self.surface, xy)  # one pass: E and dE/dxy [2]
        forces = np.zeros((1, 3))
        forces[0, :2] = -grad.detach().double().numpy()
        self.results["energy"] = self.results["free_energy"] = float(energy.detach())
        self.results["forces"] = forces
