"""What a set of potential energy curves E_k(R) tells: read off, compared, checked.

- ``bond_constants``: the equilibrium bond length r_e, the well depth D_e, the harmonic force constant
  and wavenumber, the zero-point energy and D_0 = D_e - ZPE, from a sampled ground-state curve.
- ``H2_EXPERIMENT``: the measured constants of H2 to compare with.
- ``variational_gap``: how far one curve lies above another at every R (HF above FCI, a small basis
  above a larger one: the variational principle, measured rather than asserted).
- ``basis_ladder``: r_e and D_e of the same curve in a row of basis sets, against experiment. Energies
  are variational, r_e and D_e are not: along STO-3G, 6-31G, cc-pVDZ the FCI r_e of H2 grows past the
  experimental value and moves away from it.
- ``closest_approaches``: where two neighbouring electronic states come closest, the places where the
  non-adiabatic coupling between them is large and a single Born-Oppenheimer surface stops being enough;
  ``refine_closest_approach`` pins the smallest gap down between grid points (a sharp avoided crossing
  can hide between two points of a coarse grid).

Energies in eV, lengths in Å, masses in amu, wavenumbers in cm⁻¹.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ase.data import atomic_masses, atomic_numbers
from ase.units import invcm
from scipy.interpolate import CubicSpline
from scipy.optimize import minimize_scalar

from nnpes_core.potentials.diatomic import fit_minimum
from nnpes_core.units import HARTREE, WAVENUMBER_PER_SQRT_EV_A2_AMU


@dataclass(frozen=True)
class BondConstants:
    """Constants of a diatomic read off its ground-state curve."""

    bond_length: float  # r_e, Å
    minimum_energy: float  # E_0(r_e), eV
    well_depth: float  # D_e = E(separated atoms) - E_0(r_e), eV: from the bottom of the well
    dissociation_limit: float  # E(separated atoms), eV
    force_constant: float  # k_e = d²E/dR² at r_e, eV/Å²
    wavenumber: float  # harmonic omega_e = sqrt(k_e / mu) / (2 pi c), cm⁻¹
    zero_point_energy: float  # ZPE = h c omega_e / 2 (harmonic), eV
    dissociation_energy: float  # D_0 = D_e - ZPE, eV: from the lowest vibrational level


@dataclass(frozen=True)
class ExperimentalConstants:
    """Measured constants of a diatomic (and the exact Born-Oppenheimer minimum where known)."""

    molecule: str
    bond_length: float  # r_e, Å
    well_depth: float  # D_e, eV
    dissociation_energy: float  # D_0, eV (what a dissociation experiment measures)
    wavenumber: float  # omega_e, cm⁻¹
    exact_minimum_energy: float  # lowest Born-Oppenheimer energy (complete basis, exact), eV
    source: str


H2_EXPERIMENT = ExperimentalConstants(
    molecule="H2",
    bond_length=0.7414,
    well_depth=4.748,  # = D_0 + the measured zero-point energy 0.270 eV
    dissociation_energy=4.478,
    wavenumber=4401.2,
    exact_minimum_energy=-1.1744757 * HARTREE,  # Kołos-Wolniewicz / Pachucki, at R = 1.401 bohr
    source="Huber & Herzberg, Constants of Diatomic Molecules (1979); exact BO energy from Pachucki, "
           "Phys. Rev. A 82, 032509 (2010)",
)


def reduced_mass(symbols: tuple[str, str] | list[str]) -> float:
    """mu = m_1 m_2 / (m_1 + m_2) in amu, from the standard atomic masses."""
    mass_1, mass_2 = (float(atomic_masses[atomic_numbers[symbol]]) for symbol in symbols)
    return mass_1 * mass_2 / (mass_1 + mass_2)


def bond_constants(distances, energies, dissociation_limit: float, symbols=("H", "H")) -> BondConstants:
    """r_e, D_e, k_e, omega_e, ZPE and D_0 of a diatomic from its ground-state curve.

    ``distances`` [n_R] in Å and ``energies`` [n_R] in eV (the ground state E_0(R)); the minimum comes
    from a cubic spline through the points (``fit_minimum``), the force constant from the spline's second
    derivative there, the zero-point energy from the harmonic oscillator, ZPE = hc omega_e / 2.
    ``dissociation_limit`` is the energy of the separated atoms (e.g. 2 E(H) in the same basis).
    """
    distances = np.asarray(distances, dtype=float)
    energies = np.asarray(energies, dtype=float)
    order = np.argsort(distances)
    fit = fit_minimum(distances[order], energies[order], dissociation_limit=dissociation_limit)
    spline = CubicSpline(distances[order], energies[order])
    force_constant = float(spline(fit.bond_length, 2))
    if force_constant <= 0:
        raise ValueError(f"the curve is not curved upwards at its minimum (k = {force_constant:.3g} eV/Å²)")
    wavenumber = WAVENUMBER_PER_SQRT_EV_A2_AMU * np.sqrt(force_constant / reduced_mass(symbols))
    zero_point_energy = 0.5 * wavenumber * invcm
    return BondConstants(
        bond_length=fit.bond_length, minimum_energy=fit.energy, well_depth=fit.well_depth,
        dissociation_limit=fit.dissociation_limit, force_constant=force_constant,
        wavenumber=float(wavenumber), zero_point_energy=float(zero_point_energy),
        dissociation_energy=float(fit.well_depth - zero_point_energy),
    )


@dataclass(frozen=True)
class VariationalGap:
    """``upper - lower`` along a curve: the variational principle holds when it is never negative."""

    smallest: float  # eV
    smallest_at: float  # R, Å
    largest: float  # eV
    largest_at: float  # R, Å
    holds: bool  # upper >= lower at every R (to ``tolerance``)


def variational_gap(distances, upper, lower, tolerance: float = 1e-8) -> VariationalGap:
    """How far ``upper`` [n_R] lies above ``lower`` [n_R] (eV), e.g. HF above FCI or STO-3G above cc-pVDZ."""
    distances = np.asarray(distances, dtype=float)
    gap = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
    if gap.shape != distances.shape:
        raise ValueError(f"{distances.shape[0]} distances but energies of shape {gap.shape}")
    low, high = int(np.argmin(gap)), int(np.argmax(gap))
    return VariationalGap(float(gap[low]), float(distances[low]), float(gap[high]), float(distances[high]),
                          bool(np.all(gap >= -tolerance)))


@dataclass(frozen=True)
class LadderStep:
    """r_e and D_e of one basis set on the ladder, with their errors against experiment."""

    basis: str
    bond_length: float  # r_e, Å
    well_depth: float  # D_e, eV, from twice the atom in the same basis
    bond_length_error: float  # r_e - r_e(exp), Å
    well_depth_error: float  # D_e - D_e(exp), eV


def basis_ladder(curves, atom_energies, experiment: ExperimentalConstants = H2_EXPERIMENT,
                 symbols=("H", "H")) -> list[LadderStep]:
    """r_e and D_e of a ground-state curve in each basis, in the order given (smallest basis first).

    ``curves``: basis -> (distances [n_R] Å, ground-state energies [n_R] eV); ``atom_energies``: basis ->
    the energy of the two separated atoms in that basis (eV), the zero of D_e. A larger basis always
    lowers the energies (the variational principle, for nested bases), but r_e and D_e are differences
    and positions, not energies: nothing makes them approach experiment step by step.
    """
    steps = []
    for basis, (distances, energies) in curves.items():
        constants = bond_constants(distances, energies, atom_energies[basis], symbols)
        steps.append(LadderStep(basis, constants.bond_length, constants.well_depth,
                                constants.bond_length - experiment.bond_length,
                                constants.well_depth - experiment.well_depth))
    return steps


@dataclass(frozen=True)
class StateApproach:
    """A place where states k and k + 1 come closest (a local minimum of their gap along R)."""

    lower_state: int  # k; the upper state is k + 1
    distance: float  # R, Å (a grid point)
    gap: float  # E_{k+1} - E_k there, eV


def closest_approaches(distances, energies, min_state: int = 0) -> list[StateApproach]:
    """Interior local minima of the gap E_{k+1}(R) - E_k(R) between neighbouring states, smallest first.

    ``energies`` [n_R, n_states] in eV, ascending in each row. Only minima inside the range count (not
    at its ends, where two states may merely be on their way to the same dissociation limit). For a
    diatomic (one coordinate, R) two states of the same symmetry cannot cross, so their curves bend away
    from each other at a finite gap: an *avoided crossing*. (With two or more coordinates, in a
    polyatomic molecule, states of the same symmetry can meet at conical intersections.) The non-adiabatic coupling <Psi_k|d Psi_{k+1}/dR> = <Psi_k|dH/dR|Psi_{k+1}> /
    (E_{k+1} - E_k) is largest there. ``min_state`` skips pairs with k below it (1: excited states only).
    """
    distances = np.asarray(distances, dtype=float)
    energies = np.asarray(energies, dtype=float)
    order = np.argsort(distances)
    distances, energies = distances[order], energies[order]
    approaches = []
    for state in range(min_state, energies.shape[1] - 1):
        gap = energies[:, state + 1] - energies[:, state]
        for i in range(1, len(gap) - 1):
            if gap[i] < gap[i - 1] and gap[i] <= gap[i + 1]:
                approaches.append(StateApproach(state, float(distances[i]), float(gap[i])))
    return sorted(approaches, key=lambda approach: approach.gap)


@dataclass(frozen=True)
class RefinedApproach:
    """The smallest gap between states k and k + 1, located between grid points."""

    lower_state: int  # k
    distance: float  # R, Å
    gap: float  # E_{k+1} - E_k there, eV
    grid_gap: float  # the smallest gap on the grid, eV, for comparison
    evaluations: int  # extra electronic-structure calculations it took


def refine_closest_approach(
    state_energies: Callable[[float], np.ndarray],
    approach: StateApproach,
    distances,
    distance_tolerance: float = 1e-6,
) -> RefinedApproach:
    """Brent's method on the gap E_{k+1}(R) - E_k(R) between the grid neighbours of ``approach``.

    ``state_energies(R)`` returns all state energies [n_states] in eV at bond length R (Å), e.g. one
    FCI calculation. A sharp avoided crossing has a V-shaped gap with slopes of tens of eV/Å, so the
    tolerance on R is tight: 1e-6 Å resolves gaps down to about 1e-4 eV.
    """
    distances = np.sort(np.asarray(distances, dtype=float))
    index = int(np.argmin(np.abs(distances - approach.distance)))
    lower, upper = distances[max(index - 1, 0)], distances[min(index + 1, len(distances) - 1)]
    k = approach.lower_state
    evaluations = 0

    def gap(distance: float) -> float:
        nonlocal evaluations
        evaluations += 1
        energies = np.asarray(state_energies(float(distance)), dtype=float)
        return float(energies[k + 1] - energies[k])

    found = minimize_scalar(gap, bounds=(lower, upper), method="bounded", options={"xatol": distance_tolerance})
    best_distance, best_gap = (float(found.x), float(found.fun)) if found.fun < approach.gap else (
        approach.distance, approach.gap)
    return RefinedApproach(k, best_distance, best_gap, approach.gap, evaluations)
