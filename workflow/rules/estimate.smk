rule estimate:
    input:
        chunk_files,
    output:
        P.INFORMATION_TABLE,
    params:
        method=lambda wildcards: ESTIMATORS[wildcards.estimator]["estimator"],
        estimator_params=lambda wildcards: canonical(ESTIMATORS[wildcards.estimator]["params"]),
        device=config["device"],
        code=lambda wildcards: ESTIMATOR_CODE[wildcards.estimator],
    threads: config["threads"]["estimate"]
    log:
        f"{P.LOGS}/estimate/{{experiment}}/{{estimator}}.log",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/estimate.py"


rule summarise:
    input:
        P.INFORMATION_TABLE,
    output:
        P.SUMMARY_TABLE,
    params:
        code=source_hash("summary.py"),
    log:
        f"{P.LOGS}/summarise/{{experiment}}/{{estimator}}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/summarise.py"
