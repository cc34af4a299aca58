"""How many CPU threads torch uses, for one block of work.

The course's molecules give tiny tensors: waking a second thread for each small operation costs more
than it saves (one thread trained water 2.3x faster than two; on a busy machine two threads were up to
40x slower). Work on small systems therefore runs inside ``torch_threads(1)``, which restores the
previous setting afterwards instead of changing it for the whole process.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import torch


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads, then restore the setting (None: leave
    it alone)."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)
