# infoplane: information-plane studies as a cached workflow.
#
#   snakemake --cores 8 report                        default study (config/config.yaml)
#   snakemake --cores 8 --configfile config/paper.yaml report
#
# dataset -> train (chunks of seeds) -> estimate (one job per experiment and estimator)
#         -> tables -> figures -> report (results/report/report.pdf)

from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a config file is given on the command line (then that file
# alone is the config, not merged into this one; --config key=value still applies on top).
if not workflow.overwrite_configfiles:

    configfile: os.path.join(workflow.basedir, "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        P.REPORT_PDF,
