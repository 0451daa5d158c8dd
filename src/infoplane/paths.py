"""Where the workflow writes everything: the one place that knows the results layout.

Patterns are relative to the working directory of the Snakemake run and use Snakemake's
``{wildcard}`` syntax; figure patterns are stems, written as ``.pdf`` and ``.png``.
"""

RESULTS = "results"

DATASET = f"{RESULTS}/data/{{dataset}}.mat"
CHUNK = f"{RESULTS}/train/{{experiment}}/chunk-{{chunk}}.h5"
TRAINING_TABLE = f"{RESULTS}/tables/{{experiment}}/training.csv"
#: One estimation job's table: every instance it computes (usually one; the KDE bounds of one
#: noise variance share a job).
ESTIMATES = f"{RESULTS}/tables/{{experiment}}/estimates/{{job}}.csv"
#: Per seed: diverged epoch and cause, final accuracies, chance accuracy (infoplane.tables).
SEEDS_TABLE = f"{RESULTS}/tables/{{experiment}}/seeds.csv"
INFORMATION_TABLE = f"{RESULTS}/tables/{{experiment}}/{{estimator}}/information.csv"
SUMMARY_TABLE = f"{RESULTS}/tables/{{experiment}}/{{estimator}}/summary.csv"

#: The claims (infoplane.claims): per experiment, the claims table, the mean curves with their
#: intervals and each seed's fall; for the study, every claim including the comparisons.
CLAIMS_TABLE = f"{RESULTS}/tables/{{experiment}}/claims.csv"
CURVES_TABLE = f"{RESULTS}/tables/{{experiment}}/curves.csv"
PER_SEED_TABLE = f"{RESULTS}/tables/{{experiment}}/per_seed_falls.csv"
QUALIFIED_TABLE = f"{RESULTS}/tables/{{experiment}}/qualified_seeds.csv"
STUDY_CLAIMS_TABLE = f"{RESULTS}/tables/claims.csv"

FIGURE_INFORMATION_PLANE = f"{RESULTS}/figures/{{experiment}}/{{estimator}}/information_plane"
FIGURE_INFORMATION_EPOCHS = f"{RESULTS}/figures/{{experiment}}/{{estimator}}/information_vs_epoch"
FIGURE_ESTIMATOR_PLANES = f"{RESULTS}/figures/{{experiment}}/information_planes"
FIGURE_SWEEP = f"{RESULTS}/figures/{{experiment}}/sweeps/{{sweep}}"
FIGURE_PLANE_INTERVALS = f"{RESULTS}/figures/{{experiment}}/information_plane_intervals"
FIGURE_SNR_TRANSITION = f"{RESULTS}/figures/{{experiment}}/snr_transition"
FIGURE_GENERALISATION = f"{RESULTS}/figures/generalisation"
FIGURE_GRADIENTS = f"{RESULTS}/figures/{{experiment}}/gradients"
FIGURE_LEARNING_CURVES = f"{RESULTS}/figures/{{experiment}}/learning_curves"

VALIDATION_DIR = f"{RESULTS}/validation"
VALIDATION_TASK = f"{VALIDATION_DIR}/tasks/{{task}}.csv"
VALIDATION_TABLE = f"{VALIDATION_DIR}/validation.csv"
VALIDATION_SUMMARY = f"{VALIDATION_DIR}/summary.csv"
FIGURE_VALIDATION_ESTIMATES = f"{VALIDATION_DIR}/figures/estimate_vs_truth"
FIGURE_VALIDATION_BIAS = f"{VALIDATION_DIR}/figures/bias"

REPORT_DIR = f"{RESULTS}/report"
REPORT_TEX = f"{REPORT_DIR}/report.tex"
REPORT_PDF = f"{REPORT_DIR}/report.pdf"

LOGS = f"{RESULTS}/logs"
#: One Snakemake benchmark table per job (wall seconds, CPU seconds, peak memory): the cost model.
BENCHMARKS = f"{RESULTS}/benchmarks"

FIGURE_FORMATS = (".pdf", ".png")
