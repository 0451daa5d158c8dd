# The validation study: every estimator instance on synthetic layers with known mutual
# information (infoplane.validation), one job per task family.


rule validate_task:
    output:
        P.VALIDATION_TASK,
    params:
        settings=lambda wildcards: canonical({k: v for k, v in config["validation"].items() if k != "estimators"}),
        instances=canonical({i.name: {"method": i.method, "params": i.params} for i in VALIDATED}),
        order=sorted(i.name for i in VALIDATED),
        code=VALIDATION_CODE,
        # the thread count changes the float sums' order: a different count is a rerun
        threads=lambda wildcards, threads: threads,
    threads: config["threads"]["validate"]
    resources:
        mem_mb=sized("validate_task", "mem_mb"),
        runtime=sized("validate_task", "runtime"),
        cpus_per_task=lambda wildcards, threads: threads,
    log:
        f"{P.LOGS}/validate/{{task}}.log",
    benchmark:
        f"{P.BENCHMARKS}/validate/{{task}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/validate.py"


rule validation_table:
    input:
        expand(P.VALIDATION_TASK, task=VALIDATION_TASKS),
    output:
        table=P.VALIDATION_TABLE,
        summary=P.VALIDATION_SUMMARY,
    params:
        code=code_hash("infoplane.validation"),
    log:
        f"{P.LOGS}/validation_table.log",
    benchmark:
        f"{P.BENCHMARKS}/validation_table.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/validation_table.py"


rule plot_validation:
    input:
        table=P.VALIDATION_TABLE,
        summary=P.VALIDATION_SUMMARY,
    output:
        estimates=multiext(P.FIGURE_VALIDATION_ESTIMATES, *P.FIGURE_FORMATS),
        bias=multiext(P.FIGURE_VALIDATION_BIAS, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.validation"),
    log:
        f"{P.LOGS}/plot_validation.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_validation.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_validation.py"
