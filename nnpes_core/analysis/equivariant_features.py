"""Inside an equivariant network: spherical harmonics, one message, features that rotate, the readout.

- ``harmonic_on_sphere``: a real spherical harmonic Y_lm (l <= 2) on a grid over the unit sphere, in
  the model's own convention (e3nn's real harmonics, "component" normalisation, l = 1 as (x, y, z)).
- ``worked_message``: the message a neighbour J with a scalar s and a vector v sends to I along the
  bond direction r̂, path by path (l1 ⊗ l2 -> l3, Clebsch-Gordan coefficients from e3nn), and a check
  that rotating the inputs rotates every message by its Wigner matrix D^l(Q).
- ``feature_equivariance``: the node features of a real EquivariantMPNN before and after a rotation:
  scalars (l = 0) unchanged, vectors (l = 1) turned by Q, l = 2 by D²(Q) — measured.
- ``readout``: the last layer's scalars -> an MLP -> one energy per atom -> their sum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from e3nn import o3

from nnpes_core.analysis.descriptors import rotated_copy
from nnpes_core.analysis.evaluation import batch_for, model_in_dtype
from nnpes_core.models.equivariant import EquivariantMPNN, spherical_harmonics

# What every component of l = 0, 1, 2 is, as a polynomial of the unit vector (model order, e3nn's).
HARMONIC_COMPONENTS = {
    0: ["1"],
    1: ["√3 x", "√3 y", "√3 z"],
    2: ["√15 xz", "√15 xy", "√5 (y² − (x² + z²)/2)", "√15 yz", "√15 (z² − x²)/2"],
}


def wigner_d(l: int, rotation: np.ndarray) -> np.ndarray:
    """The Wigner matrix D^l(Q) [2l+1, 2l+1] that rotates l-features in the model's basis (D¹ = Q).

    Found from its definition Y^l(Q r̂) = D^l(Q) Y^l(r̂) by least squares over 20 fixed directions,
    exact to float64 round-off (e3nn's own D_from_matrix loses digits, about 1e-7).
    """
    rotation = np.asarray(rotation, dtype=float)
    if l == 0:
        return np.ones((1, 1))
    if l == 1:
        return rotation.copy()
    index = np.arange(20) + 0.5  # a Fibonacci lattice: well-spread directions on the sphere
    polar, azimuth = np.arccos(1 - 2 * index / 20), np.pi * (1 + 5**0.5) * index
    directions = np.stack([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)], -1)
    block = slice(l * l, (l + 1) ** 2)
    before = spherical_harmonics(torch.as_tensor(directions), l)[:, block].numpy()  # [20, 2l+1]
    after = spherical_harmonics(torch.as_tensor(directions @ rotation.T), l)[:, block].numpy()
    transpose, *_ = np.linalg.lstsq(before, after, rcond=None)  # before @ D^T = after
    return transpose.T


def harmonic_on_sphere(l: int, component: int, n_points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Points on the unit sphere [n, n, 3] (polar angle × azimuth) and Y_l,component there [n, n]."""
    if l not in HARMONIC_COMPONENTS or not 0 <= component < 2 * l + 1:
        raise ValueError(f"l must be 0, 1 or 2 and the component 0..{2 * l}")
    polar = np.linspace(0.0, np.pi, n_points)
    azimuth = np.linspace(0.0, 2.0 * np.pi, n_points)
    polar, azimuth = np.meshgrid(polar, azimuth, indexing="ij")
    points = np.stack([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)], -1)
    values = spherical_harmonics(torch.as_tensor(points.reshape(-1, 3)), 2)  # [n*n, 9]
    return points, values[:, l * l + component].numpy().reshape(n_points, n_points)


@dataclass(frozen=True)
class MessagePath:
    path: str  # "l1 ⊗ l2 → l3"
    meaning: str  # what the coupling is in plain vector algebra
    in_model: bool  # False for the parity-odd cross product, which EquivariantMPNN leaves out
    message: np.ndarray  # [2 l3 + 1], the message for the original geometry
    rotated_message: np.ndarray  # [2 l3 + 1], computed from the rotated inputs
    expected: np.ndarray  # D^l3(Q) @ message: what equivariance demands
    closed_form: np.ndarray | None  # the same message with dot/cross products, where there is one

    @property
    def equivariance_error(self) -> float:
        return float(np.max(np.abs(self.rotated_message - self.expected)))


# (l1, l2, l3): (meaning, closed form of sqrt(2 l3 + 1) CG . a . b from s, v and Y = [Y0, Y1, Y2])
_PATHS = {
    (0, 0, 0): ("s Y⁰ (knows only the distance)", lambda s, v, y: s * y[0]),
    (0, 1, 1): ("s Y¹(r̂): along the bond", lambda s, v, y: s * y[1]),
    (0, 2, 2): ("s Y²(r̂): the bond's l = 2 shape", lambda s, v, y: s * y[2]),
    (1, 0, 1): ("v Y⁰: v passed on", lambda s, v, y: v * y[0]),
    (1, 1, 0): ("v · Y¹(r̂) / √3: dot product", lambda s, v, y: np.array([v @ y[1]]) / math.sqrt(3)),
    (1, 1, 1): ("v × Y¹(r̂) / √2: cross product (pseudovector)", lambda s, v, y: np.cross(v, y[1]) / math.sqrt(2)),
    (1, 1, 2): ("v ⊗ Y¹(r̂), traceless symmetric part", None),
    (1, 2, 1): ("Y²(r̂) acting on v", None),
}


def _couple(l1: int, l2: int, l3: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """sqrt(2 l3 + 1) sum_ij C_ijk a_i b_j with e3nn's Clebsch-Gordan coefficients (wigner_3j), the
    "component" normalisation the model uses."""
    coefficients = o3.wigner_3j(l1, l2, l3, dtype=torch.float64).numpy()
    return math.sqrt(2 * l3 + 1) * np.einsum("ijk,i,j->k", coefficients, first, second)


def _harmonics(direction: np.ndarray) -> list[np.ndarray]:
    values = spherical_harmonics(torch.as_tensor(direction[None], dtype=torch.float64), 2)[0].numpy()
    return [values[:1], values[1:4], values[4:9]]


def worked_message(scalar: float, vector, bond_vector, rotation: np.ndarray) -> list[MessagePath]:
    """The messages a neighbour with features (s, v) sends along ``bond_vector`` r_IJ (Å), one per path
    l1 ⊗ l2 → l3 (l3 <= 2), before and after rotating v and the bond by ``rotation`` [3, 3].

    The learned radial weight R(|r_IJ|) that multiplies each path is left out: it is the same number
    before and after the rotation.
    """
    vector, bond = np.asarray(vector, dtype=float), np.asarray(bond_vector, dtype=float)
    if vector.shape != (3,) or bond.shape != (3,):
        raise ValueError("the vector feature and the bond need three components each")
    if np.linalg.norm(bond) == 0:
        raise ValueError("the bond vector must not be zero")
    rotation = np.asarray(rotation, dtype=float)
    features = {0: np.array([float(scalar)]), 1: vector}
    rotated_features = {0: features[0], 1: rotation @ vector}
    y, y_rotated = _harmonics(bond), _harmonics(rotation @ bond)
    paths = []
    for (l1, l2, l3), (meaning, closed) in _PATHS.items():
        message = _couple(l1, l2, l3, features[l1], y[l2])
        rotated = _couple(l1, l2, l3, rotated_features[l1], y_rotated[l2])
        paths.append(MessagePath(
            f"{l1} ⊗ {l2} → {l3}", meaning, (l1 + l2 + l3) % 2 == 0, message, rotated,
            wigner_d(l3, rotation) @ message, None if closed is None else closed(float(scalar), vector, y)))
    return paths


@dataclass(frozen=True)
class FeatureCheck:
    scalars: np.ndarray  # [n_atoms, channels] l = 0 features, original geometry
    vectors: np.ndarray  # [n_atoms, channels, 3] l = 1 features (x, y, z), original geometry
    rotated_scalars: np.ndarray  # [n_atoms, channels], from the rotated geometry
    rotated_vectors: np.ndarray  # [n_atoms, channels, 3], from the rotated geometry
    scalar_error: float  # max |s(QR) - s(R)|
    vector_error: float  # max |v(QR) - Q v(R)|
    tensor_error: float  # max |T(QR) - D²(Q) T(R)| for the l = 2 features
    energy_error: float  # |E(QR) - E(R)| in eV


def node_features(model: EquivariantMPNN, atoms: Atoms, layer: int = 0,
                  dtype: torch.dtype = torch.float64) -> np.ndarray:
    """Features of every atom after ``layer`` (0 = first), [n_atoms, channels, D] (D = 9 for l <= 2)."""
    model = model_in_dtype(model, dtype)
    with torch.no_grad():
        history = model.node_features(batch_for(model, atoms, dtype))
    return history[layer].cpu().double().numpy()


def feature_equivariance(model: EquivariantMPNN, atoms: Atoms, rotation: np.ndarray,
                         dtype: torch.dtype = torch.float64) -> FeatureCheck:
    """First-layer features of ``atoms`` and of the rotated copy, and how far they are from
    s(QR) = s(R), v(QR) = Q v(R), T(QR) = D²(Q) T(R); plus the energy change (eV)."""
    rotation = np.asarray(rotation, dtype=float)
    moved = rotated_copy(atoms, rotation)
    before, after = node_features(model, atoms, 0, dtype), node_features(model, moved, 0, dtype)
    if before.shape[-1] < 4:
        raise ValueError("the model's first layer has no l = 1 features (use n_layers >= 2 and l_max >= 1)")
    vector_error = np.max(np.abs(after[..., 1:4] - before[..., 1:4] @ rotation.T))
    tensor_error = 0.0
    if before.shape[-1] >= 9:
        tensor_error = np.max(np.abs(after[..., 4:9] - before[..., 4:9] @ wigner_d(2, rotation).T))
    converted = model_in_dtype(model, dtype)
    with torch.no_grad():
        energies = converted(batch_for(converted, [atoms, moved], dtype)).cpu().double().numpy()
    return FeatureCheck(before[..., 0], before[..., 1:4], after[..., 0], after[..., 1:4],
                        float(np.max(np.abs(after[..., 0] - before[..., 0]))), float(vector_error),
                        float(tensor_error), float(abs(energies[1] - energies[0])))


@dataclass(frozen=True)
class Readout:
    last_scalars: np.ndarray  # [n_atoms, channels] l = 0 features after the last layer
    network_outputs: np.ndarray  # [n_atoms] the readout MLP's dimensionless output
    atomic_energies: np.ndarray  # [n_atoms] eV = energy_scale * output + element energy
    total_energy: float  # eV, the model's energy of the structure


def readout(model: EquivariantMPNN, atoms: Atoms, dtype: torch.dtype = torch.float64) -> Readout:
    """From the last layer's scalar channels to one energy: E_I = scale · MLP(h_I⁰) + E_element."""
    model = model_in_dtype(model, dtype)
    batch = batch_for(model, atoms, dtype)
    with torch.no_grad():
        scalars = model.node_features(batch)[-1][:, :, 0]
        outputs = model.readout(scalars).squeeze(-1)
        atomic = model.atomic_energies(batch)
        total = float(model(batch)[0])
    return Readout(scalars.cpu().double().numpy(), outputs.cpu().double().numpy(),
                   atomic.cpu().double().numpy(), total)
