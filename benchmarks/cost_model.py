"""Cost model: what each rule group of a finished run cost, per unit of work, from the run's
own Snakemake benchmark tables.

    python benchmarks/cost_model.py RESULTS CONFIG [RESULTS CONFIG ...] [--markdown]

RESULTS is a study's results folder (``results/<study>``) (its ``benchmarks/`` holds one table per job, written by
every rule's ``benchmark:`` directive: wall seconds ``s``, CPU seconds ``cpu_time``, peak
resident memory ``max_rss`` in MB), CONFIG the config file the run used. For each run it prints,
per rule group, the jobs, their summed wall and CPU time, the largest peak memory and the unit
of work the cost scales with, and the CPU time per unit:

* training: per network-epoch (seeds x epochs, recording included);
* estimation, per estimator job: per seed-layer-epoch estimated (seeds x layers x recorded
  epochs kept by the job's ``stride``);
* the validation study, tables, claims, figures and report: per job;

and the disk used by each results subfolder. Runs given together are printed side by side, so
that the scaling with seeds and recorded epochs can be read off one table.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from infoplane import config as configuration  # noqa: E402
from infoplane import instances as instancing  # noqa: E402
from infoplane.schedules import recording_epochs  # noqa: E402

#: Rule -> group of the table (rules not listed are their own group).
GROUPS = {
    "train": "training", "dataset": "dataset", "validate": "validation (tasks)",
    "training_table": "tables", "summarise": "tables", "validation_table": "tables",
    "claims": "claims", "study_claims": "claims",
    "plot_information": "figures", "plot_estimators": "figures", "plot_sweep": "figures",
    "plot_training": "figures", "plot_claims": "figures", "plot_generalisation": "figures",
    "plot_validation": "figures", "plot_verdict_grid": "figures", "report": "report",
}  # fmt: skip


def read_benchmarks(results: Path) -> list[dict]:
    """Every job's benchmark row: ``rule`` (the first folder under benchmarks/), ``path`` (the
    rest, e.g. ``tanh/kde_upper``), ``wall_s``, ``cpu_s``, ``rss_mb``."""
    rows = []
    for path in sorted((results / "benchmarks").rglob("*.tsv")):
        parts = path.relative_to(results / "benchmarks").with_suffix("").parts
        with open(path) as handle:
            for record in csv.DictReader(handle, delimiter="\t"):
                rows.append({
                    "rule": parts[0] if len(parts) > 1 else parts[0],
                    "path": "/".join(parts[1:]) if len(parts) > 1 else "",
                    "wall_s": float(record["s"]),
                    "cpu_s": float(record["cpu_time"]) if record.get("cpu_time") not in (None, "", "NA") else float("nan"),
                    "rss_mb": float(record["max_rss"]) if record.get("max_rss") not in (None, "", "NA") else float("nan"),
                })  # fmt: skip
    return rows


def work_units(config: dict) -> dict[tuple[str, str], tuple[float, str]]:
    """(rule, path) -> (units of work, unit name) for the training and estimation jobs."""
    units = {}
    entries = instancing.expand_instances(config["estimators"])
    for name in config["experiments"]:
        experiment = configuration.experiment(config, name)
        settings = experiment.settings
        record = {k: v for k, v in settings["record"].items() if k in ("points", "step", "tail")}
        recorded = len(recording_epochs(int(settings["epochs"]), settings["record"]["schedule"], **record))
        model = settings["model"]
        # the layers the estimators see: the family's hidden layers (conv blocks too) and the output
        layers = len(model.get("hidden_widths", [])) + len(model.get("channels", [])) + 1
        for index, chunk in enumerate(experiment.chunks):
            units[("train", f"{name}/chunk-{index}")] = (len(chunk) * int(settings["epochs"]), "network-epoch")
        for job in instancing.estimation_jobs(entries, experiment.estimators):
            kept = len(set(range(0, recorded, job.stride)) | {recorded - 1})
            units[("estimate", f"{name}/{job.name}")] = (len(experiment.seeds) * layers * kept, "seed-layer-epoch")
    return units


def disk_mb(results: Path) -> dict[str, float]:
    """MB on disk of each subfolder of ``results``."""
    out = {}
    for folder in sorted(p for p in results.iterdir() if p.is_dir()):
        out[folder.name] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
    return out


def summarise(results: Path, config: dict) -> list[dict]:
    """Rows of the cost table of one run: group, jobs, wall_s, cpu_s, rss_mb, units, unit,
    cpu_per_unit_ms."""
    units = work_units(config)
    groups: dict[str, dict] = defaultdict(lambda: {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0, "rss_mb": 0.0, "units": 0.0, "unit": ""})
    for row in read_benchmarks(results):
        if row["rule"] == "estimate":
            group = f"estimate {row['path'].split('/', 1)[1]}"
        else:
            group = GROUPS.get(row["rule"], row["rule"])
        g = groups[group]
        g["jobs"] += 1
        g["wall_s"] += row["wall_s"]
        g["cpu_s"] += row["cpu_s"]
        g["rss_mb"] = max(g["rss_mb"], row["rss_mb"])
        amount, unit = units.get((row["rule"], row["path"]), (1.0, "job"))
        g["units"] += amount
        g["unit"] = unit
    out = []
    for group, g in groups.items():
        out.append({"group": group, **g, "cpu_per_unit_ms": 1000 * g["cpu_s"] / g["units"] if g["units"] else float("nan")})
    return sorted(out, key=lambda r: -r["cpu_s"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="RESULTS CONFIG pairs")
    args = parser.parse_args(argv)
    if len(args.runs) % 2:
        parser.error("give RESULTS CONFIG pairs")
    for results, config_path in zip(args.runs[::2], args.runs[1::2]):
        results = Path(results)
        if not (results / "benchmarks").is_dir():
            parser.error(f"{results}/benchmarks does not exist: not a results folder of a run with benchmark tables")
        config = configuration.validate_config(configuration.load_config(config_path))  # defaults, a grid's experiments
        print(f"\n{results} ({config_path}): seeds {config['training']['seeds']}, epochs {config['training']['epochs']}")
        print("| rule group | jobs | wall (s, summed) | CPU (s) | peak RSS (MB) | work | CPU per unit (ms) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for r in summarise(results, config):
            print(f"| {r['group']} | {r['jobs']} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | {r['rss_mb']:.0f} | "
                  f"{r['units']:.0f} {r['unit']} | {r['cpu_per_unit_ms']:.3g} |")
        print("disk (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in disk_mb(results).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
