"""The LEPS H + H2 surface for three hydrogen atoms anywhere in space, as an ASE calculator.

``toy2d.LEPS`` is the collinear slice, E(r_AB, r_BC) with r_AC = r_AB + r_BC. Here the three distances
are taken from the positions [3, 3] (Å) as they are, so the same London-Eyring-Polanyi-Sato formula

    E = [Q_AB + Q_BC + Q_AC - sqrt(((J_AB - J_BC)^2 + (J_BC - J_AC)^2 + (J_AC - J_AB)^2) / 2)] / (1 + k)

(Coulomb integrals Q and exchange integrals J of each pair, from ``LEPS.coulomb_exchange``) describes
bent and stretched H3 as well: ASE's optimisers, NEB and vibrations run on it, and a model trained on
its energies and forces can be compared with it. Energies in eV (zero: three separate atoms), forces
in eV/Å, -dE/dR by autograd through the project's one derivative module, ``nnpes_core.derivatives``
(exact, float64).

The formula is symmetric in the three atoms, so it does not matter which one is called A. At an
equilateral triangle all J are equal and the square root vanishes: there the ground and excited LEPS
surfaces touch (a conical intersection, lesson 12), and the energy has a cusp.
"""
from __future__ import annotations

import torch
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from nnpes_core.derivatives import gradient
from nnpes_core.potentials.toy2d import LEPS

HYDROGEN = 1


class LEPSInputError(ValueError):
    """The structure is not three hydrogen atoms (the only system LEPS describes)."""


def pair_distances(positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """r_AB, r_BC, r_AC (Å) of positions [..., 3, 3]."""
    a, b, c = positions[..., 0, :], positions[..., 1, :], positions[..., 2, :]
    return (torch.linalg.norm(a - b, dim=-1), torch.linalg.norm(b - c, dim=-1),
            torch.linalg.norm(a - c, dim=-1))


class LEPSCalculator(Calculator):
    """LEPS H + H2 as an ASE calculator for three H atoms: energy (eV) and forces (eV/Å).

    ``sato`` is Sato's parameter k (0.18 in lesson 1, barrier 0.229 eV; about 0.134 matches the
    accurate 0.425 eV); the H2 Morse constants are those of ``toy2d.LEPS``.
    """

    implemented_properties = ["energy", "free_energy", "forces"]

    def __init__(self, sato: float = 0.18, well_depth: float = 4.7466, morse_a: float = 1.9420,
                 bond_length: float = 0.7416, **kwargs):
        super().__init__(**kwargs)
        if not -1.0 < sato < 1.0:
            raise ValueError(f"Sato's parameter must lie between -1 and 1, got {sato}")
        self.surface = LEPS(well_depth=well_depth, morse_a=morse_a, bond_length=bond_length, sato=sato)
        self.sato = sato

    def energy_of(self, positions: torch.Tensor) -> torch.Tensor:
        """E(R) in eV for positions [..., 3, 3] Å (differentiable)."""
        return self.surface.energy_from_distances(*pair_distances(positions))

    @staticmethod
    def check(atoms: Atoms) -> None:
        if len(atoms) != 3 or any(int(z) != HYDROGEN for z in atoms.numbers):
            raise LEPSInputError(f"the LEPS surface describes three H atoms, not {atoms.get_chemical_formula()}")
        if atoms.pbc.any():
            raise LEPSInputError("the LEPS surface is for an isolated H3, not a periodic cell")

    def calculate(self, atoms: Atoms | None = None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.check(self.atoms)
        positions = torch.as_tensor(self.atoms.get_positions(), dtype=torch.float64)  # [3, 3]
        energy, grad = gradient(self.energy_of, positions)  # one pass: E and dE/dR [3, 3]
        self.results["energy"] = self.results["free_energy"] = float(energy.detach())
        self.results["forces"] = -grad.numpy()  # eV/Å
