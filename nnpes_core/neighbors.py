"""Neighbour lists: the one shared piece of code that finds which atoms are within the cutoff.

Every local model sees atom I only through the pairs (I, J) with r_IJ < cutoff_radius. The list is
computed once per geometry, without gradients, as index pairs plus periodic cell shifts; the model then
recomputes the pair vectors from positions *with* gradients, so forces flow through them:

    r_IJ = R_J - R_I + shift_IJ @ cell        (a vector from I to its neighbour J)

Small isolated molecules use a dense all-pairs search (cheapest below ~100 atoms); anything larger or
periodic uses vesin's cell list, which costs O(N).
"""
from __future__ import annotations

import numpy as np
import torch

DENSE_LIMIT = 100  # atoms; below this an all-pairs search beats a cell list


def neighbor_list(
    positions: np.ndarray,
    cutoff_radius: float,
    cell: np.ndarray | None = None,
    pbc: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, closer than ``cutoff_radius`` (Å).

    Returns ``centers`` [n_pairs], ``neighbors`` [n_pairs] and integer cell ``shifts`` [n_pairs, 3],
    sorted by center. Both (i, j) and (j, i) are listed (a "full" list).
    """
    positions = np.asarray(positions, dtype=np.float64)
    n_atoms = len(positions)
    periodic = pbc is not None and bool(np.any(pbc))
    if n_atoms < 2 and not periodic:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, 3), dtype=np.int64)
    if not periodic and n_atoms <= DENSE_LIMIT:
        distances = np.linalg.norm(positions[None, :, :] - positions[:, None, :], axis=-1)
        close = distances < cutoff_radius
        np.fill_diagonal(close, False)
        centers, neighbors = np.nonzero(close)  # row-major: already sorted by center
        return centers.astype(np.int64), neighbors.astype(np.int64), np.zeros((len(centers), 3), np.int64)
    return _cell_list(positions, cutoff_radius, cell, pbc)


def _cell_list(positions, cutoff_radius, cell, pbc):
    import vesin

    periodic = pbc is not None and bool(np.any(pbc))
    if periodic and not np.all(pbc):
        raise ValueError("mixed periodic boundary conditions are not supported: use pbc on all three axes")
    box = np.asarray(cell, dtype=np.float64) if periodic else np.zeros((3, 3))
    calculator = vesin.NeighborList(cutoff=float(cutoff_radius), full_list=True)
    centers, neighbors, shifts = calculator.compute(
        points=positions, box=box, periodic=periodic, quantities="ijS"
    )
    order = np.argsort(centers, kind="stable")
    return (
        centers[order].astype(np.int64),
        neighbors[order].astype(np.int64),
        shifts[order].astype(np.int64),
    )


def angle_triplets(centers: torch.Tensor, n_atoms: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs of edges (ij, ik) sharing their center i, each unordered pair once (j before k).

    ``centers`` [n_edges] must be sorted. Returns two index tensors [n_triplets] into the edge list;
    angular descriptors (Behler-Parrinello G4) sum over exactly these triplets.
    """
    device = centers.device
    counts = torch.bincount(centers, minlength=n_atoms)  # [n_atoms] neighbours of each atom
    first_edge = torch.cumsum(counts, 0) - counts  # [n_atoms] offset of each atom's first edge
    edge_ids = torch.arange(len(centers), device=device)
    local = edge_ids - first_edge[centers]  # position of each edge within its center's block
    partners = counts[centers] - local - 1  # how many later edges share the center
    edge_a = torch.repeat_interleave(edge_ids, partners)
    # for each edge_a, its partners are the next edges of the same block: edge_a + 1, edge_a + 2, ...
    start = torch.cumsum(partners, 0) - partners
    step = torch.arange(len(edge_a), device=device) - torch.repeat_interleave(start, partners) + 1
    return edge_a, edge_a + step
