"""Isotopes: one surface, other masses.

In the Born-Oppenheimer approximation the potential energy surface E(R) depends on the nuclear charges
and positions, not on the nuclear masses. Replacing H by D leaves the Hessian H = d²E/dR² unchanged;
only the mass-weighting changes:

    H_mw = M^-1/2 H M^-1/2,    omega_k^2 = eigenvalues of H_mw (rigid motions projected out),

so D2O, HDO and H2O frequencies all come from ONE Hessian (``isotopologue_analysis``).

Two exact checks of that statement:

- a bond X-H vibrating on its own scales as omega ~ sqrt(k / mu), mu = m_X m_H / (m_X + m_H), so
  H -> D multiplies it by sqrt(mu_XH / mu_XD) (``reduced_mass_ratio``; 0.728 for O-H, not 1/sqrt(2),
  because the partner atom moves too);
- the Teller-Redlich product rule: the product of all frequency ratios of two isotopologues depends on
  masses and moments of inertia only (``product_rule_ratio``), whatever the surface:

    prod_k omega'_k / omega_k = prod_a (m_a / m'_a)^3/2 (M' / M)^3/2 (I'_A I'_B I'_C / I_A I_B I_C)^1/2

  (M the total mass, I the principal moments; for a linear molecule only the two equal non-zero ones).

Masses in amu (``ISOTOPE_MASSES``: AME2020 atomic masses); everything else as in ``vibrations``.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from ase import Atoms

from nnpes_core.analysis.vibrations import HarmonicAnalysis, harmonic_analysis

# (element, mass number) -> atomic mass in amu (AME2020, Wang et al., Chin. Phys. C 45, 030003 (2021)).
ISOTOPE_MASSES: dict[tuple[str, int], float] = {
    ("H", 1): 1.00782503223, ("H", 2): 2.01410177812, ("H", 3): 3.01604928132,
    ("C", 12): 12.0, ("C", 13): 13.00335483521, ("C", 14): 14.00324198843,
    ("N", 14): 14.00307400425, ("N", 15): 15.00010889827,
    ("O", 16): 15.99491461926, ("O", 17): 16.99913175595, ("O", 18): 17.99915961214,
    ("F", 19): 18.99840316207, ("Cl", 35): 34.96885269, ("Cl", 37): 36.96590258,
}

# Which atoms get which mass number: an element symbol (all its atoms) or a 0-based atom index.
Substitutions = Mapping[str | int, int]


class IsotopeError(ValueError):
    """An isotope specification that names no known isotope or no atom of the structure."""


def parse_isotopes(spec: str) -> dict[str | int, int]:
    """``"H=2"`` -> {"H": 2}; ``"H=2,O=18"``; ``"1=2"`` -> {1: 2} (atom 1, 0-based, becomes mass number 2).

    Only the syntax and the isotope table are checked here; :func:`isotope_masses` checks the atoms."""
    substitutions: dict[str | int, int] = {}
    for item in (part.strip() for part in str(spec).split(",")):
        target, sign, number = item.partition("=")
        target, number = target.strip(), number.strip()
        if not sign or not target or not number.isdigit():
            raise IsotopeError(f"isotope {item!r}: write SYMBOL=MASS_NUMBER (H=2) or ATOM_INDEX=MASS_NUMBER (1=2), "
                               "comma-separated")
        key: str | int = int(target) if target.isdigit() else target.capitalize()
        if isinstance(key, str) and (key, int(number)) not in ISOTOPE_MASSES:
            known = ", ".join(f"{a}{s}" for s, a in ISOTOPE_MASSES)
            raise IsotopeError(f"unknown isotope {number}{key}: known are {known}")
        substitutions[key] = int(number)
    return substitutions


def isotope_masses(atoms: Atoms, substitutions: Substitutions | str | None = None) -> np.ndarray:
    """Masses [N] amu: ASE's standard atomic weights, with the substituted atoms set to isotope masses."""
    if isinstance(substitutions, str):
        substitutions = parse_isotopes(substitutions)
    masses = atoms.get_masses().astype(float)
    symbols = atoms.get_chemical_symbols()
    for target, mass_number in (substitutions or {}).items():
        if isinstance(target, (int, np.integer)):
            if not 0 <= target < len(atoms):
                raise IsotopeError(f"atom index {target} does not exist: the structure has {len(atoms)} atoms "
                                   f"(0 to {len(atoms) - 1})")
            indices = [int(target)]
        else:
            indices = [i for i, symbol in enumerate(symbols) if symbol == target]
            if not indices:
                raise IsotopeError(f"the structure ({atoms.get_chemical_formula()}) has no {target} atom")
        for index in indices:
            mass = ISOTOPE_MASSES.get((symbols[index], int(mass_number)))
            if mass is None:
                raise IsotopeError(f"unknown isotope {mass_number}{symbols[index]} (atom {index})")
            masses[index] = mass
    return masses


def isotopologue_analysis(hessian: np.ndarray, atoms: Atoms, masses: np.ndarray) -> HarmonicAnalysis:
    """Harmonic analysis of the SAME Hessian [3N, 3N] eV/Å² at the geometry ``atoms`` with other masses
    [N] amu: the Born-Oppenheimer statement that isotopes share the surface."""
    return harmonic_analysis(hessian, masses, atoms.positions)


def principal_moments(masses: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Principal moments of inertia [3] amu Å², ascending, about the centre of mass of these masses."""
    masses = np.asarray(masses, dtype=float)
    centred = positions - (masses[:, None] * positions).sum(0) / masses.sum()
    inertia = np.einsum("a,ab,ac->bc", masses, centred, centred)  # sum_a m_a r_a r_a^T  [3, 3]
    tensor = np.trace(inertia) * np.eye(3) - inertia
    return np.linalg.eigvalsh(tensor)


def product_rule_ratio(positions: np.ndarray, masses: np.ndarray, new_masses: np.ndarray) -> float:
    """Teller-Redlich: prod_k omega'_k / omega_k predicted from masses and moments of inertia alone."""
    masses, new_masses = np.asarray(masses, dtype=float), np.asarray(new_masses, dtype=float)
    moments, new_moments = principal_moments(masses, positions), principal_moments(new_masses, positions)
    linear = moments[0] < 1e-8 * moments[-1]
    inertia_ratio = new_moments[1:] / moments[1:] if linear else new_moments / moments
    inertia_factor = np.prod(inertia_ratio) ** 0.5
    return float(np.prod(masses / new_masses) ** 1.5 * (new_masses.sum() / masses.sum()) ** 1.5 * inertia_factor)


def reduced_mass_ratio(partner_mass: float, light_mass: float, heavy_mass: float) -> float:
    """omega(X-heavy) / omega(X-light) = sqrt(mu_light / mu_heavy) for one X-H bond vibrating alone
    (same force constant): 1/sqrt(2) only if the partner X were infinitely heavy."""
    def reduced(mass):
        return partner_mass * mass / (partner_mass + mass)
    return float(np.sqrt(reduced(light_mass) / reduced(heavy_mass)))


def isotopologue_table(hessian: np.ndarray, atoms: Atoms, isotopologues: Mapping[str, Substitutions | str | None],
                       ) -> list[dict]:
    """One row per isotopologue (name -> substitutions; the first is the parent) from ONE Hessian [3N, 3N]
    eV/Å² at the minimum ``atoms``: wavenumbers (cm^-1, ascending), zero-point energy (eV), and the
    product of the frequency ratios to the parent against the Teller-Redlich prediction."""
    from nnpes_core.analysis.zero_point import zero_point_energy

    rows, parent = [], None
    for name, substitutions in isotopologues.items():
        masses = isotope_masses(atoms, substitutions)
        wavenumbers = isotopologue_analysis(hessian, atoms, masses).wavenumbers
        if parent is None:
            parent = (masses, wavenumbers)
        rows.append({
            "isotopologue": name, "masses_amu": masses, "wavenumbers_cm1": wavenumbers,
            "zero_point_energy_eV": zero_point_energy(wavenumbers),
            "frequency_product": float(np.prod(wavenumbers / parent[1])),
            "product_rule": product_rule_ratio(atoms.positions, parent[0], masses),
        })
    return rows
