# The claims of [ST17] and [SB18] with bootstrap intervals over seeds (infoplane.claims): per
# experiment, then the comparisons between experiments and the generalisation claim; the verdict
# grid of the report's first page.


rule claims:
    input:
        information=lambda wildcards: S(wildcards).claim_information_tables(wildcards.experiment),
        training=P.TRAINING_TABLE,
        seeds=P.SEEDS_TABLE,
    output:
        claims=P.CLAIMS_TABLE,
        curves=P.CURVES_TABLE,
        per_seed=P.PER_SEED_TABLE,
        qualified=P.QUALIFIED_TABLE,
    params:
        settings=claim_settings,
        tested=lambda wildcards: sorted(tested_estimators(wildcards)),
        # the same names in the config's order, which the tables follow (reordering reruns nothing)
        estimators=presentation(tested_estimators),
        code=code_hash("infoplane.claims.experiment"),
    log:
        f"{P.LOGS}/claims/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/claims/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/claims.py"


rule study_claims:
    input:
        claims=each_experiment(P.CLAIMS_TABLE),
        per_seed=each_experiment(P.PER_SEED_TABLE),
        seeds=each_experiment(P.SEEDS_TABLE),
        information=lambda wildcards: S(wildcards).claim_information_tables(),
        plugins=plugin_files,  # an activation a plugin declares: its saturation
    output:
        in_report(P.STUDY_CLAIMS_TABLE, "claims_table", "claims", result="every claim with its interval (table)"),
    params:
        settings=claim_settings,
        tested=lambda wildcards: canonical({e: sorted(names) for e, names in S(wildcards).claim_instances.items()}),
        experiment_settings=lambda wildcards: canonical({n: e.settings for n, e in S(wildcards).experiments.items()}),
        # the config's order, which the table follows (reordering reruns nothing)
        experiments=presentation(lambda wildcards: list(S(wildcards).experiments)),
        estimators=presentation(lambda wildcards: S(wildcards).claim_instances),
        code=code_hash("infoplane.claims.study"),
        captions=captions_of("claims_table"),
    log:
        f"{P.LOGS}/study_claims.log",
    benchmark:
        f"{P.BENCHMARKS}/study_claims.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/study_claims.py"


rule plot_claims:
    input:
        curves=P.CURVES_TABLE,
        claims=P.CLAIMS_TABLE,
    output:
        planes=f"{P.FIGURE_PLANE_INTERVALS}.pdf",
        planes_png=in_report(
            f"{P.FIGURE_PLANE_INTERVALS}.png", "information_plane_intervals", "claims", "experiment {experiment}",
            result="information planes with intervals",
        ),
        snr=f"{P.FIGURE_SNR_TRANSITION}.pdf",
        snr_png=in_report(
            f"{P.FIGURE_SNR_TRANSITION}.png", "snr_transition", "claims", "experiment {experiment}",
            result="gradient SNR transition",
        ),
    params:
        code=code_hash("infoplane.plots.claims"),
        captions=captions_of("information_plane_intervals", "snr_transition"),
    log:
        f"{P.LOGS}/plot_claims/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_claims/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_claims.py"


rule plot_generalisation:
    input:
        per_seed=each_experiment(P.PER_SEED_TABLE),
        claims=P.STUDY_CLAIMS_TABLE,
    output:
        figure=f"{P.FIGURE_GENERALISATION}.pdf",
        png=in_report(
            f"{P.FIGURE_GENERALISATION}.png", "generalisation", "claims", "study", result="generalisation against compression"
        ),
    params:
        code=code_hash("infoplane.plots.claims"),
        captions=captions_of("generalisation"),
    log:
        f"{P.LOGS}/plot_generalisation.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_generalisation.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_generalisation.py"


rule plot_verdict_grid:
    input:
        P.STUDY_CLAIMS_TABLE,
    output:
        grid=f"{P.FIGURE_VERDICT_GRID}.pdf",
        png=in_report(f"{P.FIGURE_VERDICT_GRID}.png", "verdict_grid", "claims", "study", result="verdict grid"),
    params:
        # the config's order of experiments and estimators for rows and columns (reordering reruns nothing)
        experiments=presentation(lambda wildcards: list(S(wildcards).experiments)),
        estimators=presentation(lambda wildcards: list(dict.fromkeys(n for names in S(wildcards).claim_instances.values() for n in names))),
        code=code_hash("infoplane.plots.verdicts"),
        captions=captions_of("verdict_grid"),
    log:
        f"{P.LOGS}/plot_verdict_grid.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_verdict_grid.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_verdict_grid.py"
