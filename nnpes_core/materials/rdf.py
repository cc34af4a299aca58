"""The radial distribution function g(r): how the density of atoms varies with distance from an atom.

Count, over all atoms I and their neighbours J (periodic images included), the pairs whose distance
falls in the shell [r, r + dr), and divide by what an ideal gas of the same density rho = N / V would
give there:

    g(r) = < sum_I sum_{J != I} [ r <= r_IJ < r + dr ] > / ( N * rho * 4 pi r² dr )

g = 1 means "no structure"; in a crystal g(r) is a row of peaks at the neighbour shells (fcc: r = a/√2,
a, a√(3/2), ...) which thermal motion broadens, and in a liquid only the first few peaks survive.
Integrating rho 4 pi r² g(r) up to the first minimum counts the nearest neighbours (12 in fcc).
The pairs come from the shared neighbour list (nnpes_core.neighbors), so the same code serves every
cell shape.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from ase import Atoms

from nnpes_core.neighbors import neighbor_list


def pair_distances(atoms: Atoms, r_max: float) -> np.ndarray:
    """All distances r_IJ < ``r_max`` (Å) between atoms and periodic images, each ordered pair once."""
    positions = atoms.get_positions()
    centers, neighbors, shifts = neighbor_list(positions, r_max, atoms.cell.array, atoms.pbc)
    vectors = positions[neighbors] - positions[centers] + shifts @ atoms.cell.array  # [n_pairs, 3]
    return np.linalg.norm(vectors, axis=1)


def radial_distribution(frames: Atoms | Sequence[Atoms], r_max: float = 6.0,
                        n_bins: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """(r, g): bin centres [n_bins] in Å and g(r) [n_bins] (dimensionless), averaged over ``frames``.

    The frames must be periodic (a finite cluster has no density to compare with)."""
    frames = [frames] if isinstance(frames, Atoms) else list(frames)
    if not frames:
        raise ValueError("no structures for g(r)")
    if r_max <= 0 or n_bins < 1:
        raise ValueError("r_max must be positive and n_bins at least 1")
    edges = np.linspace(0.0, r_max, n_bins + 1)
    shell_volumes = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)  # exact shell volumes, Å³
    counts, ideal = np.zeros(n_bins), np.zeros(n_bins)
    for atoms in frames:
        if not np.all(atoms.pbc):
            raise ValueError("g(r) needs a periodic structure (pbc on all three axes)")
        n_atoms = len(atoms)
        density = n_atoms / atoms.get_volume()  # atoms per Å³
        counts += np.histogram(pair_distances(atoms, r_max), bins=edges)[0]
        ideal += n_atoms * density * shell_volumes
    return 0.5 * (edges[1:] + edges[:-1]), counts / ideal


def coordination_number(r: np.ndarray, g: np.ndarray, density: float, r_cut: float) -> float:
    """Neighbours within ``r_cut`` Å: the integral of rho 4 pi r² g(r) dr (``density`` in atoms/Å³),
    summed bin by bin with each bin's exact shell volume 4 pi (r² dr + dr³/12)."""
    r, g = np.asarray(r), np.asarray(g)
    width = r[1] - r[0] if len(r) > 1 else 0.0
    inside = r < r_cut
    shells = 4.0 * np.pi * (r[inside] ** 2 * width + width**3 / 12.0)
    return float(density * np.sum(g[inside] * shells))


def first_minimum_after_peak(r: np.ndarray, g: np.ndarray) -> float:
    """The r (Å) where g stops falling after its highest peak: the end of the first neighbour shell.

    g is smoothed over 3 bins first, so that histogram noise does not stop the walk early."""
    smooth = np.convolve(np.asarray(g, dtype=float), np.ones(3) / 3, mode="same")
    index = int(np.argmax(smooth))
    while index + 1 < len(smooth) and smooth[index + 1] <= smooth[index]:
        index += 1
    return float(np.asarray(r)[index])
