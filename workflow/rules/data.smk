# The dataset file every experiment of a study reads (results/<study>/data/<dataset>.mat), made by
# its source (infoplane.datasets: generated, read from IDX files or batches, or copied from a
# .mat file), and the checked download of the files a source may fetch.

rule dataset:
    input:
        files=dataset_inputs,
        plugins=source_plugin,
    output:
        P.DATASET,
    params:
        spec=lambda wildcards: canonical(dataset_spec(wildcards)),
        code=dataset_code,
    priority: critical_path_priority("dataset")
    log:
        f"{P.LOGS}/dataset/{{dataset}}.log",
    benchmark:
        f"{P.BENCHMARKS}/dataset/{{dataset}}.tsv",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/dataset.py"


if DOWNLOADS:

    rule download_file:
        output:
            "{data_dir}/{file}",
        wildcard_constraints:
            data_dir=_alternatives(sorted({d for d, _ in DOWNLOADS})),
            file=_alternatives(sorted({f for _, f in DOWNLOADS})),
        params:
            check=lambda wildcards: DOWNLOADS[(wildcards.data_dir, wildcards.file)],
        priority: download_priority
        log:
            f"{P.SHARED_LOGS}/download/{{data_dir}}/{{file}}.log",
        benchmark:
            f"{P.SHARED_BENCHMARKS}/download/{{data_dir}}/{{file}}.tsv",
        conda:
            "../../envs/train.yaml"
        script:
            "../scripts/download.py"

    rule download_data:
        input:
            [os.path.join(d, f) for d, f in DOWNLOADS],


if MNIST_DIRS:

    rule download_mnist:
        input:
            [os.path.join(d, name) for d in MNIST_DIRS for name in infoplane.datasets.MNIST_SHA256],
