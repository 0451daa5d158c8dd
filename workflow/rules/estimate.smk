rule estimate:
    input:
        chunks=chunk_files,
        dataset=experiment_dataset,
    output:
        P.ESTIMATES,
    params:
        method=lambda wildcards: JOBS[wildcards.experiment][wildcards.job].method,
        instances=lambda wildcards: canonical(
            {n: INSTANCES[n].params for n in JOBS[wildcards.experiment][wildcards.job].instances}
        ),
        order=lambda wildcards: list(JOBS[wildcards.experiment][wildcards.job].instances),
        stride=lambda wildcards: JOBS[wildcards.experiment][wildcards.job].stride,
        device=config["device"],
        code=job_code,
        # the thread count changes the float sums' order: a different count is a rerun
        threads=lambda wildcards, threads: threads,
    threads: config["threads"]["estimate"]
    resources:
        mem_mb=sized("estimate", "mem_mb"),
        runtime=sized("estimate", "runtime"),
        cpus_per_task=lambda wildcards, threads: threads,
        gpu=GPUS,
    log:
        f"{P.LOGS}/estimate/{{experiment}}/{{job}}.log",
    benchmark:
        f"{P.BENCHMARKS}/estimate/{{experiment}}/{{job}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/estimate.py"


rule summarise:
    input:
        instance_estimates,
    output:
        information=P.INFORMATION_TABLE,
        summary=P.SUMMARY_TABLE,
    params:
        code=code_hash("infoplane.summary"),
    log:
        f"{P.LOGS}/summarise/{{experiment}}/{{estimator}}.log",
    benchmark:
        f"{P.BENCHMARKS}/summarise/{{experiment}}/{{estimator}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/summarise.py"
