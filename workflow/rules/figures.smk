rule plot_information:
    input:
        P.INFORMATION_TABLE,
    output:
        plane=multiext(P.FIGURE_INFORMATION_PLANE, *P.FIGURE_FORMATS),
        epochs=multiext(P.FIGURE_INFORMATION_EPOCHS, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.planes"),
    log:
        f"{P.LOGS}/plot_information/{{experiment}}/{{estimator}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_information/{{experiment}}/{{estimator}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_information.py"


rule plot_estimators:
    input:
        experiment_information_tables,
    output:
        multiext(P.FIGURE_ESTIMATOR_PLANES, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.planes"),
    log:
        f"{P.LOGS}/plot_estimators/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_estimators/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_estimators.py"


rule plot_sweep:
    input:
        sweep_summaries,
    output:
        multiext(P.FIGURE_SWEEP, *P.FIGURE_FORMATS),
    params:
        swept=lambda wildcards: [i.swept for i in infoplane.instances.sweeps(INSTANCES)[wildcards.sweep]],
        code=code_hash("infoplane.plots.planes"),
    log:
        f"{P.LOGS}/plot_sweep/{{experiment}}/{{sweep}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_sweep/{{experiment}}/{{sweep}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_sweep.py"


rule plot_training:
    input:
        P.TRAINING_TABLE,
    output:
        gradients=multiext(P.FIGURE_GRADIENTS, *P.FIGURE_FORMATS),
        learning=multiext(P.FIGURE_LEARNING_CURVES, *P.FIGURE_FORMATS),
    params:
        code=code_hash("infoplane.plots.training"),
    log:
        f"{P.LOGS}/plot_training/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_training/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_training.py"
