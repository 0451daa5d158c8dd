# The dataset file every experiment of a study reads (results/<study>/data/<dataset>.mat): generated (tishby), read
# from the MNIST IDX files (mnist), or copied from a .mat file (path).

rule dataset:
    input:
        dataset_inputs,
    output:
        P.DATASET,
    params:
        spec=lambda wildcards: canonical(dataset_spec(wildcards)),
        code=code_hash("infoplane.datasets"),
    log:
        f"{P.LOGS}/dataset/{{dataset}}.log",
    benchmark:
        f"{P.BENCHMARKS}/dataset/{{dataset}}.tsv",
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
            f"{P.SHARED_LOGS}/download_mnist/{{mnist_dir}}/{{mnist_file}}.log",
        benchmark:
            f"{P.SHARED_BENCHMARKS}/download_mnist/{{mnist_dir}}/{{mnist_file}}.tsv",
        conda:
            "../../envs/train.yaml"
        script:
            "../scripts/download.py"

    rule download_mnist:
        input:
            [os.path.join(d, name) for d in MNIST_DIRS for name in infoplane.datasets.MNIST_SHA256],
