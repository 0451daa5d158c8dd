# infoplane: information-plane studies as a cached workflow. A study is a config; each writes
# under results/<study>/ (the embedded config/config.yaml is the study `default`).
#
#   snakemake report                                                 results/default/report/report.pdf
#   snakemake report --configfile config/sb18.yaml                   results/sb18/report/report.pdf
#   snakemake studies --config studies='[default, sb18]'             both, and results/index.pdf
#   snakemake validation                                             every estimator against known MI
#   (cores: the machine's CPUs, from profiles/default; --cores N to give fewer)
#   snakemake --report results/default/report.html                   Snakemake's HTML report
#
# dataset -> train (chunks of seeds) -> estimate (one job per experiment and estimator job)
#         -> tables -> claims -> figures -> report; validate -> report

import os
import sys

from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a config file is given on the command line (then that file
# alone is the config, not merged into this one; --config key=value still applies on top).
if not workflow.overwrite_configfiles:
    # read strictly first: Snakemake's own parser reports a YAML error without file or line
    sys.path.insert(0, os.path.join(workflow.basedir, "src"))
    import infoplane.config

    infoplane.config.load_config(os.path.join(workflow.basedir, "config", "config.yaml"))

    configfile: os.path.join(workflow.basedir, "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/generalisation.smk"
include: "workflow/rules/stopping.smk"
include: "workflow/rules/gan.smk"
include: "workflow/rules/rnn.smk"
include: "workflow/rules/skipping.smk"
include: "workflow/rules/report.smk"


# Each study's report (the default target, and what `snakemake --report` describes).
rule all:
    default_target: True
    input:
        every_study(P.REPORT_PDF),


rule report:
    input:
        every_study(P.REPORT_PDF),


# Every study's report and the index of every built study's verdicts side by side.
rule studies:
    input:
        every_study(P.REPORT_PDF),
        P.INDEX_PDF,


rule validation:
    input:
        every_study(P.VALIDATION_TABLE),
        every_study(P.VALIDATION_SUMMARY),
        every_study(P.FIGURE_VALIDATION_ESTIMATES, P.FIGURE_FORMATS),
        every_study(P.FIGURE_VALIDATION_BIAS, P.FIGURE_FORMATS),


# Every experiment's tables and figures, the claims included, without the report and the validation study (the
# MNIST configs' usual target: snakemake --cores 2 figures --configfile config/mnist_offline.yaml).
rule figures:
    input:
        [
            files
            for study in STUDIES.values()
            for files in (
                study.per_pair(P.SUMMARY_TABLE),
                study.per_pair(P.FIGURE_INFORMATION_PLANE, P.FIGURE_FORMATS),
                study.per_pair(P.FIGURE_INFORMATION_EPOCHS, P.FIGURE_FORMATS),
                study.per_experiment(P.FIGURE_ESTIMATOR_PLANES, P.FIGURE_FORMATS),
                study.per_sweep(P.FIGURE_SWEEP, P.FIGURE_FORMATS),
                study.per_experiment(P.FIGURE_GRADIENTS, P.FIGURE_FORMATS),
                study.per_experiment(P.FIGURE_LEARNING_CURVES, P.FIGURE_FORMATS),
                [study.path(P.STUDY_CLAIMS_TABLE)],
                study.per_experiment(P.FIGURE_PLANE_INTERVALS, P.FIGURE_FORMATS),
                study.per_experiment(P.FIGURE_SNR_TRANSITION, P.FIGURE_FORMATS),
                [study.path(P.FIGURE_GENERALISATION, s) for s in P.FIGURE_FORMATS],
                [study.path(P.FIGURE_VERDICT_GRID, s) for s in P.FIGURE_FORMATS],
            )
        ],
