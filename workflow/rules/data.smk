# The dataset file every experiment reads (results/data/<dataset>.mat): generated (tishby), read
# from the MNIST IDX files (mnist), or copied from a .mat file (path).

from pathlib import Path

from snakemake.exceptions import WorkflowError

import infoplane.datasets

MNIST_SPECS = {name: spec for name, spec in config["datasets"].items() if spec.get("builtin") == "mnist"}
MNIST_DIRS = sorted({spec["data_dir"] for spec in MNIST_SPECS.values()})


def dataset_inputs(wildcards):
    """The files a dataset is built from. MNIST with `download: true`: its IDX files, missing
    ones made by download_mnist_file. MNIST without: none (files that are no rule's output are
    never "rerun"), but a missing file stops the DAG, before any job, with a message naming it
    and how to get it."""
    spec = config["datasets"][wildcards.dataset]
    if "path" in spec:
        return [spec["path"]]
    if spec["builtin"] != "mnist":
        return []
    if spec["download"]:
        return [
            str(infoplane.datasets.find_mnist_file(spec["data_dir"], name) or os.path.join(spec["data_dir"], name))
            for name in infoplane.datasets.mnist_files(spec["split"])
        ]  # fmt: skip
    try:
        infoplane.datasets.mnist_paths(spec["data_dir"], spec["split"], key=wildcards.dataset)
    except FileNotFoundError as error:
        raise WorkflowError(str(error)) from None
    return []


rule dataset:
    input:
        dataset_inputs,
    output:
        P.DATASET,
    params:
        spec=lambda wildcards: canonical(config["datasets"][wildcards.dataset]),
        code=code_hash("infoplane.datasets"),
    log:
        f"{P.LOGS}/dataset/{{dataset}}.log",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/dataset.py"


if MNIST_DIRS:

    rule download_mnist_file:
        output:
            "{mnist_dir}/{mnist_file}",
        wildcard_constraints:
            mnist_dir=_alternatives(MNIST_DIRS),
            mnist_file=_alternatives(infoplane.datasets.MNIST_SHA256),
        params:
            sha256=lambda wildcards: infoplane.datasets.MNIST_SHA256[wildcards.mnist_file],
            mirrors=list(infoplane.datasets.MNIST_MIRRORS),
        log:
            f"{P.LOGS}/download_mnist/{{mnist_dir}}/{{mnist_file}}.log",
        conda:
            "../../envs/train.yaml"
        script:
            "../scripts/download.py"

    rule download_mnist:
        input:
            [os.path.join(d, name) for d in MNIST_DIRS for name in infoplane.datasets.MNIST_SHA256],
