"""The signals that predict which member of a pair generalises better, declared once.

Seed 002 scores three signals measured on the training set: training accuracy, training loss and
"training M.I.", whose definition it does not give. Accuracy and loss come with their natural
direction (the member with the higher final training accuracy, resp. the lower final training
loss, is predicted to have the higher test accuracy). The MI signal is a *rule*: one of the
information-plane :data:`FEATURES` and a direction, fixed without looking at the pairs it is
scored on (chosen on the other network types, or on the other seeds when the study has one
type; :mod:`infoplane.generalisation.analysis`).

Every feature is measured on the training probe (``record.probe: train``), by the study's
``generalisation.estimator``, per seed, in bits (the peak epoch in epochs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Signal", "Feature", "SIGNALS", "FEATURES", "MI_SIGNAL", "RULES", "feature_table"]


@dataclass(frozen=True)
class Signal:
    """A signal scored on every pair: ``column`` of the network table, and the ``direction``
    (+1: higher predicts better, -1: lower predicts better; 0: chosen by cross-fitting)."""

    name: str
    label: str
    column: str
    direction: int
    description: str


@dataclass(frozen=True)
class Feature:
    """An information-plane feature of one network at the end of training: ``statistic``
    (``final``: the value at the last recorded epoch; ``fall``: peak minus final; ``peak_epoch``:
    the epoch of the peak) of ``quantity`` (``I_XT_bits`` or ``I_TY_bits``) on ``layer``
    (``last_hidden`` or ``output``, the softmax)."""

    name: str
    label: str
    layer: str
    quantity: str
    statistic: str

    @property
    def column(self) -> str:
        return f"feature_{self.name}"


FEATURES: tuple[Feature, ...] = (
    Feature("ity_last_hidden", "final I(T;Y) of the last hidden layer", "last_hidden", "I_TY_bits", "final"),
    Feature("ixt_last_hidden", "final I(X;T) of the last hidden layer", "last_hidden", "I_XT_bits", "final"),
    Feature("ixt_fall_last_hidden", "fall of I(X;T) from its peak, last hidden layer", "last_hidden", "I_XT_bits", "fall"),
    Feature("ixt_peak_epoch_last_hidden", "epoch of the I(X;T) peak, last hidden layer", "last_hidden", "I_XT_bits",
            "peak_epoch"),
    Feature("ity_output", "final I(T;Y) of the output layer", "output", "I_TY_bits", "final"),
    Feature("ixt_output", "final I(X;T) of the output layer", "output", "I_XT_bits", "final"),
    Feature("ixt_fall_output", "fall of I(X;T) from its peak, output layer", "output", "I_XT_bits", "fall"),
)  # fmt: skip

#: The MI signal's candidate rules, in the order ties are broken: (feature, direction).
RULES: tuple[tuple[Feature, int], ...] = tuple((f, d) for f in FEATURES for d in (+1, -1))

MI_SIGNAL = "mi"

SIGNALS: tuple[Signal, ...] = (
    Signal("train_accuracy", "training accuracy", "final_train_accuracy", +1,
           "the member with the higher final training accuracy"),
    Signal("train_loss", "training loss", "final_train_loss", -1, "the member with the lower final training loss"),
    Signal(MI_SIGNAL, "training MI (cross-fitted rule)", "", 0,
           "an information-plane feature on training inputs and its direction, chosen on other network types"),
)  # fmt: skip


def rule_label(feature: Feature, direction: int) -> str:
    """``higher final I(T;Y) of the last hidden layer`` and the like."""
    return f"{'higher' if direction > 0 else 'lower'} {feature.label}"


def feature_table(information: pd.DataFrame) -> pd.DataFrame:
    """One row per seed of an experiment: every feature of :data:`FEATURES`.

    Parameters
    ----------
    information : an information table (:mod:`infoplane.estimation`) of one experiment and
        one estimator instance: columns ``seed``, ``epoch``, ``layer`` (1 ... L, L the output),
        ``I_XT_bits``, ``I_TY_bits``.

    Returns
    -------
    DataFrame with ``seed`` and one column per feature (``feature_<name>``); a seed without
    rows (diverged before its first recorded epoch) has none.

    Raises
    ------
    ValueError
        If the table has fewer than two layers (no hidden layer).
    """
    columns = ["seed"] + [f.column for f in FEATURES]
    if information.empty:
        return pd.DataFrame(columns=columns)
    n_layers = int(information["layer"].max())
    if n_layers < 2:
        raise ValueError(f"the information table has {n_layers} layer(s); the features need a hidden layer and the output")
    layer_of = {"last_hidden": n_layers - 1, "output": n_layers}
    rows = []
    for seed, table in information.groupby("seed", sort=True):
        row = {"seed": int(seed)}
        for feature in FEATURES:
            curve = table[table["layer"] == layer_of[feature.layer]].sort_values("epoch")
            values = curve[feature.quantity].to_numpy(dtype=float)
            if len(values) == 0:
                row[feature.column] = np.nan
                continue
            peak = int(np.argmax(values))
            row[feature.column] = {
                "final": values[-1],
                "fall": values[peak] - values[-1],
                "peak_epoch": float(curve["epoch"].to_numpy()[peak]),
            }[feature.statistic]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
