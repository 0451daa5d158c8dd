"""Summary of an information table: peak and final values per layer, and the compression test.

Kept apart from :mod:`infoplane.tables` so that changing the summary does not rerun estimators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["summarise_information"]


#: Smallest fall of I(X;T), in bits, that can count as compression: below the precision at
#: which the report prints values, a "fall" is rounding noise even when the seeds agree exactly.
MIN_DROP_BITS = 0.01


def summarise_information(table: pd.DataFrame, *, min_drop_bits: float = MIN_DROP_BITS) -> pd.DataFrame:
    """Peak and final I(X;T), I(T;Y) per layer, and whether each hidden layer compressed.

    For each layer and quantity, m(e) is the mean over seeds at epoch e and s(e) the standard
    deviation over seeds (ddof = 1). The peak is the epoch e* of the largest m; the final epoch
    e_f is the last one recorded. For I(X;T) of a hidden layer (every layer but the output):

    * ``drop_bits = m(e*) - m(e_f)``, ``spread_bits = max(s(e*), s(e_f))``;
    * ``compression`` is ``"yes"`` when the layer's I(X;T) fell after its peak by more than the
      spread over seeds (``drop_bits > spread_bits``, ``drop_bits > min_drop_bits`` and
      ``e* < e_f``), ``"no"`` otherwise, and ``"undetermined"`` with fewer than two seeds (no
      spread to compare with);
    * ``compression_from_epoch`` is e* when compression is ``"yes"``.

    Parameters
    ----------
    table : an information table of one experiment and estimator.

    Returns
    -------
    pandas.DataFrame, one row per layer and quantity (``I_XT``, ``I_TY``) with columns
    ``experiment, estimator, layer, hidden, quantity, n_seeds, peak_epoch, peak_mean_bits,
    peak_std_bits, final_epoch, final_mean_bits, final_std_bits, drop_bits, spread_bits,
    compression, compression_from_epoch, min_drop_bits``.

    Raises
    ------
    ValueError
        If ``table`` is empty.
    """
    if table.empty:
        raise ValueError("empty information table")
    output_layer = int(table["layer"].max())
    rows = []
    for (experiment, estimator, layer), group in table.groupby(["experiment", "estimator", "layer"], sort=True):
        n_seeds = group["seed"].nunique()
        for quantity in ("I_XT", "I_TY"):
            by_epoch = group.groupby("epoch")[f"{quantity}_bits"]
            mean, std = by_epoch.mean(), by_epoch.std(ddof=1)
            peak_epoch = int(mean.idxmax())
            final_epoch = int(mean.index.max())
            row = {
                "experiment": experiment, "estimator": estimator, "layer": int(layer),
                "hidden": int(layer) != output_layer, "quantity": quantity, "n_seeds": n_seeds,
                "peak_epoch": peak_epoch, "peak_mean_bits": mean[peak_epoch], "peak_std_bits": std[peak_epoch],
                "final_epoch": final_epoch, "final_mean_bits": mean[final_epoch],
                "final_std_bits": std[final_epoch],
                "drop_bits": np.nan, "spread_bits": np.nan, "compression": "", "compression_from_epoch": pd.NA,
                "min_drop_bits": min_drop_bits,
            }  # fmt: skip
            if quantity == "I_XT" and row["hidden"]:
                drop = mean[peak_epoch] - mean[final_epoch]
                spread = max(std[peak_epoch], std[final_epoch]) if n_seeds >= 2 else np.nan
                row["drop_bits"], row["spread_bits"] = drop, spread
                if n_seeds < 2:
                    row["compression"] = "undetermined"
                elif drop > spread and drop > min_drop_bits and peak_epoch < final_epoch:
                    row["compression"] = "yes"
                    row["compression_from_epoch"] = peak_epoch
                else:
                    row["compression"] = "no"
            rows.append(row)
    summary = pd.DataFrame(rows)
    summary["compression_from_epoch"] = summary["compression_from_epoch"].astype("Int64")
    return summary
