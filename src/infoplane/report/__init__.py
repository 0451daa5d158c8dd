"""The LaTeX report: a Jinja2 template in ``report/`` filled from the workflow's tables, compiled
by latexmk. The report renders what the tables say and recomputes nothing.

* :mod:`infoplane.report.latex`: escaping, number formats, rendering, compiling;
* :mod:`infoplane.report.results`: set-up, dataset facts, per-layer peak and final values;
* :mod:`infoplane.report.claims`: the verdict table of the claims, the seeds left out;
* :mod:`infoplane.report.validation`: the validation section;
* :func:`build_context`: everything the template needs, from those.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .latex import LatexError, bits, compile_pdf, render, software_versions, tex_escape
from .results import (
    _init_text, accuracy_sentence, ceiling_sentence, dataset_facts, layer_rows, model_text, optimizer_text, regulariser_text,
)
from . import captions
from .. import datasets as datasets_module
from .claims import claim_answers, claim_counts, excluded_seeds, label, verdict_sections
from .validation import COLUMNS, bias_rows, ceiling_sentences, estimator_sentence, width_rows

__all__ = [
    "LatexError", "tex_escape", "bits", "software_versions", "render", "compile_pdf", "dataset_facts", "build_context",
]  # fmt: skip


def _setup_rows(experiments, chunk_infos) -> list[dict]:
    rows = []

    def add(label, fn):
        rows.append({"label": label, "values": [str(fn(e)) for e in experiments]})

    add("dataset", lambda e: e.dataset)
    add("network", lambda e: model_text(e.settings["model"]))
    add("layer widths", lambda e: "-".join(str(w) for w in chunk_infos[e.name].widths))
    add("activation", lambda e: e.settings["activation"])
    init_text = _init_text()
    add("initialisation", lambda e: init_text[e.settings["init"]])
    add("optimiser", lambda e: optimizer_text(e.settings))
    add("regularisers", lambda e: regulariser_text(e.settings))
    add("batch size", lambda e: e.settings["batch_size"])
    add("epochs", lambda e: e.settings["epochs"])
    add("train/test inputs", lambda e: f"{len(chunk_infos[e.name].train_index)}/{len(chunk_infos[e.name].test_index)}"
        f" (fraction {e.settings['train_fraction']:g}, split seed {e.settings['split_seed']})")
    add("seeds", lambda e: f"{len(e.seeds)} ({e.seeds[0]}-{e.seeds[-1]}), {len(e.chunks)} chunk(s)")
    add("recorded epochs", lambda e: f"{len(chunk_infos[e.name].epochs)} ({e.settings['record']['schedule']} schedule"
        + (f", every epoch of the last {e.settings['record']['tail']}" if e.settings["record"].get("tail") else "") + ")")
    add("estimator instances", lambda e: len(e.estimators))
    add("device", lambda e: chunk_infos[e.name].attrs.get("device", "?"))
    return rows


def build_context(
    *,
    study: str,
    config: Mapping,
    experiments: Mapping,
    instances: Mapping,
    summaries: Mapping[tuple[str, str], pd.DataFrame],
    training_tables: Mapping[str, pd.DataFrame],
    datasets: Mapping[str, tuple[np.ndarray, np.ndarray]],
    chunk_infos: Mapping[str, object],
    validation_summary: pd.DataFrame,
    claims: pd.DataFrame,
    qualified: Sequence[pd.DataFrame],
    claim_instances: Mapping[str, Sequence[str]],
    figures: Mapping,
    sweeps: Mapping[str, Sequence[str]],
    report_dir: str | os.PathLike,
    config_files: Sequence[str],
) -> dict:
    """Everything the template needs, from the results.

    Parameters
    ----------
    config : the validated config; ``experiments``: name -> :class:`infoplane.config.Experiment`;
        ``instances``: name -> :class:`infoplane.instances.Instance`.
    summaries : (experiment, instance) -> summary table (:mod:`infoplane.summary`).
    training_tables : experiment -> training table.
    datasets : dataset name -> (inputs, labels).
    chunk_infos : experiment -> :class:`infoplane.recording.RunInfo` of its first chunk.
    validation_summary : :func:`infoplane.validation.summarise_validation` of the validation table.
    claims : the study's claims table (:mod:`infoplane.claims`); qualified : per experiment, the
        seeds the claims used or left out; claim_instances : experiment -> tested instances.
    figures : ``{(experiment, "learning"|"gradients"|"planes"): pdf, (experiment, instance,
        "plane"|"epochs"): pdf, (experiment, sweep, "sweep"): pdf, "validation_estimates": pdf,
        "validation_bias": pdf}``.
    sweeps : experiment -> names of the sweeps it runs in full.
    report_dir : directory of the ``.tex`` file; figure paths are made relative to it.

    Returns
    -------
    dict of plain values (strings, numbers, lists, dicts) named as the template uses them.
    """
    from datetime import datetime, timezone

    from .. import estimators

    def rel(path) -> str:
        return Path(os.path.relpath(path, report_dir)).as_posix()

    def caption(kind, **names) -> str:  # the same words as the HTML report's (infoplane.report.captions)
        return captions.latex(kind, **captions.fields(config, experiments, instances, **names))

    exp_list = list(experiments.values())  # in the order of the config file
    used = list(dict.fromkeys(name for e in exp_list for name in e.estimators))
    estimator_rows = []
    for name in used:
        instance = instances[name]
        module = estimators.get(instance.method)
        estimator_rows.append({"name": name, "method": instance.method, "source": module.SOURCE,
                               "description": estimators.describe(instance.method, instance.params)})  # fmt: skip
    descriptions = {row["name"]: row["description"] for row in estimator_rows}

    exp_context = []
    for e in exp_list:
        est_context = []
        for name in e.estimators:
            est_context.append({
                "name": name,
                "label": label(f"{e.name}-{name}"),
                "description": descriptions[name],
                "plane_figure": rel(figures[(e.name, name, "plane")]),
                "epoch_figure": rel(figures[(e.name, name, "epochs")]),
                "plane_caption": caption("information_plane", experiment=e.name, estimator=name),
                "epoch_caption": caption("information_vs_epoch", experiment=e.name, estimator=name),
                "table_caption": caption("summary_table", experiment=e.name, estimator=name),
                "table": layer_rows(summaries[(e.name, name)]),
                "ceiling": ceiling_sentence(summaries[(e.name, name)]),
            })  # fmt: skip
        exp_context.append({
            "name": e.name, "n_seeds": len(e.seeds), "label": label(e.name),
            "captions": {kind: caption(kind, experiment=e.name) for kind in (
                "information_planes", "information_plane_intervals", "snr_transition", "learning_curves", "gradients")},
            "sentence": accuracy_sentence(training_tables[e.name], len(e.seeds), e.settings["activation"], e.settings["epochs"]),
            "learning_figure": rel(figures[(e.name, "learning")]),
            "gradient_figure": rel(figures[(e.name, "gradients")]),
            "planes_figure": rel(figures[(e.name, "planes")]),
            "plane_intervals_figure": rel(figures[(e.name, "plane_intervals")]),
            "snr_figure": rel(figures[(e.name, "snr")]),
            "claim_estimators": list(claim_instances.get(e.name, [])),
            "sweeps": [{"name": s, "figure": rel(figures[(e.name, s, "sweep")]),
                        "caption": caption("sweep", experiment=e.name, sweep=s)} for s in sweeps.get(e.name, [])],
            "estimators": est_context,
        })  # fmt: skip
    dataset_context = []
    for name in dict.fromkeys(e.dataset for e in exp_list):
        spec = config["datasets"][name]
        source = datasets_module.source_of(spec).describe(spec)
        dataset_context.append({"name": name, "source": source, "facts": dataset_facts(*datasets[name])})

    from .. import families

    network_notes = [
        {"title": f"Networks: {families.get(name).DESCRIPTION} ({name})", "text": getattr(families.get(name), "RECORDED", "")}
        for name in dict.fromkeys(e.settings["model"]["family"] for e in exp_list)
    ]  # fmt: skip
    n_max, bias = bias_rows(validation_summary)
    widths, by_width = width_rows(validation_summary)
    validated = list(dict.fromkeys(validation_summary["estimator"]))
    first = chunk_infos[exp_list[0].name]
    report = config.get("report", {})
    return {
        "title": report.get("title", "Information planes of deep networks: a reproduction"),
        "author": report.get("author", "infoplane"),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "config_name": ", ".join(config_files),
        "datasets": dataset_context,
        "network_notes": network_notes,
        "setup_rows": _setup_rows(exp_list, chunk_infos),
        "estimators": estimator_rows,
        "experiments": exp_context,
        "claim_sections": verdict_sections(claims),
        "ceilings": [{"experiment": e["name"], "estimator": est["name"], "sentence": est["ceiling"]}
                     for e in exp_context for est in e["estimators"] if est["ceiling"]],
        "answers": claim_answers(claims, [e.name for e in exp_list]),
        "question": report.get("question"),
        "captions": {kind: caption(kind) for kind in (
            "verdict_grid", "generalisation", "validation_estimates", "validation_bias")},
        "claim_counts": claim_counts(claims),
        "claim_settings": config["claims"],
        "excluded_seeds": excluded_seeds(qualified),
        "generalisation_figure": rel(figures["generalisation"]),
        "verdict_grid_figure": rel(figures["verdict_grid"]),
        "study": study,
        "validation": {
            "n_max": n_max,
            "n_samples": sorted(int(n) for n in validation_summary["n_samples"].unique()),
            "columns": [f"{task[:6]}. {'I(X;T)' if q == 'I_XT' else 'I(T;Y)'}" if task == "deterministic"
                        else f"{task} {'I(X;T)' if q == 'I_XT' else 'I(T;Y)'}" for task, q in COLUMNS],
            "rows": bias,
            "sentences": [estimator_sentence(validation_summary, name) for name in validated],
            "width_headers": [f"$d = {width}$" for width in widths],
            "width_rows": by_width,
            "ceiling": ceiling_sentences(validation_summary),
            "estimates_figure": rel(figures["validation_estimates"]),
            "bias_figure": rel(figures["validation_bias"]),
            "settings": {k: v for k, v in config["validation"].items() if k != "estimators"},
        },
        "software": software_versions(),
        "training_torch": first.attrs.get("torch_version", "?"),
        "training_device": first.attrs.get("device", "?"),
    }
