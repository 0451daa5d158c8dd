rule plot_information:
    input:
        P.INFORMATION_TABLE,
    output:
        plane=multiext(P.FIGURE_INFORMATION_PLANE, *P.FIGURE_FORMATS),
        epochs=multiext(P.FIGURE_INFORMATION_EPOCHS, *P.FIGURE_FORMATS),
    params:
        code=source_hash("plots.py"),
    log:
        f"{P.LOGS}/plot_information/{{experiment}}/{{estimator}}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_information.py"


rule plot_training:
    input:
        P.TRAINING_TABLE,
    output:
        gradients=multiext(P.FIGURE_GRADIENTS, *P.FIGURE_FORMATS),
        learning=multiext(P.FIGURE_LEARNING_CURVES, *P.FIGURE_FORMATS),
    params:
        code=source_hash("plots.py"),
    log:
        f"{P.LOGS}/plot_training/{{experiment}}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_training.py"


rule plot_overview:
    input:
        per_pair(P.INFORMATION_TABLE),
    output:
        multiext(P.FIGURE_OVERVIEW, *P.FIGURE_FORMATS),
    params:
        code=source_hash("plots.py"),
    log:
        f"{P.LOGS}/plot_overview.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_overview.py"
