"""Periodic crystals and their data sets: fcc supercells, strained, rattled, with vacancies or surfaces.

A crystal is a small cell repeated forever: ``atoms.cell`` holds the three lattice vectors (rows, Å)
and ``atoms.pbc = (True, True, True)`` says the copies exist. An atom near a face of the cell has
neighbours in the next copy, which the shared neighbour list finds as periodic images,

    r_IJ = R_J - R_I + n_IJ @ cell        (n_IJ: integer shifts, nnpes_core.neighbors)

A data set for a metal then needs the distortions the potential will meet later:

- strain: the cell (and the atoms with it) deformed by F = 1 + epsilon, epsilon a symmetric 3x3
  matrix, so that the model sees other volumes (equation of state) and shapes (elastic constants);
- rattle: every atom displaced by a Gaussian of width ``rattle`` Å (what vibrations do);
- vacancies: one missing atom, the simplest point defect;
- surfaces: a slab with vacuum above and below (still periodic in 3-D: the gap is wider than the
  cutoff, so the slab never sees its own copy across it).

The reference is ASE's effective-medium theory (EMT) calculator, a fast analytic potential for fcc
metals (K. W. Jacobsen, P. Stoltze, J. K. Nørskov, Surf. Sci. 366, 394 (1996)); everything is seeded.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from ase import Atoms
from ase.build import bulk, fcc100, fcc111
from ase.calculators.emt import EMT

from nnpes_core.data.io import labelled_copy

# The fcc metals ASE's EMT is parametrised for (Cu and Al are the course's two).
FCC_METALS = ("Cu", "Al", "Ag", "Au", "Ni", "Pd", "Pt")
FACETS = ("111", "100")
Progress = Callable[[int, int], object]  # progress(done, total)


class CrystalInputError(ValueError):
    """A request for a crystal that cannot be met (unknown element, negative rattle, no cell...)."""


def check_element(element: str) -> str:
    """The element symbol, checked: one of the fcc metals EMT describes."""
    symbol = str(element).strip().capitalize()
    if symbol not in FCC_METALS:
        raise CrystalInputError(f"unknown element {element!r} for an EMT crystal: choose one of "
                                + ", ".join(FCC_METALS))
    return symbol


def check_periodic(atoms: Atoms, what: str = "structure") -> None:
    """Raise CrystalInputError unless ``atoms`` is periodic in all three directions with a real cell."""
    if not np.all(atoms.pbc):
        raise CrystalInputError(f"the {what} is not periodic (pbc={list(map(bool, atoms.pbc))}): a crystal "
                                "needs a cell and pbc on all three axes (Lattice=... pbc=\"T T T\" in extended XYZ)")
    if abs(np.linalg.det(atoms.cell.array)) < 1e-6:
        raise CrystalInputError(f"the {what} has no cell volume: give it three lattice vectors")


@lru_cache(maxsize=None)
def emt_lattice_constant(element: str) -> float:
    """EMT's own equilibrium fcc lattice constant (Å), from a fit of its equation of state.

    (Cu: 3.590 Å, Al: 3.994 Å; the experimental values are 3.615 and 4.050 Å.)"""
    from nnpes_core.materials.eos import equation_of_state

    symbol = check_element(element)
    return equation_of_state(EMT(), symbol, bulk(symbol).cell.cellpar()[0] * np.sqrt(2)).lattice_constant


def fcc_supercell(element: str, repeat: int, lattice_constant: float | None = None) -> Atoms:
    """The cubic 4-atom fcc cell repeated ``repeat`` times along each axis: 4 repeat³ atoms, periodic."""
    symbol = check_element(element)
    if int(repeat) < 1:
        raise CrystalInputError("the supercell needs a repeat of at least 1")
    a = emt_lattice_constant(symbol) if lattice_constant is None else float(lattice_constant)
    return bulk(symbol, "fcc", a=a, cubic=True).repeat(int(repeat))


def fcc_slab(element: str, facet: str = "111", layers: int = 5, size: int = 2, vacuum: float = 6.0,
             lattice_constant: float | None = None) -> Atoms:
    """A slab of ``layers`` atomic layers of the (111) or (100) surface, ``size`` x ``size`` atoms per layer.

    ``vacuum`` Å on each side; the cell stays periodic in all three directions (a gap of 2 x vacuum
    wider than the model's cutoff separates the slab from its copy above)."""
    symbol = check_element(element)
    if facet not in FACETS:
        raise CrystalInputError(f"unknown facet {facet!r}: choose one of {', '.join(FACETS)}")
    a = emt_lattice_constant(symbol) if lattice_constant is None else float(lattice_constant)
    build = fcc111 if facet == "111" else fcc100
    slab = build(symbol, size=(size, size, layers), a=a, vacuum=vacuum, orthogonal=True)
    slab.pbc = True
    slab.info.pop("adsorbate_info", None)  # ASE's bookkeeping for adsorbates: not a label
    return slab


def random_strain(rng: np.random.Generator, strain: float) -> np.ndarray:
    """A symmetric strain epsilon [3, 3]: a uniform stretch (the same on all three axes, uniform in
    ±``strain`` of the length, about ±3 ``strain`` of the volume) plus a shape change (each entry of a
    random matrix uniform in ±``strain``/2, symmetrised)."""
    volumetric = rng.uniform(-strain, strain) * np.eye(3)
    shape = rng.uniform(-strain / 2, strain / 2, size=(3, 3))
    return volumetric + (shape + shape.T) / 2


def strained(atoms: Atoms, epsilon: np.ndarray) -> Atoms:
    """A copy with cell and positions deformed by F = 1 + epsilon (rows of the cell: h' = h F^T)."""
    deformation = np.eye(3) + np.asarray(epsilon, dtype=float)
    copy = atoms.copy()
    copy.set_cell(atoms.cell.array @ deformation.T, scale_atoms=True)
    return copy


def rattled(atoms: Atoms, sigma: float, rng: np.random.Generator) -> Atoms:
    """A copy with every atom displaced by an independent Gaussian of standard deviation ``sigma`` Å."""
    copy = atoms.copy()
    copy.positions = copy.positions + rng.normal(0.0, sigma, size=copy.positions.shape)
    return copy


def with_vacancies(atoms: Atoms, count: int, rng: np.random.Generator) -> Atoms:
    """A copy with ``count`` randomly chosen atoms removed."""
    copy = atoms.copy()
    del copy[sorted(rng.choice(len(copy), size=count, replace=False))]
    return copy


def check_sampling(supercell: int, n: int, rattle: float, strain: float) -> None:
    if int(supercell) < 1 or int(n) < 1:
        raise CrystalInputError("the supercell repeat and the number of structures must be at least 1")
    if not rattle >= 0:  # also catches NaN
        raise CrystalInputError(f"the rattle must be a non-negative displacement in Å, got {rattle}")
    if not 0 <= strain < 0.3:
        raise CrystalInputError(f"the strain must be a fraction between 0 and 0.3, got {strain}")


def crystal_configurations(element: str, supercell: int, n: int, rattle: float = 0.05, strain: float = 0.03,
                           vacancies: bool = False, surfaces: Sequence[str] = (), seed: int = 0) -> list[Atoms]:
    """``n`` unlabelled periodic structures of an fcc metal around EMT's lattice constant.

    Each is the ``supercell``³ cubic supercell (4 supercell³ atoms), strained by ``random_strain(strain)``
    and rattled with a width drawn uniformly in [0, ``rattle``] Å (small and large displacements both
    appear). With ``vacancies`` every second structure has one atom removed. ``surfaces`` (facets
    "111", "100") replace every third structure by a rattled 2x2 slab of that facet (5 layers).
    ``info["kind"]`` says which is which ("bulk", "vacancy", "surface-111", ...).
    """
    symbol = check_element(element)
    check_sampling(supercell, n, rattle, strain)
    for facet in surfaces:
        if facet not in FACETS:
            raise CrystalInputError(f"unknown facet {facet!r}: choose one of {', '.join(FACETS)}")
    rng = np.random.default_rng(seed)
    perfect = fcc_supercell(symbol, supercell)
    frames = []
    for index in range(int(n)):
        if surfaces and index % 3 == 2:
            facet = surfaces[(index // 3) % len(surfaces)]
            structure, kind = fcc_slab(symbol, facet), f"surface-{facet}"
        elif vacancies and index % 2 == 1 and len(perfect) > 1:
            structure, kind = with_vacancies(perfect, 1, rng), "vacancy"
        else:
            structure, kind = perfect, "bulk"
        epsilon = random_strain(rng, strain)
        if kind.startswith("surface"):
            epsilon[2, :] = epsilon[:, 2] = 0.0  # strain the surface in plane only, not the vacuum gap
        frame = rattled(strained(structure, epsilon), rng.uniform(0.0, rattle), rng)
        frame.wrap()
        frame.info.update(kind=kind, element=symbol, seed=int(seed), index=index)
        frames.append(frame)
    return frames


def label_with_emt(frames: Sequence[Atoms], progress: Progress | None = None) -> list[Atoms]:
    """Copies of ``frames`` with EMT energies (eV) and forces (eV/Å) attached (what extxyz writes)."""
    calculator, labelled = EMT(), []
    for index, atoms in enumerate(frames):
        work = atoms.copy()
        work.calc = calculator
        frame = labelled_copy(work, work.get_potential_energy(), work.get_forces())
        frame.info.update(atoms.info, reference="EMT (ASE)")
        labelled.append(frame)
        if progress is not None:
            progress(index + 1, len(frames))
    return labelled


def emt_dataset(element: str, supercell: int = 2, n: int = 100, rattle: float = 0.05, strain: float = 0.03,
                vacancies: bool = False, surfaces: Sequence[str] = (), seed: int = 0,
                progress: Progress | None = None) -> list[Atoms]:
    """Periodic structures of ``crystal_configurations`` labelled with ASE's EMT (cell and pbc kept)."""
    frames = crystal_configurations(element, supercell, n, rattle, strain, vacancies, surfaces, seed)
    return label_with_emt(frames, progress)
