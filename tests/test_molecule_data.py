"""The shipped ammonia and methane reference data (assets/data, made by assets/scripts/make_molecule_data.py):
files read back with energies and forces, counts and temperatures as the provenance says, the minimum's
Hessian gives the wavenumbers in the provenance, and the samples carry the thermal energy they should."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nnpes_core.analysis.vibrations import harmonic_analysis
from nnpes_core.data import read_dataset
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.units import BOLTZMANN

DATA = Path(__file__).resolve().parents[1] / "assets" / "data"
PROVENANCE = DATA / "MOLECULES_PROVENANCE.md"
SIZES = {"train": 600, "val": 100, "test": 200, "hot": 200}
TEMPERATURES = (300.0, 700.0, 1100.0, 1500.0)
# Experimental equilibrium geometries, bond length r_e (Å) and H-X-H angle (°): NH3 from its rotational
# spectrum (r_e 1.0116 Å, 106.68°), CH4 r_e 1.0870 Å (Gray & Robiette, Mol. Phys. 37, 1901 (1979)) and the
# tetrahedral angle by symmetry. B3LYP/6-31G* is expected within 0.01 Å and 1° of them.
EXPERIMENT_GEOMETRY = {"nh3": (1.0116, 106.68), "ch4": (1.0870, 109.4712)}
MOLECULES = ("nh3", "ch4")


@pytest.fixture(scope="module", params=MOLECULES)
def molecule(request):
    stem = request.param
    frames = {part: read_dataset(DATA / f"{stem}_b3lyp_631gs_{part}.extxyz") for part in SIZES}
    return stem, frames, read_reference_hessian(DATA / f"{stem}_b3lyp_631gs_hessian.json")


def provenance_section(stem: str) -> str:
    text = PROVENANCE.read_text()
    start = text.index(f"{stem}_b3lyp_631gs_*")
    end = text.find("\n## ", start)
    return text[start:end if end > 0 else None]


def test_files_read_back_with_energies_and_forces_and_stay_small(molecule):
    stem, frames, _ = molecule
    for part, expected in SIZES.items():
        assert len(frames[part]) == expected, part
        assert (DATA / f"{stem}_b3lyp_631gs_{part}.extxyz").stat().st_size < 1_000_000
        for atoms in frames[part][:5]:
            assert np.isfinite(atoms.get_potential_energy()) and atoms.get_forces().shape == (len(atoms), 3)
        formula = {"nh3": "H3N", "ch4": "CH4"}[stem]
        assert {atoms.get_chemical_formula() for atoms in frames[part]} == {formula}


def test_temperatures_have_equal_shares_and_the_hot_set_is_hotter(molecule):
    _, frames, _ = molecule
    counts = Counter(atoms.info["temperature_K"] for part in ("train", "val", "test") for atoms in frames[part])
    assert sorted(counts) == list(TEMPERATURES) and set(counts.values()) == {225}
    assert {atoms.info["temperature_K"] for atoms in frames["hot"]} == {2500.0}


def test_provenance_counts_and_wavenumbers_match_the_files(molecule):
    stem, frames, reference = molecule
    section = provenance_section(stem)
    for part, expected in SIZES.items():
        assert f"| {stem}_b3lyp_631gs_{part}.extxyz | {len(frames[part])} |" in section
    listed = [float(w) for w in re.search(r"Harmonic wavenumbers \(cm⁻¹\): ([\d., ]+)", section).group(1).split(",")]
    atoms = reference.atoms
    computed = harmonic_analysis(reference.hessian, atoms.get_masses(), atoms.positions).wavenumbers
    np.testing.assert_allclose(computed, listed, atol=0.06)  # listed with one decimal
    np.testing.assert_allclose(computed, reference.metadata["wavenumbers_cm-1"], atol=0.006)
    assert f"E = {reference.energy:.6f} eV" in section


def test_minimum_is_symmetric_near_experiment_and_the_lowest_energy(molecule):
    stem, frames, reference = molecule
    atoms = reference.atoms
    bonds = [atoms.get_distance(0, i) for i in range(1, len(atoms))]
    angles = [atoms.get_angle(i, 0, j) for i in range(1, len(atoms)) for j in range(i + 1, len(atoms))]
    bond, angle = EXPERIMENT_GEOMETRY[stem]
    assert np.ptp(bonds) < 1e-3 and np.mean(bonds) == pytest.approx(bond, abs=0.01)  # symmetric, as it should be
    assert np.ptp(angles) < 0.1 and np.mean(angles) == pytest.approx(angle, abs=1.0)
    lowest = min(atoms.get_potential_energy() for part in frames.values() for atoms in part)
    assert lowest > reference.energy  # every displaced structure lies above the minimum


def test_samples_at_300_K_hold_the_equipartition_energy(molecule):
    # classical normal-mode sampling: each of the 3N - 6 modes holds k_B T / 2 of potential energy on average;
    # at 300 K the surface is nearly harmonic over the sampled region, so the mean holds to a few per cent
    _, frames, reference = molecule
    cold = [a.get_potential_energy() - reference.energy for part in ("train", "val", "test")
            for a in frames[part] if a.info["temperature_K"] == 300.0]
    n_modes = 3 * len(reference.atoms) - 6
    assert np.mean(cold) == pytest.approx(n_modes / 2 * BOLTZMANN * 300.0, rel=0.12)
