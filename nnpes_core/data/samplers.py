"""Where the training configurations come from: sample geometries, label them with any ASE calculator.

- ``normal_mode_sampling``: classical Boltzmann displacements along the harmonic normal modes around
  a minimum (cheap, covers the thermally accessible region at a temperature T).
- ``md_sampling``: snapshots of Langevin molecular dynamics at a temperature T.
- ``scan_1d`` / ``scan_2d``: regular grids over internal coordinates (bond lengths, angles).

Each returns a list of ``ase.Atoms`` whose ``calc`` is a SinglePointCalculator holding the reference
energy (eV) and forces (eV/Å), ready for :func:`nnpes_core.data.io.write_dataset`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from ase import Atoms
from ase.build import molecule as ase_molecule
from ase.calculators.calculator import Calculator
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import Stationary
from ase.optimize import BFGS

from nnpes_core.derivatives import finite_difference
from nnpes_core.data.io import labelled_copy
from nnpes_core.units import BOLTZMANN, FS, WAVENUMBER_PER_SQRT_EV_A2_AMU

try:  # ASE >= 3.29
    from ase.md.velocitydistribution import thermalize_momenta
except ImportError:  # older ASE
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as thermalize_momenta

Progress = Callable[[int, int], None]  # progress(done, total)

MOLECULE_ALIASES = {
    "water": "H2O", "hydrogen": "H2", "methane": "CH4", "ammonia": "NH3", "ethanol": "CH3CH2OH",
    "methanol": "CH3OH", "benzene": "C6H6", "ethylene": "C2H4", "ethene": "C2H4", "acetylene": "C2H2",
    "carbon dioxide": "CO2", "formaldehyde": "H2CO",
}


def molecule(name: str) -> Atoms:
    """``ase.build.molecule`` that also understands plain names ("water", "ethanol" -> "CH3CH2OH")."""
    resolved = MOLECULE_ALIASES.get(name.strip().lower(), name.strip())
    try:
        return ase_molecule(resolved)
    except KeyError:
        raise ValueError(f"unknown molecule {name!r}: use a name from ase.collections.g2, e.g. H2O") from None


def label(frames: Sequence[Atoms], calculator: Calculator, progress: Progress | None = None) -> list[Atoms]:
    """Energy and forces from ``calculator`` for every frame, stored with each copy."""
    labelled = []
    for index, frame in enumerate(frames):
        work = frame.copy()
        work.calc = calculator
        forces = work.get_forces()  # first: most calculators (PySCF too) get the energy in the same call
        labelled.append(labelled_copy(work, work.get_potential_energy(), forces))
        if progress is not None:
            progress(index + 1, len(frames))
    return labelled


def optimize(atoms: Atoms, calculator: Calculator, fmax: float = 1e-3, steps: int = 500) -> Atoms:
    """A copy of ``atoms`` relaxed to a minimum (BFGS until every force is below ``fmax`` eV/Å)."""
    relaxed = atoms.copy()
    relaxed.calc = calculator
    if not BFGS(relaxed, logfile=None).run(fmax=fmax, steps=steps):
        raise RuntimeError(f"geometry optimisation did not reach fmax={fmax} eV/Å in {steps} steps")
    return relaxed


@dataclass
class NormalModes:
    """Harmonic analysis at a minimum: mass-weighted Hessian eigenpairs, rigid-body modes removed."""

    omega_squared: np.ndarray  # [n_modes] eV/(Å² amu), ascending
    modes: np.ndarray  # [n_modes, n_atoms, 3] orthonormal mass-weighted eigenvectors
    hessian: np.ndarray  # [3 n_atoms, 3 n_atoms] eV/Å², the full Cartesian Hessian
    masses: np.ndarray  # [n_atoms] amu

    @property
    def wavenumbers(self) -> np.ndarray:
        """Harmonic frequencies in cm^-1 (negative numbers stand for imaginary ones)."""
        return np.sign(self.omega_squared) * np.sqrt(np.abs(self.omega_squared)) * WAVENUMBER_PER_SQRT_EV_A2_AMU


def finite_difference_hessian(atoms: Atoms, calculator: Calculator, delta: float = 5e-3) -> np.ndarray:
    """H_ij = d^2E/dx_i dx_j = -dF_j/dx_i by central differences of the forces, [3N, 3N] eV/Å²."""
    work = atoms.copy()
    work.calc = calculator

    def forces_at(positions: np.ndarray) -> np.ndarray:
        work.positions = positions
        return work.get_forces().ravel()

    hessian = -finite_difference(forces_at, atoms.positions, delta)  # row i: -dF/dx_i, [3N, 3N]
    return 0.5 * (hessian + hessian.T)  # symmetric up to finite-difference noise


def normal_modes(atoms: Atoms, calculator: Calculator, delta: float = 5e-3) -> NormalModes:
    """Normal modes at a minimum; the 6 (5 if linear) near-zero translations/rotations are dropped."""
    hessian = finite_difference_hessian(atoms, calculator, delta)
    masses = atoms.get_masses()
    inverse_sqrt_mass = np.repeat(masses**-0.5, 3)  # [3N]
    mass_weighted = hessian * inverse_sqrt_mass[:, None] * inverse_sqrt_mass[None, :]
    omega_squared, vectors = np.linalg.eigh(mass_weighted)
    linear = len(atoms) == 2 or (len(atoms) > 2 and np.linalg.matrix_rank(
        atoms.positions[1:] - atoms.positions[0], tol=1e-3) == 1)
    n_rigid = min(3 * len(atoms), 5 if linear else 6)
    vibrational = np.sort(np.argsort(np.abs(omega_squared))[n_rigid:])
    return NormalModes(omega_squared[vibrational], vectors[:, vibrational].T.reshape(-1, len(atoms), 3),
                       hessian, masses)


def normal_mode_sampling(
    atoms_at_minimum: Atoms,
    calculator: Calculator,
    n: int,
    temperature: float,
    seed: int = 0,
    optimize_first: bool = False,
    modes: NormalModes | None = None,
    progress: Progress | None = None,
) -> list[Atoms]:
    """``n`` labelled geometries drawn from the classical harmonic Boltzmann distribution at T (K).

    Each normal coordinate q_k (mass-weighted, Å amu^1/2) is Gaussian with variance k_B T / omega_k^2,
    so every mode holds k_B T / 2 of potential energy on average: (3N - 6) k_B T / 2 in total.
    The Cartesian displacement is dx = M^-1/2 sum_k q_k e_k. (Quantum zero-point motion would
    widen the distribution of stiff modes; this sampler is classical on purpose.)
    Pass ``modes`` to reuse a harmonic analysis; ``optimize_first`` relaxes the geometry before it.
    """
    reference = optimize(atoms_at_minimum, calculator) if optimize_first else atoms_at_minimum.copy()
    modes = modes if modes is not None else normal_modes(reference, calculator)
    if np.any(modes.omega_squared <= 0):
        imaginary = modes.wavenumbers[modes.omega_squared <= 0]
        raise ValueError(f"not a minimum: imaginary frequencies {imaginary} cm^-1 (optimise first)")
    rng = np.random.default_rng(seed)
    thermal_energy = BOLTZMANN * temperature  # k_B T in eV
    amplitudes = np.sqrt(thermal_energy / modes.omega_squared)  # [n_modes] Å amu^1/2
    frames = []
    for _ in range(n):
        q = rng.standard_normal(len(amplitudes)) * amplitudes  # [n_modes]
        displacement = np.einsum("k,kax->ax", q, modes.modes) / np.sqrt(modes.masses)[:, None]  # [N, 3]
        frame = reference.copy()
        frame.positions = reference.positions + displacement
        frame.info.update(temperature_K=float(temperature), sampler="normal_mode")
        frames.append(frame)
    return label(frames, calculator, progress)


def md_sampling(
    atoms: Atoms,
    calculator: Calculator,
    n: int,
    temperature: float,
    timestep_fs: float = 0.5,
    interval: int = 10,
    seed: int = 0,
    friction_per_fs: float = 0.01,
    equilibration_steps: int = 200,
    progress: Progress | None = None,
) -> list[Atoms]:
    """``n`` snapshots, every ``interval`` steps, of Langevin dynamics at T (K) after equilibration.

    Velocities start from a Maxwell-Boltzmann distribution at T without net momentum; the random
    kicks of the thermostat make the molecule drift, so each snapshot is moved back to the starting
    centre of mass (energies and forces do not depend on where the molecule is).
    """
    rng = np.random.default_rng(seed)
    system = atoms.copy()
    system.calc = calculator
    start = system.get_center_of_mass()
    thermalize_momenta(system, temperature_K=temperature, rng=rng)
    Stationary(system)
    dynamics = Langevin(system, timestep=timestep_fs * FS, temperature_K=temperature,
                        friction=friction_per_fs / FS, fixcm=False, rng=rng)
    dynamics.run(equilibration_steps)
    frames = []
    for index in range(n):
        dynamics.run(interval)
        snapshot = system.copy()
        snapshot.translate(start - snapshot.get_center_of_mass())
        frame = labelled_copy(snapshot, system.get_potential_energy(), system.get_forces())
        frame.info.update(temperature_K=float(temperature), sampler="md", time_fs=dynamics.get_time() / FS)
        frames.append(frame)
        if progress is not None:
            progress(index + 1, n)
    return frames


# An internal coordinate: ("distance", i, j) in Å or ("angle", i, j, k) in degrees, j the vertex.
Coordinate = tuple


def get_coordinate(atoms: Atoms, coordinate: Coordinate) -> float:
    kind, *indices = coordinate
    if kind == "distance":
        return float(atoms.get_distance(*indices))
    if kind == "angle":
        return float(atoms.get_angle(*indices))
    raise ValueError(f"unknown coordinate kind {kind!r}: use ('distance', i, j) or ('angle', i, j, k)")


def set_coordinate(atoms: Atoms, coordinate: Coordinate, value: float) -> None:
    """Set a distance by moving atom j along i->j, or an angle by rotating atom k about vertex j."""
    kind, *indices = coordinate
    if kind == "distance":
        atoms.set_distance(*indices, value, fix=0)
    elif kind == "angle":
        atoms.set_angle(*indices, value)
    else:
        get_coordinate(atoms, coordinate)  # raises the explanatory error


def scan_1d(atoms: Atoms, calculator: Calculator, coordinate: Coordinate, values: Sequence[float],
            progress: Progress | None = None) -> list[Atoms]:
    """Labelled frames with ``coordinate`` set to each value, all else fixed (e.g. an O-H stretch)."""
    frames = []
    for value in values:
        frame = atoms.copy()
        set_coordinate(frame, coordinate, value)
        frame.info["scan_1"] = float(value)
        frames.append(frame)
    return label(frames, calculator, progress)


def scan_2d(atoms: Atoms, calculator: Calculator, coordinate_1: Coordinate, values_1: Sequence[float],
            coordinate_2: Coordinate, values_2: Sequence[float], progress: Progress | None = None) -> list[Atoms]:
    """Labelled frames on the grid values_1 x values_2 (row-major: coordinate_2 varies fastest)."""
    frames = []
    for value_1 in values_1:
        for value_2 in values_2:
            frame = atoms.copy()
            set_coordinate(frame, coordinate_1, value_1)
            set_coordinate(frame, coordinate_2, value_2)
            frame.info.update(scan_1=float(value_1), scan_2=float(value_2))
            frames.append(frame)
    return label(frames, calculator, progress)
