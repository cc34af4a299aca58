"""Any trained model as an ASE calculator, so that everything ASE does (MD, optimisers, NEB,
vibrations) works with it, in the app and outside it.

Two things make it fast in a plain user script (``atoms.calc = load_calculator("water_bp.pt")`` and
ASE's VelocityVerlet, nothing set in the environment):

- **Threads chosen by system size.** A water molecule gives tensors of a few dozen numbers: waking a
  second CPU thread for each of the ~100 small operations of a force call costs more than it saves,
  and when another process keeps a core busy each parallel region waits for a thread that is not
  running (measured: 5-15x slower than one thread). So the calculator evaluates small systems on one
  thread and large ones on up to the caller's thread count (:func:`threads_for_system`), only inside its
  own evaluation: the caller's setting is restored afterwards (``nnpes_core.threads.torch_threads``).
- **A Verlet list.** The neighbour list is built with a skin (cutoff + skin) and reused while no atom
  has moved more than half the skin. Atoms in the skin lie beyond the cutoff, where every model's
  cutoff function is exactly zero, so reusing the list changes nothing.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models import Committee, energy_and_forces, load_model
from nnpes_core.threads import torch_threads

# Below this many atoms one thread is fastest (a water box of 375 atoms still ran no faster on two
# threads than on one on a shared 2-core machine); above it, one more thread per this many atoms.
ATOMS_PER_THREAD = 250


def threads_for_system(n_atoms: int, available: int | None = None) -> int:
    """Torch intra-op threads for one model evaluation of ``n_atoms`` atoms on the CPU.

    1 below ``ATOMS_PER_THREAD`` atoms, then one more per ``ATOMS_PER_THREAD`` atoms, never more than
    ``available`` (default: the caller's current ``torch.get_num_threads()``, i.e. the machine's cores
    or ``OMP_NUM_THREADS``).
    """
    available = torch.get_num_threads() if available is None else available
    return max(1, min(int(available), int(n_atoms) // ATOMS_PER_THREAD))


class NNPESCalculator(Calculator):
    """ASE calculator for an NN-PES Lab model: energy (eV), forces (eV/Å), atomic energies (eV).

    For a committee it also gives ``energy_std`` (eV) and ``forces_std`` (eV/Å), the spread of the
    members. The model keeps its own dtype; torch's global default dtype is never changed.

    ``threads``: "auto" (default) picks the torch thread count by system size for each evaluation
    (:func:`threads_for_system`) and restores the caller's setting afterwards; an integer fixes it;
    None leaves torch's setting alone.
    """

    implemented_properties = ["energy", "free_energy", "forces", "energies"]

    def __init__(self, model: torch.nn.Module, device: str | torch.device = "cpu",
                 dtype: torch.dtype | None = None, skin: float = 0.5, threads: int | str | None = "auto",
                 **kwargs):
        super().__init__(**kwargs)
        if not (threads is None or threads == "auto" or (isinstance(threads, int) and threads >= 1)):
            raise ValueError(f"threads must be 'auto', None or a positive integer, not {threads!r}")
        self.device = torch.device(device)
        parameter = next(model.parameters())
        if parameter.device != self.device or (dtype is not None and parameter.dtype != dtype):
            model = copy.deepcopy(model)  # convert a copy: the caller's model stays as it was
        self.model = model.to(self.device) if dtype is None else model.to(self.device, dtype)
        self.model.eval()
        self.dtype = next(self.model.parameters()).dtype
        self.skin = float(skin)
        self.threads = threads
        self._graph: AtomicBatch | None = None
        self._graph_positions: np.ndarray | None = None
        self._graph_system: tuple | None = None  # (numbers, cell, pbc) the list was built for

    def evaluation_threads(self, n_atoms: int) -> int | None:
        """The torch thread count used to evaluate ``n_atoms`` atoms (None: torch's setting as it is)."""
        if self.device.type != "cpu" or self.threads is None:
            return None
        return threads_for_system(n_atoms) if self.threads == "auto" else int(self.threads)

    def _same_system(self, atoms: Atoms) -> bool:
        numbers, cell, pbc = self._graph_system
        return (np.array_equal(numbers, atoms.numbers) and np.array_equal(cell, atoms.cell.array)
                and np.array_equal(pbc, atoms.pbc))

    def _batch(self, atoms: Atoms) -> AtomicBatch:
        positions = atoms.positions
        if (self._graph is not None and self._same_system(atoms)
                and np.abs(positions - self._graph_positions).max() < 0.5 * self.skin):
            return self._graph.with_positions(torch.as_tensor(positions, dtype=self.dtype, device=self.device))
        self.model.check_elements(atoms.numbers)
        self._graph = AtomicBatch.from_atoms(atoms, self.model.cutoff_radius + self.skin,
                                             dtype=self.dtype, device=self.device, with_labels=False)
        self._graph_positions = positions.copy()
        self._graph_system = (atoms.numbers.copy(), atoms.cell.array.copy(), atoms.pbc.copy())
        return self._graph

    def check_state(self, atoms: Atoms, tol: float = 1e-15) -> list[str]:
        """What changed since the last call. ASE's generic version compares everything with
        np.allclose, which costs more than the whole model on a small molecule; the model depends on
        positions, elements, cell and periodicity only, and exact comparison is what MD needs."""
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
        return changes

    def calculate(self, atoms: Atoms | None = None, properties=("energy",), system_changes=all_changes):
        # ASE's get_property has just stored a copy of ``atoms``; copy again only when called directly
        if atoms is not None and (self.atoms is None or self.check_state(atoms)):
            self.atoms = atoms.copy()
        with torch_threads(self.evaluation_threads(len(self.atoms))):
            batch = self._batch(self.atoms)
            if isinstance(self.model, Committee):
                prediction = self.model.predict(batch)
                energy, forces = prediction["energy"], prediction["forces"]
                self.results["energy_std"] = float(prediction["energy_std"][0])
                self.results["forces_std"] = prediction["forces_std"].cpu().numpy()
            else:
                energy, forces = energy_and_forces(self.model, batch)
            self.results["energy"] = self.results["free_energy"] = float(energy.detach()[0])
            self.results["forces"] = forces.detach().cpu().numpy().astype(np.float64)
            if "energies" in properties and getattr(self.model, "local", False):
                with torch.no_grad():  # not inference_mode: index tensors cached on the list are reused by autograd
                    self.results["energies"] = self.model.atomic_energies(batch).cpu().numpy()


def load_calculator(path, device: str | None = None, dtype: str | torch.dtype | None = None,
                    **kwargs) -> NNPESCalculator:
    """A saved model file (any kind, or a committee) as an ASE calculator (see NNPESCalculator for
    ``skin`` and ``threads``)."""
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    device = device or "cpu"
    return NNPESCalculator(load_model(path, device=device, dtype=dtype), device=device, **kwargs)
