# Seed 001's MI stopping criterion (infoplane.stopping), for a study whose config has a `stopping`
# section: its experiments train and record as any other; then every seed's check values and each
# rule's stop per experiment, the rules compared over seeds, their figures, and the study's own PDF.


rule stopping_curves:
    input:
        chunks=chunk_files,
    output:
        curves=P.STOPPING_CURVES,
        decisions=P.STOPPING_DECISIONS,
    params:
        section=lambda wildcards: canonical(S(wildcards).config["stopping"]),
        method=lambda wildcards: S(wildcards).instances[S(wildcards).config["stopping"]["estimator"]].method,
        estimator_params=lambda wildcards: canonical(S(wildcards).instances[S(wildcards).config["stopping"]["estimator"]].params),
        device=lambda wildcards: S(wildcards).config["device"],
        code=stopping_code,
        moved_aside=chunks_moved_aside,
    threads: lambda wildcards: job_threads(S(wildcards), "estimate") if stopping_parallel(wildcards) else 1
    wildcard_constraints:
        study=only_studies(stopping_studies()),
    log:
        f"{P.LOGS}/stopping_curves/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/stopping_curves/{{experiment}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/stopping_curves.py"


rule stopping_summary:
    input:
        decisions=each_experiment(P.STOPPING_DECISIONS),
        curves=each_experiment(P.STOPPING_CURVES),
    output:
        summary=P.STOPPING_SUMMARY,
        figure=f"{P.FIGURE_STOPPING}.pdf",
        png=f"{P.FIGURE_STOPPING}.png",
        curves=f"{P.FIGURE_STOPPING_CURVES}.pdf",
        curves_png=f"{P.FIGURE_STOPPING_CURVES}.png",
    params:
        section=lambda wildcards: canonical(S(wildcards).config["stopping"]),
        code=code_hash("infoplane.stopping.analysis", "infoplane.plots.stopping"),
    wildcard_constraints:
        study=only_studies(stopping_studies()),
    log:
        f"{P.LOGS}/stopping_summary.log",
    benchmark:
        f"{P.BENCHMARKS}/stopping_summary.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/stopping_summary.py"


rule stopping_report:
    input:
        summary=P.STOPPING_SUMMARY,
        figure=f"{P.FIGURE_STOPPING}.pdf",
        curves=f"{P.FIGURE_STOPPING_CURVES}.pdf",
        chunks=lambda wildcards: [S(wildcards).path(P.CHUNK, experiment=e, chunk=0) for e in S(wildcards).experiments],
        template=os.path.join(REPORT_SOURCES, "stopping.tex.j2"),
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        experiment_order=presentation(lambda wildcards: list(S(wildcards).experiments)),
        code=code_hash("infoplane.report.stopping"),
    wildcard_constraints:
        study=only_studies(stopping_studies()),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/stopping_report.py"
