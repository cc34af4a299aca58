"""What every model shares: the atomic-energy sum, energy shift/scale, and THE force function.

A model maps a batch of structures to one energy per structure. Local models write it as a sum of
atomic energies,

    E = sum_I  [ energy_scale * network(environment of I) + element_energy[Z_I] ],

where the per-element reference energies and the scale come from the training data, so the network
only learns an O(1) correction. Forces are always F = -dE/dR by automatic differentiation, in
``nnpes_core.derivatives.energy_and_forces``: the force field is conservative by construction. The one
exception is the direct-force counter-example, which says so with ``conservative = False``.
"""
from __future__ import annotations

from typing import Any, ClassVar, Sequence

import torch
from ase.data import chemical_symbols
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.layers import scatter_sum


class UnknownElementError(ValueError):
    """The structure holds an element the model was never trained on."""


class AtomisticModel(nn.Module):
    kind: ClassVar[str] = ""
    conservative: ClassVar[bool] = True  # forces are -dE/dR
    local: ClassVar[bool] = True  # energy is a sum of atomic energies within a cutoff
    invariant: ClassVar[bool] = True  # energy unchanged by rotation, reflection, translation, permutation

    def __init__(self, elements: Sequence[int], cutoff_radius: float):
        super().__init__()
        self.elements = sorted({int(z) for z in elements})
        self.cutoff_radius = float(cutoff_radius)
        table = torch.full((119,), -1, dtype=torch.long)
        table[self.elements] = torch.arange(len(self.elements))
        self.register_buffer("species_table", table, persistent=False)
        # eV per atom of each element; always float64 (see _apply)
        self.register_buffer("element_energies", torch.zeros(len(self.elements), dtype=torch.float64))
        self.register_buffer("energy_scale", torch.ones(()))  # eV per unit of network output

    @property
    def n_elements(self) -> int:
        return len(self.elements)

    def config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild the model before loading its weights."""
        raise NotImplementedError

    def species(self, numbers: torch.Tensor) -> torch.Tensor:
        """Atomic numbers -> 0..n_elements-1, the index of each atom's element in this model."""
        return self.species_table[numbers]

    def check_elements(self, numbers) -> None:
        unknown = sorted({int(z) for z in torch.as_tensor(numbers).tolist()} - set(self.elements))
        if unknown:
            known = ", ".join(chemical_symbols[z] for z in self.elements)
            names = ", ".join(chemical_symbols[z] for z in unknown)
            raise UnknownElementError(
                f"the model was trained on {known} only and cannot describe {names}"
            )

    def raw_atomic_energies(self, batch: AtomicBatch) -> torch.Tensor:
        """The network's dimensionless output per atom, [n_atoms]."""
        raise NotImplementedError

    def _apply(self, fn, recurse=True):
        """Moving the model to another dtype keeps the element energies in float64.

        Total energies are large (about -2079 eV for water) while what is learned is small: in float32
        the spacing of numbers near 2079 is 0.24 meV, coarser than the errors being fitted. So the
        network may run in float32 while the constant shift, and the sums with it, stay in float64;
        energies come out in float64 and forces keep the network's dtype.
        """
        element_energies = self.element_energies
        super()._apply(fn, recurse)
        self.element_energies = element_energies.to(device=self.element_energies.device, dtype=torch.float64)
        return self

    def atomic_energies(self, batch: AtomicBatch) -> torch.Tensor:
        """Energy of each atom in eV, [n_atoms] (float64); they add up to the total energy."""
        shift = self.element_energies[self.species(batch.numbers)]
        return (self.energy_scale * self.raw_atomic_energies(batch)).to(torch.float64) + shift

    def forward(self, batch: AtomicBatch) -> torch.Tensor:
        """Energy of each structure in eV, [n_structures] (float64)."""
        return scatter_sum(self.atomic_energies(batch), batch.structure, batch.n_structures)

    def fit_to_data(self, batch: AtomicBatch, use_energies: bool = True) -> None:
        """Set energy shift/scale (and any input normalisation) from the training data."""
        fit_energy_normalisation(self, batch, use_energies)


def composition(batch: AtomicBatch, elements: Sequence[int]) -> torch.Tensor:
    """How many atoms of each element every structure holds, [n_structures, n_elements]."""
    counts = torch.zeros(batch.n_structures, len(elements), dtype=batch.positions.dtype,
                         device=batch.positions.device)
    for column, z in enumerate(elements):
        counts[:, column] = scatter_sum((batch.numbers == z).to(counts.dtype), batch.structure,
                                        batch.n_structures)
    return counts


@torch.no_grad()
def fit_energy_normalisation(model: AtomisticModel, batch: AtomicBatch, use_energies: bool = True) -> None:
    """Per-element reference energies by least squares on the composition, and a typical scale.

    With energies (``use_energies``) E_s ~ sum_e n_se mu_e; the scale is the RMS force when forces are
    known (the network's slope is then O(1)), else the spread of the residual energy per atom. Without
    energies (forces-only training) the reference energies stay 0: the absolute energy is unknowable
    from forces, which is exactly the lesson's "up to a constant".
    """
    if use_energies and batch.energy is not None:
        counts = composition(batch, model.elements).double()
        energies = batch.energy.double()
        solution = torch.linalg.lstsq(counts, energies.unsqueeze(-1), driver="gelsd").solution
        model.element_energies.copy_(solution.squeeze(-1))
        residual_per_atom = (energies - counts @ solution.squeeze(-1)) / counts.sum(-1)
        spread = residual_per_atom.std() if len(energies) > 1 else torch.ones(())
    else:
        spread = torch.ones((), dtype=torch.float64)
    if batch.forces is not None and batch.forces.numel():
        scale = batch.forces.double().pow(2).mean().sqrt()
    else:
        scale = spread
    model.energy_scale.fill_(float(scale) if float(scale) > 1e-8 else 1.0)
