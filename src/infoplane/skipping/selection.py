"""The epoch-selection methods of seed 003 over an oracle that measures one epoch (see the
package docstring). Positions, not epoch numbers, are skipped: ``epochs`` lists the epochs that
can be measured (every epoch of a run whose weights are kept, or a recording's epochs), and a
skip of s moves s entries along it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Selection", "distance", "simple", "delta_exact", "delta_approximate", "delta_exact_parallel",
           "interpolation_error", "select", "METHODS"]  # fmt: skip

#: The selection methods by config name.
METHODS = ("simple", "delta_exact", "delta_approximate", "delta_exact_parallel")


@dataclass
class Selection:
    """What a selection method measured.

    Attributes
    ----------
    epochs : the measured epochs, increasing (the first and the last always among them).
    values : epoch -> its measured values (float [L, 2]: I(X;T), I(T;Y) per layer, bits).
    rounds : the epochs measured together, round by round (one per call for the sequential
        methods): the parallel depth.
    """

    epochs: list[int] = field(default_factory=list)
    values: dict[int, np.ndarray] = field(default_factory=dict)
    rounds: list[list[int]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        """Epochs measured (each once)."""
        return len(self.values)


def distance(a, b, entropies: Sequence[float] | None = None) -> float:
    """Seed 003's distance between two epochs' values (eq. 23; eq. 24 with ``entropies``): the
    largest absolute change of any layer's I(X;T) or I(T;Y), each divided by H(X) resp. H(Y)
    when ``entropies`` = (H(X), H(Y)) is given.

    Raises
    ------
    ValueError
        For values of different shapes or not [L, 2], or an entropy that is not positive.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"values must both be [layers, 2] (I(X;T), I(T;Y)), got {a.shape} and {b.shape}")
    change = np.abs(a - b)
    if entropies is not None:
        scale = np.asarray(entropies, dtype=np.float64)
        if scale.shape != (2,) or not (scale > 0).all():
            raise ValueError(f"entropies must be (H(X), H(Y)) > 0, got {entropies!r}")
        change = change / scale
    return float(change.max())


def _check(epochs: Sequence[int], **positive) -> list[int]:
    epochs = [int(e) for e in epochs]
    if not epochs or any(b <= a for a, b in zip(epochs, epochs[1:])):
        raise ValueError(f"epochs must be a non-empty increasing list, got {epochs[:8]}{'...' if len(epochs) > 8 else ''}")
    for name, (value, low) in positive.items():
        if not value > low:
            raise ValueError(f"{name} must be > {low:g}, got {value!r}")
    return epochs


class _Oracle:
    """``measure`` with a cache, counting each epoch once and recording rounds."""

    def __init__(self, measure: Callable[[int], np.ndarray] | None, epochs: list[int], measure_many=None):
        self.measure, self.measure_many, self.epochs = measure, measure_many, epochs
        self.selection = Selection()

    def __call__(self, positions: Sequence[int]) -> None:
        fresh = sorted({p for p in positions if self.epochs[p] not in self.selection.values})
        if not fresh:
            return
        chosen = [self.epochs[p] for p in fresh]
        if self.measure_many is not None:
            results = self.measure_many(chosen)
        else:
            results = [self.measure(e) for e in chosen]
        for epoch, value in zip(chosen, results):
            self.selection.values[epoch] = np.asarray(value, dtype=np.float64)
        if self.measure_many is not None:  # one round for all of them
            self.selection.rounds.append(chosen)
        else:
            self.selection.rounds.extend([e] for e in chosen)

    def value(self, position: int) -> np.ndarray:
        return self.selection.values[self.epochs[position]]

    def done(self) -> Selection:
        self.selection.epochs = sorted(self.selection.values)
        return self.selection


def simple(measure: Callable[[int], np.ndarray], epochs: Sequence[int], n: int) -> Selection:
    """Every n-th epoch of ``epochs`` from the first, and the last.

    Raises
    ------
    ValueError
        For ``n`` < 1 or epochs that are not increasing.
    """
    epochs = _check(epochs, n=(n, 0))
    oracle = _Oracle(measure, epochs)
    for position in sorted(set(range(0, len(epochs), int(n))) | {len(epochs) - 1}):
        oracle([position])
    return oracle.done()


def _exact_frontier(oracle, epochs, delta, multiplier, entropies, on_gap):
    """The frontier walk shared by the exact methods: measure the next section's end; a pass
    multiplies the skip, a gap wider than ``delta`` is handed to ``on_gap(lo, hi)``."""
    previous, skip, last = 0, 1, len(epochs) - 1
    while previous < last:
        current = min(previous + skip, last)
        yield current
        if distance(oracle.value(previous), oracle.value(current), entropies) > delta:
            if current - previous > 1:
                on_gap(previous, current)
        else:
            skip *= multiplier
        previous = current


def delta_exact(measure: Callable[[int], np.ndarray], epochs: Sequence[int], delta: float, *, multiplier: int = 2,
                entropies: Sequence[float] | None = None) -> Selection:  # fmt: skip
    """Seed 003's delta-skip, exact (Figures 9-10): measure the first epoch, then the epoch
    ``skip`` entries on; if it is within ``delta`` of the previous measured one, multiply the
    skip by ``multiplier``, else bisect the gap (measure its middle and check both halves, down
    to adjacent epochs) and keep the skip. Guarantee: every two consecutive measured epochs are
    within ``delta`` of each other, or adjacent in ``epochs``.

    Raises
    ------
    ValueError
        For ``delta`` <= 0, an integer ``multiplier`` < 2, or epochs that are not increasing.
    """
    epochs = _check(epochs, delta=(delta, 0.0), multiplier=(multiplier, 1))
    oracle = _Oracle(measure, epochs)
    oracle([0])

    def bisect(lo: int, hi: int) -> None:
        if hi - lo > 1 and distance(oracle.value(lo), oracle.value(hi), entropies) > delta:
            mid = (lo + hi) // 2
            oracle([mid])
            bisect(lo, mid)
            bisect(mid, hi)

    walk = _exact_frontier(oracle, epochs, delta, int(multiplier), entropies, bisect)
    for current in walk:
        oracle([current])
    return oracle.done()


def delta_approximate(measure: Callable[[int], np.ndarray], epochs: Sequence[int], delta: float, *,
                      multiplier: int = 2, entropies: Sequence[float] | None = None) -> Selection:  # fmt: skip
    """Seed 003's delta-skip, approximate (Figure 12): as :func:`delta_exact` but a gap wider
    than ``delta`` is not bisected (the skip is kept). No guarantee: it assumes the distance
    between epochs only shrinks over training.

    Raises
    ------
    ValueError
        As :func:`delta_exact`.
    """
    epochs = _check(epochs, delta=(delta, 0.0), multiplier=(multiplier, 1))
    oracle = _Oracle(measure, epochs)
    oracle([0])
    for current in _exact_frontier(oracle, epochs, delta, int(multiplier), entropies, lambda lo, hi: None):
        oracle([current])
    return oracle.done()


def delta_exact_parallel(measure_many: Callable[[list[int]], Sequence[np.ndarray]], epochs: Sequence[int], delta: float,
                         *, multiplier: int = 2, entropies: Sequence[float] | None = None) -> Selection:  # fmt: skip
    """:func:`delta_exact`'s epochs, measured in rounds: each round measures together the next
    section's end and the middles of every gap still wider than ``delta`` (seed 003:
    backtracking and the next section side by side). A gap does not change the skip, so the
    frontier does not wait for its bisection; the measured epochs are exactly
    :func:`delta_exact`'s, in fewer rounds. ``measure_many(epochs) -> values`` measures a round
    (e.g. on a pool of workers).

    Raises
    ------
    ValueError
        As :func:`delta_exact`.
    """
    epochs = _check(epochs, delta=(delta, 0.0), multiplier=(multiplier, 1))
    oracle = _Oracle(None, epochs, measure_many)
    oracle([0])
    previous, skip, last = 0, 1, len(epochs) - 1
    gaps: list[tuple[int, int]] = []
    while previous < last or gaps:
        current = min(previous + skip, last) if previous < last else None
        middles = [(lo + hi) // 2 for lo, hi in gaps]
        oracle(([current] if current is not None else []) + middles)
        opened = []
        for (lo, hi), mid in zip(gaps, middles):
            for a, b in ((lo, mid), (mid, hi)):
                if b - a > 1 and distance(oracle.value(a), oracle.value(b), entropies) > delta:
                    opened.append((a, b))
        if current is not None:
            if distance(oracle.value(previous), oracle.value(current), entropies) > delta:
                if current - previous > 1:
                    opened.append((previous, current))
            else:
                skip *= int(multiplier)
            previous = current
        gaps = opened
    return oracle.done()


def select(skip: Mapping, measure: Callable[[int], np.ndarray], epochs: Sequence[int], *,
           entropies: Sequence[float] | None = None, measure_many=None) -> Selection:
    """The selection of a checked ``skip`` (:func:`infoplane.skipping.check_skip`) over
    ``epochs``; ``entropies`` (H(X), H(Y)) are used when ``skip["normalise"]``. The parallel
    method measures its rounds with ``measure_many`` (default: ``measure`` one by one).

    Raises
    ------
    ValueError
        As the method does.
    """
    kind = skip["method"]
    if kind == "simple":
        return simple(measure, epochs, int(skip["n"]))
    options = {"multiplier": int(skip["multiplier"]), "entropies": entropies if skip.get("normalise") else None}
    if kind == "delta_exact_parallel":
        many = measure_many or (lambda chosen: [measure(e) for e in chosen])
        return delta_exact_parallel(many, epochs, float(skip["delta"]), **options)
    function = delta_exact if kind == "delta_exact" else delta_approximate
    return function(measure, epochs, float(skip["delta"]), **options)


def interpolation_error(selection: Selection, epochs: Sequence[int], truth: np.ndarray) -> dict[str, np.ndarray]:
    """The error of a selection against every epoch's values: each unmeasured epoch's values
    interpolated linearly between its measured neighbours, against ``truth``.

    Parameters
    ----------
    epochs : the E epochs of ``truth``; truth : float [E, L, 2], every epoch's values.

    Returns
    -------
    ``max_bits`` and ``mean_bits``: float [L, 2], the largest and mean absolute error per layer
    and quantity over the E epochs (measured epochs count with their error, 0);
    ``max_step``: the largest distance (unnormalised) between consecutive measured epochs.

    Raises
    ------
    ValueError
        For a truth of another shape, or measured epochs not among ``epochs``.
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if truth.ndim != 3 or truth.shape[0] != len(epochs) or truth.shape[2] != 2:
        raise ValueError(f"truth must be [E = {len(epochs)}, layers, 2], got {truth.shape}")
    measured = np.asarray(selection.epochs, dtype=np.float64)
    if not np.isin(measured, epochs).all():
        raise ValueError("the selection measured epochs that are not among the truth's epochs")
    values = np.stack([selection.values[int(e)] for e in selection.epochs])  # [M, L, 2]
    flat = values.reshape(len(measured), -1)
    interpolated = np.stack([np.interp(epochs, measured, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    error = np.abs(interpolated.reshape(truth.shape) - truth)
    steps = [distance(values[i], values[i + 1]) for i in range(len(values) - 1)]
    return {"max_bits": error.max(0), "mean_bits": error.mean(0), "max_step": max(steps, default=0.0)}
