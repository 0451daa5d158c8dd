"""Epoch skipping (seed 003, section "Skipping epochs"): measure the information plane only at
some epochs, chosen while measuring, and say what that costs in error.

:mod:`~infoplane.skipping.selection` holds the selection methods, each a function of an oracle
``measure(epoch) -> values`` (one epoch's I(X;T) and I(T;Y) per layer, float [L, 2]) over the
epochs that can be measured:

* ``simple``: every n-th epoch (and the last);
* ``delta_exact``: the skip grows by ``multiplier`` while consecutive measured epochs stay within
  a distance ``delta``; where they do not, the gap is bisected (seed 003's Figures 9-10) until
  every pair of consecutive measured epochs is within ``delta`` or adjacent;
* ``delta_approximate``: the same without bisecting (Figure 12);
* ``delta_exact_parallel``: ``delta_exact``'s epochs, measured in rounds: the next section's end
  and the bisection of every open gap together (seed 003: "backtracking and the next section in
  parallel").

The distance between two epochs (seed 003, eqs. 23-24, with the absolute change as issue 17
asks) is the largest change of any layer's I(X;T) or I(T;Y), optionally each divided by H(X)
resp. H(Y). :func:`~infoplane.skipping.selection.interpolation_error` measures a selection
against every epoch's values (the ground truth).
"""

from .selection import (Selection, delta_approximate, delta_exact, delta_exact_parallel, distance, interpolation_error,
                        simple)  # fmt: skip

__all__ = ["Selection", "distance", "simple", "delta_exact", "delta_approximate", "delta_exact_parallel",
           "interpolation_error"]  # fmt: skip
