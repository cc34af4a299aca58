"""Ions as point charges with a short-range repulsion (Born-Mayer), as an ASE calculator.

Every pair of ions i < j at distance r contributes

    V(r) = k q_i q_j / r  +  A_ij exp(-r / rho_ij),

with k = e² / (4 pi eps_0) = 14.40 eV Å, charges q in units of e, and the Born-Mayer repulsion (A_ij in
eV, rho_ij in Å) that stops opposite charges from collapsing onto each other. The Coulomb term decays
only as 1/r: it is the textbook example of an interaction that no cutoff sphere can hold.

``nacl_ion_pair()`` gives Na⁺ Cl⁻ with rho = 0.317 Å, the Na-Cl hardness parameter of Fumi and Tosi
(J. Phys. Chem. Solids 25, 31 (1964)), and A chosen so that the minimum lies at the experimental bond
length of the NaCl molecule, r_e = 2.3609 Å (K. P. Huber, G. Herzberg, Constants of Diatomic Molecules
(1979)). The model's well depth against separated ions is then k/r_e (1 - rho/r_e) = 5.28 eV (the
measured value is near 5.6 eV: polarisation of the ions, left out here, supplies the rest). The zero of
energy is the pair of ions infinitely far apart. Energies in eV, forces in eV/Å.
Reference: M. Born, J. E. Mayer, Z. Phys. 75, 1 (1932).
"""
from __future__ import annotations

import math

import numpy as np
from ase import units
from ase.calculators.calculator import Calculator, all_changes

COULOMB_CONSTANT = units.Hartree * units.Bohr  # e²/(4 pi eps_0) = 14.3996 eV Å
NACL_BOND_LENGTH = 2.3609  # Å, NaCl molecule (Huber & Herzberg)
NACL_RHO = 0.317  # Å, Fumi-Tosi Born-Mayer hardness for Na-Cl

BornMayerParameters = tuple[float, float]  # (A in eV, rho in Å)


def born_mayer_prefactor(bond_length: float, rho: float, charge_product: float = -1.0) -> float:
    """The A (eV) that puts the minimum of k q_i q_j / r + A exp(-r/rho) at ``bond_length`` (Å).

    From dV/dr = 0 at r_e: A = -k q_i q_j rho / r_e² exp(r_e / rho) (needs opposite charges).
    """
    if charge_product >= 0:
        raise ValueError("only oppositely charged ions have a Coulomb + Born-Mayer minimum")
    return -COULOMB_CONSTANT * charge_product * rho / bond_length**2 * math.exp(bond_length / rho)


def pair_energy_and_derivative(r: np.ndarray, charge_product, prefactor, rho) -> tuple[np.ndarray, np.ndarray]:
    """V(r) (eV) and dV/dr (eV/Å) of ion pairs at distances r (Å); arguments broadcast per pair."""
    coulomb = COULOMB_CONSTANT * charge_product / r
    repulsion = prefactor * np.exp(-r / rho)
    return coulomb + repulsion, -coulomb / r - repulsion / rho


class IonicPairPotential(Calculator):
    """Coulomb + Born-Mayer pair potential between ions; energy (eV), forces (eV/Å).

    ``charges`` maps element symbols to charges in e (the atoms' initial charges are used instead when
    any is non-zero); ``born_mayer`` maps element pairs to (A, rho), order within a pair irrelevant;
    unlisted pairs have no repulsion. Isolated ions only: no periodic images (no Ewald sum).
    """

    implemented_properties = ["energy", "free_energy", "forces"]
    nolabel = True

    def __init__(self, charges: dict[str, float], born_mayer: dict[tuple[str, str], BornMayerParameters] | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.charges = {symbol: float(q) for symbol, q in charges.items()}
        self.born_mayer: dict[tuple[str, str], BornMayerParameters] = {}
        for (first, second), (prefactor, rho) in (born_mayer or {}).items():
            values = (float(prefactor), float(rho))
            self.born_mayer[first, second] = self.born_mayer[second, first] = values

    def atom_charges(self, atoms) -> np.ndarray:
        """Charge of every atom in e, [n_atoms]."""
        initial = atoms.get_initial_charges()
        if np.any(initial != 0):
            return initial.astype(float)
        missing = sorted(set(atoms.get_chemical_symbols()) - set(self.charges))
        if missing:
            raise ValueError(f"no charge given for {', '.join(missing)}")
        return np.array([self.charges[s] for s in atoms.get_chemical_symbols()])

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if self.atoms.pbc.any():
            raise NotImplementedError("IonicPairPotential treats isolated ions only (no Ewald sum)")
        positions, symbols = self.atoms.positions, self.atoms.get_chemical_symbols()
        charges = self.atom_charges(self.atoms)
        first, second = np.triu_indices(len(self.atoms), k=1)  # every pair i < j
        vectors = positions[second] - positions[first]  # [n_pairs, 3], from i to j
        distances = np.linalg.norm(vectors, axis=1)
        repulsion = np.array([self.born_mayer.get((symbols[i], symbols[j]), (0.0, 1.0))
                              for i, j in zip(first, second)]).reshape(-1, 2)  # [n_pairs, 2]: A, rho
        energy, derivative = pair_energy_and_derivative(distances, charges[first] * charges[second],
                                                        repulsion[:, 0], repulsion[:, 1])
        pair_forces = (derivative / distances)[:, None] * vectors  # force on i from j, [n_pairs, 3]
        forces = np.zeros_like(positions)
        np.add.at(forces, first, pair_forces)
        np.add.at(forces, second, -pair_forces)
        total = float(energy.sum())
        self.results = {"energy": total, "free_energy": total, "forces": forces}


def nacl_ion_pair(rho: float = NACL_RHO, bond_length: float = NACL_BOND_LENGTH) -> IonicPairPotential:
    """Na⁺ Cl⁻ (charges +1, -1) with the Born-Mayer repulsion fitted to the NaCl bond length."""
    prefactor = born_mayer_prefactor(bond_length, rho, charge_product=-1.0)
    return IonicPairPotential({"Na": 1.0, "Cl": -1.0}, {("Na", "Cl"): (prefactor, rho)})
