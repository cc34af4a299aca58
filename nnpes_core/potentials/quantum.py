"""Clamped-nuclei electronic structure with PySCF, exposed as an ASE calculator.

Born-Oppenheimer: hold the nuclei fixed at positions R and solve the electronic Schrödinger equation
H_el(R) psi = E_el(R) psi. The potential energy surface the nuclei move on is

    E(R) = E_el(R) + E_nuc(R),     E_nuc = sum_{A<B} Z_A Z_B / |R_A - R_B|   (atomic units).

Methods (``method``, case-insensitive):

- ``"hf"``: Hartree-Fock (RHF for closed shells, UHF otherwise), analytic gradients.
- any PySCF exchange-correlation functional (``"b3lyp"``, ``"pbe"``, ...): Kohn-Sham DFT (RKS/UKS),
  analytic gradients including the integration-grid response, so the forces are the exact derivative
  of the energy this code computes.
- ``"fci"``: full configuration interaction in the chosen basis, i.e. the exact answer within that
  basis. ``nroots`` eigenstates of the same spin as ``spin`` (singlets for ``spin=0``) are found;
  energies are eigenvalues (analytic), forces are central finite differences of the ground-state FCI
  energy with step ``fd_step`` (Å), costing 6 N extra FCI calculations.

Units follow ASE (eV, Å). Hartree and Bohr are used only inside this module.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pyscf
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from pyscf import ao2mo, dft, fci, gto, scf
from pyscf.dft import libxc
from pyscf.fci import cistring

from nnpes_core.derivatives import finite_difference
from nnpes_core.potentials.cache import cache_key, load_result, resolve_cache_dir, round_positions, store_result
from nnpes_core.units import BOHR, HARTREE

# Bump when the way results are computed changes: old cache entries are then simply not found.
CODE_VERSION = 1
# An FCI vector with more entries than this does not fit a laptop's memory and time budget.
FCI_MAX_DETERMINANTS = 20_000_000


class SCFNotConvergedError(RuntimeError):
    """The self-consistent field iterations did not converge for this geometry."""


def validate_method(method: str) -> str:
    """The lower-case method name, or a ValueError naming the allowed choices."""
    name = str(method).strip().lower()
    if name in ("hf", "fci"):
        return name
    try:
        libxc.parse_xc(name)
    except (KeyError, ValueError):
        raise ValueError(
            f"unknown method {method!r}: use 'hf', 'fci' or a PySCF exchange-correlation functional "
            "such as 'b3lyp' or 'pbe'"
        ) from None
    return name


def build_molecule(numbers, positions: np.ndarray, basis: str, charge: int = 0, spin: int = 0) -> gto.Mole:
    """A PySCF molecule from atomic numbers and positions [n_atoms, 3] in Å; ``spin`` is 2S."""
    n_electrons = int(np.sum(numbers)) - int(charge)
    if n_electrons < 1:
        raise ValueError(f"charge {charge} leaves {n_electrons} electrons")
    if (n_electrons - spin) % 2 != 0 or not 0 <= spin <= n_electrons:
        raise ValueError(
            f"{n_electrons} electrons cannot have spin 2S = {spin}: use spin={n_electrons % 2} "
            "(or another value of that parity), or change the charge"
        )
    molecule = gto.Mole()
    molecule.atom = [(int(z), tuple(r / BOHR)) for z, r in zip(numbers, np.asarray(positions, dtype=float))]
    molecule.unit = "Bohr"  # converted with our BOHR, so forces convert back consistently
    molecule.basis, molecule.charge, molecule.spin, molecule.verbose = basis, int(charge), int(spin), 0
    try:
        with warnings.catch_warnings():  # PySCF suggests installing basis-set-exchange; our error says enough
            warnings.simplefilter("ignore", UserWarning)
            molecule.build()
    except (KeyError, RuntimeError) as error:  # BasisNotFoundError is a RuntimeError
        message = " ".join(str(error).split())
        raise ValueError(f"PySCF cannot build this molecule with basis {basis!r}: {message}") from None
    return molecule


def run_scf(molecule: gto.Mole, method: str, conv_tol: float = 1e-10, grid_level: int = 3):
    """A converged mean-field object: HF for "hf" (and as the FCI reference), else Kohn-Sham DFT."""
    closed_shell = molecule.spin == 0
    if method == "hf":
        mean_field = scf.RHF(molecule) if closed_shell else scf.UHF(molecule)
    elif method == "fci":
        mean_field = scf.RHF(molecule) if closed_shell else scf.ROHF(molecule)
    else:
        mean_field = dft.RKS(molecule) if closed_shell else dft.UKS(molecule)
        mean_field.xc = method
        mean_field.grids.level = grid_level
    mean_field.conv_tol = conv_tol
    mean_field.max_cycle = 100
    mean_field.kernel()
    if not mean_field.converged:
        # Second-order (Newton) SCF starting from where DIIS got stuck rescues most stretched geometries.
        newton = mean_field.newton()
        newton.kernel(mean_field.make_rdm1())
        mean_field = newton
    if not mean_field.converged:
        raise SCFNotConvergedError(
            f"{method.upper()} SCF did not converge for {molecule.natm} atoms "
            f"(last energy {mean_field.e_tot:.8f} Eh); the geometry may be unreasonable"
        )
    return mean_field


def analytic_gradient(mean_field) -> np.ndarray:
    """dE/dR in Hartree/Bohr, [n_atoms, 3]; DFT includes the grid response (forces = -dE/dR exactly)."""
    gradient = mean_field.nuc_grad_method()
    if hasattr(gradient, "grid_response"):
        gradient.grid_response = True
    gradient.verbose = 0
    return np.asarray(gradient.kernel())


def fci_states(mean_field, nroots: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """FCI energies [nroots] (Hartree, ascending) and <S^2> [nroots] of states with the molecule's spin.

    The Hamiltonian is written in the HF molecular orbitals (h_pq and (pq|rs)) and diagonalised in
    the space of all determinants (Davidson). The FCI energy does not depend on which orbitals are used.
    ``direct_spin0`` keeps only spin-symmetric vectors (no triplets); a penalty shift on
    (S^2 - S(S+1)) also pushes away higher spins such as quintets.
    """
    molecule = mean_field.mol
    orbitals = mean_field.mo_coeff  # [n_ao, n_mo]
    n_orbitals = orbitals.shape[1]
    n_alpha, n_beta = molecule.nelec
    n_determinants = cistring.num_strings(n_orbitals, n_alpha) * cistring.num_strings(n_orbitals, n_beta)
    if n_determinants > FCI_MAX_DETERMINANTS:
        raise ValueError(
            f"FCI needs {n_determinants:.3g} determinants here ({n_alpha + n_beta} electrons in "
            f"{n_orbitals} orbitals); use a smaller basis or molecule"
        )
    one_electron = orbitals.T @ mean_field.get_hcore() @ orbitals  # h_pq [n_mo, n_mo]
    two_electron = ao2mo.kernel(molecule, orbitals)  # (pq|rs), packed
    total_spin = molecule.spin / 2
    solver = fci.direct_spin0.FCI(molecule) if molecule.spin == 0 else fci.direct_spin1.FCI(molecule)
    solver = fci.addons.fix_spin_(solver, shift=0.5, ss=total_spin * (total_spin + 1))
    solver.conv_tol, solver.max_cycle, solver.verbose = 1e-12, 400, 0
    energies, vectors = solver.kernel(
        one_electron, two_electron, n_orbitals, (n_alpha, n_beta), nroots=nroots, ecore=molecule.energy_nuc()
    )
    energies = np.atleast_1d(energies)
    vectors = vectors if nroots > 1 else [vectors]
    s_squared = np.array([solver.spin_square(v, n_orbitals, (n_alpha, n_beta))[0] for v in vectors])
    if len(energies) < nroots:
        raise ValueError(f"nroots={nroots}, but this basis has only {len(energies)} states of spin S={total_spin:g}")
    if np.any(np.abs(s_squared - total_spin * (total_spin + 1)) > 1e-3):
        raise RuntimeError(f"FCI roots with the wrong spin slipped through: <S^2> = {np.round(s_squared, 4)}")
    return energies, s_squared


class PySCFCalculator(Calculator):
    """PySCF as an ASE calculator: ``atoms.calc = PySCFCalculator("b3lyp", "6-31g*")``.

    Results (``calc.results`` / ``calc.get_property(name)``), all energies in eV:

    - ``energy`` (= ``free_energy``): ground-state total energy E_el + E_nuc.
    - ``forces`` [n_atoms, 3] eV/Å: analytic for HF/DFT, central finite differences for FCI.
    - ``nuclear_repulsion``: E_nuc alone.
    - ``hf_energy``: the Hartree-Fock energy (methods "hf" and "fci", where HF is computed anyway).
    - FCI only: ``state_energies`` [nroots] (ground state first, ascending) and ``s_squared`` [nroots]
      (<S^2>, 0 for singlets).

    Results are cached on disk (``cache_dir``: "auto" = ``$NNPES_CACHE_DIR`` or
    ``~/.cache/nnpes/pyscf``; None or False = off), keyed by a hash of the positions rounded to 1e-8 Å,
    the atomic numbers, every parameter and the code versions. ``from_cache`` tells whether the last
    result came from there.
    """

    implemented_properties = [
        "energy", "free_energy", "forces", "nuclear_repulsion", "hf_energy", "state_energies", "s_squared",
    ]
    default_parameters = dict(
        method="hf", basis="6-31g*", charge=0, spin=0, nroots=1, fd_step=1e-3, conv_tol=1e-10, grid_level=3
    )
    nolabel = True

    def __init__(
        self,
        method: str = "hf",
        basis: str = "6-31g*",
        charge: int = 0,
        spin: int = 0,
        nroots: int = 1,
        cache_dir: str | os.PathLike | bool | None = "auto",
        fd_step: float = 1e-3,
        conv_tol: float = 1e-10,
        grid_level: int = 3,
        **kwargs,
    ):
        """``spin`` is 2S (0 singlet, 1 doublet, ...); ``fd_step`` (Å) is the FCI force step;
        ``conv_tol`` (Hartree) the SCF energy tolerance; ``grid_level`` (0-9) the DFT grid."""
        method = validate_method(method)
        if int(nroots) < 1 or (int(nroots) > 1 and method != "fci"):
            raise ValueError(f"nroots={nroots}: several roots need method='fci' (and nroots >= 1)")
        super().__init__(
            method=method, basis=str(basis).lower(), charge=int(charge), spin=int(spin), nroots=int(nroots),
            fd_step=float(fd_step), conv_tol=float(conv_tol), grid_level=int(grid_level), **kwargs,
        )
        self.cache_dir = resolve_cache_dir(cache_dir)
        self.from_cache = False

    def describe(self, atoms: Atoms) -> dict:
        """Everything that determines the result: the cache key is a hash of this."""
        return dict(
            positions=round_positions(atoms.positions), numbers=atoms.numbers.tolist(),
            parameters={name: self.parameters[name] for name in sorted(self.default_parameters)},
            code_version=CODE_VERSION, pyscf_version=pyscf.__version__,
        )

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        want_forces = "forces" in properties
        key = cache_key(self.describe(self.atoms))
        stored = load_result(self.cache_dir, key)
        self.from_cache = stored is not None and (not want_forces or "forces" in stored)
        if not self.from_cache:
            stored = self.compute(self.atoms, want_forces)
            store_result(self.cache_dir, key, stored)
        self.results = {name: (float(v) if np.ndim(v) == 0 else np.array(v)) for name, v in stored.items()}
        self.results["free_energy"] = self.results["energy"]

    def compute(self, atoms: Atoms, want_forces: bool = True) -> dict[str, np.ndarray | float]:
        """Run PySCF for ``atoms`` (no cache): a dict of results in eV and eV/Å."""
        p = self.parameters
        molecule = build_molecule(atoms.numbers, atoms.positions, p["basis"], p["charge"], p["spin"])
        mean_field = run_scf(molecule, p["method"], p["conv_tol"], p["grid_level"])
        results: dict[str, np.ndarray | float] = {"nuclear_repulsion": molecule.energy_nuc() * HARTREE}
        if p["method"] == "fci":
            energies, s_squared = fci_states(mean_field, p["nroots"])
            results.update(energy=energies[0] * HARTREE, state_energies=energies * HARTREE, s_squared=s_squared)
            results["hf_energy"] = mean_field.e_tot * HARTREE
            if want_forces:
                results["forces"] = self.finite_difference_forces(atoms)
            return results
        results["energy"] = mean_field.e_tot * HARTREE
        if p["method"] == "hf":
            results["hf_energy"] = results["energy"]
        if want_forces:
            results["forces"] = -analytic_gradient(mean_field) * (HARTREE / BOHR)
        return results

    def ground_state_energy(self, numbers, positions: np.ndarray) -> float:
        """Ground-state energy in eV at ``positions`` [n_atoms, 3] Å, bypassing the cache."""
        p = self.parameters
        molecule = build_molecule(numbers, positions, p["basis"], p["charge"], p["spin"])
        mean_field = run_scf(molecule, p["method"], p["conv_tol"], p["grid_level"])
        if p["method"] == "fci":
            return float(fci_states(mean_field, 1)[0][0]) * HARTREE
        return float(mean_field.e_tot) * HARTREE

    def finite_difference_forces(self, atoms: Atoms) -> np.ndarray:
        """F = -dE/dR by central differences, (E(R - h) - E(R + h)) / 2h, [n_atoms, 3] eV/Å."""
        energy_at = lambda positions: self.ground_state_energy(atoms.numbers, positions)  # noqa: E731
        return -finite_difference(energy_at, atoms.positions, self.parameters["fd_step"]).reshape(len(atoms), 3)
