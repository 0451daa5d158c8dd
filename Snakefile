# infoplane: information-plane studies as a cached workflow.
#
#   snakemake --cores 8 report                        default study (config/config.yaml)
#   snakemake report --cores 8 --configfile config/paper.yaml
#   snakemake --cores 8 validation                    every estimator against known MI
#
# dataset -> train (chunks of seeds) -> estimate (one job per experiment and estimator job)
#         -> tables -> figures -> report (results/report/report.pdf); validate -> report

from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a config file is given on the command line (then that file
# alone is the config, not merged into this one; --config key=value still applies on top).
if not workflow.overwrite_configfiles:

    configfile: os.path.join(workflow.basedir, "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        P.REPORT_PDF,


rule validation:
    input:
        P.VALIDATION_TABLE,
        P.VALIDATION_SUMMARY,
        [f + s for f in (P.FIGURE_VALIDATION_ESTIMATES, P.FIGURE_VALIDATION_BIAS) for s in P.FIGURE_FORMATS],


# Every experiment's tables and figures, the claims included, without the report and the validation study (the
# MNIST configs' usual target: snakemake --cores 2 figures --configfile config/mnist_offline.yaml).
rule figures:
    input:
        per_pair(P.SUMMARY_TABLE),
        per_pair(P.FIGURE_INFORMATION_PLANE, P.FIGURE_FORMATS),
        per_pair(P.FIGURE_INFORMATION_EPOCHS, P.FIGURE_FORMATS),
        per_experiment(P.FIGURE_ESTIMATOR_PLANES, P.FIGURE_FORMATS),
        per_sweep(P.FIGURE_SWEEP, P.FIGURE_FORMATS),
        per_experiment(P.FIGURE_GRADIENTS, P.FIGURE_FORMATS),
        per_experiment(P.FIGURE_LEARNING_CURVES, P.FIGURE_FORMATS),
        P.STUDY_CLAIMS_TABLE,
        per_experiment(P.FIGURE_PLANE_INTERVALS, P.FIGURE_FORMATS),
        per_experiment(P.FIGURE_SNR_TRANSITION, P.FIGURE_FORMATS),
        [P.FIGURE_GENERALISATION + s for s in P.FIGURE_FORMATS],
