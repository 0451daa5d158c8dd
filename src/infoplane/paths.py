"""Where the workflow writes everything: the one place that knows the results layout.

Every study (a config, :mod:`infoplane.studies`) writes under ``results/<study>/``, so that
studies built in one directory never rerun or overwrite each other's files; the index of every
built study sits beside them (``results/index.pdf``).

Patterns are relative to the working directory of the Snakemake run and use Snakemake's
``{wildcard}`` syntax; figure patterns are stems, written as ``.pdf`` and ``.png``.
"""

RESULTS = "results"
#: One study's tree.
STUDY = f"{RESULTS}/{{study}}"

DATASET = f"{STUDY}/data/{{dataset}}.mat"
CHUNK = f"{STUDY}/train/{{experiment}}/chunk-{{chunk}}.h5"
TRAINING_TABLE = f"{STUDY}/tables/{{experiment}}/training.csv"
#: One estimation job's table: every instance it computes (usually one; the KDE bounds of one
#: noise variance share a job).
ESTIMATES = f"{STUDY}/tables/{{experiment}}/estimates/{{job}}.csv"
#: Per seed: diverged epoch and cause, final accuracies, chance accuracy (infoplane.tables).
SEEDS_TABLE = f"{STUDY}/tables/{{experiment}}/seeds.csv"
INFORMATION_TABLE = f"{STUDY}/tables/{{experiment}}/{{estimator}}/information.csv"
SUMMARY_TABLE = f"{STUDY}/tables/{{experiment}}/{{estimator}}/summary.csv"

#: The claims (infoplane.claims): per experiment, the claims table, the mean curves with their
#: intervals and each seed's fall; for the study, every claim including the comparisons.
CLAIMS_TABLE = f"{STUDY}/tables/{{experiment}}/claims.csv"
CURVES_TABLE = f"{STUDY}/tables/{{experiment}}/curves.csv"
PER_SEED_TABLE = f"{STUDY}/tables/{{experiment}}/per_seed_falls.csv"
QUALIFIED_TABLE = f"{STUDY}/tables/{{experiment}}/qualified_seeds.csv"
STUDY_CLAIMS_TABLE = f"{STUDY}/tables/claims.csv"

FIGURE_INFORMATION_PLANE = f"{STUDY}/figures/{{experiment}}/{{estimator}}/information_plane"
FIGURE_INFORMATION_EPOCHS = f"{STUDY}/figures/{{experiment}}/{{estimator}}/information_vs_epoch"
FIGURE_ESTIMATOR_PLANES = f"{STUDY}/figures/{{experiment}}/information_planes"
FIGURE_SWEEP = f"{STUDY}/figures/{{experiment}}/sweeps/{{sweep}}"
FIGURE_PLANE_INTERVALS = f"{STUDY}/figures/{{experiment}}/information_plane_intervals"
FIGURE_SNR_TRANSITION = f"{STUDY}/figures/{{experiment}}/snr_transition"
FIGURE_GENERALISATION = f"{STUDY}/figures/generalisation"
FIGURE_GRADIENTS = f"{STUDY}/figures/{{experiment}}/gradients"
FIGURE_LEARNING_CURVES = f"{STUDY}/figures/{{experiment}}/learning_curves"
#: The verdicts at a glance: claims x estimators per experiment, coloured by verdict.
FIGURE_VERDICT_GRID = f"{STUDY}/figures/verdict_grid"

#: Seed 002's pairwise generalisation study (infoplane.generalisation): per network and seed, the
#: pairs, every signal's predictions, the table in seed 002's shape, its verdicts, the collapse map
#: and the MI rule chosen for each held-out network type.
GENERALISATION_DIR = f"{STUDY}/tables/generalisation"
GENERALISATION_NETWORKS = f"{GENERALISATION_DIR}/networks.csv"
GENERALISATION_PAIRS = f"{GENERALISATION_DIR}/pairs.csv"
GENERALISATION_PREDICTIONS = f"{GENERALISATION_DIR}/predictions.csv"
GENERALISATION_TABLE = f"{GENERALISATION_DIR}/table.csv"
GENERALISATION_VERDICTS = f"{GENERALISATION_DIR}/verdicts.csv"
GENERALISATION_COLLAPSE = f"{GENERALISATION_DIR}/collapse.csv"
GENERALISATION_RULES = f"{GENERALISATION_DIR}/rules.csv"
GENERALISATION_FEATURES = f"{GENERALISATION_DIR}/features.csv"
FIGURE_COLLAPSE_MAP = f"{STUDY}/figures/pairs/collapse_map"
FIGURE_PAIR_PREDICTIONS = f"{STUDY}/figures/pairs/predictions"

#: Seed 001's MI stopping criterion (infoplane.stopping): per experiment, every seed's values at
#: every check and each rule's stop; for the study, the rules compared with intervals.
STOPPING_CURVES = f"{STUDY}/tables/stopping/{{experiment}}/curves.csv"
STOPPING_DECISIONS = f"{STUDY}/tables/stopping/{{experiment}}/decisions.csv"
STOPPING_SUMMARY = f"{STUDY}/tables/stopping/summary.csv"
FIGURE_STOPPING = f"{STUDY}/figures/stopping/comparison"
FIGURE_STOPPING_CURVES = f"{STUDY}/figures/stopping/curves"

# The GAN study (infoplane.gan)
GAN_DIR = f"{STUDY}/tables/gan"
GAN_CLAIMS = f"{GAN_DIR}/claims.csv"
GAN_CURVES = f"{GAN_DIR}/curves.csv"
GAN_TRAINING = f"{GAN_DIR}/training.csv"
GAN_SEEDS = f"{GAN_DIR}/seeds.csv"
FIGURE_GAN_SAMPLES = f"{STUDY}/figures/gan/{{experiment}}/samples"
FIGURE_GAN_PLANES = f"{STUDY}/figures/gan/{{experiment}}/planes"
FIGURE_GAN_DISCRIMINATOR = f"{STUDY}/figures/gan/discriminator"

# The epoch-skipping study (infoplane.skipping.study)
SKIPPING_TRUTH = f"{STUDY}/tables/skipping/{{experiment}}/{{estimator}}/truth.csv"
SKIPPING_TIMING = f"{STUDY}/tables/skipping/{{experiment}}/{{estimator}}/timing.csv"
SKIPPING_METHODS = f"{STUDY}/tables/skipping/methods.csv"
SKIPPING_SUMMARY = f"{STUDY}/tables/skipping/summary.csv"
SKIPPING_CLAIMS = f"{STUDY}/tables/skipping/claims.csv"
SKIPPING_RECOMMENDATIONS = f"{STUDY}/tables/skipping/recommendations.csv"
FIGURE_SKIPPING = f"{STUDY}/figures/skipping/error_vs_cost"

# The recurrent study (infoplane.rnn): one recorded file per experiment, its information and
# flow tables, the study's answers, curves and errors, and its figures.
RNN_RUN = f"{STUDY}/train/{{experiment}}/rnn.h5"
RNN_DIR = f"{STUDY}/tables/rnn"
RNN_NEURONS = f"{RNN_DIR}/{{experiment}}/neurons.csv"
RNN_PAIRS = f"{RNN_DIR}/{{experiment}}/pairs.csv"
RNN_STATES = f"{RNN_DIR}/{{experiment}}/states.csv"
RNN_EDGES = f"{RNN_DIR}/{{experiment}}/flow_edges.csv"
RNN_NODES = f"{RNN_DIR}/{{experiment}}/flow_nodes.csv"
RNN_ANSWERS = f"{RNN_DIR}/answers.csv"
RNN_CURVES = f"{RNN_DIR}/curves.csv"
RNN_PERFORMANCE = f"{RNN_DIR}/performance.csv"
FIGURE_RNN_DATA = f"{STUDY}/figures/rnn/data"
FIGURE_RNN_TRAINING = f"{STUDY}/figures/rnn/training"
FIGURE_RNN_NEURONS = f"{STUDY}/figures/rnn/{{experiment}}/neurons"
FIGURE_RNN_FLOW = f"{STUDY}/figures/rnn/{{experiment}}/flow"
FIGURE_RNN_PLANES = f"{STUDY}/figures/rnn/{{experiment}}/planes"

VALIDATION_DIR = f"{STUDY}/validation"
VALIDATION_TASK = f"{VALIDATION_DIR}/tasks/{{task}}.csv"
VALIDATION_TABLE = f"{VALIDATION_DIR}/validation.csv"
VALIDATION_SUMMARY = f"{VALIDATION_DIR}/summary.csv"
FIGURE_VALIDATION_ESTIMATES = f"{VALIDATION_DIR}/figures/estimate_vs_truth"
FIGURE_VALIDATION_BIAS = f"{VALIDATION_DIR}/figures/bias"

REPORT_DIR = f"{STUDY}/report"
REPORT_TEX = f"{REPORT_DIR}/report.tex"
REPORT_PDF = f"{REPORT_DIR}/report.pdf"
#: Snakemake's HTML report of a study (``snakemake --report``), beside its PDF.
HTML_REPORT = f"{STUDY}/report.html"

LOGS = f"{STUDY}/logs"
#: One Snakemake benchmark table per job (wall seconds, CPU seconds, peak memory): the cost model.
BENCHMARKS = f"{STUDY}/benchmarks"

#: What belongs to no one study (``_`` starts no study name): the index's sources, MNIST downloads.
SHARED = f"{RESULTS}/_shared"
SHARED_LOGS = f"{SHARED}/logs"
SHARED_BENCHMARKS = f"{SHARED}/benchmarks"
#: Every built study's verdicts side by side (its inputs: each study's claims table and grid).
INDEX_TEX = f"{SHARED}/index/index.tex"
INDEX_PDF = f"{RESULTS}/index.pdf"
#: Where a study records the config file(s) it was built from, so that another config of the same
#: name cannot take its tree over (:func:`infoplane.studies.claim_tree`).
STUDY_ORIGIN = f"{STUDY}/study.yaml"

FIGURE_FORMATS = (".pdf", ".png")
