# Estimation: one job per experiment and estimation job (instances that share a pass, e.g. both
# KDE bounds), then one information table and summary per instance.


rule estimate:
    input:
        chunks=chunk_files,
        dataset=experiment_dataset,
    output:
        P.ESTIMATES,
    params:
        method=lambda wildcards: S(wildcards).jobs[wildcards.experiment][wildcards.job].method,
        instances=lambda wildcards: canonical(
            {n: S(wildcards).instances[n].params for n in S(wildcards).jobs[wildcards.experiment][wildcards.job].instances}
        ),
        order=lambda wildcards: list(S(wildcards).jobs[wildcards.experiment][wildcards.job].instances),
        stride=lambda wildcards: S(wildcards).jobs[wildcards.experiment][wildcards.job].stride,
        skip=lambda wildcards: canonical(S(wildcards).jobs[wildcards.experiment][wildcards.job].skip),
        device=lambda wildcards: S(wildcards).config["device"],
        code=job_code,
        moved_aside=chunks_moved_aside,
    threads: threads_of("estimate")
    priority: critical_path_priority("estimate")
    resources:
        mem_mb=sized("estimate", "mem_mb"),
        runtime=sized("estimate", "runtime"),
        cpus_per_task=lambda wildcards, threads: threads,
        gpu=gpus,
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
        summary=in_report(
            P.SUMMARY_TABLE, "summary_table", "experiment {experiment}", "estimator {estimator}",
            result="peak and final values (table)",
        ),
    params:
        code=code_hash("infoplane.summary"),
        captions=captions_of("summary_table"),
    log:
        f"{P.LOGS}/summarise/{{experiment}}/{{estimator}}.log",
    benchmark:
        f"{P.BENCHMARKS}/summarise/{{experiment}}/{{estimator}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/summarise.py"
