"""Behler-Parrinello symmetry functions, one at a time: curves, fingerprints and their invariance.

The model (``nnpes_core.models.behler_parrinello``) sums, for every atom I,

    G2 terms  exp(-eta (r_IJ - r_s)²) f_c(r_IJ)                                 over neighbours J
    G4 terms  2^(1-zeta) (1 + lambda cos theta_JIK)^zeta exp(-eta (r_IJ² + r_IK² + r_JK²))
              f_c(r_IJ) f_c(r_IK) f_c(r_JK)                                     over pairs of neighbours

The functions below call exactly those model functions on a single pair or triplet, so the curves a
student sees are the model's own; ``fingerprints`` returns the full fingerprint of every atom with a
name for each entry, and ``fingerprint_change`` measures how much it moves under a rotation and a
translation (round-off: the descriptors are built from distances and angles only).
"""
from __future__ import annotations

import numpy as np
import torch
from ase import Atoms
from ase.data import chemical_symbols

from nnpes_core.analysis.evaluation import batch_for, model_in_dtype
from nnpes_core.geometry import SymmetryOperation, rotation_about_axis  # noqa: F401  (for the page)
from nnpes_core.models.behler_parrinello import (
    BehlerParrinello, angular_symmetry_functions, radial_symmetry_functions,
)
from nnpes_core.models.layers import cosine_cutoff


def rotated_copy(atoms: Atoms, rotation: np.ndarray, translation=(0.0, 0.0, 0.0)) -> Atoms:
    """A copy of ``atoms`` with positions R -> Q R + t (rotation [3, 3] about the origin, t in Å)."""
    return SymmetryOperation.rotation(rotation, len(atoms), translation).apply(atoms)


def g2_curve(distance: np.ndarray, eta: float, r_s: float, cutoff_radius: float) -> np.ndarray:
    """One neighbour's G2 term exp(-eta (r - r_s)²) f_c(r) at distances r [n] (Å); eta in Å⁻², r_s in Å."""
    r = torch.as_tensor(np.asarray(distance, dtype=float))
    centers = torch.tensor([float(r_s)], dtype=r.dtype)
    return radial_symmetry_functions(r, cosine_cutoff(r, cutoff_radius), centers, float(eta))[:, 0].numpy()


def g4_curve(angle_degrees: np.ndarray, eta: float, zeta: float, lambda_: int, bond_length: float,
             cutoff_radius: float) -> np.ndarray:
    """The G4 term of one triplet J-I-K with r_IJ = r_IK = ``bond_length`` (Å) against the angle
    theta_JIK [n] (degrees); eta in Å⁻², zeta >= 1, lambda = +1 or -1."""
    if lambda_ not in (1, -1):
        raise ValueError("lambda must be +1 or -1")
    theta = torch.as_tensor(np.radians(np.asarray(angle_degrees, dtype=float)))
    r_ij = torch.full_like(theta, float(bond_length))
    r_jk = 2.0 * bond_length * torch.sin(theta / 2)  # the third side of the isosceles triangle
    cutoffs = cosine_cutoff(r_ij, cutoff_radius) ** 2 * cosine_cutoff(r_jk, cutoff_radius)
    terms = angular_symmetry_functions(r_ij, r_ij, r_jk, torch.cos(theta), cutoffs,
                                       theta.new_tensor([float(eta)]), theta.new_tensor([float(zeta)]))
    return terms[:, 0 if lambda_ == 1 else 1].numpy()  # columns: lambda = +1, -1


def fingerprint_labels(model: BehlerParrinello) -> list[str]:
    """A name for every fingerprint entry, in the model's order (G2 per neighbour element and centre r_s,
    then G4 per neighbour-element pair, lambda, eta and zeta)."""
    names = [chemical_symbols[z] for z in model.elements]
    labels = [f"G2 {element} r_s={center:.2f} Å" for element in names
              for center in model.radial_centers.tolist()]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i:]]
    for a, b in pairs:
        for lambda_ in ("+1", "-1"):
            for eta in model.angular_etas.tolist():
                for zeta in model.zetas.tolist():
                    labels.append(f"G4 {a}{b} λ={lambda_} η={eta:g} ζ={zeta:g}")
    return labels


def fingerprints(model: BehlerParrinello, atoms: Atoms, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """The fingerprint of every atom, [n_atoms, n_features] (raw symmetry functions, before the
    standardisation the network applies). They depend on the geometry only, not on the weights."""
    model = model_in_dtype(model, dtype)
    with torch.no_grad():
        return model.symmetry_functions(batch_for(model, atoms, dtype)).cpu().double().numpy()


def fingerprint_change(model: BehlerParrinello, atoms: Atoms, rotation: np.ndarray, translation,
                       dtype: torch.dtype = torch.float64) -> float:
    """max |G(Q R + t) - G(R)| over atoms and entries: how much the fingerprints move when the whole
    structure is rotated by ``rotation`` [3, 3] and shifted by ``translation`` [3] (Å)."""
    before = fingerprints(model, atoms, dtype)
    after = fingerprints(model, rotated_copy(atoms, rotation, translation), dtype)
    return float(np.max(np.abs(after - before))) if before.size else 0.0
