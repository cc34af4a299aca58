"""The properties a materials scientist asks of a potential, computed for any ASE calculator, and the
transferability test: the same properties for a reference and for models, side by side.

    reference = crystal_properties(EMT(), "Cu")
    model = crystal_properties(crystal_calculator(net), "Cu")
    rows = property_errors({"EMT": reference, "bp": model})

Every potential is evaluated at its *own* equilibrium lattice constant (from its own equation of state),
as a paper would report it; the defect energies are differences of energies of that potential only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ase.calculators.calculator import Calculator

from nnpes_core.materials.crystals import check_element, emt_lattice_constant
from nnpes_core.materials.defects import SurfaceResult, VacancyResult, surface_energy, vacancy_formation_energy
from nnpes_core.materials.eos import EOSResult, equation_of_state


@dataclass
class CrystalProperties:
    element: str
    eos: EOSResult
    vacancy: VacancyResult
    surfaces: dict[str, SurfaceResult] = field(default_factory=dict)  # facet -> result

    @property
    def lattice_constant(self) -> float:
        return self.eos.lattice_constant

    def summary(self) -> dict[str, float]:
        """Plain numbers with their units in the names (for tables and the command line)."""
        numbers = {
            "lattice constant (Å)": self.eos.lattice_constant,
            "bulk modulus (GPa)": self.eos.bulk_modulus_gpa,
            "energy E0 at V0 (eV/atom)": self.eos.energy,
            "vacancy, unrelaxed (eV)": self.vacancy.unrelaxed_ev,
        }
        if self.vacancy.relaxed_ev is not None:
            numbers["vacancy, relaxed (eV)"] = self.vacancy.relaxed_ev
        for facet, surface in self.surfaces.items():
            numbers[f"surface ({facet}) (J/m²)"] = surface.energy_j_per_m2
        return numbers


def crystal_properties(calculator: Calculator, element: str, repeat: int = 3, relax: bool = True,
                       facets: Sequence[str] = ("111", "100"), span: float = 0.03, n_points: int = 9,
                       fmax: float = 0.01) -> CrystalProperties:
    """Equation of state, vacancy formation energy (``repeat``³ cubic supercell) and surface energies
    of fcc ``element`` with ``calculator``, all at the calculator's own lattice constant."""
    symbol = check_element(element)
    eos = equation_of_state(calculator, symbol, emt_lattice_constant(symbol), span, n_points)
    vacancy = vacancy_formation_energy(calculator, symbol, eos.lattice_constant, repeat, relax, fmax)
    surfaces = {facet: surface_energy(calculator, symbol, eos.lattice_constant, facet) for facet in facets}
    return CrystalProperties(symbol, eos, vacancy, surfaces)


def property_errors(properties: Mapping[str, CrystalProperties], reference: str | None = None) -> list[dict]:
    """One row per property: each potential's value and, for all but the reference, its error.

    ``reference`` names the entry the others are compared with (default: the first)."""
    names = list(properties)
    reference = reference or names[0]
    summaries = {name: result.summary() for name, result in properties.items()}
    rows = []
    for quantity, truth in summaries[reference].items():
        row = {"property": quantity, reference: truth}
        for name in names:
            if name != reference and quantity in summaries[name]:
                row[name] = summaries[name][quantity]
                row[f"{name} error"] = summaries[name][quantity] - truth
        rows.append(row)
    return rows
