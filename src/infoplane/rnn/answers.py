"""Seed 004's five questions, answered with statistics, bootstrap intervals over seeds and a
verdict each (confirmed / refuted / inconclusive), from the recurrent study's tables.

Every interval is a percentile bootstrap over the seeds that never diverged
(:func:`~infoplane.claims.experiment.bootstrap_for`, seeded by the claims' ``seed`` and the
experiment's name); thresholds are the claims' settings (``min_effect_bits``,
``min_rank_correlation``, ``min_snr_drop_decades``) and the section's ``min_incoherence_drop``.

1. **Direction of flow** (``direction``): at the last flow epoch, the trophic incoherence F0 of
   the flow graph (:mod:`infoplane.rnn.flows`; 0 perfectly directed, 1 without direction),
   trained minus shuffled control, and the output neurons' mean trophic level minus the input
   neurons'. Confirmed if the first lies below -``min_incoherence_drop`` and the second above
   0; refuted if the first lies above -``min_incoherence_drop`` or the second below 0. Beside
   them, the mean over input neuron i and output neuron j of TE(i -> j) - TE(j -> i).
2. **Layer-like structure** (``layers``): at the last flow epoch, Spearman's correlation over
   neurons between the trophic level and I(h;X) (layers would make it negative) and between
   the trophic level and I(h;Y) (positive), and each minus the shuffled control's. Confirmed
   if both correlations lie beyond ``min_rank_correlation`` with those signs and both
   differences from the control lie on the same sides of 0; refuted if either correlation's
   interval lies short of that magnitude on its side; inconclusive otherwise. The same
   correlations with the depth (distance from the input neurons) are reported beside them.
3. **The information bottleneck** (``bottleneck``): [ST17]'s fitting-then-compression claim on
   the whole hidden state's plane and on each trophic-level group's, with its rule
   (:func:`~infoplane.claims.experiment.verdict_row`); the answer is the whole state's.
4. **Complexity and I(H;Y) as indicators of learning** (``learning``): per seed, Spearman's
   correlation over the recorded epochs between each measure and the test error. I(H;Y)
   indicates learning if its correlation lies below -``min_rank_correlation`` (more
   information, less error) and is refuted if it lies above it; a complexity measure (weight
   norm, effective rank, I(X;H)) tracks learning if the interval lies beyond
   ±``min_rank_correlation``, is refuted if it lies inside, inconclusive otherwise.
5. **Drift and diffusion** (``phases``): the two-segment change-point of the mean log10
   gradient SNR of the recurrent matrix over epochs 1 … E (the claims' detector). Confirmed if
   the drop at the change lies above ``min_snr_drop_decades``, refuted if below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..claims.bootstrap import MIN_SEEDS, Interval, change_point, interval
from ..claims.experiment import bootstrap_for, fall_statistics, verdict_row

__all__ = ["QUESTIONS", "ANSWER_COLUMNS", "CURVE_COLUMNS", "answers", "curves", "kept_seeds", "performance"]

#: The five questions (seed 004), in order: key -> question.
QUESTIONS = {
    "direction": "Is there a general direction of information flow inside the network?",
    "layers": "Does the network form layer-like structures?",
    "bottleneck": "Does the information bottleneck apply usefully (fitting, then compression)?",
    "learning": "Do complexity and the mutual information with Y indicate learning?",
    "phases": "Do the drift and diffusion phases of feed-forward training appear too?",
}
ANSWER_COLUMNS = ["question", "experiment", "subject", "statistic", "estimate", "ci_low", "ci_high", "confidence",
                  "n_seeds", "verdict", "rule"]  # fmt: skip
CURVE_COLUMNS = ["experiment", "variant", "subject", "quantity", "epoch", "mean", "ci_low", "ci_high", "confidence", "n_seeds"]


def kept_seeds(run: Mapping) -> list[int]:
    """The seeds that never diverged (a recorded file's ``diverged_epoch`` -1)."""
    return [int(s) for s, d in zip(run["seeds"], run["diverged_epoch"]) if int(d) < 0]


def _row(question, experiment, subject, statistic, value: Interval, n, verdict="", rule="") -> dict:
    return dict(zip(ANSWER_COLUMNS, (question, experiment, subject, statistic, value.estimate, value.low, value.high,
                                     value.confidence, n, verdict, rule)))  # fmt: skip


def _mean_interval(per_seed: Mapping[int, float], settings: Mapping, experiment: str, tag: str) -> tuple[Interval, int]:
    """Bootstrap interval of the mean of per-seed values (non-finite seeds left out)."""
    values = np.array([v for v in per_seed.values() if np.isfinite(v)], dtype=np.float64)
    confidence = float(settings["confidence"])
    if len(values) < MIN_SEEDS:
        mean = float(values.mean()) if len(values) else np.nan
        return Interval(mean, np.nan, np.nan, confidence), len(values)
    boot = bootstrap_for(list(range(len(values))), settings, f"{experiment}/{tag}")
    return interval(boot.full @ values, confidence), len(values)


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    return float(spearmanr(a[ok], b[ok]).statistic)


def _per_seed_node_value(nodes, variant, epoch, seeds, value) -> dict[int, float]:
    """seed -> ``value(table of that seed's nodes)`` at ``epoch`` of ``variant``."""
    table = nodes[(nodes["variant"] == variant) & (nodes["epoch"] == epoch)]
    return {seed: value(table[table["seed"] == seed]) for seed in seeds if (table["seed"] == seed).any()}


def _paired(settings, experiment, tag, trained: dict, shuffled: dict) -> tuple[tuple, tuple, tuple]:
    """Intervals of the trained value, the shuffled control's and their per-seed difference."""
    difference = {s: trained[s] - shuffled[s] for s in trained if s in shuffled}
    return (_mean_interval(trained, settings, experiment, f"{tag}/trained"),
            _mean_interval(shuffled, settings, experiment, f"{tag}/shuffled"),
            _mean_interval(difference, settings, experiment, f"{tag}/difference"))  # fmt: skip


def _direction(edges, nodes, inputs, outputs, seeds, settings, section, experiment) -> list[dict]:
    last = nodes["epoch"].max()
    m = float(section["min_incoherence_drop"])
    incoherence = {v: _per_seed_node_value(nodes, v, last, seeds, lambda t: float(t["incoherence"].iloc[0]))
                   for v in ("trained", "shuffled")}  # fmt: skip

    def level_gap(table):
        levels = table.set_index("neuron")["trophic_level"]
        return float(levels.reindex(outputs).mean() - levels.reindex(inputs).mean())

    gaps = {v: _per_seed_node_value(nodes, v, last, seeds, level_gap) for v in ("trained", "shuffled")}
    (f0, n0), (f0_control, n1), (f0_difference, n2) = _paired(settings, experiment, "incoherence", incoherence["trained"],
                                                             incoherence["shuffled"])  # fmt: skip
    (gap, n3), (gap_control, n4), (gap_difference, n5) = _paired(settings, experiment, "level_gap", gaps["trained"],
                                                                gaps["shuffled"])  # fmt: skip
    level = f"{f0.confidence:.4g}"
    rule = (f"confirmed if the {level} interval of the trophic incoherence F0 of the trained networks' flow graphs minus "
            f"that of their shuffled controls lies below -{m:g} and that of the output neurons' mean trophic level minus "
            f"the input neurons' above 0 (flows run from the inputs to the outputs, more coherently than the same weights "
            f"without structure); refuted if the first lies above -{m:g} or the second below 0; inconclusive otherwise")
    if f0_difference.below(-m) and gap.above(0.0):
        verdict = "confirmed"
    elif f0_difference.above(-m) or gap.below(0.0):
        verdict = "refuted"
    else:
        verdict = "inconclusive"
    subject = f"epoch {int(last)}"
    rows = [
        _row("direction", experiment, f"{subject}: trained - shuffled", "trophic_incoherence", f0_difference, n2, verdict, rule),
        _row("direction", experiment, f"{subject}: trained", "trophic_incoherence", f0, n0),
        _row("direction", experiment, f"{subject}: shuffled", "trophic_incoherence", f0_control, n1),
        _row("direction", experiment, f"{subject}: trained", "output_minus_input_trophic_level", gap, n3),
        _row("direction", experiment, f"{subject}: shuffled", "output_minus_input_trophic_level", gap_control, n4),
    ]
    trained = edges[(edges["variant"] == "trained") & (edges["epoch"] == last)]
    asymmetry = {}
    for seed in seeds:
        table = trained[trained["seed"] == seed].set_index(["source", "target"])["te_bits"]
        pairs = [(i, j) for i in inputs for j in outputs if i != j]
        if not table.empty and pairs:
            both = [table.get((i, j), np.nan) - table.get((j, i), np.nan) for i, j in pairs]  # constant neurons: untested
            asymmetry[seed] = float(np.nanmean(both)) if np.isfinite(both).any() else np.nan
    value, n = _mean_interval(asymmetry, settings, experiment, "direction")
    rows.append(_row("direction", experiment, f"{subject}: trained", "input_to_output_te_asymmetry_bits", value, n))
    return rows


def _layers(neurons, nodes, seeds, settings, experiment) -> list[dict]:
    last = nodes["epoch"].max()
    r_min = float(settings["min_rank_correlation"])
    correlations: dict = {}
    for variant in ("trained", "shuffled"):
        info = neurons[(neurons["variant"] == variant) & (neurons["epoch"] == last)].set_index(["seed", "neuron"])
        for position in ("trophic_level", "depth"):
            for quantity in ("I_hX_bits", "I_hY_bits"):
                def rho(table, quantity=quantity, position=position, info=info):
                    seed = int(table["seed"].iloc[0])
                    where = table.set_index("neuron")[position]
                    return _spearman(where.to_numpy(), info.loc[seed, quantity].reindex(where.index).to_numpy())

                correlations[(variant, position, quantity)] = _per_seed_node_value(nodes, variant, last, seeds, rho)
    rows, stats = [], {}
    for position in ("trophic_level", "depth"):
        for quantity in ("I_hX_bits", "I_hY_bits"):
            name = f"rank_correlation_{position}_{quantity[:-5]}"
            (value, n), (control, n_c), (diff, n_d) = _paired(settings, experiment, f"layers/{position}/{quantity}",
                                                              correlations[("trained", position, quantity)],
                                                              correlations[("shuffled", position, quantity)])  # fmt: skip
            rows += [_row("layers", experiment, "trained", name, value, n),
                     _row("layers", experiment, "shuffled", name, control, n_c),
                     _row("layers", experiment, "trained - shuffled", name, diff, n_d)]  # fmt: skip
            stats[(position, quantity)] = (value, diff, n)
    level = f"{float(settings['confidence']):.4g}"
    rule = (f"confirmed if the {level} intervals of the correlation over neurons of the trophic level with I(h;X) lie "
            f"below -{r_min:g} and with I(h;Y) above {r_min:g}, and both differences from the shuffled control on the "
            f"same sides of 0; refuted if the first lies above -{r_min:g} or the second below {r_min:g}; inconclusive "
            "otherwise")
    (x, dx, n_x), (y, dy, n_y) = stats[("trophic_level", "I_hX_bits")], stats[("trophic_level", "I_hY_bits")]
    if x.below(-r_min) and y.above(r_min) and dx.below(0.0) and dy.above(0.0):
        verdict = "confirmed"
    elif x.above(-r_min) or y.below(r_min):
        verdict = "refuted"
    else:
        verdict = "inconclusive"
    rows.insert(0, _row("layers", experiment, "trained", "verdict", Interval(np.nan, np.nan, np.nan, x.confidence),
                        min(n_x, n_y), verdict, rule))  # fmt: skip
    return rows


def _bottleneck(states, seeds, settings, experiment) -> list[dict]:
    rows = []
    trained = states[states["variant"] == "trained"]
    epochs = np.sort(trained["epoch"].unique())
    for group in ["all", *sorted(g for g in trained["group"].unique() if g != "all")]:
        table = trained[trained["group"] == group]
        xt = table.pivot_table(index="seed", columns="epoch", values="I_XH_bits").reindex(index=seeds, columns=epochs)
        ty = table.pivot_table(index="seed", columns="epoch", values="I_HY_bits").reindex(index=seeds, columns=epochs)
        ok = np.isfinite(xt.to_numpy()).all(1) & np.isfinite(ty.to_numpy()).all(1)
        kept = [s for s, good in zip(seeds, ok) if good]
        subject = "whole state" if group == "all" else group
        if len(kept) < MIN_SEEDS:
            rows.append(_row("bottleneck", experiment, subject, "I_XT_fall_bits",
                             Interval(np.nan, np.nan, np.nan, float(settings["confidence"])), len(kept), "inconclusive",
                             f"fewer than {MIN_SEEDS} seeds with this group at every recorded epoch"))  # fmt: skip
            continue
        boot = bootstrap_for(kept, settings, f"{experiment}/{group}")
        stats = fall_statistics(boot, xt.loc[kept].to_numpy(), ty.loc[kept].to_numpy(), epochs, float(settings["confidence"]))
        intervals = {k: (v[0] if isinstance(v, tuple) else interval(v, float(settings["confidence"]))) for k, v in stats.items()}
        verdict, rule = verdict_row("st17_fitting_then_compression", intervals, settings)
        for name in ("I_XT_fall_bits", "I_XT_rise_bits", "I_TY_rise_bits", "I_TY_fall_bits", "I_XT_peak_epoch"):
            rows.append(_row("bottleneck", experiment, subject, name, intervals[name], len(kept),
                             verdict if name == "I_XT_fall_bits" else "", rule if name == "I_XT_fall_bits" else ""))  # fmt: skip
    return rows


def _learning(states, series, recorded, seeds_all, seeds, settings, experiment) -> list[dict]:
    rows = []
    r_min = float(settings["min_rank_correlation"])
    whole = states[(states["variant"] == "trained") & (states["group"] == "all")]
    index = {int(s): i for i, s in enumerate(seeds_all)}
    measures = {
        "I_HY_bits": lambda seed: whole[whole["seed"] == seed].set_index("epoch")["I_HY_bits"].reindex(recorded).to_numpy(),
        "I_XH_bits": lambda seed: whole[whole["seed"] == seed].set_index("epoch")["I_XH_bits"].reindex(recorded).to_numpy(),
        "effective_rank": lambda seed: whole[whole["seed"] == seed].set_index("epoch")["effective_rank"].reindex(recorded).to_numpy(),
        "weight_norm": lambda seed: series["weight_norm"][index[seed], recorded],
    }  # fmt: skip
    level = f"{float(settings['confidence']):.4g}"
    for name, values in measures.items():
        per_seed = {seed: _spearman(values(seed), series["test_mse"][index[seed], recorded]) for seed in seeds}
        value, n = _mean_interval(per_seed, settings, experiment, f"learning/{name}")
        if name == "I_HY_bits":
            rule = (f"indicates learning (confirmed) if the {level} interval of the mean Spearman correlation with the test "
                    f"error lies below -{r_min:g}; refuted if it lies above -{r_min:g}; inconclusive otherwise")
            verdict = "confirmed" if value.below(-r_min) else "refuted" if value.above(-r_min) else "inconclusive"
        else:
            rule = (f"tracks learning (confirmed) if the {level} interval of the mean Spearman correlation with the test "
                    f"error lies beyond +-{r_min:g}; refuted if it lies inside; inconclusive otherwise")
            beyond = value.above(r_min) or value.below(-r_min)
            inside = value.low > -r_min and value.high < r_min
            verdict = "confirmed" if beyond else "refuted" if inside else "inconclusive"
        rows.append(_row("learning", experiment, name, "rank_correlation_with_test_mse", value, n, verdict, rule))
    return rows


def _phases(series, seeds_all, seeds, settings, experiment) -> list[dict]:
    index = [list(seeds_all).index(s) for s in seeds]
    snr = series["snr"][index, 1:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(snr)
    confidence = float(settings["confidence"])
    drop_min = float(settings["min_snr_drop_decades"])
    rule = (f"confirmed if the {confidence:.4g} interval of the fall of the mean log10 gradient SNR of the recurrent "
            f"matrix at its change-point lies above {drop_min:g} decades; refuted if below; inconclusive otherwise")
    nan = Interval(np.nan, np.nan, np.nan, confidence)
    if len(seeds) < MIN_SEEDS or not np.isfinite(logs).all():
        return [_row("phases", experiment, "recurrent matrix", "snr_drop_decades", nan, len(seeds), "inconclusive",
                     "undefined: too few seeds, or a gradient SNR that is not finite (one mini-batch per epoch)")]  # fmt: skip
    boot = bootstrap_for(seeds, settings, f"{experiment}/phases")
    split, drop = change_point(boot.full @ logs)
    epochs = np.arange(1, logs.shape[1] + 1)
    drop_i, epoch_i = interval(drop, confidence), interval(epochs[split].astype(float), confidence)
    verdict = "confirmed" if drop_i.above(drop_min) else "refuted" if drop_i.below(drop_min) else "inconclusive"
    return [_row("phases", experiment, "recurrent matrix", "snr_drop_decades", drop_i, len(seeds), verdict, rule),
            _row("phases", experiment, "recurrent matrix", "snr_change_epoch", epoch_i, len(seeds))]  # fmt: skip


def answers(run: Mapping, neurons: pd.DataFrame, states: pd.DataFrame, edges: pd.DataFrame, nodes: pd.DataFrame,
            settings: Mapping, section: Mapping, experiment: str) -> pd.DataFrame:  # fmt: skip
    """The answers table of one experiment (columns :data:`ANSWER_COLUMNS`).

    ``run``: :func:`~infoplane.rnn.training.read_run` without states; the tables of
    :mod:`~infoplane.rnn.information` and :mod:`~infoplane.rnn.flows`; ``settings``: the
    checked claims section; ``section``: the checked ``rnn`` section."""
    seeds = kept_seeds(run)
    recorded = [int(e) for e in run["recorded_epochs"]]
    inputs, outputs = [int(i) for i in run["input_neurons"]], [int(o) for o in run["output_neurons"]]
    rows = (_direction(edges, nodes, inputs, outputs, seeds, settings, section, experiment)
            + _layers(neurons, nodes, seeds, settings, experiment)
            + _bottleneck(states, seeds, settings, experiment)
            + _learning(states, run["series"], recorded, run["seeds"], seeds, settings, experiment)
            + _phases(run["series"], run["seeds"], seeds, settings, experiment))  # fmt: skip
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def performance(run: Mapping, settings: Mapping, experiment: str) -> pd.DataFrame:
    """The networks' final test and training MSE (mean over kept seeds, interval) and the
    baselines' test MSE, in degrees F squared: columns ``experiment, model, quantity,
    estimate, ci_low, ci_high, n_seeds``."""
    seeds = kept_seeds(run)
    index = [list(run["seeds"]).index(s) for s in seeds]
    rows = []
    for quantity in ("test_mse", "train_mse"):
        value, n = _mean_interval(dict(zip(seeds, run["series"][quantity][index, -1])), settings, experiment, quantity)
        rows.append((experiment, "rnn", quantity, value.estimate, value.low, value.high, n))
    for name, mse in run["baselines"].items():
        rows.append((experiment, name, "test_mse", float(mse), np.nan, np.nan, 0))
    return pd.DataFrame(rows, columns=["experiment", "model", "quantity", "estimate", "ci_low", "ci_high", "n_seeds"])


def _curve_rows(experiment, variant, subject, quantity, epochs, matrix, settings, tag) -> pd.DataFrame:
    """Mean over seeds (rows of ``matrix`` [n, E], finite) with bootstrap intervals."""
    confidence = float(settings["confidence"])
    matrix = matrix[np.isfinite(matrix).all(1)]
    mean = matrix.mean(0) if len(matrix) else np.full(len(epochs), np.nan)
    if len(matrix) >= MIN_SEEDS:
        boot = bootstrap_for(list(range(len(matrix))), settings, f"{experiment}/{tag}")
        alpha = 1.0 - confidence
        low, high = np.quantile((boot.full @ matrix)[1:], [alpha / 2, 1 - alpha / 2], axis=0)
    else:
        low = high = np.full(len(epochs), np.nan)
    return pd.DataFrame({"experiment": experiment, "variant": variant, "subject": subject, "quantity": quantity,
                         "epoch": epochs, "mean": mean, "ci_low": low, "ci_high": high, "confidence": confidence,
                         "n_seeds": len(matrix)})  # fmt: skip


def curves(run: Mapping, neurons: pd.DataFrame, states: pd.DataFrame, settings: Mapping, experiment: str,
           pairs: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Mean curves over seeds with intervals (columns :data:`CURVE_COLUMNS`): the state planes
    (subject ``all`` and trophic-level groups), neuron information by role (subject ``role <role>``),
    the mean I(h_i;h_j) over pairs of neurons (subject ``pairs``, from ``pairs``), and every
    epoch's errors, weight norm and log10 gradient SNR (variant ``training``)."""
    seeds = kept_seeds(run)
    index = [list(run["seeds"]).index(s) for s in seeds]
    frames = []
    for variant in ("trained", "shuffled"):
        table = states[states["variant"] == variant]
        for group in table["group"].unique():
            part = table[table["group"] == group]
            for quantity in ("I_XH_bits", "I_HY_bits", "effective_rank"):
                wide = part.pivot_table(index="seed", columns="epoch", values=quantity).reindex(index=seeds)
                frames.append(_curve_rows(experiment, variant, group, quantity, wide.columns.to_numpy(), wide.to_numpy(),
                                          settings, f"{variant}/{group}/{quantity}"))  # fmt: skip
        per = neurons[neurons["variant"] == variant]
        inputs, outputs = [int(i) for i in run["input_neurons"]], [int(o) for o in run["output_neurons"]]
        from .flows import role

        roles = per["neuron"].map(lambda n: role(int(n), inputs, outputs))
        for name in sorted(roles.unique()):
            part = per[roles == name]
            for quantity in ("I_hX_bits", "I_hY_bits"):
                wide = part.pivot_table(index="seed", columns="epoch", values=quantity, aggfunc="mean").reindex(index=seeds)
                frames.append(_curve_rows(experiment, variant, f"role {name}", quantity, wide.columns.to_numpy(),
                                          wide.to_numpy(), settings, f"{variant}/{name}/{quantity}"))  # fmt: skip
    if pairs is not None and len(pairs):
        wide = pairs.pivot_table(index="seed", columns="epoch", values="I_hh_bits", aggfunc="mean").reindex(index=seeds)
        frames.append(_curve_rows(experiment, "trained", "pairs", "I_hh_bits", wide.columns.to_numpy(), wide.to_numpy(),
                                  settings, "pairs"))  # fmt: skip
    epochs = np.arange(run["series"]["test_mse"].shape[1])
    for quantity in ("test_mse", "train_mse", "weight_norm"):
        frames.append(_curve_rows(experiment, "training", "network", quantity, epochs, run["series"][quantity][index],
                                  settings, quantity))  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(run["series"]["snr"][index, 1:, 0])
    frames.append(_curve_rows(experiment, "training", "recurrent matrix", "log10_snr", epochs[1:], logs, settings, "snr"))
    return pd.concat(frames, ignore_index=True)[CURVE_COLUMNS]
