"""Materials: a neural-network potential for a periodic metal, and what it gets right and wrong.

- ``crystals``: fcc supercells with a cell and periodic boundaries, strained, rattled, with vacancies
  or surfaces, labelled with ASE's EMT (``emt_dataset``); input checks (``CrystalInputError``).
- ``eos``: energy against volume, lattice constant and bulk modulus (``equation_of_state``).
- ``defects``: vacancy formation energy, unrelaxed and relaxed, and surface energy.
- ``properties``: all of them for any ASE calculator, and the model-vs-reference table.
- ``md`` and ``rdf``: Langevin dynamics of the crystal at a temperature and the radial distribution
  function g(r).
- ``scaling``: seconds per energy + forces against the number of atoms in periodic supercells (O(N)).
- ``checks``: the model's periodicity measured (shift across the boundary, a doubled cell, finite
  differences) and who an atom sees in a small cell (``periodic_checks``, ``neighbour_count``).
- ``training``: the crystal settings (cutoff, minibatch, loss weights) for the shared trainer, and the
  model as a calculator with a thin Verlet skin (``crystal_calculator``).

Units: eV, Å, fs, K; bulk moduli in GPa, surface energies in J/m² (and eV/Å²).
"""
from nnpes_core.materials.crystals import (
    FACETS, FCC_METALS, CrystalInputError, check_element, check_periodic, crystal_configurations, emt_dataset,
    emt_lattice_constant, fcc_slab, fcc_supercell, label_with_emt, random_strain, rattled, strained,
    with_vacancies,
)
from nnpes_core.materials.defects import (
    SurfaceResult, VacancyResult, relax_positions, surface_energy, vacancy_formation_energy,
)
from nnpes_core.materials.eos import EOSResult, GPA_PER_EV_PER_A3, equation_of_state
from nnpes_core.materials.checks import NeighbourCount, PeriodicChecks, neighbour_count, periodic_checks
from nnpes_core.materials.md import CrystalMD, RDFRun, langevin_md, rdf_at_temperatures
from nnpes_core.materials.properties import CrystalProperties, crystal_properties, property_errors
from nnpes_core.materials.rdf import coordination_number, first_minimum_after_peak, radial_distribution
from nnpes_core.materials.scaling import SUPERCELL_SIZES, supercell_cost, supercell_with
from nnpes_core.materials.training import (
    CRYSTAL_CUTOFF, CRYSTAL_SKIN, crystal_calculator, crystal_training_config, train_crystal_model,
)

__all__ = [
    "FACETS", "FCC_METALS", "CrystalInputError", "check_element", "check_periodic", "crystal_configurations",
    "emt_dataset", "emt_lattice_constant", "fcc_slab", "fcc_supercell", "label_with_emt", "random_strain",
    "rattled", "strained", "with_vacancies",
    "SurfaceResult", "VacancyResult", "relax_positions", "surface_energy", "vacancy_formation_energy",
    "EOSResult", "GPA_PER_EV_PER_A3", "equation_of_state",
    "NeighbourCount", "PeriodicChecks", "neighbour_count", "periodic_checks",
    "CrystalMD", "RDFRun", "langevin_md", "rdf_at_temperatures",
    "CrystalProperties", "crystal_properties", "property_errors",
    "coordination_number", "first_minimum_after_peak", "radial_distribution",
    "SUPERCELL_SIZES", "supercell_cost", "supercell_with",
    "CRYSTAL_CUTOFF", "CRYSTAL_SKIN", "crystal_calculator", "crystal_training_config", "train_crystal_model",
]
