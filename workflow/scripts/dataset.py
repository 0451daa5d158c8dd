"""Snakemake adapter: write a dataset in the var_u.mat layout (rule dataset)."""

from infoplane.datasets import load_mat, save_mat, tishby_dataset
from infoplane.runtime import job

with job(snakemake) as log:
    spec = snakemake.params.spec
    if "builtin" in spec:
        inputs, labels = tishby_dataset()
        log.info("generated the Tishby dataset from its labelling rule (REFERENCE.md section 1)")
    else:
        inputs, labels = load_mat(spec["path"])
        log.info("read %s", spec["path"])
    log.info("N = %d inputs of width %d, label counts %s", len(inputs), inputs.shape[1],
             [int((labels == c).sum()) for c in sorted(set(labels.ravel().tolist()))])
    save_mat(snakemake.output[0], inputs, labels)
