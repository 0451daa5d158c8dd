rule report:
    input:
        template=os.path.join(REPORT_SOURCES, "report.tex.j2"),
        static=expand(
            os.path.join(REPORT_SOURCES, "static", "{name}.tex"),
            name=["abstract", "setup", "estimators", "validation", "claims", "references"],
        ),
        datasets=sorted({P.DATASET.format(dataset=e.dataset) for e in EXPERIMENTS.values()}),
        chunks=per_experiment(P.CHUNK.replace("{chunk}", "0")),
        summaries=per_pair(P.SUMMARY_TABLE),
        training=per_experiment(P.TRAINING_TABLE),
        planes=per_pair(P.FIGURE_INFORMATION_PLANE, P.FIGURE_FORMATS),
        epochs=per_pair(P.FIGURE_INFORMATION_EPOCHS, P.FIGURE_FORMATS),
        estimators=per_experiment(P.FIGURE_ESTIMATOR_PLANES, P.FIGURE_FORMATS),
        sweeps=per_sweep(P.FIGURE_SWEEP, P.FIGURE_FORMATS),
        gradients=per_experiment(P.FIGURE_GRADIENTS, P.FIGURE_FORMATS),
        learning=per_experiment(P.FIGURE_LEARNING_CURVES, P.FIGURE_FORMATS),
        claims=P.STUDY_CLAIMS_TABLE,
        qualified=per_experiment(P.QUALIFIED_TABLE),
        plane_intervals=per_experiment(P.FIGURE_PLANE_INTERVALS, P.FIGURE_FORMATS),
        snr=per_experiment(P.FIGURE_SNR_TRANSITION, P.FIGURE_FORMATS),
        generalisation=[P.FIGURE_GENERALISATION + s for s in P.FIGURE_FORMATS],
        validation_summary=P.VALIDATION_SUMMARY,
        validation_figures=[
            f + s for f in (P.FIGURE_VALIDATION_ESTIMATES, P.FIGURE_VALIDATION_BIAS) for s in P.FIGURE_FORMATS
        ],
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=canonical(config),
        experiment_order=list(EXPERIMENTS),
        entry_order=list(config["estimators"]),
        sweeps=SWEEPS,
        config_files=CONFIG_FILES,
        code=code_hash("infoplane.report", "infoplane.instances"),
        claim_instances=CLAIM_INSTANCES,
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/report.py"
