# Training: one batched job per chunk of seeds (infoplane.training), and the tidy training table
# (metrics, gradient statistics, each seed's divergence and final accuracies) of an experiment.


rule train_chunk:
    input:
        dataset=experiment_dataset,
        plugins=family_plugin,
    output:
        P.CHUNK,
    params:
        settings=chunk_settings,
        seeds=chunk_seeds,
        device=lambda wildcards: S(wildcards).config["device"],
        code=training_code,
    threads: threads_of("train")
    priority: critical_path_priority("train_chunk")
    resources:
        mem_mb=sized("train_chunk", "mem_mb"),
        runtime=sized("train_chunk", "runtime"),
        cpus_per_task=lambda wildcards, threads: threads,
        gpu=gpus,
    log:
        f"{P.LOGS}/train/{{experiment}}/chunk-{{chunk}}.log",
    benchmark:
        f"{P.BENCHMARKS}/train/{{experiment}}/chunk-{{chunk}}.tsv",
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
        moved_aside=chunks_moved_aside,
    log:
        f"{P.LOGS}/training_table/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/training_table/{{experiment}}.tsv",
    conda:
        "../../envs/estimate.yaml"
    script:
        "../scripts/training_table.py"
