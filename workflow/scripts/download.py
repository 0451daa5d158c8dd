"""Snakemake adapter: fetch one standard MNIST file and check its SHA-256 (rule download_mnist_file)."""

from infoplane.datasets import download_mnist_file
from infoplane.runtime import job

with job(snakemake) as log:
    name = snakemake.wildcards.mnist_file
    log.info("downloading %s (expected SHA-256 %s) from %s", name, snakemake.params.sha256, snakemake.params.mirrors)
    path = download_mnist_file(name, snakemake.output[0], mirrors=tuple(snakemake.params.mirrors), sha256=snakemake.params.sha256)
    log.info("wrote %s, SHA-256 verified", path)
