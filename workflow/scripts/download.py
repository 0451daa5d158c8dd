"""Snakemake adapter: fetch one dataset file and check its sum (rule download_file)."""

from infoplane.datasets.download import download_file
from infoplane.runtime import job

with job(snakemake) as log:
    check = snakemake.params.check
    log.info("downloading %s (expected %s) from %s", check["name"],
             f"SHA-256 {check['sha256']}" if check["sha256"] else f"MD5 {check['md5']}", check["mirrors"])
    path = download_file(check["name"], snakemake.output[0], mirrors=tuple(check["mirrors"]),
                         sha256=check["sha256"], md5=check["md5"])
    log.info("wrote %s, sum verified", path)
