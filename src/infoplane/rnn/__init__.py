"""A fully recurrent network in the information plane (seed 004): real hourly temperatures,
neuron-level information, the direction of information flow, and seed 004's five questions.

A study whose config has an ``rnn`` section trains, in every experiment, S seeded fully
recurrent networks (the ``rnn`` family, :mod:`infoplane.families.rnn`) as one batched ensemble
on a regression source (``builtin: temperatures``, :mod:`infoplane.datasets.temperatures`):
windows of the last L hours predict the next hour, squared-error loss, a chronological split
and scaling fitted on the training part (:mod:`infoplane.tasks`). Its jobs
(``workflow/rules/rnn.smk``):

* :mod:`~infoplane.rnn.training`: the ensemble's training with per-seed streams and divergence
  handling (the classifiers' :class:`~infoplane.training.SeedDivergence`), every neuron's state
  at every time step for a probe of windows at the recorded epochs, and the same for a
  control network whose recurrent weights are shuffled (same values, structure destroyed);
* :mod:`~infoplane.rnn.information`: I(h_i;X), I(h_i;Y), I(h_i;h_j), the whole state's plane,
  complexity (weight norm, effective rank);
* :mod:`~infoplane.rnn.flows`: transfer entropy between neurons' state series over the
  window's time steps, significant against trial-shuffled surrogates (Holm), the flow graph per
  recorded epoch, each neuron's depth (graph distance from the input neurons) and trophic level,
  and the graph's trophic incoherence (how directed it is);
* :mod:`~infoplane.rnn.answers`: the five questions, each with its statistics, bootstrap
  intervals over seeds and a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..params import Parameter, check

__all__ = ["SETTINGS", "settings_schema", "is_rnn_study", "check_settings", "config_problems", "dump_bytes", "VARIANTS"]

#: The recorded networks of every seed and epoch: the trained one and its shuffled-weights control.
VARIANTS = ("trained", "shuffled")

SETTINGS = (
    Parameter("noise_variance", "number", 0.1, "s2 of the Gaussian noise that makes I(h;X) finite: the KDE upper bound "
              "on I(h + Z; X), X uniform over the probe windows (squared state units)",
              "[KT17]; [SB18] section 2 (0.1 for their larger networks)", exclusive_minimum=0.0),
    Parameter("k", "integer", 4, "neighbours of the k-NN estimators of I(h;Y), I(h_i;h_j) and I(state;Y)",
              "[KSG04] algorithm 1", minimum=1),
    Parameter("jitter", "number", 1.0e-3, "Gaussian noise added before a k-NN estimate, relative to each column's "
              "standard deviation (the temperatures are rounded to 0.1 F: ties)", "[KSG04] section II", minimum=0.0),
    Parameter("flow_estimator", "string", "gaussian", "transfer-entropy estimator of the flow graph: gaussian "
              "(linear; TE = Granger causality / 2) or knn (Frenzel-Pompe)",
              "Barnett, Barrett and Seth 2009; Frenzel and Pompe 2007", choices=("gaussian", "knn")),
    Parameter("flow_trials", "integer", 0, "probe windows used as trials of the transfer entropy (0: all)", "", minimum=0),
    Parameter("flow_lag", "integer", 1, "source lag of the transfer entropy, time steps", "Wibral et al. 2013", minimum=1),
    Parameter("flow_history", "integer", 1, "target history of the transfer entropy, time steps", "Schreiber 2000",
              minimum=1),
    Parameter("flow_alpha", "number", 0.05, "family-wise level of the flow graph over the n(n - 1) pairs (Holm)",
              "Holm 1979", exclusive_minimum=0.0, maximum=0.5),
    Parameter("flow_surrogates", "integer", 0, "trial-shuffled surrogates per pair (0: the fewest that can pass Holm's "
              "first threshold, n(n-1)/alpha - 1)", "Lindner et al. 2011", minimum=0),
    Parameter("flow_epochs", "integer", 0, "recorded epochs with a flow graph, evenly spread, first and last included "
              "(0: every recorded epoch)", "", minimum=0),
    Parameter("min_incoherence_drop", "number", 0.05, "smallest fall of the flow graph's trophic incoherence F0 below "
              "its shuffled control's that counts as a learned direction of flow (question 1)",
              "MacKay, Johnson and Sansom 2020", exclusive_minimum=0.0, maximum=1.0),
    Parameter("shuffle_seed", "integer", 0, "seed of the controls' weight shuffles", "", minimum=0),
)  # fmt: skip


def settings_schema() -> dict:
    """JSON schema of the config's ``rnn`` section."""
    return {
        "description": "a fully recurrent network on a regression series (infoplane.rnn, seed 004)",
        "type": "object", "additionalProperties": False,
        "properties": {p.name: {"description": p.description, **p.schema()} for p in SETTINGS},
    }  # fmt: skip


def is_rnn_study(config: Mapping) -> bool:
    """Whether the config declares the recurrent study (an ``rnn`` section, even an empty one)."""
    return config.get("rnn") is not None


def check_settings(section: Mapping | None) -> dict:
    """The section checked and completed with its defaults; ValueError naming the key."""
    return check(SETTINGS, dict(section or {}))


def dump_bytes(settings: Mapping, window: int) -> tuple[int, str]:
    """Bytes of one experiment's recorded states (float32, before compression) and the product."""
    from ..schedules import planned_epochs

    epochs = len(planned_epochs(settings))
    n, seeds, probe = int(settings["model"]["neurons"]), int(settings["seeds"]), int(settings["record"]["probe_size"])
    total = len(VARIANTS) * epochs * seeds * probe * int(window) * n * 4
    return total, (f"{len(VARIANTS)} networks (trained, shuffled) x {epochs} recorded epochs x {seeds} seeds x {probe} "
                   f"windows x {window} steps x {n} neurons x 4 bytes")


def config_problems(config: dict, settings_of: Callable[[str], Mapping]) -> list[str]:
    """The section checked and completed in place, then what an ``rnn`` study needs: no other
    study section; every experiment on a regression source with the ``rnn`` family, a
    ``probe_size`` within its windows, enough recorded epochs for the SNR's change-point, and
    recorded states within ``record.disk_budget_gb``. A regression source outside an ``rnn``
    study is refused too (the classifier trainers take class labels). Returns ``key: message``."""
    from .. import datasets, families
    from ..multiple_testing import fewest_surrogates
    from ..claims.bootstrap import MIN_CHANGE_POINT_POINTS, MIN_SEEDS
    from ..schedules import planned_epochs
    from ..settings import resolve

    problems = []
    if not is_rnn_study(config):
        for name in config["experiments"]:
            dataset = settings_of(name).get("dataset")
            spec = config["datasets"].get(dataset, {})
            if spec and datasets.task_of(spec) == "regression":
                problems.append(f"experiments.{name}.dataset: {dataset!r} is a regression source ({spec.get('builtin')}); "
                                "only an rnn study (an rnn section) trains on continuous targets")
        return problems
    try:
        config["rnn"] = check_settings(config["rnn"])
    except ValueError as error:
        return [f"rnn.{error}"]
    problems += [f"{other}: an rnn study cannot also be a {other} study; give each its own config"
                 for other in ("generalisation", "stopping", "gan", "skipping") if config.get(other)]  # fmt: skip
    for name in config["experiments"]:
        where = f"experiments.{name}"
        try:
            settings = resolve(settings_of(name))
        except ValueError:
            continue  # the training check names it
        spec = config["datasets"][settings["dataset"]]
        if datasets.task_of(spec) != "regression":
            problems.append(f"{where}.dataset: {settings['dataset']!r} has class labels; an rnn study regresses a "
                            "continuous target (e.g. builtin: temperatures)")
            continue
        if settings["model"]["family"] != "rnn":
            problems.append(f"{where}.model.family: {settings['model']['family']!r}; the rnn study trains the rnn family")
            continue
        if int(settings["seeds"]) < MIN_SEEDS:
            problems.append(f"{where}.seeds: {settings['seeds']}; the intervals over seeds need at least {MIN_SEEDS}")
        record = settings["record"]
        if "probe_size" not in record:
            problems.append(f"{where}.record.probe_size: give the number of probe windows whose states are recorded")
            continue
        epochs = planned_epochs(settings)
        if int((epochs > 0).sum()) < MIN_CHANGE_POINT_POINTS:
            problems.append(f"{where}.record: {len(epochs)} recorded epochs; the gradient SNR's change-point and the "
                            f"claims need at least {MIN_CHANGE_POINT_POINTS} after epoch 0")
        window = int(datasets.source_of(spec).input_shape(spec)[0])  # the entry's defaults are filled in later
        try:
            families.layer_shapes(settings["model"], (window,), 1)  # the family's roles() check
        except ValueError as error:
            problems.append(f"{where}.model: {error}")
        total, product = dump_bytes(settings, window)
        budget = record.get("disk_budget_gb")
        if budget is not None and total > float(budget) * 1e9:
            problems.append(f"{where}.record.disk_budget_gb: the recorded states need {total / 1e9:.3g} GB ({product}), "
                            f"more than the budget of {budget} GB; record fewer epochs, seeds or windows (probe_size)")
        trials = int(config["rnn"]["flow_trials"])
        if trials > int(record["probe_size"]):
            problems.append(f"rnn.flow_trials: {trials} exceeds experiment {name}'s probe_size {record['probe_size']}")
        if (trials or int(record["probe_size"])) < 3:
            key = "rnn.flow_trials" if trials else f"{where}.record.probe_size"
            problems.append(f"{key}: {trials or record['probe_size']} windows as trials; trial-shuffled surrogates need "
                            "at least 3")
        lag, history = int(config["rnn"]["flow_lag"]), int(config["rnn"]["flow_history"])
        if window - max(lag, history) < 2:
            problems.append(f"rnn.flow_lag, rnn.flow_history: lag {lag} and history {history} leave fewer than 2 of "
                            f"experiment {name}'s {window} steps per window for the transfer entropy")
        if config["rnn"]["k"] >= int(record["probe_size"]):
            problems.append(f"rnn.k: {config['rnn']['k']} must be below probe_size {record['probe_size']}")
        n = int(settings["model"]["neurons"])
        needed = fewest_surrogates(n * (n - 1), config["rnn"]["flow_alpha"])
        surrogates = int(config["rnn"]["flow_surrogates"])
        if surrogates and surrogates < needed:
            problems.append(f"rnn.flow_surrogates: {surrogates} cannot reach significance with {n * (n - 1)} pairs at "
                            f"alpha {config['rnn']['flow_alpha']:g}; use at least {needed} (or 0 for that)")
    return problems
