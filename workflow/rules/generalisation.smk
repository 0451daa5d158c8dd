# Seed 002's pairwise generalisation study (infoplane.generalisation), for a study whose config has
# a `generalisation` section: its grid's experiments train and are estimated as any other; then
# the pairs, every signal's predictions, the table in seed 002's shape, the verdicts and the
# collapse map; their figures; and the study's own PDF report (results/<study>/report/report.pdf).


rule generalisation_tables:
    input:
        seeds=each_experiment(P.SEEDS_TABLE),
        information=feature_tables,
    output:
        networks=P.GENERALISATION_NETWORKS,
        pairs=P.GENERALISATION_PAIRS,
        predictions=P.GENERALISATION_PREDICTIONS,
        table=P.GENERALISATION_TABLE,
        verdicts=P.GENERALISATION_VERDICTS,
        collapse=P.GENERALISATION_COLLAPSE,
        rules=P.GENERALISATION_RULES,
        features=P.GENERALISATION_FEATURES,
    params:
        section=lambda wildcards: canonical(S(wildcards).config["generalisation"]),
        # the grid's order of networks and levels decides pair orientation and rule tie-breaks
        order=lambda wildcards: infoplane.generalisation.grid_order(S(wildcards).config["generalisation"]),
        code=code_hash("infoplane.generalisation.analysis"),
    wildcard_constraints:
        study=only_studies(generalisation_studies()),
    log:
        f"{P.LOGS}/generalisation_tables.log",
    benchmark:
        f"{P.BENCHMARKS}/generalisation_tables.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/generalisation_tables.py"


rule plot_pairs:
    input:
        collapse=P.GENERALISATION_COLLAPSE,
        table=P.GENERALISATION_TABLE,
    output:
        collapse=f"{P.FIGURE_COLLAPSE_MAP}.pdf",
        collapse_png=f"{P.FIGURE_COLLAPSE_MAP}.png",
        predictions=f"{P.FIGURE_PAIR_PREDICTIONS}.pdf",
        predictions_png=f"{P.FIGURE_PAIR_PREDICTIONS}.png",
    params:
        code=code_hash("infoplane.plots.pairs"),
    wildcard_constraints:
        study=only_studies(generalisation_studies()),
    log:
        f"{P.LOGS}/plot_pairs.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_pairs.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_pairs.py"


rule generalisation_report:
    input:
        table=P.GENERALISATION_TABLE,
        verdicts=P.GENERALISATION_VERDICTS,
        collapse=P.GENERALISATION_COLLAPSE,
        rules=P.GENERALISATION_RULES,
        features=P.GENERALISATION_FEATURES,
        pairs=P.GENERALISATION_PAIRS,
        collapse_figure=f"{P.FIGURE_COLLAPSE_MAP}.pdf",
        predictions_figure=f"{P.FIGURE_PAIR_PREDICTIONS}.pdf",
        chunks=lambda wildcards: [S(wildcards).path(P.CHUNK, experiment=e, chunk=0) for e in S(wildcards).experiments],
        validation_summary=P.VALIDATION_SUMMARY,
        validation_estimates=f"{P.FIGURE_VALIDATION_ESTIMATES}.pdf",
        template=os.path.join(REPORT_SOURCES, "generalisation.tex.j2"),
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        order=presentation(lambda wildcards: infoplane.generalisation.grid_order(S(wildcards).config["generalisation"])),
        code=code_hash("infoplane.report.generalisation"),
    wildcard_constraints:
        study=only_studies(generalisation_studies()),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/generalisation_report.py"
