"""infoplane: reproducible information-plane studies of deep networks.

Reproduces the information-plane experiments of Shwartz-Ziv & Tishby (2017, [ST17]) and the
answer of Saxe et al. (2018, [SB18]) as a cached Snakemake workflow: dataset, batched ensemble
training, per-epoch activation dumps, mutual-information estimators, tidy tables, figures and a
LaTeX report. Importing the package is cheap; submodules load torch and friends on use.
"""

__version__ = "0.1.0"
