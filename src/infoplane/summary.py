"""Summary of an information table: peak and final values per layer, described, not tested.

Whether a layer compressed is a claim with an interval, decided by :mod:`infoplane.claims`
(bootstrap over seeds, the peak's selection bias handled); this summary only describes the mean
curves. Kept apart from :mod:`infoplane.tables` so that changing it does not rerun estimators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["summarise_information", "SUMMARY_COLUMNS"]

#: Columns of :func:`summarise_information`, in order.
SUMMARY_COLUMNS = (
    "experiment", "estimator", "layer", "hidden", "quantity", "n_seeds", "n_seeds_excluded", "peak_epoch",
    "peak_mean_bits", "peak_std_bits", "final_epoch", "final_mean_bits", "final_std_bits", "drop_bits",
    "ceiling_bits", "n_epochs", "epochs_at_ceiling", "ceiling_from_epoch",
)  # fmt: skip

#: A mean I(X;T) within this of log2 P (bits) is "at the ceiling": the most a layer can carry about
#: P equally likely probe inputs, which binning reaches once every probe row has a bin of its own.
CEILING_TOLERANCE_BITS = 0.01


def _from_epoch(at: pd.Series):
    """The first epoch from which every entry of ``at`` (bool by ascending epoch) is true; NA
    when the last is false."""
    if not len(at) or not at.iloc[-1]:
        return pd.NA
    misses = np.flatnonzero(~at.to_numpy())
    return int(at.index[misses[-1] + 1] if len(misses) else at.index[0])


def summarise_information(table: pd.DataFrame) -> pd.DataFrame:
    """Peak and final I(X;T), I(T;Y) per layer, and each hidden layer's fall of I(X;T).

    For each layer and quantity, m(e) is the mean over seeds at epoch e and s(e) the standard
    deviation over seeds (ddof = 1). The peak is the epoch e* of the largest m; the final epoch
    e_f is the last one recorded. For I(X;T) of a hidden layer (every layer but the output),
    ``drop_bits = m(e*) - m(e_f)``: the in-sample fall, biased upward by the choice of e* on the
    same curve (see :mod:`infoplane.claims.bootstrap`; the claims table has the interval).

    Only seeds with a row at every epoch of the layer enter the means: a seed that diverged
    (its non-finite epochs have no rows, :mod:`infoplane.estimation`) would otherwise make the
    mean jump between epochs; ``n_seeds_excluded`` counts the seeds left out. A layer without a
    complete seed gets rows with ``n_seeds`` 0 and NaN values.
    Rows of pooled estimators (``seed`` empty) are used as they are (``n_seeds`` 0).

    ``ceiling_bits`` is log2 P for I(X;T) (P = the table's ``probe_size``; NaN for I(T;Y) or a
    table without it), ``n_epochs`` the recorded epochs of the layer and ``epochs_at_ceiling``
    how many of them have m(e) within :data:`CEILING_TOLERANCE_BITS` of it, and
    ``ceiling_from_epoch`` the first epoch from which every recorded epoch is (NA when the last
    is not): a layer at the ceiling from some epoch on is one whose I(X;T) the estimator cannot
    tell from the probe size, and whose fall it cannot see.

    Parameters
    ----------
    table : an information table of one experiment and estimator (may be empty).

    Returns
    -------
    pandas.DataFrame, one row per layer and quantity (``I_XT``, ``I_TY``) with the columns
    :data:`SUMMARY_COLUMNS`; no rows (but those columns) for an empty table.
    """
    if table.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in SUMMARY_COLUMNS})
    output_layer = int(table["layer"].max())
    rows = []
    for (experiment, estimator, layer), group in table.groupby(["experiment", "estimator", "layer"], sort=True):
        n_excluded = 0
        if group["seed"].notna().any():  # per-seed rows: only the seeds with every epoch
            epochs_per_seed = group.groupby("seed")["epoch"].nunique()
            complete = epochs_per_seed.index[epochs_per_seed == group["epoch"].nunique()]
            n_excluded = len(epochs_per_seed) - len(complete)
            group = group[group["seed"].isin(complete)]
        n_seeds = group["seed"].nunique()
        if group.empty:
            for quantity in ("I_XT", "I_TY"):
                hidden = int(layer) != output_layer
                rows.append({
                    "experiment": experiment, "estimator": estimator, "layer": int(layer), "hidden": hidden,
                    "quantity": quantity, "n_seeds": 0, "n_seeds_excluded": n_excluded,
                    "peak_epoch": pd.NA, "peak_mean_bits": np.nan, "peak_std_bits": np.nan,
                    "final_epoch": pd.NA, "final_mean_bits": np.nan, "final_std_bits": np.nan,
                    "drop_bits": np.nan, "ceiling_bits": np.nan, "n_epochs": 0, "epochs_at_ceiling": 0,
                    "ceiling_from_epoch": pd.NA,
                })  # fmt: skip
            continue
        ceiling = float(np.log2(group["probe_size"].iloc[0])) if "probe_size" in group else np.nan
        for quantity in ("I_XT", "I_TY"):
            by_epoch = group.groupby("epoch")[f"{quantity}_bits"]
            mean, std = by_epoch.mean(), by_epoch.std(ddof=1)
            at = (mean - ceiling).abs() <= CEILING_TOLERANCE_BITS  # by epoch, ascending
            peak_epoch = int(mean.idxmax())
            final_epoch = int(mean.index.max())
            row = {
                "experiment": experiment, "estimator": estimator, "layer": int(layer),
                "hidden": int(layer) != output_layer, "quantity": quantity, "n_seeds": n_seeds,
                "n_seeds_excluded": n_excluded,
                "peak_epoch": peak_epoch, "peak_mean_bits": mean[peak_epoch], "peak_std_bits": std[peak_epoch],
                "final_epoch": final_epoch, "final_mean_bits": mean[final_epoch],
                "final_std_bits": std[final_epoch],
                "drop_bits": mean[peak_epoch] - mean[final_epoch] if quantity == "I_XT" and int(layer) != output_layer else np.nan,
                "ceiling_bits": ceiling if quantity == "I_XT" else np.nan, "n_epochs": len(mean),
                "epochs_at_ceiling": int(at.sum()) if quantity == "I_XT" else 0,
                "ceiling_from_epoch": _from_epoch(at) if quantity == "I_XT" else pd.NA,
            }  # fmt: skip
            rows.append(row)
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for column in ("peak_epoch", "final_epoch", "ceiling_from_epoch"):
        summary[column] = summary[column].astype("Int64")
    return summary
