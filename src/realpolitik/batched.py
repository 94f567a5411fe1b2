"""Products over a member-leading batch whose every row is summed the same way whatever the batch.

A BLAS ``gemv``/``gemm`` on an (M, k) matrix may round a row differently depending on where it falls
in the batch (its blocking and edge kernels), so ``(M, k) @ (k,)`` can change in the last bits with
the chunking of members. These helpers multiply and then reduce with numpy's own summation, row by
row, so member m's result depends on member m's numbers only (DESIGN.md: identical numbers for any
chunking).
"""

from __future__ import annotations

import numpy as np


def dot(a, w) -> np.ndarray:
    """a @ w for w 1-D: Σ_k a[..., k]·w[k]."""
    return (np.asarray(a, float) * np.asarray(w, float)).sum(axis=-1)


def matmul(a, b) -> np.ndarray:
    """a @ b for b 2-D (k, n): out[..., n] = Σ_k a[..., k]·b[k, n]."""
    return (np.asarray(a, float)[..., :, None] * np.asarray(b, float)).sum(axis=-2)
