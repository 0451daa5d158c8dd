# The LaTeX report of a study (results/<study>/report/report.pdf), filled from its tables and
# figures (infoplane.report), and the index of every built study (results/index.pdf).

REPORT_STATIC = ["question", "abstract", "setup", "estimators", "validation", "claims", "references"]


rule report_pdf:
    input:
        unpack(report_inputs),
        template=os.path.join(REPORT_SOURCES, "report.tex.j2"),
        static=expand(os.path.join(REPORT_SOURCES, "static", "{name}.tex"), name=REPORT_STATIC),
        plugins=plugin_files,
    output:
        pdf=in_report(P.REPORT_PDF, "report_pdf", "report", result="the PDF report"),
        tex=P.REPORT_TEX,
    params:
        config=lambda wildcards: canonical(S(wildcards).config),
        config_files=lambda wildcards: list(S(wildcards).config_files),
        # the config's order of experiments and estimators, which the report follows (reordering
        # the config's keys reruns nothing)
        experiment_order=presentation(lambda wildcards: list(S(wildcards).experiments)),
        entry_order=presentation(lambda wildcards: list(S(wildcards).config["estimators"])),
        sweeps=presentation(lambda wildcards: S(wildcards).sweeps),
        claim_instances=presentation(lambda wildcards: S(wildcards).claim_instances),
        code=code_hash("infoplane.report", "infoplane.instances"),
        captions=captions_of("report_pdf"),
    wildcard_constraints:  # the generalisation, stopping and GAN studies have reports of their own
        study=only_studies(set(STUDIES) - set(generalisation_studies()) - set(stopping_studies()) - set(gan_studies())
                           - set(skipping_studies()) - set(rnn_studies())),
    log:
        f"{P.LOGS}/report.log",
    benchmark:
        f"{P.BENCHMARKS}/report.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/report.py"


rule index:
    input:
        claims=lambda wildcards: [P.STUDY_CLAIMS_TABLE.format(study=name) for name in index_studies()],
        template=os.path.join(REPORT_SOURCES, "index.tex.j2"),
    output:
        pdf=P.INDEX_PDF,
        tex=P.INDEX_TEX,
    params:
        studies=lambda wildcards: index_studies(),
        code=code_hash("infoplane.report"),
    log:
        f"{P.SHARED_LOGS}/index.log",
    benchmark:
        f"{P.SHARED_BENCHMARKS}/index.tsv",
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/index.py"
