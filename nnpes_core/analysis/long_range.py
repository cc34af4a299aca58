"""What locality cannot do: a local model of two ions pulled apart past its cutoff.

Once the ions are farther apart than r_c, neither atom has a neighbour: every descriptor is zero, every
atomic energy is its element's constant, and the model's energy is flat — while the Coulomb energy
-k/r of Na⁺ Cl⁻ is still -1.4 eV at 10 Å. ``train_local_ion_model`` fits a Behler-Parrinello model with a
short cutoff to a Coulomb + Born-Mayer curve that covers the whole range shown; ``ion_pair_curves``
evaluates reference and model on a grid, so a page can plot both and the gap between them.
Distances in Å, energies in eV (zero: the ions infinitely far apart).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import energies
from nnpes_core.data.samplers import label
from nnpes_core.potentials.ionic import nacl_ion_pair
from nnpes_core.training import TrainingConfig, train_new_model

DISTANCE_RANGE = (1.9, 10.0)  # Å: from the repulsive wall to well past any cutoff shown


def ion_pair(distance: float, symbols: str = "NaCl") -> Atoms:
    """Two ions on the x axis, ``distance`` Å apart."""
    return Atoms(symbols, positions=[[0.0, 0.0, 0.0], [float(distance), 0.0, 0.0]])


def ion_pair_dataset(distances, calculator=None, symbols: str = "NaCl") -> list[Atoms]:
    """Ion pairs at ``distances`` (Å) labelled with energies and forces (default: Na⁺ Cl⁻ Coulomb +
    Born-Mayer, ``nacl_ion_pair``)."""
    calculator = calculator or nacl_ion_pair()
    return label([ion_pair(r, symbols) for r in np.asarray(distances, dtype=float)], calculator)


@dataclass
class IonModelFit:
    model: nn.Module
    cutoff_radius: float  # Å
    train_distances: np.ndarray  # [n_train] Å
    epochs: int
    seconds: float


def train_local_ion_model(cutoff_radius: float = 4.0, n_train: int = 80, epochs: int = 150,
                          seed: int = 0, beta: float = 0.1, distance_range: tuple[float, float] = DISTANCE_RANGE,
                          callback=None) -> IonModelFit:
    """A small Behler-Parrinello model with cutoff ``cutoff_radius`` (Å) fitted to energies and forces of
    Na⁺ Cl⁻ at ``n_train`` distances spread evenly over ``distance_range`` (every 4th one for validation).

    ``beta`` weights the force term against the energy term (alpha = 1). Beyond the cutoff no model force
    can match the Coulomb force, and a full force weight would drag the whole curve away from the
    reference to soften the jump at r_c; 0.1 keeps the fit inside the cutoff close (measured: within
    0.15 eV up to 3 Å for r_c = 4 Å) while the forces still shape it."""
    distances = np.linspace(*distance_range, n_train)
    frames = ion_pair_dataset(distances)
    validation = np.zeros(n_train, dtype=bool)
    validation[2::4] = True
    train_frames = [f for f, v in zip(frames, validation) if not v]
    val_frames = [f for f, v in zip(frames, validation) if v]
    config = TrainingConfig(alpha=1.0, beta=beta, learning_rate=1e-2, epochs=epochs,
                            batch_size=len(train_frames), seed=seed,
                            device="cpu", dtype="float64")
    result = train_new_model("bp", train_frames, val_frames, config, callback,
                             cutoff_radius=cutoff_radius, n_radial=12, radial_start=1.5, hidden=(32, 32))
    return IonModelFit(result.model, float(cutoff_radius), distances[~validation], result.epochs_run,
                       result.elapsed)


@dataclass(frozen=True)
class IonPairCurves:
    distances: np.ndarray  # [n] Å
    reference: np.ndarray  # [n] eV, Coulomb + Born-Mayer
    coulomb: np.ndarray  # [n] eV, the Coulomb term alone (-k/r)
    model: np.ndarray  # [n] eV
    cutoff_radius: float  # Å

    def at(self, distance: float) -> tuple[float, float]:
        """(reference, model) energies (eV) at ``distance`` Å, linearly interpolated."""
        return (float(np.interp(distance, self.distances, self.reference)),
                float(np.interp(distance, self.distances, self.model)))

    @property
    def model_beyond_cutoff_spread(self) -> float:
        """max - min of the model's energy beyond the cutoff (eV): zero, because nothing changes there."""
        beyond = self.model[self.distances > self.cutoff_radius]
        return float(np.ptp(beyond)) if beyond.size else 0.0


def ion_pair_curves(model: nn.Module, distances, calculator=None, symbols: str = "NaCl") -> IonPairCurves:
    """Reference, its Coulomb part and the model's energy at ``distances`` (Å)."""
    from nnpes_core.potentials.ionic import COULOMB_CONSTANT

    distances = np.asarray(distances, dtype=float)
    calculator = calculator or nacl_ion_pair()
    frames = [ion_pair(r, symbols) for r in distances]
    reference = []
    for frame in frames:
        frame.calc = calculator
        reference.append(frame.get_potential_energy())
    charges = calculator.atom_charges(frames[0])
    coulomb = COULOMB_CONSTANT * charges[0] * charges[1] / distances
    with torch.no_grad():
        predicted = energies(model, frames, torch.float64)
    return IonPairCurves(distances, np.array(reference), coulomb, predicted, float(model.cutoff_radius))
