"""Loading and checking the workflow configuration.

:func:`validate_config` checks a config against ``workflow/schemas/config.schema.yaml`` (with
jsonschema) and against what the schema cannot say (references between sections, estimator
parameters), and raises one :class:`ConfigError` that names every bad key. The Snakefile calls
it before any job is scheduled. :func:`experiment` resolves one experiment's settings: the
``training`` section overridden by the experiment's own keys, with its seeds and chunks.
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import claims, datasets, estimators, families, gan, generalisation, plugins, rnn, skipping, stopping
from .choices import ACTIVATIONS, INITIALISATIONS, OPTIMIZERS, REGULARISERS
from .instances import expand_instances
from .settings import merge_model, resolve

__all__ = ["ConfigError", "DEFAULT_SCHEMA", "load_config", "merge_configs", "validate_config", "Experiment", "experiment"]

DEFAULT_SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """The configuration is invalid; the message names each bad key and value."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one
    silently, so a duplicated experiment or estimator would vanish)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"{key_node.start_mark.name}, line {key_node.start_mark.line + 1}: key {key!r} is given twice "
                    f"in one mapping (first at line {seen[key] + 1}); YAML would keep only the last one"
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike) -> dict:
    """Read a YAML config file (no validation).

    Raises
    ------
    ConfigError
        For a YAML syntax error or a key given twice in one mapping (naming the file and the
        line), a file that is not UTF-8 text (naming the file and the byte), or a file that is
        not a mapping.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            data = yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
        except UnicodeDecodeError as error:
            raise ConfigError(
                f"{path}: not a text (UTF-8) file: byte {error.object[error.start:error.start + 1]!r} at offset "
                f"{error.start} ({error.reason}); a config is a YAML text file"
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
            # where the construct began, when the error is found later (an unclosed bracket)
            context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
            began = f" ({context} that begins at line {start.line + 1}, column {start.column + 1})" if context and start else ""
            raise ConfigError(f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}{began}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping, got {type(data).__name__}")
    return data


def _non_finite(value, path=()) -> list[str]:
    """Key paths of NaN or infinite numbers (YAML's .nan, .inf pass every JSON-schema bound)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _non_finite(v, (*path, i))]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{_key_path(path)}: {value!r} is not a finite number"]
    return []


def _key_path(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


_NUMBER_LIKE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


def _describe(error) -> str:
    where = _key_path(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        where = _key_path([*error.absolute_path, extra[0]]) if len(extra) == 1 else where
        message = f"unknown key(s) {extra}"
    elif "propertyNames" in error.schema_path:
        message = f"invalid name {error.instance!r} (use letters, digits, '_' and '-')"
    elif error.validator == "oneOf" and "builtin" in str(error.schema):
        message = f"give exactly one of 'builtin' ({', '.join(datasets.builtin_names())}) or 'path' (a .mat file)"
    if error.validator == "exclusiveMaximum" and error.absolute_path and error.absolute_path[-1] == "train_fraction":
        message += " (all inputs for training leave no test set: test accuracy and the generalisation claims need one)"
    if isinstance(error.instance, str) and _NUMBER_LIKE.match(error.instance):
        message += f" (YAML reads {error.instance} as text: write it with a decimal point, e.g. 4.0e-4)"
    return f"{where}: {message}"


def validate_config(config: dict, schema_path: str | os.PathLike | None = None) -> dict:
    """Check a config; fill in defaults (device, threads) and the estimators' default parameters.

    Parameters
    ----------
    config : the parsed config (modified in place and returned).
    schema_path : the JSON schema (YAML); default ``workflow/schemas/config.schema.yaml``.

    Raises
    ------
    ConfigError
        Listing every problem as ``key.path: message``.
    """
    import jsonschema

    try:  # a study's own families, datasets and choices: registered before the schema is built from the registries
        plugins.load(config.get("plugins") if isinstance(config.get("plugins"), list) else [])
    except ValueError as error:
        raise ConfigError(f"invalid config:\n  {error}") from None
    schema = load_schema(schema_path)
    grid_problems = generalisation.expand_experiments(config)  # the grid's experiments, checked as any other
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = _non_finite(config) + [_describe(e) for e in errors] + grid_problems
    if not problems:
        problems = (
            _check_references(config)
            + generalisation.config_problems(config, lambda name: _merged_settings(config, name)["record"])
            + stopping.config_problems(config, lambda name: _merged_settings(config, name))
            + gan.config_problems(config, lambda name: _merged_settings(config, name))
            + skipping.study_problems(config, lambda name: _merged_settings(config, name))
            + rnn.config_problems(config, lambda name: _merged_settings(config, name))
        )
    if not problems:
        problems = _check_datasets(config)  # fills in the MNIST entries' defaults
    if not problems:
        problems = _check_dataset_files(config)
    if not problems:
        problems = _check_training_settings(config)
    if not problems:
        problems = _check_disk_budgets(config) + _check_sizes(config)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    config.setdefault("device", "cpu")
    threads = config.setdefault("threads", {})
    for rule in ("train", "estimate", "validate"):
        threads.setdefault(rule, 1)
    config.setdefault("report", {})
    config["claims"] = claims.check_settings(config.get("claims", {}))
    validation = config.setdefault("validation", {})
    for key, value in VALIDATION_DEFAULTS.items():
        validation.setdefault(key, value)
    return config


#: Defaults of the ``validation`` section (see the schema for their meaning).
VALIDATION_DEFAULTS = {
    "n_samples": [256, 1024, 4096],
    "repeats": 3,
    "dims": [1, 2, 5, 10],
    "layer_widths": [3, 10],
    "noise_variances": [1.0e-2, 1.0e-1],
    "truth_standard_error_bits": 0.005,
    "seed": 0,
}


def load_schema(schema_path: str | os.PathLike | None = None) -> dict:
    """The config's JSON schema: ``workflow/schemas/config.schema.yaml`` with the schema of an
    estimator entry generated from the estimators' declared parameters
    (:func:`infoplane.estimators.config_schema`)."""
    with open(schema_path or DEFAULT_SCHEMA) as handle:
        schema = yaml.safe_load(handle)
    schema["$defs"]["estimator"] = estimators.config_schema()
    settings = schema["$defs"]["settings"]["properties"]
    settings["model"] = families.config_schema()
    for key, registry in (("activation", ACTIVATIONS), ("init", INITIALISATIONS), ("optimizer", OPTIMIZERS)):
        settings[key] = {**settings.get(key, {}), "enum": list(registry)}
    settings["activation"]["description"] = "; ".join(f"{n}: {a.description}" for n, a in ACTIVATIONS.items())
    settings["init"]["description"] = "; ".join(f"{n}: {i.description}" for n, i in INITIALISATIONS.items())
    settings["optimizer"]["description"] = "; ".join(
        f"{n}: {o.label}" + (f" ({', '.join(p.name for p in o.parameters)} under optimizer_params)" if o.parameters else "")
        for n, o in OPTIMIZERS.items()
    )  # fmt: skip
    settings["optimizer_params"] = {
        "description": "the optimiser's hyper-parameters (checked against its declaration; defaults filled in)",
        "type": "object",
    }
    for name, regulariser in REGULARISERS.items():
        p = regulariser.parameter
        settings[name] = {**p.schema(), "description": f"{p.description} (default {p.default!r}; {p.source})"}
    schema["properties"]["datasets"]["additionalProperties"]["properties"]["builtin"]["enum"] = list(datasets.builtin_names())
    schema["properties"]["claims"] = claims.settings_schema()
    schema["properties"]["generalisation"] = generalisation.settings_schema()
    schema["properties"]["stopping"] = stopping.settings_schema()
    schema["properties"]["gan"] = gan.settings_schema()
    schema["properties"]["skipping"] = skipping.study_schema()
    schema["properties"]["rnn"] = rnn.settings_schema()
    return schema


def _check_references(config: dict) -> list[str]:
    problems = []
    try:
        expand_instances(config["estimators"])
    except ValueError as error:
        problems.append(str(error))
    entries = set(config["estimators"])
    for section in ("validation", "claims"):
        for name in (config.get(section) or {}).get("estimators", []):
            if name not in entries:
                problems.append(f"{section}.estimators: {name!r} is not defined under estimators (defined: {sorted(entries)})")
    for section, settings in [("training", config["training"])] + [
        (f"experiments.{name}", s) for name, s in config["experiments"].items()
    ]:
        if "dataset" in settings and settings["dataset"] not in config["datasets"]:
            problems.append(
                f"{section}.dataset: {settings['dataset']!r} is not defined under datasets "
                f"(defined: {sorted(config['datasets'])})"
            )
        for name in settings.get("estimators", []):
            if name not in config["estimators"]:
                problems.append(
                    f"{section}.estimators: {name!r} is not defined under estimators "
                    f"(defined: {sorted(config['estimators'])})"
                )
        record = {**config["training"].get("record", {}), **settings.get("record", {})}
        if record.get("schedule") == "every" and "step" not in record:
            problems.append(f"{section}.record: schedule 'every' needs 'step'")
    return problems


@dataclass(frozen=True)
class Experiment:
    """One experiment, resolved: its name, merged settings, seeds, chunks of seeds and the names
    of its estimator instances (sweeps expanded, :mod:`infoplane.instances`)."""

    name: str
    settings: dict
    seeds: tuple[int, ...]
    chunks: tuple[tuple[int, ...], ...]
    estimators: tuple[str, ...]

    @property
    def dataset(self) -> str:
        return self.settings["dataset"]


def _merged_settings(config: dict, name: str) -> dict:
    """``training`` overridden by ``experiments[name]``, not yet resolved: ``record`` and
    ``model`` merged key by key (a model of another family replaces the whole model; a
    ``hidden_widths`` key is the mlp family's)."""
    settings = copy.deepcopy(config["training"])
    overrides = copy.deepcopy(config["experiments"][name] or {})
    if "record" in overrides:
        settings["record"] = {**settings["record"], **overrides.pop("record")}
    for level in (settings, overrides):
        model = level.get("model") or {}
        if "hidden_widths" in level and model.get("family", "mlp") == "mlp" and "hidden_widths" not in model:
            level["model"] = {**(level.get("model") or {}), "family": "mlp", "hidden_widths": level.pop("hidden_widths")}
    if "model" in overrides:
        settings["model"] = merge_model(settings.get("model"), overrides.pop("model"))
        if settings["model"].get("family") != "mlp":
            settings.pop("hidden_widths", None)
    settings.update(overrides)
    return settings


def _check_training_settings(config: dict) -> list[str]:
    """Each experiment's merged settings resolved against the declarations (model family and
    its parameters, activation, initialisation, optimiser and its hyper-parameters,
    regularisers the family implements), and the family against the dataset's input shape."""
    problems = []
    if "model" not in config["training"] and "hidden_widths" not in config["training"]:
        return ["training: give model (family and its parameters) or hidden_widths (the mlp family's layers)"]
    for name in config["experiments"]:
        overrides = config["experiments"][name] or {}
        try:
            settings = resolve(_merged_settings(config, name))
        except ValueError as error:
            key = str(error).split(":")[0].split(" ")[0]
            where = f"experiments.{name}" if key in overrides or (key == "optimizer_params" and "optimizer" in overrides) else "training"
            problems.append(f"{where}.{error}")
            continue
        where = f"experiments.{name}" if "model" in overrides or "hidden_widths" in overrides else "training"
        spec = config["datasets"][settings["dataset"]]
        shape, layout = datasets.spec_input_shape(spec), datasets.spec_layout(spec)
        if shape is None or layout is None:
            continue
        family = families.get(settings["model"]["family"])
        if family.INPUT_RANK is not None and len(shape) != family.INPUT_RANK:
            problems.append(f"{where}.model.family: {settings['model']['family']!r} takes inputs of rank {family.INPUT_RANK} "
                            f"per row, but dataset {settings['dataset']!r} has inputs of shape {list(shape)}")  # fmt: skip
            continue
        try:
            families.layer_shapes(settings["model"], shape, layout[1])
        except ValueError as error:
            problems.append(f"{where}.model: {error}")
    return list(dict.fromkeys(problems))  # a bad training key once, not once per experiment


def experiment(config: dict, name: str) -> Experiment:
    """Settings of experiment ``name``: ``training`` overridden by ``experiments[name]``,
    resolved (:func:`infoplane.settings.resolve`: ``model`` and the choices' defaults filled in).

    Raises
    ------
    KeyError
        If the experiment is not in the config.
    """
    if name not in config["experiments"]:
        raise KeyError(f"no experiment {name!r} in config (experiments: {sorted(config['experiments'])})")
    settings = resolve(_merged_settings(config, name))
    first, count, size = int(settings["first_seed"]), int(settings["seeds"]), int(settings["chunk_size"])
    seeds = tuple(range(first, first + count))
    chunks = tuple(seeds[i : i + size] for i in range(0, count, size))
    entries = settings.pop("estimators", None) or list(config["estimators"])
    names = tuple(i.name for i in expand_instances(config["estimators"]).values() if i.entry in entries)
    return Experiment(name=name, settings=settings, seeds=seeds, chunks=chunks, estimators=names)


def _check_datasets(config: dict) -> list[str]:
    """Each entry's keys against its source's declared parameters (naming the key); fills in
    the defaults (``data_dir`` normalised)."""
    problems = []
    for name, spec in config["datasets"].items():
        try:
            config["datasets"][name] = datasets.check_spec(spec)
        except ValueError as error:
            source = "path" if "path" in spec else f"builtin: {spec['builtin']}"
            problems.append(f"datasets.{name} ({source}): {error}")
    return problems


def _check_dataset_files(config: dict) -> list[str]:
    """Each ``path`` dataset's .mat file, read as the dataset rule will read it (present, MATLAB,
    ``F`` and ``y`` of matching shapes, finite): one check for the workflow's start-up and for
    ``python -m infoplane.config check``. (Missing MNIST files stop the workflow when a job needs
    them, naming them and how to get them, so that ``download_mnist`` can run first.)"""
    problems = []
    for name, spec in config["datasets"].items():
        if "path" in spec:
            if not Path(spec["path"]).is_file():
                problems.append(f"datasets.{name}.path: no such file {spec['path']!r}")
                continue
            try:
                datasets.load_mat(spec["path"])
            except ValueError as error:
                problems.append(f"datasets.{name}.path: {error}")
    return problems


def _experiment_sizes(config: dict, name: str) -> tuple[list[int], int | None, int | None]:
    """Experiment ``name``'s recorded epochs, and its probe rows and classes (None when the
    dataset's size cannot be known before it is built); in a GAN study the discriminator's.

    Raises
    ------
    ValueError
        If the probe cannot be drawn (e.g. ``probe_size`` larger than the probe).
    """
    from .schedules import planned_epochs

    settings = experiment(config, name).settings
    epochs = planned_epochs(settings).tolist()
    layout = datasets.spec_layout(config["datasets"][settings["dataset"]])
    if layout is None:
        return epochs, None, None
    n, classes, split = layout
    if split is None:
        split = datasets.train_test_split(n, float(settings["train_fraction"]), int(settings["split_seed"]))
    probe = datasets.probe_rows(settings, n, *split, fixed_split=layout[2] is not None)
    if config.get("gan") is not None:  # the discriminator: real and generated probe rows, two outputs (infoplane.gan)
        return epochs, 2 * len(probe), 2
    return epochs, len(probe), classes


def _check_sizes(config: dict) -> list[str]:
    """What fails only inside a job, refused before any: a recording schedule with fewer epochs
    than the claims' gradient-SNR change-point needs, and estimator parameters that the recorded
    data cannot meet (each estimator's ``data_problems``, e.g. k-NN's ``k`` against the probe
    rows, AIR's ``window`` against the recorded epochs), and estimators at widths of layers or
    inputs where they no longer mean anything (``width_problems``, e.g. k-NN beyond 64 joint
    dimensions)."""
    from .claims.bootstrap import MIN_CHANGE_POINT_POINTS

    problems = []
    instances = expand_instances(config["estimators"])
    for name in config["experiments"]:
        try:
            epochs, n_probe, classes = _experiment_sizes(config, name)
        except ValueError as error:
            problems.append(f"experiments.{name}.record: {error}")
            continue
        settings = experiment(config, name)
        record = settings.settings["record"]
        after_zero = [e for e in epochs if e > 0]
        if len(after_zero) < MIN_CHANGE_POINT_POINTS:
            where = f"experiments.{name}.record" if "record" in (config["experiments"][name] or {}) else "training.record"
            shown = ", ".join(map(str, epochs[:8])) + (", ..." if len(epochs) > 8 else "")
            problems.append(
                f"{where}: the schedule {record['schedule']!r} ({', '.join(f'{k} {v}' for k, v in sorted(record.items()) if k != 'schedule')}) "
                f"records {len(epochs)} epochs of {settings.settings['epochs']} ({shown}); the claims' gradient-SNR "
                f"change-point needs at least {MIN_CHANGE_POINT_POINTS} recorded epochs after epoch 0: record more "
                "epochs (more points, a smaller step, a tail)"
            )
        # kept weights: AIR's windows are replayed from every epoch (infoplane.estimation), not recorded ones
        measurable = int(settings.settings["epochs"]) + 1 if record.get("keep_weights") else len(epochs)
        for instance_name in settings.estimators:
            instance = instances[instance_name]
            pooled = getattr(estimators.get(instance.method), "POOLS", None) == "epochs"
            for problem in estimators.data_problems(
                instance.method, instance.params, n_samples=n_probe, n_epochs=measurable if pooled else len(epochs),
                stride=instance.stride,
            ):
                problems.append(f"estimators.{instance.entry}.params (instance {instance_name}, experiment {name}): {problem}")
        shape = datasets.spec_input_shape(config["datasets"][settings.settings["dataset"]]) if classes else None
        if shape is None:
            continue
        widths = families.layer_widths(settings.settings["model"], shape, classes)
        for instance_name in settings.estimators:
            instance = instances[instance_name]
            for problem in estimators.width_problems(instance.method, instance.params, widths=widths,
                                                     input_width=math.prod(shape)):
                problems.append(f"estimators.{instance.entry} (instance {instance_name}, experiment {name}): {problem}")
    return problems


def activation_dump_bytes(config: dict, name: str) -> tuple[int, str] | None:
    """Size in bytes of experiment ``name``'s activation dumps before compression, and the
    product it comes from (E recorded epochs x S seeds x P probe rows x units x bytes), or None
    when the dataset's size cannot be known before it is built (a ``path`` file that is missing).

    Raises
    ------
    ValueError
        If the probe cannot be drawn (e.g. ``probe_size`` larger than the probe).
    """
    settings = experiment(config, name).settings
    epochs, n_probe, classes = _experiment_sizes(config, name)
    if n_probe is None:
        return None
    n_epochs, record = len(epochs), settings["record"]
    shape = datasets.spec_input_shape(config["datasets"][settings["dataset"]])
    if shape is None:
        return None
    units = sum(families.layer_widths(settings["model"], shape, classes))
    size = 2 if record.get("precision") == "float16" else 4
    total = n_epochs * int(settings["seeds"]) * n_probe * units * size
    product = f"{n_epochs} recorded epochs x {settings['seeds']} seeds x {n_probe} probe rows x {units} units x {size} bytes"
    if record.get("keep_weights"):
        state = network_state_size(settings, shape, classes)
        total += (int(settings["epochs"]) + 1) * int(settings["seeds"]) * state * 4
        product += f", and {int(settings['epochs']) + 1} epochs x {settings['seeds']} seeds x {state} kept parameters x 4 bytes"
    return total, product


def network_state_size(settings: Mapping, input_shape, classes: int) -> int:
    """Values in one seed's kept state (``record.keep_weights``): its parameters (weights and
    biases, the family's ``cost``) and, with batch norm, four values (scale, shift, running mean
    and variance) per normalised unit or channel of every hidden layer."""
    model = settings["model"]
    count = int(families.cost(model, input_shape, classes)["parameters"])
    if settings.get("batch_norm"):
        count += 4 * sum(int(shape[0]) for shape in families.layer_shapes(model, input_shape, classes)[:-1])
    return count


def _check_disk_budgets(config: dict) -> list[str]:
    """Each experiment with ``record.disk_budget_gb`` (or a probe subset) against its dumps' size."""
    problems = []
    for name in config["experiments"]:
        settings = experiment(config, name).settings
        record = settings["record"]
        if "disk_budget_gb" not in record and "probe_size" not in record and "probe" not in record:
            continue
        try:
            sized = activation_dump_bytes(config, name)
        except ValueError as error:
            problems.append(f"experiments.{name}.record: {error}")
            continue
        budget = record.get("disk_budget_gb")
        if sized is None or budget is None:
            continue
        total, product = sized
        if total > float(budget) * 1e9:
            problems.append(
                f"experiments.{name}.record.disk_budget_gb: the activation dumps need {total / 1e9:.3g} GB "
                f"({product}, before compression), more than the budget of {budget} GB; record fewer "
                "epochs, seeds or probe rows (record.probe_size), use record.precision: float16, or raise the budget"
            )
    return problems


def check_files(paths: list[str | os.PathLike], schema_path: str | os.PathLike | None = None) -> list[str]:
    """Check config files as the workflow does at start-up: each file's YAML syntax (file, line
    and column of an error) and keys given twice, then the schema and the cross-checks on the
    files merged in order, as ``snakemake --configfile FILE...`` merges them (a later file's
    keys override an earlier one's, mappings merged key by key). Returns one line per problem,
    naming the file(s); empty when the config is valid.

    Snakemake 9 reads a ``--configfile`` itself before the workflow starts and reports a YAML
    syntax error there without file or line; this check names them.
    """
    problems, merged = [], {}
    for path in paths:
        try:
            merge_configs(merged, load_config(path))
        except FileNotFoundError:
            problems.append(f"{path}: no such file")
        except ConfigError as error:
            problems.append(str(error))  # load_config's messages start with the file
    if problems:
        return problems
    try:
        validate_config(merged, schema_path)
    except ConfigError as error:
        return [f"{', '.join(map(str, paths))}: {error}"]
    return []


def merge_configs(config: dict, update: dict) -> dict:
    """``update`` merged into ``config`` in place, as Snakemake merges config files."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            merge_configs(config[key], value)
        else:
            config[key] = copy.deepcopy(value)
    return config


def main(argv: list[str] | None = None) -> int:
    """``python -m infoplane.config check FILE...``: exit status 0 when every file is valid, 1
    with each problem on stderr otherwise."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m infoplane.config", description="Check workflow config files.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check config files, merged in order as --configfile merges them "
                                              "(YAML syntax with line and column, schema, references)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--schema", help="the JSON schema (default: workflow/schemas/config.schema.yaml)")
    args = parser.parse_args(argv)
    problems = check_files(args.files, args.schema)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{', '.join(map(str, args.files))}: valid")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
