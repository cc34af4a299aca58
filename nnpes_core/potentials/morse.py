"""Morse pair potential as an ASE calculator.

Every pair of atoms i < j at distance r contributes

    V(r) = D_e [(1 - exp(-a (r - r_e)))^2 - 1],

zero for separated atoms and -D_e at the bond length r_e; a sets the width of the well (force
constant k = 2 D_e a^2). Parameters can differ per element pair. All pairs interact (no cutoff), so
this is meant for molecules and clusters, not periodic solids (use ASE's EMT for those).
"""
from __future__ import annotations

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

MorseParameters = tuple[float, float, float]  # (D_e in eV, a in 1/Å, r_e in Å)


def morse_energy_and_derivative(r: np.ndarray, well_depth, morse_a, bond_length) -> tuple[np.ndarray, np.ndarray]:
    """V(r) and dV/dr for distances r (Å); eV and eV/Å."""
    decay = np.exp(-morse_a * (r - bond_length))
    energy = well_depth * ((1.0 - decay) ** 2 - 1.0)
    derivative = 2.0 * well_depth * morse_a * decay * (1.0 - decay)
    return energy, derivative


class MorsePairPotential(Calculator):
    """Sum of Morse pair energies; energy in eV, forces in eV/Å.

    ``pair_parameters`` maps element pairs to (D_e, a, r_e), e.g. ``{("O", "H"): (4.6, 2.3, 0.96)}``;
    the order within a pair does not matter, and pairs not listed use the default parameters.
    """

    implemented_properties = ["energy", "free_energy", "forces"]
    nolabel = True

    def __init__(self, well_depth: float = 1.0, morse_a: float = 2.0, bond_length: float = 1.0,
                 pair_parameters: dict[tuple[str, str], MorseParameters] | None = None, **kwargs):
        """``well_depth`` D_e (eV), ``morse_a`` a (1/Å), ``bond_length`` r_e (Å) for unlisted pairs."""
        super().__init__(**kwargs)
        self.default = (float(well_depth), float(morse_a), float(bond_length))
        self.pair_parameters = {}
        for (first, second), values in (pair_parameters or {}).items():
            self.pair_parameters[first, second] = self.pair_parameters[second, first] = tuple(map(float, values))

    def parameters_for(self, first: str, second: str) -> MorseParameters:
        return self.pair_parameters.get((first, second), self.default)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if self.atoms.pbc.any():
            raise NotImplementedError("MorsePairPotential treats molecules only (no periodic images)")
        positions, symbols = self.atoms.positions, self.atoms.get_chemical_symbols()
        first, second = np.triu_indices(len(self.atoms), k=1)  # every pair i < j
        vectors = positions[second] - positions[first]  # [n_pairs, 3], from i to j
        distances = np.linalg.norm(vectors, axis=1)
        parameters = np.array([self.parameters_for(symbols[i], symbols[j]) for i, j in zip(first, second)])
        parameters = parameters.reshape(-1, 3)  # [n_pairs, 3]: D_e, a, r_e
        energy, derivative = morse_energy_and_derivative(distances, *parameters.T)
        # dV/dr pulls i towards j when the bond is stretched (derivative > 0), and j towards i.
        pair_forces = (derivative / distances)[:, None] * vectors  # force on i, [n_pairs, 3]
        forces = np.zeros_like(positions)
        np.add.at(forces, first, pair_forces)
        np.add.at(forces, second, -pair_forces)
        self.results = {"energy": float(energy.sum()), "free_energy": float(energy.sum()), "forces": forces}


# A bent water-like molecule from pair terms alone: strong O-H bonds plus an H-H Morse whose
# minimum (1.52 Å) props the angle open near 104.7 degrees (harmonic wavenumbers about 1420, 3760 and
# 4300 cm^-1). For fast tests and demos, not for physics.
WATER_LIKE_MORSE = {("O", "H"): (4.6, 2.3, 0.96), ("H", "H"): (1.0, 2.5, 1.52), ("O", "O"): (0.1, 1.5, 3.0)}
