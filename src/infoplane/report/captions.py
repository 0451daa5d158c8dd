"""The captions of the workflow's figures and tables, declared once for the PDF report and for
Snakemake's HTML report.

Each caption is a template (:data:`CAPTIONS`) with ``{field}`` placeholders filled from the study
(:func:`fields`) and a small markup that both outputs understand: ```name``` is a name from the
config or a file (set in typewriter type), ``I(X;T)`` and ``I(T;Y)`` are written as they read.
:func:`latex` renders one for the LaTeX template, :func:`rst` for the ``caption=`` of Snakemake's
``report()`` (``workflow/report/caption.rst`` shows the job's ``caption`` param).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

__all__ = ["CAPTIONS", "fields", "latex", "rst", "plain"]

CAPTIONS: dict[str, str] = {
    "information_plane": (
        "`{experiment}`, `{estimator}` ({parameters}): the information plane, I(T;Y) against I(X;T) of each layer at every "
        "recorded epoch, mean over {n_seeds} seeds (pooled for an estimator that pools seeds), coloured by epoch."
    ),
    "information_vs_epoch": (
        "`{experiment}`, `{estimator}`: I(X;T) and I(T;Y) of each layer against epoch, mean and one standard deviation "
        "over {n_seeds} seeds."
    ),
    "information_planes": (
        "`{experiment}`: the information planes of every estimator, from the same activation dumps. Each point is a "
        "layer at one recorded epoch, averaged over {n_seeds} seeds (pooled for the estimators that pool seeds), "
        "coloured by epoch; the layers of one epoch are joined by a line."
    ),
    "information_plane_intervals": (
        "`{experiment}`: information planes of the mean over the qualifying seeds, with {confidence}% bootstrap "
        "intervals of the mean on both axes, coloured by epoch ([ST17] Fig. 2 style), for the estimators whose claims "
        "are tested."
    ),
    "snr_transition": (
        "`{experiment}`: mean log10 gradient SNR of each hidden layer's weights with its bootstrap band; the solid line "
        "is the detected change-point (its interval shaded), the dotted line the epoch of the I(X;T) peak of the first "
        "tested estimator; the panel title gives the verdict of [ST17]'s claim that the two coincide."
    ),
    "learning_curves": (
        "`{experiment}`: train and test cross-entropy (nats) and accuracy against epoch, mean and one standard "
        "deviation over {n_seeds} seeds."
    ),
    "gradients": (
        "`{experiment}`: gradient statistics per layer ([ST17] Fig. 4), mean over seeds. Left: norm of the mean over "
        "an epoch's mini-batches of the weight gradient (solid) and norm of its standard deviation (dashed). Right: "
        "their ratio, the gradient signal-to-noise ratio (SNR)."
    ),
    "sweep": (
        "`{experiment}`: each hidden layer's fall of I(X;T) after its peak (mean over seeds) against the parameter "
        "swept by `{sweep}`."
    ),
    "generalisation": (
        "Each qualifying network's final test accuracy against the fall of I(X;T) in the last hidden layer (read at "
        "the peak epoch of the mean curve), experiments coloured, with Spearman's correlation over all of them and its "
        "interval ([SB18]'s claim that generalisation does not need compression)."
    ),
    "verdict_grid": (
        "Every claim (column, grouped by the experiment or pair that tests it) under every estimator (row): green "
        "confirmed, red refuted, grey inconclusive. Each cell: the deciding layer, the statistic and its {confidence}% "
        "bootstrap interval over seeds, in the units of the claim's table in the appendix (bits for falls and "
        "differences of I(X;T))."
    ),
    "validation_estimates": (
        "Estimate against truth at the largest N for every validation task; the dashed diagonal is a perfect estimator."
    ),
    "validation_bias": (
        "Bias of I(X;T) against the number of samples N (mean over each task's variants) and against the width d (the "
        "Gaussian tasks' dimension, the random layers' units) at the largest N."
    ),
    "summary_table": (
        "`{experiment}`, `{estimator}`: peak and final I(X;T) and I(T;Y) (bits) of each layer, mean and standard "
        "deviation over seeds; the peak is the epoch of the largest mean."
    ),
    "claims_table": (
        "Every claim of [ST17] and [SB18] the study tests: per experiment, estimator and layer (and over the hidden "
        "layers), the statistic, its {confidence}% bootstrap interval over seeds, the qualifying seeds, the verdict and "
        "the rule that gave it."
    ),
    "validation_summary": (
        "Every estimator on synthetic layers whose mutual information is known: mean and standard deviation of the "
        "estimate and of its bias (bits) per task, quantity and N."
    ),
    "report_pdf": "The study's PDF report: the answer and the verdict grid on page 1, then every figure and table above.",
}


def fields(config: Mapping, experiments: Mapping, instances: Mapping, **names) -> dict:
    """The placeholders' values for a figure of a study with validated ``config``,
    ``experiments`` (name -> :class:`infoplane.config.Experiment`) and estimator ``instances``
    (name -> :class:`infoplane.instances.Instance`), for the ``names`` the figure has
    (``experiment``, ``estimator``, ``sweep``; other names, such as ``study``, are kept)."""
    from .. import estimators
    from ..params import describe_values

    out = {**names, "confidence": f"{100 * float(config['claims']['confidence']):g}"}
    experiment = names.get("experiment")
    if experiment is not None:
        out["n_seeds"] = len(experiments[experiment].seeds)
    name = names.get("estimator")
    if name is not None:
        instance = instances[name]
        values = describe_values(estimators.get(instance.method).PARAMETERS, instance.params)
        out["parameters"] = instance.method + (f", {values}" if values else "")
    return out


def _fill(kind: str, values: Mapping) -> str:
    template = CAPTIONS[kind]
    wanted = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = wanted - set(values)
    if missing:
        raise KeyError(f"caption {kind!r} needs {sorted(missing)}")
    return template.format(**{k: values[k] for k in wanted})


_CODE = re.compile(r"`([^`]+)`")


def plain(kind: str, **values) -> str:
    """The caption as plain text (names without their backticks)."""
    return _CODE.sub(r"\1", _fill(kind, values))


def rst(kind: str, **values) -> str:
    """The caption in reStructuredText (names as literals), for Snakemake's HTML report."""
    text = _fill(kind, values).replace("*", r"\*")
    return _CODE.sub(r"``\1``", text)


def latex(kind: str, **values) -> str:
    """The caption in LaTeX (names in typewriter type, breakable at underscores)."""
    from .latex import tex_escape

    parts = _CODE.split(_fill(kind, values))  # odd positions: the names
    out = []
    for i, part in enumerate(parts):
        escaped = tex_escape(part)
        out.append(r"\texttt{" + escaped.replace(r"\_", r"\_\allowbreak{}") + "}" if i % 2 else escaped)
    return "".join(out).replace("I(X;T)", r"\IXT{}").replace("I(T;Y)", r"\ITY{}")
