"""Minimum-energy paths by the nudged elastic band (ASE's NEB with a climbing image).

A chain of images R_0 ... R_{n+1} joins the reactant R_0 and the product R_{n+1} (both held fixed).
Each inner image feels the true force only perpendicular to the path and a spring force only along it,

    F_i = -grad E(R_i)|_perp + k (|R_{i+1} - R_i| - |R_i - R_{i-1}|) tau_i,

so the chain slides downhill onto the minimum-energy path while the springs keep the images spread
out. With ``climb=True`` the highest image feels no spring and the force along the path reversed: it
climbs to the saddle point, whose energy is then the barrier (Henkelman, Uberuaga, Jónsson, J. Chem.
Phys. 113, 9901 (2000)). Everything here is ASE: ``ase.mep.NEB`` (improved tangent) optimised by its
ODE solver ``NEBOptimizer`` (method "ode"), which needs far fewer force calls than FIRE or BFGS on
these surfaces. Any ASE calculator works: LEPS, a particle on Müller-Brown, a trained model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep import NEB
from ase.mep.neb import NEBOptimizer


class NEBInputError(ValueError):
    """Endpoints or settings a band cannot be built from (one clear line)."""


@dataclass(frozen=True)
class NEBSettings:
    """How the band is built and relaxed. ``spring`` k in energy/length² of the calculator (eV/Å²);
    ``fmax`` the largest perpendicular force left (energy/length) when converged."""

    n_images: int = 9  # all images, the two fixed endpoints included (ASE's convention)
    climb: bool = True
    spring: float = 2.0
    fmax: float = 0.03
    max_steps: int = 1000


# H3 (eV, Å): converges in about 40 steps. Müller-Brown's energies are ~100x larger per unit
# length, so its springs are stiffer and its force tolerance looser (saddles still within 1e-3).
H3_SETTINGS = NEBSettings()
MULLER_BROWN_SETTINGS = NEBSettings(n_images=11, spring=100.0, fmax=0.5)


@dataclass
class ReactionPath:
    """A relaxed band: images with their energies, and where the highest one lies."""

    images: list[Atoms]  # [n_images], each with its energy and forces stored (no live calculator)
    energies: np.ndarray  # [n_images] in the calculator's unit (eV)
    path_length: np.ndarray  # [n_images] cumulative distance along the band (Å, all atoms)
    converged: bool
    steps: int  # optimiser steps (each one force call per inner image)
    climb: bool
    settings: NEBSettings = field(default_factory=NEBSettings)

    @property
    def highest(self) -> int:
        """Index of the highest image (the saddle when the climbing image converged)."""
        return int(np.argmax(self.energies))

    @property
    def saddle(self) -> Atoms:
        return self.images[self.highest]

    @property
    def barrier(self) -> float:
        """E(highest image) - E(initial endpoint): the forward barrier seen from the first image."""
        return float(self.energies[self.highest] - self.energies[0])

    @property
    def reverse_barrier(self) -> float:
        return float(self.energies[self.highest] - self.energies[-1])


def check_endpoints(initial: Atoms, final: Atoms, n_images: int) -> None:
    """One-line errors for a band that cannot be built."""
    if n_images < 3:
        raise NEBInputError(f"a band needs at least 3 images (two endpoints and one between), got {n_images}")
    if len(initial) != len(final) or list(initial.numbers) != list(final.numbers):
        raise NEBInputError(f"the endpoints hold different atoms: {initial.get_chemical_formula()} "
                            f"(initial) and {final.get_chemical_formula()} (final); both need the same atoms in the same order")
    if np.allclose(initial.positions, final.positions, atol=1e-6):
        raise NEBInputError("the initial and final structures are the same: there is no path to find")


def find_minimum_energy_path(
    initial: Atoms,
    final: Atoms,
    calculator: Calculator,
    settings: NEBSettings = H3_SETTINGS,
    progress: Callable[[int, float], bool | None] | None = None,
) -> ReactionPath:
    """Relax a band of ``settings.n_images`` images from ``initial`` to ``final`` (linear interpolation
    in between to start).

    ``progress(step, largest_force)`` is called after every optimiser step; returning False stops the
    run (the band is returned as it is, ``converged=False``). The endpoints are used as given (not
    relaxed). One calculator serves all images, one after another.
    """
    check_endpoints(initial, final, settings.n_images)
    images = [initial.copy() for _ in range(settings.n_images - 1)] + [final.copy()]
    for image in images:
        image.calc = calculator
    band = NEB(images, k=settings.spring, climb=settings.climb, method="improvedtangent",
               allow_shared_calculator=True)
    band.interpolate()
    optimizer = NEBOptimizer(band, method="ode", logfile=None)

    class _Stop(Exception):
        pass

    def observe():
        if progress is not None and progress(optimizer.nsteps, float(band.get_residual())) is False:
            raise _Stop

    optimizer.attach(observe, interval=1)
    try:
        converged = bool(optimizer.run(fmax=settings.fmax, steps=settings.max_steps))
    except _Stop:
        converged = False
    return _frozen_path(images, converged, optimizer.nsteps, settings)


def _frozen_path(images: Sequence[Atoms], converged: bool, steps: int,
                 settings: NEBSettings) -> ReactionPath:
    """Copies of the images that keep their energies and forces but no calculator."""
    frozen, energies = [], []
    for image in images:
        energy, forces = image.get_potential_energy(), image.get_forces()
        kept = image.copy()
        kept.calc = SinglePointCalculator(kept, energy=energy, forces=forces)
        frozen.append(kept)
        energies.append(energy)
    gaps = [np.linalg.norm(b.positions - a.positions) for a, b in zip(frozen[:-1], frozen[1:])]
    return ReactionPath(images=frozen, energies=np.array(energies),
                        path_length=np.concatenate([[0.0], np.cumsum(gaps)]),
                        converged=converged, steps=steps, climb=settings.climb,
                        settings=settings)
