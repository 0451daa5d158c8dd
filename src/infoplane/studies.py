"""Studies: a config with a name and a results tree of its own.

A *study* is one config (one file, or several merged as ``--configfile`` merges them). Its name
is the config's ``study`` key, or else the config file's stem (``config/sb18.yaml`` -> ``sb18``,
several files joined by ``+``), and ``default`` for the embedded ``config/config.yaml``.
Everything the study makes lies under ``results/<study>/`` (:mod:`infoplane.paths`), so that
studies built in one directory never rerun or overwrite each other's files. Several studies
build in one Snakemake run, each with its own config::

    snakemake studies --config studies='[default, st17, sb18]'

where a name is a config under ``config/`` (``default`` is ``config/config.yaml``) and anything
with a ``/`` or ending in ``.yaml`` is a config file's path.

:class:`Study` resolves everything the workflow's rules need from one validated config: its
experiments, estimator instances and jobs, sweeps, validated instances and the instances whose
claims are tested.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import estimators, paths as P
from .config import ConfigError, Experiment, experiment, load_config, merge_configs, validate_config
from .instances import Instance, Job, estimation_jobs, expand_instances, sweeps

__all__ = [
    "DEFAULT_STUDY", "STUDY_NAME", "Study", "study_name", "study_config_files", "load_study", "claim_tree",
]  # fmt: skip

#: The name of the embedded default study (``config/config.yaml``).
DEFAULT_STUDY = "default"
#: What a study name may contain: it is a folder name under ``results/``.
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def study_name(config: Mapping, config_files: Sequence[str | os.PathLike], embedded: str | os.PathLike) -> str:
    """The name of the study a config describes.

    Parameters
    ----------
    config : the parsed config; its ``study`` key, when present, is the name.
    config_files : the config file(s) it was read from, in order (empty: the embedded default).
    embedded : the embedded default config's path (``config/config.yaml``), whose study is
        ``default``.

    Raises
    ------
    ConfigError
        If the name (given or derived from a file name) is not a valid folder name.
    """
    if config.get("study") is not None:
        name, where = str(config["study"]), "study"
    else:
        stems = [
            DEFAULT_STUDY if os.path.realpath(f) == os.path.realpath(embedded) else Path(f).stem
            for f in config_files
        ] or [DEFAULT_STUDY]
        name, where = "+".join(stems), f"the config file name(s) {', '.join(map(str, config_files))}"
    if not STUDY_NAME.match(name) or name == Path(P.INDEX_PDF).name:
        raise ConfigError(
            f"{where}: study name {name!r} must start with a letter or digit and contain only letters, digits and "
            "_.+- (it names the study's folder under results/); set 'study: <name>' in the config"
        )
    return name


def study_config_files(entry: str, basedir: str | os.PathLike) -> list[str]:
    """The config file of one entry of ``--config studies=[...]``: ``default`` is the embedded
    ``config/config.yaml``, another plain name ``config/<name>.yaml`` of the workflow, anything
    with a ``/`` or a ``.yaml``/``.yml`` suffix a path (relative to the working directory).

    Raises
    ------
    ConfigError
        If the file does not exist, naming the entry and the configs that do.
    """
    entry = str(entry)
    config_dir = Path(basedir) / "config"
    if "/" in entry or entry.endswith((".yaml", ".yml")):
        path = Path(entry)
    elif entry == DEFAULT_STUDY:
        path = config_dir / "config.yaml"
    else:
        path = config_dir / f"{entry}.yaml"
    if not path.is_file():
        known = sorted(DEFAULT_STUDY if p.stem == "config" else p.stem for p in config_dir.glob("*.yaml"))
        raise ConfigError(
            f"studies: {entry!r} names no config file ({path} does not exist); a study is one of {known} "
            "or the path of a config file"
        )
    return [os.path.relpath(path)]


@dataclass
class Study:
    """One study, resolved from its validated config.

    Attributes
    ----------
    name : the study's name (its folder under ``results/``).
    config : the validated config (defaults filled in).
    config_files : the file(s) it was read from, relative to the working directory.
    experiments : experiment name -> :class:`infoplane.config.Experiment`, in config order.
    instances : estimator instance name -> :class:`infoplane.instances.Instance` (sweeps expanded).
    jobs : experiment -> estimation job name -> :class:`infoplane.instances.Job`.
    sweeps : experiment -> the sweeps (config entries with a list of values) it runs in full.
    validated : the instances the validation study runs.
    claim_instances : experiment -> the instances whose claims are tested (every instance of an
        entry listed under ``claims.estimators``, all by default, except those that pool seeds).
    """

    name: str
    config: dict
    config_files: tuple[str, ...]
    experiments: dict[str, Experiment] = field(init=False)
    instances: dict[str, Instance] = field(init=False)
    jobs: dict[str, dict[str, Job]] = field(init=False)
    sweeps: dict[str, list[str]] = field(init=False)
    validated: list[Instance] = field(init=False)
    claim_instances: dict[str, list[str]] = field(init=False)

    def __post_init__(self):
        config = self.config
        self.experiments = {name: experiment(config, name) for name in config["experiments"]}
        self.instances = expand_instances(config["estimators"])
        self.jobs = {
            e.name: {job.name: job for job in estimation_jobs(self.instances, e.estimators)}
            for e in self.experiments.values()
        }
        all_sweeps = sweeps(self.instances)
        self.sweeps = {
            e.name: [entry for entry, members in all_sweeps.items() if all(m.name in e.estimators for m in members)]
            for e in self.experiments.values()
        }
        validated_entries = config["validation"].get("estimators", config["estimators"])
        self.validated = [i for i in self.instances.values() if i.entry in validated_entries]
        claimed_entries = config["claims"].get("estimators", list(config["estimators"]))
        self.claim_instances = {
            e.name: [
                name for name in e.estimators
                if self.instances[name].entry in claimed_entries
                and getattr(estimators.get(self.instances[name].method), "POOLS", None) != "seeds"
            ]
            for e in self.experiments.values()
        }  # fmt: skip

    # -- the study's files ----------------------------------------------------------------------

    def path(self, pattern: str, suffix: str = "", **names) -> str:
        """``pattern`` (of :mod:`infoplane.paths`) filled in for this study and ``names``."""
        return pattern.format(study=self.name, **names) + suffix

    def job_of(self, experiment: str, instance: str) -> Job:
        """The estimation job that computes ``instance`` in ``experiment``."""
        for job in self.jobs[experiment].values():
            if instance in job.instances:
                return job
        raise KeyError(f"study {self.name}: experiment {experiment} runs no estimator instance {instance!r}")

    def chunks(self, experiment: str | None = None) -> list[str]:
        """The chunk files of one experiment, or of every experiment."""
        names = [experiment] if experiment is not None else list(self.experiments)
        return [
            self.path(P.CHUNK, experiment=name, chunk=i)
            for name in names
            for i in range(len(self.experiments[name].chunks))
        ]

    def per_experiment(self, pattern: str, suffixes: Sequence[str] = ("",)) -> list[str]:
        return [self.path(pattern, s, experiment=e) for e in self.experiments for s in suffixes]

    def per_pair(self, pattern: str, suffixes: Sequence[str] = ("",)) -> list[str]:
        """``pattern`` for every (experiment, estimator instance) the study runs."""
        return [
            self.path(pattern, s, experiment=e.name, estimator=m)
            for e in self.experiments.values()
            for m in e.estimators
            for s in suffixes
        ]

    def per_sweep(self, pattern: str, suffixes: Sequence[str] = (".pdf",)) -> list[str]:
        return [
            self.path(pattern, s, experiment=e, sweep=sweep)
            for e, names in self.sweeps.items()
            for sweep in names
            for s in suffixes
        ]

    def claim_information_tables(self, experiment: str | None = None) -> list[str]:
        """Information tables of the instances whose claims are tested (one experiment's, or all)."""
        names = [experiment] if experiment is not None else list(self.experiments)
        return [
            self.path(P.INFORMATION_TABLE, experiment=e, estimator=m) for e in names for m in self.claim_instances[e]
        ]

    def datasets(self) -> list[str]:
        return sorted({self.path(P.DATASET, dataset=e.dataset) for e in self.experiments.values()})


def load_study(
    config: dict,
    config_files: Sequence[str | os.PathLike],
    *,
    embedded: str | os.PathLike,
    schema_path: str | os.PathLike | None = None,
) -> Study:
    """A :class:`Study` from a parsed config: named (:func:`study_name`) and validated
    (:func:`infoplane.config.validate_config`).

    Raises
    ------
    ConfigError
        Naming the study's config file(s) and every bad key.
    """
    files = tuple(os.path.relpath(f) for f in config_files) or (os.path.relpath(embedded),)
    name = study_name(config, config_files, embedded)
    try:
        validated = validate_config(config, schema_path)
    except ConfigError as error:
        raise ConfigError(f"study {name} ({', '.join(files)}): {error}") from None
    return Study(name=name, config=validated, config_files=files)


def read_study_files(files: Sequence[str | os.PathLike]) -> dict:
    """The config of one study from its file(s), merged in order as ``--configfile`` merges them."""
    merged: dict = {}
    for path in files:
        merge_configs(merged, load_config(path))
    return merged


def claim_tree(study: Study, *, dry_run: bool) -> None:
    """Make sure that ``results/<study>/`` belongs to this study's config file(s), then record them.

    The tree records the config file(s) it was built from (``results/<study>/study.yaml``); a
    different config with the same study name (a copy of ``config/sb18.yaml`` elsewhere, two
    configs that set the same ``study``) would rerun and overwrite the first one's results, so
    it is refused. A dry run records nothing.

    Raises
    ------
    ConfigError
        Naming both configs and how to give the new one a name of its own.
    """
    origin = Path(P.STUDY_ORIGIN.format(study=study.name))
    mine = [os.path.normpath(f) for f in study.config_files]
    if origin.is_file():
        try:
            recorded = (yaml.safe_load(origin.read_text()) or {}).get("config_files")
        except yaml.YAMLError:
            recorded = None
        if recorded and [os.path.normpath(f) for f in recorded] != mine:
            raise ConfigError(
                f"results/{study.name}/ holds the study {study.name!r} built from {', '.join(recorded)}; this run's config "
                f"({', '.join(mine)}) has the same study name and would rerun and overwrite those results. Give it a name "
                f"of its own ('study: <name>' in the config, or --config study=<name>); or, if it is the same study whose "
                f"file moved, delete {origin}"
            )
        if recorded:
            return
    if not dry_run:
        origin.parent.mkdir(parents=True, exist_ok=True)
        origin.write_text(yaml.safe_dump({"study": study.name, "config_files": mine}, sort_keys=False))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m infoplane.studies name FILE...``: the name of the study the config file(s)
    describe (its results lie under ``results/<name>/``)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m infoplane.studies", description="Study names of config files.")
    commands = parser.add_subparsers(dest="command", required=True)
    name = commands.add_parser("name", help="the study name of config file(s), merged in order as --configfile merges them")
    name.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    embedded = Path(__file__).resolve().parents[2] / "config" / "config.yaml"
    try:
        print(study_name(read_study_files(args.files), args.files, embedded))
    except (ConfigError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
