"""Names for the normal modes of a star-shaped molecule XH_n (H2O, NH3, CH4): stretch or bend, symmetric
or antisymmetric, read off the first-order change of the internal coordinates along the mode.

For a Cartesian displacement d [N, 3] and the bonds from the centre X to each outer atom i
(unit vector u_i, length r_i, relative motion m_i = d_i - d_X):

    bond stretch     dr_i = u_i . m_i
    angle change     d theta_ij = -(m_i . (u_j - cos theta u_i) / r_i + m_j . (u_i - cos theta u_j) / r_j) / sin theta

A mode whose bond changes outweigh its angle changes (as arc lengths r d theta) is a stretch. It is
symmetric when the changes go the same way (all bonds longer together; all angles closing together,
the umbrella of NH3) and antisymmetric otherwise. A molecule with a single angle (water) has one "bend".
"""
from __future__ import annotations

import numpy as np
from ase import Atoms


def internal_changes(atoms: Atoms, displacement: np.ndarray, center: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(dr [n_bonds] Å, d_theta [n_angles] rad) per unit displacement, bonds from ``center`` to every other atom."""
    displacement = np.asarray(displacement, dtype=float).reshape(len(atoms), 3)
    outer = [i for i in range(len(atoms)) if i != center]
    bonds = atoms.positions[outer] - atoms.positions[center]  # [n_bonds, 3]
    lengths = np.linalg.norm(bonds, axis=1)
    units = bonds / lengths[:, None]
    moves = displacement[outer] - displacement[center]  # [n_bonds, 3]
    stretches = np.einsum("bx,bx->b", units, moves)
    angles = []
    for i in range(len(outer)):
        for j in range(i + 1, len(outer)):
            cosine = float(units[i] @ units[j])
            sine = np.sqrt(max(1.0 - cosine**2, 1e-12))
            d_cosine = (moves[i] @ (units[j] - cosine * units[i])) / lengths[i] \
                + (moves[j] @ (units[i] - cosine * units[j])) / lengths[j]
            angles.append(-d_cosine / sine)
    return stretches, np.array(angles)


def _symmetric(changes: np.ndarray) -> bool:
    """All changes of one sign (within round-off): |sum| close to sum of |.|."""
    return abs(changes.sum()) > 0.9 * np.abs(changes).sum()


def mode_name(atoms: Atoms, displacement: np.ndarray, center: int = 0) -> str:
    """"symmetric stretch", "antisymmetric stretch", "bend", "symmetric bend" or "antisymmetric bend"."""
    if len(atoms) < 3:
        return "stretch"
    stretches, angles = internal_changes(atoms, displacement, center)
    mean_length = float(np.mean(np.linalg.norm(np.delete(atoms.positions, center, 0) - atoms.positions[center],
                                               axis=1)))
    if np.linalg.norm(stretches) >= mean_length * np.linalg.norm(angles):
        return "symmetric stretch" if _symmetric(stretches) else "antisymmetric stretch"
    if len(angles) == 1:
        return "bend"
    return "symmetric bend" if _symmetric(angles) else "antisymmetric bend"


def degenerate_groups(wavenumbers: np.ndarray, tolerance: float = 2.0) -> list[list[int]]:
    """Indices of modes within ``tolerance`` cm^-1 of the previous one (ascending input), e.g. NH3's
    pairs and CH4's triples: [[0], [1, 2], [3], [4, 5]]."""
    groups: list[list[int]] = []
    for index, value in enumerate(np.asarray(wavenumbers, dtype=float)):
        if groups and value - wavenumbers[groups[-1][-1]] <= tolerance:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups
