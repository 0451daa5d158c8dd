# The claims of [ST17] and [SB18] with bootstrap intervals over seeds (infoplane.claims): per
# experiment, then the comparisons between experiments and the generalisation claim.


rule claims:
    input:
        information=claim_information_tables,
        training=P.TRAINING_TABLE,
        seeds=P.SEEDS_TABLE,
    output:
        claims=P.CLAIMS_TABLE,
        curves=P.CURVES_TABLE,
        per_seed=P.PER_SEED_TABLE,
        qualified=P.QUALIFIED_TABLE,
    params:
        settings=CLAIM_SETTINGS,
        estimators=lambda wildcards: CLAIM_INSTANCES[wildcards.experiment],
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
        claims=per_experiment(P.CLAIMS_TABLE),
        per_seed=per_experiment(P.PER_SEED_TABLE),
        seeds=per_experiment(P.SEEDS_TABLE),
        information=study_information_tables(),
    output:
        P.STUDY_CLAIMS_TABLE,
    params:
        settings=CLAIM_SETTINGS,
        experiments=list(EXPERIMENTS),
        experiment_settings=canonical({name: e.settings for name, e in EXPERIMENTS.items()}),
        estimators=CLAIM_INSTANCES,
        code=code_hash("infoplane.claims.study"),
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
        planes=multiext(P.FIGURE_PLANE_INTERVALS, *P.FIGURE_FORMATS),
        snr=multiext(P.FIGURE_SNR_TRANSITION, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.claims"),
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
        per_seed=per_experiment(P.PER_SEED_TABLE),
        claims=P.STUDY_CLAIMS_TABLE,
    output:
        multiext(P.FIGURE_GENERALISATION, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.claims"),
    log:
        f"{P.LOGS}/plot_generalisation.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_generalisation.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_generalisation.py"
