"""The reference crystal: what ASE's EMT says about Cu and Al (equation of state, vacancy, surfaces), and
the periodic data sets built from it (cells and pbc kept, strains and vacancies as asked, clear errors)."""
from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.emt import EMT

from nnpes_core.data import read_dataset, write_dataset
from nnpes_core.materials import (
    CrystalInputError, check_periodic, crystal_configurations, emt_dataset, emt_lattice_constant, equation_of_state,
    fcc_slab, fcc_supercell, random_strain, strained, surface_energy, vacancy_formation_energy,
)


def test_emt_copper_lattice_constant_and_bulk_modulus():
    # ASE's EMT (Jacobsen, Stoltze, Nørskov 1996 parameters), Birch-Murnaghan fit: a0 = 3.590 Å, B = 134 GPa
    # (experiment: 3.615 Å and 137-142 GPa)
    eos = equation_of_state(EMT(), "Cu", 3.6)
    assert eos.lattice_constant == pytest.approx(3.590, abs=0.002)
    assert eos.bulk_modulus_gpa == pytest.approx(134.3, abs=1.0)
    assert eos.energy == pytest.approx(-0.007, abs=0.002)  # EMT's zero is the crystal near equilibrium
    assert eos.lattice_constant == pytest.approx(emt_lattice_constant("Cu"), abs=1e-4)  # another scan centre


def test_emt_aluminium_is_softer_and_larger_than_copper():
    eos = equation_of_state(EMT(), "Al", 4.05)
    assert eos.lattice_constant == pytest.approx(3.994, abs=0.002)  # experiment 4.05 Å
    assert eos.bulk_modulus_gpa == pytest.approx(39.5, abs=1.0)  # experiment 76 GPa: EMT's weak spot for Al


def test_a_scan_that_misses_the_minimum_is_refused():
    with pytest.raises(ValueError, match="outside the scanned volumes"):
        equation_of_state(EMT(), "Cu", 3.9, span=0.02)


def test_emt_copper_vacancy_formation_energy_and_relaxation():
    result = vacancy_formation_energy(EMT(), "Cu", emt_lattice_constant("Cu"), repeat=3)
    assert result.n_atoms == 108
    assert result.unrelaxed_ev == pytest.approx(1.238, abs=0.005)  # experiment: about 1.28 eV
    assert result.relaxed_ev == pytest.approx(1.224, abs=0.005)
    assert result.relaxation_energy_ev < 0  # relaxing can only lower the energy
    assert 0.01 < result.max_displacement < 0.1  # Å: the neighbours lean into the hole a little
    assert len(result.relaxed) == 107


def test_close_packed_surface_costs_less_than_the_open_one():
    a = emt_lattice_constant("Cu")
    gamma_111 = surface_energy(EMT(), "Cu", a, "111")
    gamma_100 = surface_energy(EMT(), "Cu", a, "100")
    assert gamma_111.energy_j_per_m2 == pytest.approx(1.044, abs=0.01)
    assert gamma_100.energy_j_per_m2 == pytest.approx(1.134, abs=0.01)
    assert gamma_111.energy_j_per_m2 < gamma_100.energy_j_per_m2
    assert gamma_111.energy_ev_per_a2 * 16.0218 == pytest.approx(gamma_111.energy_j_per_m2, rel=1e-4)


def test_supercells_and_slabs_are_periodic_with_the_right_number_of_atoms():
    supercell = fcc_supercell("Cu", 3)
    assert len(supercell) == 108 and supercell.pbc.all()
    assert np.allclose(supercell.cell.lengths(), 3 * emt_lattice_constant("Cu"))
    slab = fcc_slab("Cu", "111", layers=5)
    assert len(slab) == 20 and slab.pbc.all()
    heights = slab.positions[:, 2]
    assert slab.cell[2, 2] - (heights.max() - heights.min()) == pytest.approx(12.0)  # 2 x 6 Å of vacuum


def test_strain_deforms_the_cell_and_scales_the_atoms_with_it():
    rng = np.random.default_rng(0)
    crystal = fcc_supercell("Cu", 1)
    epsilon = random_strain(rng, 0.04)
    assert np.allclose(epsilon, epsilon.T)
    deformed = strained(crystal, epsilon)
    assert np.allclose(deformed.get_scaled_positions(), crystal.get_scaled_positions())
    assert deformed.get_volume() == pytest.approx(crystal.get_volume() * np.linalg.det(np.eye(3) + epsilon))


def test_dataset_keeps_cell_and_pbc_through_extended_xyz(tmp_path):
    frames = emt_dataset("Cu", supercell=1, n=6, rattle=0.05, strain=0.03, vacancies=True, surfaces=("111",),
                         seed=5)
    path = write_dataset(tmp_path / "cu.extxyz", frames)
    text = path.read_text()
    assert 'pbc="T T T"' in text and "Lattice=" in text
    back = read_dataset(path)
    for original, read in zip(frames, back):
        assert read.pbc.all() and np.allclose(read.cell.array, original.cell.array)
        assert read.get_potential_energy() == pytest.approx(original.get_potential_energy())
        assert np.allclose(read.get_forces(), original.get_forces())
    kinds = [frame.info["kind"] for frame in back]
    assert kinds == ["bulk", "vacancy", "surface-111", "vacancy", "bulk", "surface-111"]
    assert [len(frame) for frame in back] == [4, 3, 20, 3, 4, 20]


def test_the_same_seed_gives_the_same_structures_and_another_seed_others():
    first = crystal_configurations("Al", 1, 3, rattle=0.1, strain=0.05, seed=7)
    again = crystal_configurations("Al", 1, 3, rattle=0.1, strain=0.05, seed=7)
    other = crystal_configurations("Al", 1, 3, rattle=0.1, strain=0.05, seed=8)
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(first, again))
    assert not np.allclose(first[0].positions, other[0].positions)
    assert all(frame.get_chemical_symbols() == ["Al"] * 4 for frame in first)


@pytest.mark.parametrize("arguments, message", [
    (dict(element="Xx"), "unknown element"),
    (dict(element="Fe"), "unknown element"),  # bcc iron: not one of EMT's fcc metals
    (dict(rattle=-0.1), "rattle"),
    (dict(rattle=float("nan")), "rattle"),
    (dict(strain=0.5), "strain"),
    (dict(n=0), "at least 1"),
    (dict(surfaces=("110",)), "unknown facet"),
])
def test_bad_requests_get_one_clear_line(arguments, message):
    request = dict(element="Cu", supercell=1, n=2, rattle=0.05, strain=0.03) | arguments
    with pytest.raises(CrystalInputError, match=message) as error:
        crystal_configurations(**request)
    assert "\n" not in str(error.value)


def test_a_molecule_is_not_a_crystal():
    from nnpes_core.data import molecule

    with pytest.raises(CrystalInputError, match="not periodic"):
        check_periodic(molecule("H2O"))
    check_periodic(fcc_supercell("Cu", 1))  # no error
