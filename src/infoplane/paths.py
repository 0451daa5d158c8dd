"""Where the workflow writes everything: the one place that knows the results layout.

Patterns are relative to the working directory of the Snakemake run and use Snakemake's
``{wildcard}`` syntax; figure patterns are stems, written as ``.pdf`` and ``.png``.
"""

RESULTS = "results"

DATASET = f"{RESULTS}/data/{{dataset}}.mat"
CHUNK = f"{RESULTS}/train/{{experiment}}/chunk-{{chunk}}.h5"
TRAINING_TABLE = f"{RESULTS}/tables/{{experiment}}/training.csv"
INFORMATION_TABLE = f"{RESULTS}/tables/{{experiment}}/{{estimator}}/information.csv"
SUMMARY_TABLE = f"{RESULTS}/tables/{{experiment}}/{{estimator}}/summary.csv"

FIGURE_INFORMATION_PLANE = f"{RESULTS}/figures/{{experiment}}/{{estimator}}/information_plane"
FIGURE_INFORMATION_EPOCHS = f"{RESULTS}/figures/{{experiment}}/{{estimator}}/information_vs_epoch"
FIGURE_GRADIENTS = f"{RESULTS}/figures/{{experiment}}/gradients"
FIGURE_LEARNING_CURVES = f"{RESULTS}/figures/{{experiment}}/learning_curves"
FIGURE_OVERVIEW = f"{RESULTS}/figures/information_planes"

REPORT_DIR = f"{RESULTS}/report"
REPORT_TEX = f"{REPORT_DIR}/report.tex"
REPORT_PDF = f"{REPORT_DIR}/report.pdf"

LOGS = f"{RESULTS}/logs"

FIGURE_FORMATS = (".pdf", ".png")
