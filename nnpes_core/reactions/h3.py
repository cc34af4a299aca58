"""The H + H2 -> H2 + H exchange in three dimensions: geometries, the separated reactants, the full study
(path, saddle, barrier, rate) with any calculator, and the training structures of the lesson.

Atoms are numbered A, B, C = 0, 1, 2: the reaction is H_A + H_B-H_C -> H_A-H_B + H_C. The band starts
with H_A at ``SEPARATION`` from H_B; the barrier is measured from the separated reactants (H_A 30 Å
away, H2 relaxed), the asymptote of the reactant valley, so that it means the same for LEPS and for a
model with a cutoff.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator
from torch import nn

from nnpes_core.analysis.evaluation import energies
from nnpes_core.analysis.vibrations import harmonic_analysis
from nnpes_core.data import label, optimize
from nnpes_core.potentials.toy2d import LEPS
from nnpes_core.reactions.neb import H3_SETTINGS, NEBSettings, ReactionPath, find_minimum_energy_path
from nnpes_core.reactions.rates import bimolecular_rate
from nnpes_core.reactions.saddle import SaddleAnalysis, analyse_saddle, vibrations_hessian

H2_BOND_LENGTH = 0.7416  # Å, the Morse r_e of LEPS (experimental H2)
SEPARATION = 3.0  # Å: H_A to H_B at the start of the band (LEPS interaction there: 1.7 meV)
FAR = 30.0  # Å: "separated" (beyond any model's cutoff; LEPS interaction < 1e-20 eV)


def collinear_h3(r_ab: float, r_bc: float) -> Atoms:
    """H_A, H_B, H_C on the x axis with the given distances (Å)."""
    return Atoms("H3", positions=[[0.0, 0.0, 0.0], [r_ab, 0.0, 0.0], [r_ab + r_bc, 0.0, 0.0]])


def reaction_endpoints(separation: float = SEPARATION, bond_length: float = H2_BOND_LENGTH) -> tuple[Atoms, Atoms]:
    """(H_A + H_B-H_C, H_A-H_B + H_C), collinear, H2 at ``bond_length``, the free atom ``separation`` away."""
    return collinear_h3(separation, bond_length), collinear_h3(bond_length, separation)


def collinear_coordinates(images: Sequence[Atoms]) -> np.ndarray:
    """(r_AB, r_BC) in Å of each image, [n_images, 2]: the axes of the LEPS contour map."""
    return np.array([[atoms.get_distance(0, 1), atoms.get_distance(1, 2)] for atoms in images])


def separated_reactants(calculator: Calculator, distance: float = FAR) -> tuple[Atoms, float]:
    """H_A far from H_B-H_C with the H2 bond relaxed by this calculator: (structure, energy in eV)."""
    start = collinear_h3(distance, H2_BOND_LENGTH)
    relaxed = optimize(start, calculator, fmax=1e-4)
    return relaxed, float(relaxed.get_potential_energy())


def h2_wavenumber(reactants: Atoms, calculator: Calculator) -> float:
    """The H2 stretch (cm⁻¹) of separated reactants, from the H2 block of the Hessian (atoms B, C; the
    far atom does not couple). Rotations and translations are projected out: one mode is left."""
    molecule = reactants[[1, 2]]
    block = vibrations_hessian(reactants, calculator, indices=[1, 2])  # [6, 6] eV/Å²
    return float(harmonic_analysis(block, molecule.get_masses(), molecule.positions).wavenumbers[-1])


@dataclass
class H3Reaction:
    """Everything the lesson measures for one calculator: path, saddle, barrier, frequencies, rate."""

    name: str
    path: ReactionPath
    saddle: SaddleAnalysis  # barrier measured from the separated reactants
    reactants: Atoms
    h2_wavenumber: float  # cm⁻¹

    @property
    def barrier(self) -> float:
        return self.saddle.barrier

    def profile(self) -> np.ndarray:
        """Energies of the images relative to the separated reactants (eV), [n_images]."""
        return self.path.energies - self.saddle.reactant_energy

    def saddle_summary(self) -> dict[str, float]:
        """The numbers of the saddle table: geometry (Å), barrier (eV), wavenumbers (cm⁻¹), checks."""
        r_ab, r_bc = collinear_coordinates([self.saddle.atoms])[0]
        real = self.saddle.real_wavenumbers
        return {
            "barrier ΔE (eV)": self.barrier, "imaginary frequency (cm⁻¹, i)": self.saddle.imaginary_wavenumber,
            "negative Hessian eigenvalues": self.saddle.n_negative,
            "r_AB (Å)": r_ab, "r_BC (Å)": r_bc, "angle A-B-C (°)": self.saddle.atoms.get_angle(0, 1, 2),
            "bend (cm⁻¹)": float(real[0]) if len(real) > 2 else float("nan"),
            "symmetric stretch (cm⁻¹)": float(real[-1]) if len(real) else float("nan"),
            "H₂ stretch of the reactants (cm⁻¹)": self.h2_wavenumber,
            "largest force at the saddle (eV/Å)": self.saddle.largest_force,
        }

    def rate(self, temperature) -> np.ndarray:
        """Harmonic-TST rate constant of H + H2 (cm³ s⁻¹), classical, no tunnelling (see rates.py)."""
        return bimolecular_rate(self.barrier, self.reactants[[0]], self.reactants[[1, 2]], [self.h2_wavenumber],
                                self.saddle.atoms, self.saddle.modes.wavenumbers, temperature)


def study_h_plus_h2(calculator: Calculator, name: str = "", settings: NEBSettings = H3_SETTINGS,
                    separation: float = SEPARATION,
                    progress: Callable[[int, float], bool | None] | None = None) -> H3Reaction:
    """NEB (climbing image) from H + H2 to H2 + H, then the saddle's Hessian and the reactants' H2 mode."""
    reactants, reactant_energy = separated_reactants(calculator)
    initial, final = reaction_endpoints(separation, reactants.get_distance(1, 2))
    path = find_minimum_energy_path(initial, final, calculator, settings, progress)
    saddle = analyse_saddle(path.saddle, calculator, reactant_energy)
    return H3Reaction(name=name, path=path, saddle=saddle, reactants=reactants,
                      h2_wavenumber=h2_wavenumber(reactants, calculator))


def energies_along(images: Sequence[Atoms], calculator: Calculator) -> np.ndarray:
    """The calculator's energy (eV) at each of ``images`` [n_images] (e.g. a model along the reference path)."""
    values = []
    for image in images:
        work = image.copy()
        work.calc = calculator
        values.append(work.get_potential_energy())
    return np.array(values)


def collinear_energy_map(model: nn.Module, r_values: np.ndarray) -> np.ndarray:
    """A model's energies (eV) on the collinear grid E[i, j] at r_AB = r_values[j], r_BC = r_values[i]
    (the layout of ``stationary.grid``), in one batch, float64."""
    frames = [collinear_h3(r_ab, r_bc) for r_bc in r_values for r_ab in r_values]
    return energies(model, frames, torch.float64).reshape(len(r_values), len(r_values))


def leps_barrier_curve(sato_values: Sequence[float], r_values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Barrier above H + H2 (eV) and saddle distance r_AB = r_BC (Å) of LEPS for each Sato parameter.

    The collinear saddle lies on the symmetric line r_AB = r_BC, where it is the LOWEST point (it is a
    minimum along the symmetric stretch and a maximum only across the line): so the barrier is the
    minimum of E(r, r) on a fine grid of r (default 0.7-1.2 Å in 2001 steps, 0.25 mÅ apart). Valid while
    a pass exists: above k ≈ 0.236 the symmetric point becomes a well ("Lake Eyring").
    """
    r = torch.as_tensor(np.linspace(0.7, 1.2, 2001) if r_values is None else r_values, dtype=torch.float64)
    barriers, distances = [], []
    for sato in sato_values:
        surface = LEPS(sato=float(sato))
        with torch.no_grad():
            diagonal = surface(torch.stack([r, r], dim=-1))  # [n_r] eV
        lowest = int(torch.argmin(diagonal))
        barriers.append(float(diagonal[lowest]) - surface.reactant_energy())
        distances.append(float(r[lowest]))
    return np.array(barriers), np.array(distances)


# --- training structures: where the data is -----------------------------------------------------------

def _random_directions(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, 3))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def valley_structures(n: int, calculator: Calculator, seed: int = 0, bond_range=(0.55, 1.05),
                      distance_range=(2.0, 5.0)) -> list[Atoms]:
    """``n`` labelled H + H2 structures in the reactant (= product) valley: H2 stretched or compressed
    within ``bond_range`` (Å) and the third H in a random direction ``distance_range`` (Å) from the H2
    centre. They never come near the saddle, where all three atoms are about 0.9 Å apart."""
    rng = np.random.default_rng(seed)
    bonds = rng.uniform(*bond_range, n)
    distances = rng.uniform(*distance_range, n)
    axes, directions = _random_directions(rng, n), _random_directions(rng, n)
    frames = []
    for bond, distance, axis, direction in zip(bonds, distances, axes, directions):
        positions = [distance * direction, -0.5 * bond * axis, 0.5 * bond * axis]
        order = rng.permutation(3)  # any atom may be the free one
        frames.append(Atoms("H3", positions=np.array(positions)[order]))
    return label(frames, calculator)


def path_structures(path: ReactionPath, n: int, calculator: Calculator, seed: int = 0,
                    amplitude: float = 0.08) -> list[Atoms]:
    """``n`` labelled structures near a reaction path: a random point on a segment between two
    neighbouring images, every coordinate then displaced by a Gaussian of ``amplitude`` Å (which bends
    the line as well). Segments are drawn in proportion to how high they lie above the lower endpoint,
    so most points fall where the barrier is decided, not in the flat entrance channel."""
    rng = np.random.default_rng(seed)
    images = np.array([atoms.positions for atoms in path.images])  # [n_images, 3, 3]
    height = path.energies - path.energies.min()  # [n_images] eV
    weights = 0.5 * (height[:-1] + height[1:]) + 0.1 * height.max()  # [n_images - 1] per segment
    frames = []
    for segment in rng.choice(len(weights), size=n, p=weights / weights.sum()):
        fraction = rng.uniform()
        positions = (1 - fraction) * images[segment] + fraction * images[segment + 1]
        positions = positions + amplitude * rng.standard_normal(positions.shape)
        frames.append(Atoms("H3", positions=positions))
    return label(frames, calculator)
