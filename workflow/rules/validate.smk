# The validation study: every estimator instance of a study on synthetic layers with known mutual
# information (infoplane.validation), one job per task family.


rule validate_task:
    output:
        P.VALIDATION_TASK,
    params:
        settings=validation_settings,
        instances=lambda wildcards: canonical(
            {i.name: {"method": i.method, "params": i.params} for i in S(wildcards).validated}
        ),
        order=lambda wildcards: sorted(i.name for i in S(wildcards).validated),
        code=validation_code,
    threads: threads_of("validate")
    priority: critical_path_priority("validate_task")
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
        lambda wildcards: [S(wildcards).path(P.VALIDATION_TASK, task=task) for task in infoplane.validation.TASKS],
    output:
        table=P.VALIDATION_TABLE,
        summary=in_report(P.VALIDATION_SUMMARY, "validation_summary", "validation", result="bias by task (table)"),
    params:
        code=code_hash("infoplane.validation"),
        captions=captions_of("validation_summary"),
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
        estimates=f"{P.FIGURE_VALIDATION_ESTIMATES}.pdf",
        estimates_png=in_report(
            f"{P.FIGURE_VALIDATION_ESTIMATES}.png", "validation_estimates", "validation", result="estimate against truth"
        ),
        bias=f"{P.FIGURE_VALIDATION_BIAS}.pdf",
        bias_png=in_report(f"{P.FIGURE_VALIDATION_BIAS}.png", "validation_bias", "validation", result="bias"),
    params:
        code=code_hash("infoplane.plots.validation"),
        captions=captions_of("validation_estimates", "validation_bias"),
    log:
        f"{P.LOGS}/plot_validation.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_validation.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_validation.py"
