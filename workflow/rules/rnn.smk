# A fully recurrent network in the information plane (infoplane.rnn, seed 004), for a study whose
# config has an `rnn` section: per experiment, S seeded recurrent networks trained on a regression
# series with every neuron's state recorded (rnn_train), the flow graphs between neurons
# (rnn_flows), the neuron-level and whole-state information (rnn_information); then the answers
# to seed 004's five questions with the curves and errors (rnn_tables), the figures and the
# study's own PDF report.


rule rnn_train:
    input:
        data=rnn_data_file,
    output:
        P.RNN_RUN,
    params:
        settings=chunk_settings,
        section=lambda wildcards: canonical(S(wildcards).config["rnn"]),
        dataset=lambda wildcards: canonical(S(wildcards).config["datasets"][S(wildcards).experiments[wildcards.experiment].dataset]),
        seeds=lambda wildcards: list(S(wildcards).experiments[wildcards.experiment].seeds),
        device=lambda wildcards: S(wildcards).config["device"],
        code=lambda wildcards: f"{code_hash('infoplane.rnn.training', 'infoplane.families.rnn', 'infoplane.families._rnn', 'infoplane.datasets.temperatures')}, "
                               f"{job_threads(S(wildcards), 'train')} threads",
    threads: threads_of("train")
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_train/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/rnn_train/{{experiment}}.tsv",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/rnn_train.py"


rule rnn_flows:
    input:
        run=P.RNN_RUN,
    output:
        edges=P.RNN_EDGES,
        nodes=P.RNN_NODES,
    params:
        section=lambda wildcards: canonical(S(wildcards).config["rnn"]),
        code=code_hash("infoplane.rnn.flows"),
    threads: 1
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_flows/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/rnn_flows/{{experiment}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/rnn_flows.py"


rule rnn_information:
    input:
        run=P.RNN_RUN,
        nodes=P.RNN_NODES,
    output:
        neurons=P.RNN_NEURONS,
        pairs=P.RNN_PAIRS,
        states=P.RNN_STATES,
    params:
        section=lambda wildcards: canonical(S(wildcards).config["rnn"]),
        code=code_hash("infoplane.rnn.information"),
    threads: 1
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_information/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/rnn_information/{{experiment}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/rnn_information.py"


rule rnn_tables:
    input:
        runs=each_experiment(P.RNN_RUN),
        neurons=each_experiment(P.RNN_NEURONS),
        pairs=each_experiment(P.RNN_PAIRS),
        states=each_experiment(P.RNN_STATES),
        edges=each_experiment(P.RNN_EDGES),
        nodes=each_experiment(P.RNN_NODES),
    output:
        answers=P.RNN_ANSWERS,
        curves=P.RNN_CURVES,
        performance=P.RNN_PERFORMANCE,
    params:
        experiments=lambda wildcards: list(S(wildcards).experiments),
        claims=lambda wildcards: canonical(S(wildcards).config["claims"]),
        section=lambda wildcards: canonical(S(wildcards).config["rnn"]),
        code=code_hash("infoplane.rnn.answers", "infoplane.rnn.recording"),
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_tables.log",
    benchmark:
        f"{P.BENCHMARKS}/rnn_tables.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/rnn_tables.py"


rule rnn_study_figures:
    input:
        data=rnn_data_files,
        curves=P.RNN_CURVES,
        performance=P.RNN_PERFORMANCE,
    output:
        data=f"{P.FIGURE_RNN_DATA}.pdf",
        data_png=f"{P.FIGURE_RNN_DATA}.png",
        training=f"{P.FIGURE_RNN_TRAINING}.pdf",
        training_png=f"{P.FIGURE_RNN_TRAINING}.png",
    params:
        experiments=lambda wildcards: list(S(wildcards).experiments),
        datasets=lambda wildcards: [canonical(S(wildcards).config["datasets"][S(wildcards).experiments[e].dataset])
                                    for e in S(wildcards).experiments],
        train_fractions=lambda wildcards: [float(S(wildcards).experiments[e].settings["train_fraction"])
                                           for e in S(wildcards).experiments],
        code=code_hash("infoplane.plots.rnn", "infoplane.datasets.temperatures"),
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_study_figures.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/rnn_study_figures.py"


rule rnn_figures:
    input:
        curves=P.RNN_CURVES,
        edges=P.RNN_EDGES,
        nodes=P.RNN_NODES,
    output:
        neurons=f"{P.FIGURE_RNN_NEURONS}.pdf",
        neurons_png=f"{P.FIGURE_RNN_NEURONS}.png",
        flow=f"{P.FIGURE_RNN_FLOW}.pdf",
        flow_png=f"{P.FIGURE_RNN_FLOW}.png",
        planes=f"{P.FIGURE_RNN_PLANES}.pdf",
        planes_png=f"{P.FIGURE_RNN_PLANES}.png",
    params:
        code=code_hash("infoplane.plots.rnn"),
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/rnn_figures/{{experiment}}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/rnn_figures.py"


rule rnn_report:
    input:
        answers=P.RNN_ANSWERS,
        performance=P.RNN_PERFORMANCE,
        curves=P.RNN_CURVES,
        nodes=each_experiment(P.RNN_NODES),
        edges=each_experiment(P.RNN_EDGES),
        data=f"{P.FIGURE_RNN_DATA}.pdf",
        training=f"{P.FIGURE_RNN_TRAINING}.pdf",
        neurons=each_experiment(f"{P.FIGURE_RNN_NEURONS}.pdf"),
        flow=each_experiment(f"{P.FIGURE_RNN_FLOW}.pdf"),
        planes=each_experiment(f"{P.FIGURE_RNN_PLANES}.pdf"),
        template=os.path.join(REPORT_SOURCES, "rnn.tex.j2"),
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        experiment_order=presentation(lambda wildcards: list(S(wildcards).experiments)),
        code=code_hash("infoplane.report.rnn"),
    wildcard_constraints:
        study=only_studies(rnn_studies()),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/rnn_report.py"
