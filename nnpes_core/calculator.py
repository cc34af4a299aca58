"""Any trained model as an ASE calculator, so that everything ASE does (MD, optimisers, NEB,
vibrations) works with it, in the app and outside it.

The neighbour list is built with a skin (cutoff + skin) and reused while no atom has moved more than
half the skin — the Verlet-list trick that makes small-molecule MD fast. Atoms in the skin lie beyond
the cutoff, where every model's cutoff function is exactly zero, so reusing the list changes nothing.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models import Committee, energy_and_forces, load_model


class NNPESCalculator(Calculator):
    """ASE calculator for an NN-PES Lab model: energy (eV), forces (eV/Å), atomic energies (eV).

    For a committee it also gives ``energy_std`` (eV) and ``forces_std`` (eV/Å), the spread of the
    members. The model keeps its own dtype; torch's global default dtype is never changed.
    """

    implemented_properties = ["energy", "free_energy", "forces", "energies"]

    def __init__(self, model: torch.nn.Module, device: str | torch.device = "cpu",
                 dtype: torch.dtype | None = None, skin: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.device = torch.device(device)
        parameter = next(model.parameters())
        if parameter.device != self.device or (dtype is not None and parameter.dtype != dtype):
            model = copy.deepcopy(model)  # convert a copy: the caller's model stays as it was
        self.model = model.to(self.device) if dtype is None else model.to(self.device, dtype)
        self.model.eval()
        self.dtype = next(self.model.parameters()).dtype
        self.skin = float(skin)
        self._graph: AtomicBatch | None = None
        self._graph_positions: np.ndarray | None = None
        self._graph_key = None

    def _batch(self, atoms: Atoms) -> AtomicBatch:
        key = (atoms.numbers.tobytes(), atoms.cell.array.tobytes(), atoms.pbc.tobytes())
        positions = atoms.get_positions()
        reusable = (self._graph is not None and key == self._graph_key
                    and np.abs(positions - self._graph_positions).max() < 0.5 * self.skin)
        if not reusable:
            self.model.check_elements(atoms.numbers)
            self._graph = AtomicBatch.from_atoms(atoms, self.model.cutoff_radius + self.skin,
                                                 dtype=self.dtype, device=self.device, with_labels=False)
            self._graph_positions, self._graph_key = positions.copy(), key
            return self._graph
        return self._graph.with_positions(torch.as_tensor(positions, dtype=self.dtype, device=self.device))

    def check_state(self, atoms: Atoms, tol: float = 1e-15) -> list[str]:
        """What changed since the last call. ASE's generic version compares with np.allclose, which
        costs more than the whole model on a small molecule; exact comparison is what MD needs."""
        if self.atoms is None:
            return list(all_changes)
        old, changes = self.atoms, []
        if not np.array_equal(old.positions, atoms.positions):
            changes.append("positions")
        if not np.array_equal(old.numbers, atoms.numbers):
            changes.append("numbers")
        if not np.array_equal(old.cell.array, atoms.cell.array):
            changes.append("cell")
        if not np.array_equal(old.pbc, atoms.pbc):
            changes.append("pbc")
        if not np.array_equal(old.get_initial_charges(), atoms.get_initial_charges()):
            changes.append("initial_charges")
        return changes

    def calculate(self, atoms: Atoms | None = None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        batch = self._batch(self.atoms)
        if isinstance(self.model, Committee):
            prediction = self.model.predict(batch)
            energy, forces = prediction["energy"], prediction["forces"]
            self.results["energy_std"] = float(prediction["energy_std"][0])
            self.results["forces_std"] = prediction["forces_std"].detach().cpu().numpy()
        else:
            energy, forces = energy_and_forces(self.model, batch)
        self.results["energy"] = self.results["free_energy"] = float(energy.detach()[0])
        self.results["forces"] = forces.detach().cpu().numpy().astype(np.float64)
        if "energies" in properties and getattr(self.model, "local", False):
            with torch.no_grad():
                self.results["energies"] = self.model.atomic_energies(batch).cpu().numpy()


def load_calculator(path, device: str | None = None, dtype: str | torch.dtype | None = None,
                    **kwargs) -> NNPESCalculator:
    """A saved model file (any kind, or a committee) as an ASE calculator."""
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    device = device or "cpu"
    return NNPESCalculator(load_model(path, device=device, dtype=dtype), device=device, **kwargs)
