# Figures of each experiment, from its tidy tables (infoplane.plots): written as PDF (for the
# report) and PNG (for people, and for Snakemake's HTML report, where they are listed by
# experiment and estimator with the PDF's captions).


rule plot_information:
    input:
        P.INFORMATION_TABLE,
    output:
        plane=f"{P.FIGURE_INFORMATION_PLANE}.pdf",
        plane_png=in_report(
            f"{P.FIGURE_INFORMATION_PLANE}.png", "information_plane", "experiment {experiment}", "estimator {estimator}",
            result="information plane",
        ),
        epochs=f"{P.FIGURE_INFORMATION_EPOCHS}.pdf",
        epochs_png=in_report(
            f"{P.FIGURE_INFORMATION_EPOCHS}.png", "information_vs_epoch", "experiment {experiment}",
            "estimator {estimator}", result="information against epoch",
        ),
    params:
        code=code_hash("infoplane.plots.planes"),
        captions=captions_of("information_plane", "information_vs_epoch"),
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
        planes=f"{P.FIGURE_ESTIMATOR_PLANES}.pdf",
        planes_png=in_report(
            f"{P.FIGURE_ESTIMATOR_PLANES}.png", "information_planes", "experiment {experiment}", "all estimators",
            result="information planes of every estimator",
        ),
    params:
        code=code_hash("infoplane.plots.planes"),
        captions=captions_of("information_planes"),
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
        sweep=f"{P.FIGURE_SWEEP}.pdf",
        sweep_png=in_report(
            f"{P.FIGURE_SWEEP}.png", "sweep", "experiment {experiment}", "sweeps", result="sweep {sweep}"
        ),
    params:
        swept=lambda wildcards: [i.swept for i in infoplane.instances.sweeps(S(wildcards).instances)[wildcards.sweep]],
        code=code_hash("infoplane.plots.planes"),
        captions=captions_of("sweep"),
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
        gradients=f"{P.FIGURE_GRADIENTS}.pdf",
        gradients_png=in_report(
            f"{P.FIGURE_GRADIENTS}.png", "gradients", "experiment {experiment}", "training", result="gradient statistics"
        ),
        learning=f"{P.FIGURE_LEARNING_CURVES}.pdf",
        learning_png=in_report(
            f"{P.FIGURE_LEARNING_CURVES}.png", "learning_curves", "experiment {experiment}", "training",
            result="learning curves",
        ),
    params:
        code=code_hash("infoplane.plots.training"),
        captions=captions_of("gradients", "learning_curves"),
    log:
        f"{P.LOGS}/plot_training/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/plot_training/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_training.py"
