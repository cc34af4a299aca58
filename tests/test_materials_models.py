"""The shipped copper models against EMT: equation of state, vacancy, surfaces, and the transferability
lesson (a model trained on perfect crystals only gets the defects wrong), measured; the periodic checks
of the page; the shipped files are small and periodic."""
from __future__ import annotations

from pathlib import Path

import pytest
from ase.calculators.emt import EMT

from nnpes_core.data import read_dataset
from nnpes_core.materials import crystal_properties, fcc_supercell, property_errors
from nnpes_core.materials.training import crystal_calculator
from nnpes_core.materials.checks import neighbour_count, periodic_checks
from nnpes_core.models import load_model

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR, DATA_DIR = ROOT / "assets" / "models", ROOT / "assets" / "data"
SHIPPED_MODELS = ("cu_bp", "cu_equivariant", "cu_bp_perfect")
SHIPPED_DATA = ("cu_emt_train", "cu_emt_perfect_train", "cu_emt_val", "cu_emt_test")


def calculator(name: str):
    return crystal_calculator(load_model(MODELS_DIR / f"{name}.pt"))


@pytest.fixture(scope="module")
def table():
    """EMT and the three shipped models: EOS, vacancy (32-atom cell, unrelaxed: fast) and surfaces."""
    results = {"EMT": crystal_properties(EMT(), "Cu", repeat=2, relax=False)}
    for name in SHIPPED_MODELS:
        results[name] = crystal_properties(calculator(name), "Cu", repeat=2, relax=False)
    return {row["property"]: row for row in property_errors(results)}


def test_shipped_files_are_small_and_periodic():
    for name in SHIPPED_MODELS:
        assert (MODELS_DIR / f"{name}.pt").stat().st_size < 300_000
    for name in SHIPPED_DATA:
        path = DATA_DIR / f"{name}.extxyz"
        assert path.stat().st_size < 600_000
        frames = read_dataset(path)
        assert all(frame.pbc.all() for frame in frames)
    assert {f.info["kind"] for f in read_dataset(DATA_DIR / "cu_emt_perfect_train.extxyz")} == {"bulk"}


# measured (assets/models/MATERIALS.md): bulk modulus -3 % (bp) and -21 % (equivariant); the equivariant
# model's curvature of E(V) stays about a fifth low also after 100 epochs (B = 109 GPa), its a0 and
# defect energies are close: the lesson shows it as the harder test
BULK_MODULUS_TOLERANCE = {"cu_bp": 0.1, "cu_equivariant": 0.25}


@pytest.mark.parametrize("name", ["cu_bp", "cu_equivariant"])
def test_models_trained_with_defects_reproduce_emt(table, name):
    assert abs(table["lattice constant (Å)"][f"{name} error"]) < 0.015  # Å
    assert abs(table["bulk modulus (GPa)"][f"{name} error"]) < BULK_MODULUS_TOLERANCE[name] * 134
    assert abs(table["vacancy, unrelaxed (eV)"][f"{name} error"]) < 0.15  # of 1.2 eV
    assert abs(table["surface (111) (J/m²)"][f"{name} error"]) < 0.15  # of 1.04 J/m²


def test_perfect_crystal_model_gets_the_bulk_right_and_the_defects_wrong(table):
    perfect = "cu_bp_perfect error"
    # the perfect crystal: as good as the model trained with defects
    assert abs(table["lattice constant (Å)"][perfect]) < 0.015
    assert abs(table["bulk modulus (GPa)"][perfect]) < 0.2 * 134
    # vacancy and surfaces: several times worse than the model that saw them
    for quantity in ("vacancy, unrelaxed (eV)", "surface (111) (J/m²)", "surface (100) (J/m²)"):
        assert abs(table[quantity][perfect]) > 0.3 * abs(table[quantity]["EMT"])
        assert abs(table[quantity][perfect]) > 3 * abs(table[quantity]["cu_bp error"])


def test_page_checks_on_a_shipped_model_are_at_round_off():
    model = load_model(MODELS_DIR / "cu_bp.pt")
    crystal = read_dataset(DATA_DIR / "cu_emt_train.extxyz")[0][:4]  # 4 atoms of a strained, rattled cell
    crystal.set_cell(crystal.cell / 2, scale_atoms=False)  # ...in a cell of their own: still a crystal
    crystal.wrap()
    result = periodic_checks(model, crystal)
    assert result.atoms_moved_through_a_face > 0
    assert result.translation_error_ev < 1e-10 and result.extensivity_error_ev < 1e-10
    assert result.force_error_ev_per_a < 1e-6 < result.max_force_ev_per_a


def test_neighbours_in_the_small_cubic_cell_are_all_images():
    count = neighbour_count(fcc_supercell("Cu", 1, 3.59), 0, 4.2)
    assert (count.neighbours, count.images, count.self_images) == (18, 15, 6)  # 3 inside the cell
    assert count.distances[0] == pytest.approx(3.59 / 2**0.5) and count.distances[-1] == pytest.approx(3.59)
    count = neighbour_count(fcc_supercell("Cu", 3, 3.59), 0, 4.2)
    assert (count.neighbours, count.self_images) == (18, 0)  # a 10.8 Å cell: no images of itself
