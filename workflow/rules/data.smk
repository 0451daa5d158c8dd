rule dataset:
    input:
        lambda wildcards: config["datasets"][wildcards.dataset].get("path", []),
    output:
        P.DATASET,
    params:
        spec=lambda wildcards: canonical(config["datasets"][wildcards.dataset]),
        code=code_hash("infoplane.datasets"),
    log:
        f"{P.LOGS}/dataset/{{dataset}}.log",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/dataset.py"
