"""The report's set-up and results sections, rendered from the summary and training tables:
dataset facts, the set-up table, per-layer peak and final values, accuracy sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .latex import bits

__all__ = [
    "dataset_facts", "mean_sd", "layer_rows", "accuracy_sentence", "model_text", "optimizer_text", "regulariser_text",
]  # fmt: skip

def _init_text() -> dict:
    from ..choices import INITIALISATIONS  # the one declaration

    return INITIALISATIONS


def model_text(model) -> str:
    """The network of an experiment, from its family's declaration: ``fully connected network
    (hidden_widths = 10-7-5-4-3)``."""
    from .. import families

    return families.describe(model)


def optimizer_text(settings) -> str:
    """The optimiser with its hyper-parameters, learning rate and weight decay, from its declaration."""
    from ..choices import OPTIMIZERS

    optimizer = OPTIMIZERS[settings["optimizer"]]
    return optimizer.describe(settings.get("optimizer_params") or {}, float(settings["learning_rate"]))


def regulariser_text(settings) -> str:
    """The regularisers that are on (``weight_decay 0.0005, dropout 0.2``), or ``none``."""
    from ..choices import REGULARISERS
    from ..params import format_value

    on = [f"{name.replace('_', ' ')}" + ("" if isinstance(settings.get(name), bool) else f" {format_value(settings[name])}")
          for name, r in REGULARISERS.items() if r.active(settings.get(name))]  # fmt: skip
    return ", ".join(on) or "none"


def dataset_facts(inputs: np.ndarray, labels: np.ndarray) -> dict:
    """N, input width, number of classes, p(y) and H(Y) = I(X;Y) in bits (distinct inputs)."""
    counts = np.bincount(labels)
    p = counts[counts > 0] / len(labels)
    distinct = len(np.unique(inputs, axis=0))
    return {
        "n_samples": len(labels),
        "input_width": inputs.shape[1],
        "n_classes": len(counts),
        "p_y": [float(x) for x in counts / len(labels)],
        "entropy_y_bits": float(-(p * np.log2(p)).sum()),
        "distinct_inputs": distinct,
        "entropy_x_bits": float(np.log2(distinct)) if distinct == len(labels) else float("nan"),
    }


def mean_sd(mean, sd) -> str:
    """``mean ± sd`` in LaTeX (just the mean when there is no spread)."""
    if sd is None or pd.isna(sd):
        return bits(mean, 2)
    return rf"{bits(mean, 2)} $\pm$ {bits(sd, 2)}"


def layer_rows(summary: pd.DataFrame) -> list[dict]:
    """Rows of the per-layer peak/final table of one experiment and estimator."""
    table = []
    for layer, group in summary.groupby("layer"):
        xt = group[group["quantity"] == "I_XT"].iloc[0]
        ty = group[group["quantity"] == "I_TY"].iloc[0]
        table.append({
            "layer": f"{int(layer)}" + ("" if xt["hidden"] else " (out)"),
            "xt_peak": mean_sd(xt["peak_mean_bits"], xt["peak_std_bits"]),
            "xt_peak_epoch": int(xt["peak_epoch"]),
            "xt_final": mean_sd(xt["final_mean_bits"], xt["final_std_bits"]),
            "ty_peak": mean_sd(ty["peak_mean_bits"], ty["peak_std_bits"]),
            "ty_peak_epoch": int(ty["peak_epoch"]),
            "ty_final": mean_sd(ty["final_mean_bits"], ty["final_std_bits"]),
        })  # fmt: skip
    return table


def accuracy_sentence(training: pd.DataFrame, n_seeds: int, activation: str, epochs: int) -> str:
    """Train and test accuracy at the last epoch, mean ± sd over seeds, as a sentence."""
    last = training[training["epoch"] == training["epoch"].max()]
    acc = {q: last.loc[last["quantity"] == q, "value"] for q in ("train_accuracy", "test_accuracy")}
    spread = lambda values: values.std(ddof=1) if n_seeds > 1 else 0.0  # noqa: E731
    sentence = (f"{n_seeds} networks ({activation}) trained for {epochs} epochs reach a train accuracy of "
                f"{acc['train_accuracy'].mean():.3f} ± {spread(acc['train_accuracy']):.3f}")  # fmt: skip
    if acc["test_accuracy"].notna().any():
        sentence += f" and a test accuracy of {acc['test_accuracy'].mean():.3f} ± {spread(acc['test_accuracy']):.3f}"
    return sentence + " (mean ± sd over seeds, last epoch)."


def _layer_list(layers) -> str:
    layers = [str(int(layer)) for layer in layers]
    return layers[0] if len(layers) == 1 else ", ".join(layers[:-1]) + " and " + layers[-1]


def ceiling_sentence(summary: pd.DataFrame) -> str:
    """The hidden layers of one experiment and estimator whose mean I(X;T) sits at log2 P
    (summary columns ``ceiling_bits``, ``ceiling_from_epoch``, ``epochs_at_ceiling``) from some
    epoch to the end, grouped by that epoch, and those at it at some epochs but not the last;
    empty when there are none (or the table has no probe size)."""
    xt = summary[(summary["quantity"] == "I_XT") & summary["hidden"].astype(bool) & (summary["n_epochs"] > 0)]
    if xt.empty or xt["ceiling_bits"].isna().all():
        return ""
    held = xt[xt["ceiling_from_epoch"].notna()]
    passing = xt[xt["ceiling_from_epoch"].isna() & (xt["epochs_at_ceiling"] > 0)]
    if held.empty and passing.empty:
        return ""
    ceiling = float(xt["ceiling_bits"].iloc[0])
    parts = []
    for epoch, group in held.groupby("ceiling_from_epoch", sort=True):
        every = (group["epochs_at_ceiling"] == group["n_epochs"]).all()
        when = (f"at every one of the {int(group['n_epochs'].max())} recorded epochs" if every
                else f"from epoch {int(epoch)} to the end")  # fmt: skip
        parts.append(f"{when} in layer{'s' if len(group) > 1 else ''} {_layer_list(group['layer'])}")
    if not passing.empty:
        counts = ", ".join(f"{int(r.layer)} ({int(r.epochs_at_ceiling)} of {int(r.n_epochs)})" for r in passing.itertuples())
        parts.append(f"at some epochs but not the last in layer{'s' if len(passing) > 1 else ''} {counts}")
    return (f"I(X;T) at log2 P = {bits(ceiling)} bits (P = {int(round(2**ceiling))} probe inputs) "
            + "; ".join(parts) + f" (of {len(xt)} hidden layers).")
