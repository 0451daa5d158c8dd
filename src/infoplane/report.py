"""The LaTeX report: a Jinja2 template in ``report/`` filled from the results, compiled by latexmk.

The template uses LaTeX-friendly delimiters: ``\\VAR{expression}``, ``\\BLOCK{statement}``,
line statements starting with ``%%`` and comments ``\\#{…}``; the ``tex`` filter escapes text
and ``bits`` formats a number of bits.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd


__all__ = [
    "tex_escape",
    "software_versions",
    "compression_statement",
    "dataset_facts",
    "render",
    "compile_pdf",
    "LatexError",
    "estimator_description",
    "build_context",
]

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip

#: Packages whose versions the report lists.
SOFTWARE = ("infoplane", "torch", "numpy", "scipy", "pandas", "h5py", "matplotlib", "jinja2", "snakemake")

LATEX_PACKAGES = "latexmk texlive-latex-recommended texlive-fonts-recommended lmodern"


class LatexError(RuntimeError):
    """LaTeX is missing or the document did not compile."""


def tex_escape(value) -> str:
    """``value`` as text safe to place in LaTeX."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(value))


def _bits(value, digits: int | None = None) -> str:
    """A number of bits for the report: 2 decimals, 3 below 0.1 (so that a fall of 0.019 bits
    and a spread of 0.016 bits do not both print as 0.02), or ``digits`` decimals."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "--"
    value = float(value)
    if digits is None:
        digits = 3 if abs(value) < 0.1 else 2
    return f"{value:.{digits}f}"


def software_versions() -> list[tuple[str, str]]:
    """(name, version) of Python, the platform, the packages in :data:`SOFTWARE` and latexmk."""
    versions = [("Python", platform.python_version()), ("platform", platform.platform())]
    for name in SOFTWARE:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    latexmk = shutil.which("latexmk")
    if latexmk:
        out = subprocess.run([latexmk, "--version"], capture_output=True, text=True).stdout
        line = next((ln for ln in out.splitlines() if "Version" in ln), out.strip()[:60])
        versions.append(("latexmk", line.strip()))
    return versions


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


def compression_statement(row: Mapping) -> str:
    """One sentence on whether a hidden layer's I(X;T) compressed (a row of a summary table)."""
    layer = f"Layer {int(row['layer'])}"
    peak = f"I(X;T) peaked at {_bits(row['peak_mean_bits'], 2)} bits at epoch {int(row['peak_epoch'])}"
    final = f"{_bits(row['final_mean_bits'], 2)} bits at epoch {int(row['final_epoch'])}"
    if int(row["peak_epoch"]) == int(row["final_epoch"]):
        return f"{layer}: {peak}, the last recorded epoch: no compression."
    if row["compression"] == "undetermined":
        return f"{layer}: {peak} and ended at {final}; with a single seed there is no spread to compare the fall with."
    fall = f"fell by {_bits(row['drop_bits'])} bits to {final}"
    spread = f"the spread over seeds ({_bits(row['spread_bits'])} bits)"
    if row["compression"] == "yes":
        return f"{layer}: {peak} and {fall}, more than {spread}: compression from epoch {int(row['compression_from_epoch'])}."
    if float(row["drop_bits"]) <= float(row["min_drop_bits"]):
        return f"{layer}: {peak} and was still at {final} (a fall of at most {row['min_drop_bits']:g} bits): no compression."
    return f"{layer}: {peak} and {fall}, within {spread}: no compression."


def _environment(template_dir: Path):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["tex"] = tex_escape
    env.filters["bits"] = _bits
    return env


def render(template: str | os.PathLike, context: Mapping, output: str | os.PathLike) -> Path:
    """Fill the Jinja2 template with ``context`` and write the ``.tex`` file ``output``.

    Raises
    ------
    jinja2.UndefinedError
        If the template uses a name the context lacks.
    """
    template = Path(template)
    text = _environment(template.parent).get_template(template.name).render(**context)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    return output


def compile_pdf(tex: str | os.PathLike, log: str | os.PathLike | None = None) -> Path:
    """Compile ``tex`` with ``latexmk -pdf`` in its own directory; returns the PDF path.

    Raises
    ------
    LatexError
        If latexmk is not installed (naming the Debian packages to install) or LaTeX fails (the
        tail of its log is in the message; the whole log in ``log``).
    """
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        raise LatexError(
            f"latexmk not found: install LaTeX, e.g. `apt-get install -y {LATEX_PACKAGES}` "
            "(`make latex` does this), or run Snakemake with --software-deployment-method conda"
        )
    tex = Path(tex).resolve()
    result = subprocess.run(
        [latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name],
        cwd=tex.parent, capture_output=True, text=True,
    )  # fmt: skip
    output = result.stdout + result.stderr
    if log is not None:
        Path(log).write_text(output)
    if result.returncode != 0:
        raise LatexError(f"latexmk failed on {tex} (exit {result.returncode}):\n" + "\n".join(output.splitlines()[-30:]))
    return tex.with_suffix(".pdf")


def estimator_description(method: str, params: Mapping) -> str:
    """A LaTeX phrase that defines an estimator instance and its parameters."""
    if method == "binning":
        if params.get("bin_size") is not None:
            b = params["bin_size"]
            return rf"[SB18] binning: bins of width $b = {b:g}$, $\lfloor a / b \rfloor$, any activation range"
        n = params["n_bins"]
        return (
            rf"[ST17] binning: {n} bin edges \texttt{{linspace(-1, 1, {n})}}, "
            r"$a \mapsto$ \texttt{edges[digitize(a, edges) - 1]} (values outside $[-1, 1]$ land in the last bin)"
        )
    if method == "kde":
        s2 = params["noise_variance"]
        bound = "upper bound $H_{\\mathrm{KL}}$" if params["bound"] == "upper" else "lower bound $H_{\\mathrm{BD}}$"
        return rf"[KT17] KDE {bound}, noise variance $s^2 = {s2:g}$"
    return tex_escape(f"{method} {dict(params)}")


_INIT_TEXT = {
    "st17": "truncated normal, sd 1/sqrt(fan_in) [ST17]",
    "sb18": "truncated normal, sd 1/sqrt(fan_out) [SB18]",
    "torch_default": "uniform ±1/sqrt(fan_in) (PyTorch default)",
}


def _mean_sd(mean, sd) -> str:
    if sd is None or pd.isna(sd):
        return _bits(mean, 2)
    return rf"{_bits(mean, 2)} $\pm$ {_bits(sd, 2)}"


def _min_drop_bits(summaries) -> float:
    values = {float(v) for table in summaries for v in table["min_drop_bits"]}
    if len(values) != 1:
        raise ValueError(f"summaries were made with different min_drop_bits: {sorted(values)}")
    return values.pop()


def _verdict(rows: Sequence[Mapping]) -> str:
    hidden = [r for r in rows if r["quantity"] == "I_XT" and r["hidden"]]
    if any(r["compression"] == "undetermined" for r in hidden):
        return "undetermined (a single seed gives no spread over seeds)"
    yes = [r for r in hidden if r["compression"] == "yes"]
    if not yes:
        return f"no hidden layer compressed (of {len(hidden)})"
    word = "layer" if len(yes) == 1 else "layers"
    layers = ", ".join(f"{int(r['layer'])} ({_bits(r['drop_bits'])} bits from epoch {int(r['peak_epoch'])})" for r in yes)
    return f"compression in hidden {word} {layers} (of {len(hidden)})"


def build_context(
    *,
    config: Mapping,
    experiments: Mapping,
    summaries: Mapping[tuple[str, str], pd.DataFrame],
    training_tables: Mapping[str, pd.DataFrame],
    datasets: Mapping[str, tuple[np.ndarray, np.ndarray]],
    chunk_infos: Mapping[str, object],
    figures: Mapping,
    report_dir: str | os.PathLike,
    config_files: Sequence[str],
) -> dict:
    """Everything the template needs, from the results.

    Returns a dict of plain values (strings, numbers, lists, dicts) named as the template uses
    them: title, author, generated, config_name, datasets, setup_rows, estimators, experiments,
    overview_figure, min_drop_bits, software, training_torch, training_device.

    Parameters
    ----------
    config : the validated config; ``experiments``: name -> :class:`infoplane.config.Experiment`.
    summaries : (experiment, estimator) -> summary table (:mod:`infoplane.summary`).
    training_tables : experiment -> training table.
    datasets : dataset name -> (inputs, labels).
    chunk_infos : experiment -> :class:`infoplane.recording.RunInfo` of its first chunk.
    figures : ``{"overview": pdf, (experiment, "learning"|"gradients"): pdf,
        (experiment, estimator, "plane"|"epochs"): pdf}``.
    report_dir : directory of the ``.tex`` file; figure paths are made relative to it.
    """
    from datetime import datetime, timezone

    def rel(path) -> str:
        return Path(os.path.relpath(path, report_dir)).as_posix()

    exp_list = list(experiments.values())  # in the order of the config file
    setup_rows = []

    def add(label, fn):
        setup_rows.append({"label": label, "values": [str(fn(e)) for e in exp_list]})

    add("dataset", lambda e: e.dataset)
    add("layer widths", lambda e: "-".join(str(w) for w in chunk_infos[e.name].widths))
    add("activation", lambda e: e.settings["activation"])
    add("initialisation", lambda e: _INIT_TEXT[e.settings["init"]])
    add("optimiser", lambda e: f"{'Adam' if e.settings['optimizer'] == 'adam' else 'SGD'}, lr {e.settings['learning_rate']:g}")
    add("batch size", lambda e: e.settings["batch_size"])
    add("epochs", lambda e: e.settings["epochs"])
    add("train/test inputs", lambda e: f"{len(chunk_infos[e.name].train_index)}/{len(chunk_infos[e.name].test_index)}"
        f" (fraction {e.settings['train_fraction']:g}, split seed {e.settings['split_seed']})")
    add("seeds", lambda e: f"{len(e.seeds)} ({e.seeds[0]}-{e.seeds[-1]}), {len(e.chunks)} chunk(s)")
    add("recorded epochs", lambda e: f"{len(chunk_infos[e.name].epochs)} ({e.settings['record']['schedule']} schedule)")
    add("estimators", lambda e: ", ".join(e.estimators))
    add("device", lambda e: chunk_infos[e.name].attrs.get("device", "?"))

    estimators = [
        {"name": name, "method": spec["estimator"], "description": estimator_description(spec["estimator"], spec["params"])}
        for name, spec in config["estimators"].items()
    ]
    descriptions = {e["name"]: e["description"] for e in estimators}

    exp_context = []
    for e in exp_list:
        training = training_tables[e.name]
        last = training[training["epoch"] == training["epoch"].max()]
        acc = {q: last.loc[last["quantity"] == q, "value"] for q in ("train_accuracy", "test_accuracy")}
        sentence = (
            f"{len(e.seeds)} networks ({e.settings['activation']}) trained for {e.settings['epochs']} epochs reach a train accuracy of "
            f"{acc['train_accuracy'].mean():.3f} ± {acc['train_accuracy'].std(ddof=1) if len(e.seeds) > 1 else 0:.3f}"
        )
        if acc["test_accuracy"].notna().any():
            sentence += (
                f" and a test accuracy of {acc['test_accuracy'].mean():.3f} ± "
                f"{acc['test_accuracy'].std(ddof=1) if len(e.seeds) > 1 else 0:.3f}"
            )
        sentence += " (mean ± sd over seeds, last epoch)."
        est_context = []
        for name in e.estimators:
            summary = summaries[(e.name, name)]
            rows = summary.to_dict("records")
            table = []
            for layer, group in summary.groupby("layer"):
                xt = group[group["quantity"] == "I_XT"].iloc[0]
                ty = group[group["quantity"] == "I_TY"].iloc[0]
                table.append({
                    "layer": f"{int(layer)}" + ("" if xt["hidden"] else " (out)"),
                    "xt_peak": _mean_sd(xt["peak_mean_bits"], xt["peak_std_bits"]),
                    "xt_peak_epoch": int(xt["peak_epoch"]),
                    "xt_final": _mean_sd(xt["final_mean_bits"], xt["final_std_bits"]),
                    "compression": xt["compression"] if isinstance(xt["compression"], str) and xt["compression"] else "--",
                    "ty_peak": _mean_sd(ty["peak_mean_bits"], ty["peak_std_bits"]),
                    "ty_peak_epoch": int(ty["peak_epoch"]),
                    "ty_final": _mean_sd(ty["final_mean_bits"], ty["final_std_bits"]),
                })  # fmt: skip
            statements = [compression_statement(r) for r in rows if r["quantity"] == "I_XT" and r["hidden"]]
            est_context.append({
                "name": name,
                "description": descriptions[name],
                "plane_figure": rel(figures[(e.name, name, "plane")]),
                "epoch_figure": rel(figures[(e.name, name, "epochs")]),
                "table": table,
                "statements": statements,
                "verdict": _verdict(rows),
            })  # fmt: skip
        exp_context.append({
            "name": e.name, "n_seeds": len(e.seeds), "sentence": sentence,
            "learning_figure": rel(figures[(e.name, "learning")]),
            "gradient_figure": rel(figures[(e.name, "gradients")]),
            "estimators": est_context,
        })  # fmt: skip

    dataset_names = list(dict.fromkeys(e.dataset for e in exp_list))
    dataset_context = []
    for name in dataset_names:
        spec = config["datasets"][name]
        source = (
            "generated from the labelling rule of [ST17] (12 inputs on the vertices of an icosahedron)"
            if spec.get("builtin") == "tishby" else f"read from {spec['path']}"
        )
        dataset_context.append({"name": name, "source": source, "facts": dataset_facts(*datasets[name])})

    first = chunk_infos[exp_list[0].name]
    report = config.get("report", {})
    return {
        "title": report.get("title", "Information planes of deep networks: a reproduction"),
        "author": report.get("author", "infoplane"),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "config_name": ", ".join(config_files),
        "datasets": dataset_context,
        "setup_rows": setup_rows,
        "estimators": estimators,
        "experiments": exp_context,
        "overview_figure": rel(figures["overview"]),
        "min_drop_bits": _min_drop_bits(summaries.values()),
        "software": software_versions(),
        "training_torch": first.attrs.get("torch_version", "?"),
        "training_device": first.attrs.get("device", "?"),
    }
