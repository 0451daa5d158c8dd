# GAN discriminators in the information plane (infoplane.gan), for a study whose config has a `gan`
# section: its experiments train S seeded GANs each (train_chunk dispatches to the GAN trainer)
# and are estimated as any other; then the claim that the discriminator compresses with the mean
# planes and the training curves, their figures (planes, sample grids, discriminator accuracy) and
# the study's own PDF report.


rule gan_tables:
    input:
        information=lambda wildcards: S(wildcards).claim_information_tables(),  # claims.estimators
        seeds=each_experiment(P.SEEDS_TABLE),
        chunks=lambda wildcards: [c for e in S(wildcards).experiments for c in S(wildcards).chunks(e)],
    output:
        claims=P.GAN_CLAIMS,
        curves=P.GAN_CURVES,
        training=P.GAN_TRAINING,
        seeds=P.GAN_SEEDS,
    params:
        pairs=gan_pairs,
        experiments=lambda wildcards: list(S(wildcards).experiments),
        claims=lambda wildcards: canonical(S(wildcards).config["claims"]),
        code=code_hash("infoplane.gan.analysis"),
        moved_aside=lambda wildcards: [infoplane.runtime.times_moved_aside(p) for e in S(wildcards).experiments
                                       for p in S(wildcards).chunks(e)],
    wildcard_constraints:
        study=only_studies(gan_studies()),
    log:
        f"{P.LOGS}/gan_tables.log",
    benchmark:
        f"{P.BENCHMARKS}/gan_tables.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/gan_tables.py"


rule gan_figures:
    input:
        curves=P.GAN_CURVES,
        training=P.GAN_TRAINING,
        seeds=P.GAN_SEEDS,
        chunk=lambda wildcards: S(wildcards).path(P.CHUNK, experiment=wildcards.experiment, chunk=0),
    output:
        samples=f"{P.FIGURE_GAN_SAMPLES}.pdf",
        samples_png=f"{P.FIGURE_GAN_SAMPLES}.png",
        planes=f"{P.FIGURE_GAN_PLANES}.pdf",
        planes_png=f"{P.FIGURE_GAN_PLANES}.png",
    params:
        code=code_hash("infoplane.plots.gan", "infoplane.plots.claims"),
    wildcard_constraints:
        study=only_studies(gan_studies()),
    log:
        f"{P.LOGS}/gan_figures/{{experiment}}.log",
    benchmark:
        f"{P.BENCHMARKS}/gan_figures/{{experiment}}.tsv",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/gan_figures.py"


rule gan_discriminator_figure:
    input:
        training=P.GAN_TRAINING,
    output:
        pdf=f"{P.FIGURE_GAN_DISCRIMINATOR}.pdf",
        png=f"{P.FIGURE_GAN_DISCRIMINATOR}.png",
    params:
        code=code_hash("infoplane.plots.gan"),
    wildcard_constraints:
        study=only_studies(gan_studies()),
    log:
        f"{P.LOGS}/gan_discriminator_figure.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/gan_discriminator_figure.py"


rule gan_report:
    input:
        claims=P.GAN_CLAIMS,
        training=P.GAN_TRAINING,
        seeds=P.GAN_SEEDS,
        discriminator=f"{P.FIGURE_GAN_DISCRIMINATOR}.pdf",
        samples=each_experiment(f"{P.FIGURE_GAN_SAMPLES}.pdf"),
        planes=each_experiment(f"{P.FIGURE_GAN_PLANES}.pdf"),
        chunks=lambda wildcards: [S(wildcards).path(P.CHUNK, experiment=e, chunk=0) for e in S(wildcards).experiments],
        template=os.path.join(REPORT_SOURCES, "gan.tex.j2"),
    output:
        pdf=P.REPORT_PDF,
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        experiment_order=presentation(lambda wildcards: list(S(wildcards).experiments)),
        code=code_hash("infoplane.report.gan"),
    wildcard_constraints:
        study=only_studies(gan_studies()),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/gan_report.py"
