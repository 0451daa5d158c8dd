rule train_chunk:
    input:
        dataset=experiment_dataset,
    output:
        P.CHUNK,
    params:
        settings=chunk_settings,
        seeds=chunk_seeds,
        device=config["device"],
        code=TRAINING_CODE,
    threads: config["threads"]["train"]
    log:
        f"{P.LOGS}/train/{{experiment}}/chunk-{{chunk}}.log",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/train.py"


rule training_table:
    input:
        chunk_files,
    output:
        training=P.TRAINING_TABLE,
        seeds=P.SEEDS_TABLE,
    params:
        code=code_hash("infoplane.tables"),
    log:
        f"{P.LOGS}/training_table/{{experiment}}.log",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/training_table.py"
