# Seed 003's epoch skipping against measuring every epoch (infoplane.skipping.study), for a study
# whose config has a `skipping` section: its experiments train and keep their weights; each listed
# estimator measures every epoch from them (the truth); then every method variant on each seed's
# truth (cost, guarantee, error), the claims on the interpolated curves, the figure and the PDF.


rule skipping_truth:
    input:
        chunks=chunk_files,
        dataset=experiment_dataset,
    output:
        truth=P.SKIPPING_TRUTH,
        timing=P.SKIPPING_TIMING,
    params:
        method=lambda wildcards: S(wildcards).instances[wildcards.estimator].method,
        params=lambda wildcards: canonical(S(wildcards).instances[wildcards.estimator].params),
        device=lambda wildcards: S(wildcards).config["device"],
        code=lambda wildcards: code_hash("infoplane.skipping.study", "infoplane.replay",
                                         *infoplane.estimators.module_names(S(wildcards).instances[wildcards.estimator].method,
                                                                            S(wildcards).instances[wildcards.estimator].params)),
        moved_aside=chunks_moved_aside,
    threads: lambda wildcards: job_threads(S(wildcards), "estimate")
    priority: critical_path_priority("skipping_truth")
    resources:
        mem_mb=sized("skipping_truth", "mem_mb"),
        runtime=sized("skipping_truth", "runtime"),
        cpus_per_task=lambda wildcards, threads: threads,
        gpu=gpus,
    wildcard_constraints:
        study=only_studies(skipping_studies()),
    log:
        f"{P.LOGS}/skipping_truth/{{experiment}}/{{estimator}}.log",
    benchmark:
        f"{P.BENCHMARKS}/skipping_truth/{{experiment}}/{{estimator}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/skipping_truth.py"


rule skipping_tables:
    input:
        truth=skipping_files(P.SKIPPING_TRUTH),
        timing=skipping_files(P.SKIPPING_TIMING),
        training=each_experiment(P.TRAINING_TABLE),
        seeds=each_experiment(P.SEEDS_TABLE),
        chunks=lambda wildcards: [S(wildcards).path(P.CHUNK, experiment=e, chunk=0) for e in S(wildcards).experiments],
    output:
        methods=P.SKIPPING_METHODS,
        summary=P.SKIPPING_SUMMARY,
        claims=P.SKIPPING_CLAIMS,
        recommendations=P.SKIPPING_RECOMMENDATIONS,
    params:
        pairs=skipping_pairs,
        experiments=lambda wildcards: list(S(wildcards).experiments),
        section=lambda wildcards: canonical(S(wildcards).config["skipping"]),
        claims=lambda wildcards: canonical(S(wildcards).config["claims"]),
        code=code_hash("infoplane.skipping.study"),
    wildcard_constraints:
        study=only_studies(skipping_studies()),
    log:
        f"{P.LOGS}/skipping_tables.log",
    benchmark:
        f"{P.BENCHMARKS}/skipping_tables.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/skipping_tables.py"


rule skipping_figure:
    input:
        summary=P.SKIPPING_SUMMARY,
    output:
        pdf=f"{P.FIGURE_SKIPPING}.pdf",
        png=f"{P.FIGURE_SKIPPING}.png",
    params:
        code=code_hash("infoplane.plots.skipping"),
    wildcard_constraints:
        study=only_studies(skipping_studies()),
    log:
        f"{P.LOGS}/skipping_figure.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/skipping_figure.py"


rule skipping_report:
    input:
        summary=P.SKIPPING_SUMMARY,
        claims=P.SKIPPING_CLAIMS,
        recommendations=P.SKIPPING_RECOMMENDATIONS,
        figure=f"{P.FIGURE_SKIPPING}.pdf",
        chunks=lambda wildcards: [S(wildcards).path(P.CHUNK, experiment=e, chunk=0) for e in S(wildcards).experiments],
        template=os.path.join(REPORT_SOURCES, "skipping.tex.j2"),
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        experiment_order=presentation(lambda wildcards: list(S(wildcards).experiments)),
        code=code_hash("infoplane.report.skipping"),
    wildcard_constraints:
        study=only_studies(skipping_studies()),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/skipping_report.py"
