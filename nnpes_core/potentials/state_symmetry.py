"""Which symmetry each electronic state of a homonuclear diatomic has, by symmetry-adapted FCI.

The non-crossing rule: two states of the *same* symmetry cannot cross as R changes, their curves bend
away from each other (an avoided crossing); states of *different* symmetry may cross freely. To tell
the two apart on computed curves, label each state with its irreducible representation.

PySCF works in D2h, the largest abelian subgroup of the linear group D∞h of H2, N2, O2, ...:
Ag holds Σg⁺ (and half of each Δg), B1u holds Σu⁺ (and half of each Δu), B2u/B3u the two
components of a Πu state, B2g/B3g of a Πg state.

    labels = state_symmetries("H2", 0.785, "6-31g", energies)   # e.g. ["Ag", "B1u", "Ag", "Ag"]
"""
from __future__ import annotations

import numpy as np
from pyscf import fci, gto, scf
from pyscf.lib.exceptions import WfnSymmetryError

from nnpes_core.potentials.diatomic_points import diatomic_molecule
from nnpes_core.units import BOHR, HARTREE

D2H_IRREPS = ("Ag", "B1g", "B2g", "B3g", "Au", "B1u", "B2u", "B3u")
# What each D2h label is in the linear molecule's own group (the Σ reading of Ag and B1u is the usual one).
LINEAR_NAMES = {"Ag": "Σg⁺", "B1u": "Σu⁺", "B2u": "Πu", "B3u": "Πu", "B2g": "Πg", "B3g": "Πg",
                "B1g": "Σg⁻/Δg", "Au": "Σu⁻/Δu"}


def symmetry_adapted_singlets(symbols: str, distance: float, basis: str, nroots: int = 4) -> list[tuple[float, str]]:
    """The lowest singlet states of each D2h irrep at bond length ``distance`` (Å): [(energy eV, irrep)],
    ascending. Homonuclear diatomics only (D2h)."""
    molecule = diatomic_molecule(symbols, distance)
    if len(set(molecule.numbers)) != 1:
        raise ValueError(f"{symbols} is not homonuclear: its point group is not D2h")
    mol = gto.M(atom=[(int(z), tuple(r / BOHR)) for z, r in zip(molecule.numbers, molecule.positions)],
                unit="Bohr", basis=basis, symmetry="D2h", verbose=0)
    mean_field = scf.RHF(mol).run(conv_tol=1e-10)
    n_orbitals, electrons = mean_field.mo_coeff.shape[1], mol.nelec
    states: list[tuple[float, str]] = []
    for irrep in D2H_IRREPS:
        solver = fci.addons.fix_spin_(fci.FCI(mean_field), shift=0.5, ss=0)
        solver.wfnsym, solver.conv_tol = irrep, 1e-12
        try:
            energies, vectors = solver.kernel(nroots=nroots)
        except WfnSymmetryError:  # no determinant of this symmetry in this basis
            continue
        energies = np.atleast_1d(energies)
        vectors = vectors if len(energies) > 1 else [vectors]
        kept: list[float] = []
        for energy, vector in zip(energies, vectors):
            s_squared = solver.spin_square(vector, n_orbitals, electrons)[0]
            # A small symmetry block has fewer singlets than nroots: drop the spin impostors and repeats.
            if abs(s_squared) < 1e-3 and all(abs(energy - other) > 1e-8 for other in kept):
                kept.append(float(energy))
        states += [(energy * HARTREE, irrep) for energy in kept]
    return sorted(states)


def state_symmetries(symbols: str, distance: float, basis: str, energies, tolerance: float = 1e-4) -> list[str]:
    """The D2h irrep of each state with the given ``energies`` (eV; e.g. FCI roots at this distance),
    matched by energy to symmetry-adapted FCI. A degenerate pair gives both labels ("B2u/B3u", a Πu
    state); "?" where no state matches within ``tolerance`` eV."""
    energies = np.atleast_1d(np.asarray(energies, dtype=float))
    labelled = symmetry_adapted_singlets(symbols, distance, basis, nroots=len(energies))
    labels = []
    for energy in energies:
        matches = sorted({irrep for other, irrep in labelled if abs(other - energy) < tolerance})
        labels.append("/".join(matches) if matches else "?")
    return labels


def linear_name(label: str) -> str:
    """The D∞h name of a D2h label from :func:`state_symmetries`: "Ag" -> "Σg⁺", "B2u/B3u" -> "Πu"."""
    names = {LINEAR_NAMES.get(part, "?") for part in label.split("/")}
    return names.pop() if len(names) == 1 else "?"
