"""The 12-bit dataset of Shwartz-Ziv & Tishby ([ST17], file ``var_u.mat`` of their public
code), regenerated from its labelling rule (REFERENCE.md section 1): the 12 inputs sit on the
vertices of an icosahedron, and ``y = 1`` iff

    0.2398 k - 0.0792 n_A - 0.0512 n_B + 0.0047 n_C - 1 > 0,

with ``k`` the number of active inputs and ``n_A, n_B, n_C`` the numbers of active vertex pairs
that are antipodal (A), icosahedron edges (B) or neither (C). The rule reproduces all 4096
labels of ``var_u.mat``. A dataset source (``builtin: tishby``, :mod:`infoplane.datasets`).
"""

from __future__ import annotations

import itertools

import numpy as np

#: Class A of [ST17]'s rule: the 6 antipodal vertex pairs of the icosahedron.
ANTIPODAL_PAIRS: tuple[tuple[int, int], ...] = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))

#: Class B: the 30 edges of the icosahedron graph (every vertex in 5 of them).
ICOSAHEDRON_EDGES: tuple[tuple[int, int], ...] = (
    (0, 2), (0, 4), (0, 6), (0, 7), (0, 8), (1, 5), (1, 6), (1, 8), (1, 9), (1, 10),
    (2, 6), (2, 7), (2, 10), (2, 11), (3, 4), (3, 5), (3, 7), (3, 9), (3, 11), (4, 5),
    (4, 7), (4, 8), (5, 8), (5, 9), (6, 8), (6, 10), (7, 11), (9, 10), (9, 11), (10, 11),
)  # fmt: skip

#: Coefficients of the rule: (k, n_A, n_B, n_C, constant).
_RULE = (0.2398, -0.0792, -0.0512, 0.0047, -1.0)


def tishby_inputs() -> np.ndarray:
    """The 4096 inputs of the Tishby dataset.

    Returns
    -------
    numpy.ndarray, uint8, shape [4096, 12]
        Row ``r`` is the 12-bit binary representation of ``r``, most significant bit in
        column 0, so every input pattern occurs exactly once (H(X) = 12 bits).
    """
    rows = np.arange(4096, dtype=np.int64)[:, None]
    shifts = 11 - np.arange(12, dtype=np.int64)[None, :]
    return ((rows >> shifts) & 1).astype(np.uint8)


def _active_pairs(bits: np.ndarray, pairs) -> np.ndarray:
    """Number of pairs (i, j) in ``pairs`` with both inputs active, per row of ``bits``."""
    i, j = np.array(pairs, dtype=np.int64).T
    return (bits[:, i] & bits[:, j]).sum(axis=1, dtype=np.int64)


def tishby_labels(inputs: np.ndarray | None = None) -> np.ndarray:
    """Labels of [ST17]'s "spherically symmetric" rule (REFERENCE.md §1).

    Parameters
    ----------
    inputs : numpy.ndarray of 0/1, shape [N, 12], optional
        Binary inputs; defaults to :func:`tishby_inputs`.

    Returns
    -------
    numpy.ndarray, uint8, shape [N]
        ``1`` where ``0.2398 k - 0.0792 n_A - 0.0512 n_B + 0.0047 n_C - 1 > 0``, else ``0``.
        Evaluated in float64; the smallest |value| over the 4096 inputs is 0.0054, far from
        rounding error.

    Raises
    ------
    ValueError
        If ``inputs`` is not a 0/1 array with 12 columns.
    """
    bits = tishby_inputs() if inputs is None else np.asarray(inputs)
    if bits.ndim != 2 or bits.shape[1] != 12:
        raise ValueError(f"inputs must have shape [N, 12], got {bits.shape}")
    if not np.isin(bits, (0, 1)).all():
        raise ValueError("inputs must be binary (0/1)")
    bits = bits.astype(np.int64)
    all_pairs = set(itertools.combinations(range(12), 2))
    other_pairs = sorted(all_pairs - set(ANTIPODAL_PAIRS) - set(ICOSAHEDRON_EDGES))
    c_k, c_a, c_b, c_c, c_0 = _RULE
    value = (
        c_k * bits.sum(axis=1)
        + c_a * _active_pairs(bits, ANTIPODAL_PAIRS)
        + c_b * _active_pairs(bits, ICOSAHEDRON_EDGES)
        + c_c * _active_pairs(bits, other_pairs)
        + c_0
    )
    return (value > 0).astype(np.uint8)


def tishby_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The Tishby dataset as stored in ``var_u.mat``.

    Returns
    -------
    F : numpy.ndarray, uint8, shape [4096, 12]
    y : numpy.ndarray, uint8, shape [1, 4096]
        Exactly the arrays of ``var_u.mat`` (2118 ones, p(y=1) = 0.51709).
    """
    inputs = tishby_inputs()
    return inputs, tishby_labels(inputs)[None, :]


# --- the source declaration (infoplane.datasets) ---------------------------------------------
NAME = "tishby"
DESCRIPTION = "generated from the labelling rule of [ST17] (12 inputs on the vertices of an icosahedron)"
SOURCE = "[ST17], var_u.mat of their code; REFERENCE.md section 1"
PARAMETERS = ()


def layout(spec):
    """(rows, classes, fixed split or None)."""
    return 4096, 2, None


def input_shape(spec) -> tuple[int, ...]:
    return (12,)


def files(spec) -> list[str]:
    """Nothing is read: the data are generated."""
    return []


def missing(spec, key: str = "") -> str | None:
    return None


def read(spec, paths, log):
    from .base import Arrays

    inputs, labels = tishby_dataset()
    log.info("generated the Tishby dataset from its labelling rule (REFERENCE.md section 1)")
    return Arrays(inputs, labels.reshape(-1), (12,))


def describe(spec) -> str:
    return DESCRIPTION
