"""The reusable model test suite (NequIP-style): what every model kind must (or must not) satisfy.

``ModelKindTests`` (below) is a mixin: a kind's test class inherits it and names its kind
(tests/test_models.py). Each test takes a ``ModelCase``: random weights on a slightly distorted ethanol or
a model trained for about a second on Morse-labelled water, and the dtype the check runs in (the trained
models are built once per session in conftest.py). What a test expects follows the kind's capabilities
in the model registry, so each claim is written once for every kind, counter-examples included.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms

from nnpes_core.data import molecule
from nnpes_core.models import ATOMISTIC, Committee, build_model, model_kinds
from nnpes_core.training import TrainingConfig, train_committee, train_new_model

ALL_KINDS = (*model_kinds(ATOMISTIC), "committee")  # every atomistic kind of the registry, and a committee
STATES = ("random", "trained")
DTYPES = (torch.float64, torch.float32)

# Small networks: the checks are about structure, not accuracy, and must run in a blink.
MODEL_OPTIONS = {
    "cartesian": dict(hidden=(32, 32)),
    "direct": dict(hidden=(16, 16), force_hidden=16),
    "bp": dict(hidden=(16, 16)),
    "equivariant": dict(channels=8, radial_hidden=16),
}
COMMITTEE_SIZE = 2  # members, each a bp model
# Fixed epoch counts (not a time budget), so that the "trained" models are the same on a fast laptop
# and on a busy CI machine: about one second each on one thread, on ~50 water structures.
FIT_EPOCHS = {"cartesian": 80, "direct": 40, "bp": 40, "equivariant": 15, "committee": 40}


@dataclass(frozen=True)
class Tolerance:
    """|error| <= absolute + relative * scale (scale: |E| in eV or max |F| in eV/Å)."""

    absolute: float
    relative: float

    def bound(self, scale: float) -> float:
        return self.absolute + self.relative * scale


# Symmetry, additivity, round trips: round-off of the dtype (measured: ~1e-14 in float64, ~1e-6 in float32).
TOLERANCE = {torch.float64: Tolerance(1e-10, 1e-10), torch.float32: Tolerance(1e-4, 1e-4)}
# Finite differences at their best step: truncation and round-off meet near eps^(2/3) relative
# (measured best errors: ~1e-9 eV/Å in float64, ~1e-3 eV/Å in float32 for forces of a few eV/Å).
FINITE_DIFFERENCE_TOLERANCE = {torch.float64: Tolerance(1e-7, 1e-7), torch.float32: Tolerance(1e-2, 1e-2)}
CLEAR_VIOLATION_EV = 1e-3  # a symmetry error this large is not round-off (far above float32's 1e-4)


@dataclass
class ModelCase:
    kind: str
    state: str  # "random" (random weights, ethanol) or "trained" (about a second on Morse water)
    dtype: torch.dtype
    model: torch.nn.Module  # float64; the analysis functions run it in ``dtype``
    atoms: Atoms  # the molecule the checks run on

    @property
    def tolerance(self) -> Tolerance:
        return TOLERANCE[self.dtype]

    def model_in_dtype(self) -> torch.nn.Module:
        """A copy of the model in the case's dtype (tests may hand it to code that moves it)."""
        return copy.deepcopy(self.model).to(self.dtype)

    def __repr__(self) -> str:
        return f"{self.kind}-{self.state}-{str(self.dtype).replace('torch.', '')}"


def distorted_ethanol(seed: int = 0, amplitude: float = 0.05) -> Atoms:
    """Ethanol with every atom moved a little (seeded): no accidental symmetry makes a force vanish."""
    atoms = molecule("ethanol")
    atoms.positions += amplitude * np.random.default_rng(seed).standard_normal(atoms.positions.shape)
    return atoms


def untrained_model(kind: str, numbers, seed: int = 0) -> torch.nn.Module:
    """A float64 model with random weights (seeded without touching torch's global generator)."""
    if kind == "committee":
        members = [build_model("bp", numbers, seed=seed + m, **MODEL_OPTIONS["bp"]) for m in range(COMMITTEE_SIZE)]
        return Committee(members).double().eval()
    return build_model(kind, numbers, seed=seed, dtype=torch.float64, **MODEL_OPTIONS[kind]).eval()


def quick_config(**overrides) -> TrainingConfig:
    settings = dict(epochs=40, time_budget=None, batch_size=16, learning_rate=1e-2, device="cpu", seed=0,
                    threads=1)
    return TrainingConfig(**{**settings, **overrides})


def trained_model(kind: str, train_frames, val_frames):
    """A float64 model of ``kind`` trained for FIT_EPOCHS[kind] epochs (a committee: each member)."""
    if kind == "committee":
        config = quick_config(epochs=FIT_EPOCHS["committee"], dtype="float64")
        return train_committee("bp", train_frames, val_frames, config, COMMITTEE_SIZE, bootstrap=False,
                               **MODEL_OPTIONS["bp"])
    return train_new_model(kind, train_frames, val_frames, quick_config(epochs=FIT_EPOCHS[kind]),
                           **MODEL_OPTIONS[kind]).model


def far_apart(first: Atoms, second: Atoms, distance: float = 20.0) -> Atoms:
    """Both molecules in one structure, ``second`` moved along x to a gap of ``distance`` Å."""
    shifted = second.copy()
    shifted.translate([first.positions[:, 0].max() - second.positions[:, 0].min() + distance, 0.0, 0.0])
    return first + shifted


# ---------------------------------------------------------------------------------------------------
# The mixin: every claim the course makes about a model, for one kind. A new kind's test class inherits
# it (tests/test_models.py): ``class TestMyKind(ModelKindTests): kind = "my-kind"``. What is expected
# follows the kind's capabilities in the registry: a kind that is not invariant (not conservative, not
# local) must FAIL those checks by a clear margin, so a counter-example is measured, not assumed.
# ---------------------------------------------------------------------------------------------------
import pytest  # noqa: E402

from nnpes_core.analysis import (  # noqa: E402
    circular_loop, closed_loop_work, energies_and_forces, fd_vs_autograd, gradient_forces,
    hessian_equivariance_error, hessian_vector_product, model_forces, model_hessian, symmetry_errors,
)
from nnpes_core.analysis.evaluation import batch_for  # noqa: E402
from nnpes_core.calculator import NNPESCalculator  # noqa: E402
from nnpes_core.geometry import random_rotation  # noqa: E402
from nnpes_core.models import KINDS, load_model, save_model  # noqa: E402

FD_STEPS = np.logspace(-2, -7, 11)  # Å: the best step lies inside for both dtypes
LOOP_RADIUS = 0.02  # Å, small enough for the quadrature to converge even on the sharp Cartesian MLP
LOOP_POINTS = 64
# |W| / ∮|F.dR| of a conservative model: quadrature and round-off only (measured ~1e-16 in float64,
# ~1e-7 in float32); the direct model's measured ratios are 2e-4 (random weights) to 0.1 (trained).
LOOP_RELATIVE_TOLERANCE = {torch.float64: 1e-12, torch.float32: 1e-6}
DIRECT_MINIMUM_RATIO = 1e-5


def capabilities(kind: str) -> dict[str, bool]:
    """conservative / invariant / local of a registry kind; a committee has those of its bp members."""
    spec = KINDS["bp" if kind == "committee" else kind]
    return {"conservative": spec.conservative, "invariant": spec.invariant, "local": spec.local}


class ModelKindTests:
    kind: str = ""

    @pytest.fixture(params=[(state, dtype) for state in STATES for dtype in DTYPES],
                    ids=lambda p: f"{p[0]}-{str(p[1]).replace('torch.', '')}")
    def case(self, request) -> ModelCase:
        state, dtype = request.param
        if state == "trained":
            model = request.getfixturevalue("trained_models")[self.kind]
            atoms = request.getfixturevalue("morse_water_frames")[-1].copy()
        else:
            model = request.getfixturevalue("untrained_models")[self.kind]
            atoms = distorted_ethanol()
        atoms.calc = None
        return ModelCase(self.kind, state, dtype, model, atoms)

    @property
    def can(self) -> dict[str, bool]:
        return capabilities(self.kind)

    # --- symmetry (lesson 2) ----------------------------------------------------------------------
    @pytest.mark.parametrize("operation", ["translation", "rotation", "reflection", "permutation"])
    def test_energy_is_invariant_and_forces_equivariant(self, case, operation):
        row = symmetry_errors(case.model, case.atoms, case.dtype, seed=1, n_trials=3, operations=[operation])[operation]
        assert row["max_force_ev_per_a"] > 1e-3, "forces too small for the check to mean anything"
        if self.can["invariant"]:
            assert row["energy_error_ev"] <= case.tolerance.bound(row["energy_ev"]), row
            assert row["force_error_ev_per_a"] <= case.tolerance.bound(row["max_force_ev_per_a"]), row
        elif operation != "reflection":  # the counter-example really fails, far above round-off
            assert row["energy_error_ev"] > CLEAR_VIOLATION_EV, row
            assert row["force_error_ev_per_a"] > CLEAR_VIOLATION_EV, row

    def test_hessian_turns_with_the_molecule(self, case):
        scale = np.abs(model_hessian(case.model, case.atoms, case.dtype)).max()
        error = hessian_equivariance_error(case.model, case.atoms, dtype=case.dtype, seed=2)
        if self.can["invariant"]:
            assert error <= case.tolerance.bound(scale), (error, scale)
        else:
            assert error > CLEAR_VIOLATION_EV

    # --- forces are -dE/dR (lessons 6 and 7) ---------------------------------------------------------
    def test_forces_against_finite_differences_of_the_energy(self, case):
        forces = model_forces(case.model, case.atoms, case.dtype)
        scale = np.abs(forces).max()
        curve = fd_vs_autograd(case.model, case.atoms, FD_STEPS, case.dtype)
        if self.can["conservative"]:
            assert scale > 1e-3
            assert curve["best_error_ev_per_a"] <= FINITE_DIFFERENCE_TOLERANCE[case.dtype].bound(scale), curve
        else:  # no step closes the gap: the forces are not the derivative of the energy
            assert np.abs(forces - gradient_forces(case.model, case.atoms, case.dtype)).max() > 1e-2 * scale
            assert curve["best_error_ev_per_a"] > 1e-2 * scale

    def test_hessian_is_symmetric_only_for_a_conservative_model(self, case):
        matrix = model_hessian(case.model, case.atoms, case.dtype)
        scale = np.abs(matrix).max()
        asymmetry = np.abs(matrix - matrix.T).max()
        if self.can["conservative"]:
            assert scale > 1e-3 and asymmetry <= case.tolerance.bound(scale)
        else:  # -dF/dR of a direct-force network is no Hessian: its antisymmetric part is the curl
            assert asymmetry > 1e-2 * scale

    def test_hessian_vector_product_equals_hessian_times_vector(self, case):
        """One double-backward pass gives H v without forming H (v^T K = K^T v for the direct model)."""
        matrix = model_hessian(case.model, case.atoms, case.dtype)
        vector = np.random.default_rng(3).standard_normal(len(matrix))
        expected = (matrix if self.can["conservative"] else matrix.T) @ vector
        product = hessian_vector_product(case.model, case.atoms, vector, case.dtype)
        assert np.abs(product - expected).max() <= case.tolerance.bound(np.abs(expected).max())

    def test_work_around_a_closed_loop(self, case):
        loop = circular_loop(case.atoms, radius=LOOP_RADIUS, n_points=LOOP_POINTS, moved_atoms=None, seed=4)
        result = closed_loop_work(case.model, case.atoms, loop, case.dtype)
        assert result["path_work_ev"] > 0
        if self.can["conservative"]:
            assert abs(result["work_ev"]) <= LOOP_RELATIVE_TOLERANCE[case.dtype] * result["path_work_ev"], result
        else:
            assert abs(result["work_ev"]) > DIRECT_MINIMUM_RATIO * result["path_work_ev"], result
            finer = circular_loop(case.atoms, LOOP_RADIUS, 2 * LOOP_POINTS, moved_atoms=None, seed=4)
            # the non-zero work is physics, not quadrature error: more points do not change it
            finer_work = closed_loop_work(case.model, case.atoms, finer, case.dtype)["work_ev"]
            assert abs(result["work_ev"] - finer_work) <= 1e-2 * abs(finer_work)

    # --- batches (what Hessians, committees and MD ensembles rely on) ------------------------------------
    def test_a_batch_equals_its_members_run_alone(self, case):
        other = case.atoms.copy()
        other.positions = other.positions + 0.02 * np.random.default_rng(7).standard_normal(other.positions.shape)
        together_energy, together_forces = energies_and_forces(case.model, [case.atoms, other], case.dtype)
        for index, atoms in enumerate((case.atoms, other)):
            energy, forces = energies_and_forces(case.model, atoms, case.dtype)
            assert abs(together_energy[index] - energy[0]) <= case.tolerance.bound(abs(energy[0]))
            assert np.abs(together_forces[index] - forces[0]).max() <= case.tolerance.bound(np.abs(forces[0]).max())

    # --- locality (lesson 3) ----------------------------------------------------------------------------
    def test_energies_of_molecules_20_angstrom_apart_add_up(self, case):
        first, second = case.atoms, case.atoms.copy()
        second.positions = second.positions @ random_rotation(np.random.default_rng(5)).T
        if not self.can["local"]:  # it sees one whole molecule: two of them are not an input it takes
            with pytest.raises(ValueError):
                energies_and_forces(case.model, [far_apart(first, second, 20.0)], case.dtype)
            return
        energy, forces = energies_and_forces(case.model, [first, second, far_apart(first, second, 20.0)], case.dtype)
        assert abs(energy[2] - (energy[0] + energy[1])) <= case.tolerance.bound(abs(energy[2]))
        separate = np.concatenate([forces[0], forces[1]])
        assert np.abs(forces[2] - separate).max() <= case.tolerance.bound(np.abs(separate).max())

    def test_atomic_energies_sum_to_the_total_energy(self, case):
        model = case.model_in_dtype()
        batch = batch_for(model, case.atoms, case.dtype)
        if not self.can["local"]:
            with pytest.raises(NotImplementedError):
                model.atomic_energies(batch)
            return
        with torch.no_grad():
            total, atomic = model(batch), model.atomic_energies(batch)
        assert atomic.shape == (len(case.atoms),)
        assert abs(float(atomic.sum() - total[0])) <= case.tolerance.bound(abs(float(total[0])))

    def test_an_atom_crossing_the_cutoff_enters_with_zero_energy_and_force(self, case):
        outermost = case.atoms.positions[np.argmax(case.atoms.positions[:, 0])]
        at = lambda distance: case.atoms + Atoms("H", positions=[outermost + [distance, 0.0, 0.0]])  # noqa: E731
        cutoff, step = case.model.cutoff_radius, 1e-6
        if not self.can["local"]:  # no cutoff: an extra atom is not an input it takes
            with pytest.raises(ValueError):
                energies_and_forces(case.model, [at(cutoff + 0.01)], case.dtype)
            return
        energy, forces = energies_and_forces(case.model, [at(cutoff - step), at(cutoff + step), case.atoms,
                                                          at(cutoff + 0.01)], case.dtype)
        work_over_the_step = 2 * step * np.abs(forces[0][-1]).max()  # what a finite force could change
        assert abs(energy[0] - energy[1]) <= case.tolerance.bound(abs(energy[1])) + work_over_the_step
        assert np.all(forces[3][-1] == 0.0), forces[3][-1]  # exactly zero: no neighbour within the cutoff
        assert np.abs(forces[3][:-1] - forces[2]).max() <= case.tolerance.bound(np.abs(forces[2]).max())

    # --- as users meet it: the ASE calculator and the model file ---------------------------------------
    def test_calculator_gives_the_models_energy_and_forces_and_keeps_torch_defaults(self, case):
        energy, forces = energies_and_forces(case.model, case.atoms, case.dtype)
        default_dtype = torch.get_default_dtype()
        atoms = case.atoms.copy()
        atoms.calc = NNPESCalculator(case.model_in_dtype())
        assert abs(atoms.get_potential_energy() - energy[0]) <= case.tolerance.bound(abs(energy[0]))
        assert np.abs(atoms.get_forces() - forces[0]).max() <= case.tolerance.bound(np.abs(forces[0]).max())
        assert torch.get_default_dtype() == default_dtype and torch.zeros(1).dtype == default_dtype

    def test_save_load_round_trip_gives_identical_predictions(self, case, tmp_path):
        model = case.model_in_dtype()
        path = save_model(model, tmp_path / "model.pt")
        loaded = load_model(path)
        assert next(loaded.parameters()).dtype == case.dtype
        energy, forces = energies_and_forces(model, case.atoms, case.dtype)
        loaded_energy, loaded_forces = energies_and_forces(loaded, case.atoms, case.dtype)
        np.testing.assert_array_equal(loaded_energy, energy)
        np.testing.assert_array_equal(loaded_forces[0], forces[0])
        assert torch.load(path, weights_only=True)["kind"] == case.kind
