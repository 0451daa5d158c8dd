# The two commands of the README, and helpers.
#
#   make report   install everything, then run `snakemake --cores $(nproc) report` on config/config.yaml
#   make test     install everything, then run the test suite (make test-all: with the longest runs, as CI)
#
# Both create a virtual environment in .venv with the pinned versions of envs/constraints.txt
# (torch==2.13.0) and install LaTeX through apt-get when it is missing.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Snakemake's cores: this machine's CPUs (more starts more jobs than cores, each slowed by the others)
CORES ?= $(shell nproc 2>/dev/null || echo 2)
# A config other than the embedded default: make report CONFIG=config/paper.yaml
CONFIG ?=
PYTEST_ARGS ?=

STAMP := $(VENV)/.installed
LATEX_PACKAGES := latexmk texlive-latex-recommended texlive-fonts-recommended lmodern

.PHONY: report test test-all install latex data slurm browser html bench lint dry-run check readme clean

# The config is checked first: Snakemake 9 reports a YAML error in a --configfile without file or line.
report: install latex data check
	$(BIN)/snakemake report --cores $(CORES) $(if $(CONFIG),--configfile $(CONFIG))

# Two workers (pytest-xdist); tests sharing the tiny study's run, or a module's fixtures, stay on
# one worker (tests/conftest.py). `make test` leaves out the tests marked `long` (the killed and
# damaged runs, SLURM, two studies, plugins, the degenerate and MNIST studies: about 8 of the 16
# minutes on 2 cores); `make test-all` (what CI runs) runs every test.
TEST_WORKERS ?= 2
TEST_SELECTION ?= -m "not long"
test: install latex data slurm browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(TEST_SELECTION) $(PYTEST_ARGS)

test-all: TEST_SELECTION =
test-all: test

install: $(STAMP)

$(STAMP): pyproject.toml envs/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c envs/constraints.txt -e '.[test]'
	touch $(STAMP)

# LaTeX for the report: nothing to do when latexmk and the packages are there; otherwise
# apt-get as root (or through passwordless sudo); otherwise stop and name the packages.
latex:
	@if command -v latexmk >/dev/null && kpsewhich lmodern.sty booktabs.sty tabularx.sty >/dev/null; then \
	  exit 0; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing LaTeX: $(LATEX_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(LATEX_PACKAGES) >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "Installing LaTeX with sudo: $(LATEX_PACKAGES)"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(LATEX_PACKAGES) >/dev/null; \
	else \
	  echo "error: LaTeX is missing and cannot be installed here." >&2; \
	  echo "Install latexmk and pdflatex with the LaTeX packages lmodern, booktabs, tabularx, longtable," >&2; \
	  echo "e.g. on Debian/Ubuntu: sudo apt-get install $(LATEX_PACKAGES)" >&2; \
	  exit 1; \
	fi

# Fashion-MNIST, the offline real image dataset (Debian's dataset-fashion-mnist, 31 MB, into
# /usr/share/datasets/fashion-mnist): nothing to do when it is there; otherwise apt-get as root
# (or through passwordless sudo); otherwise a note (the Fashion-MNIST tests skip, a study that
# uses it stops before any job, naming the package).
FASHION_DIR := /usr/share/datasets/fashion-mnist
data:
	@if [ -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then \
	  exit 0; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Fashion-MNIST: dataset-fashion-mnist"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null) \
	    || echo "warning: dataset-fashion-mnist could not be installed; the Fashion-MNIST tests will skip" >&2; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "Installing Fashion-MNIST with sudo: dataset-fashion-mnist"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null; \
	else \
	  echo "note: Fashion-MNIST (Debian's dataset-fashion-mnist) is not installed and cannot be here" >&2; \
	fi

# SLURM for the cluster test (tests/test_cluster.py starts a one-node cluster): installed through
# apt-get as root when missing; elsewhere the test skips and says why, so this never fails.
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
slurm:
	@if command -v slurmctld slurmd sbatch squeue scontrol scancel munged >/dev/null 2>&1; then \
	  exit 0; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing SLURM for the cluster test: $(SLURM_PACKAGES)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SLURM_PACKAGES) >/dev/null) \
	    || echo "warning: SLURM could not be installed; tests/test_cluster.py will skip" >&2; \
	else \
	  echo "note: SLURM ($(SLURM_PACKAGES)) is not installed and cannot be here; tests/test_cluster.py will skip" >&2; \
	fi

# Chromium for the test that opens the HTML report in a real browser (Playwright drives Debian's
# chromium; it downloads no browser): installed through apt-get as root when missing; elsewhere
# that test skips and says why, so this never fails.
browser:
	@if command -v chromium >/dev/null 2>&1; then \
	  exit 0; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Chromium for the HTML report test: chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	    || echo "warning: Chromium could not be installed; the HTML report test will skip" >&2; \
	else \
	  echo "note: Chromium is not installed and cannot be here; the HTML report test will skip" >&2; \
	fi

# Snakemake's HTML report of a built study: make html [CONFIG=config/sb18.yaml] -> results/<study>/report.html
html: install
	$(BIN)/snakemake --report results/$$($(BIN)/python -m infoplane.studies name $(or $(CONFIG),config/config.yaml))/report.html $(if $(CONFIG),--configfile $(CONFIG))

bench: install
	$(BIN)/python benchmarks/run_all.py

lint: install
	$(BIN)/snakemake --lint

# make check CONFIG=my.yaml: YAML syntax (file, line, column), schema and references, before any run
check: install
	$(BIN)/python -m infoplane.config check $(or $(CONFIG),config/config.yaml)

# the README's option list, regenerated from the declarations (families, choices, sources, estimators)
readme: install
	$(BIN)/python -m infoplane.options --write README.md

dry-run: install
	$(BIN)/snakemake report -n $(if $(CONFIG),--configfile $(CONFIG))

clean:
	rm -rf results .snakemake test-artifacts
