"""Snakemake adapter: write a dataset in the var_u.mat layout (rule dataset), made by its source."""

from infoplane.datasets import save_mat, source_of
from infoplane.runtime import job

with job(snakemake) as log:
    spec = snakemake.params.spec
    arrays = source_of(spec).read(spec, list(snakemake.input.files), log)
    log.info("N = %d inputs of shape %s, label counts %s", len(arrays.inputs), list(arrays.input_shape),
             [int((arrays.labels == c).sum()) for c in sorted(set(arrays.labels.ravel().tolist()))])
    extra = {} if arrays.train_index is None else {"train_index": arrays.train_index, "test_index": arrays.test_index}
    save_mat(snakemake.output[0], arrays.inputs, arrays.labels, divisor=arrays.divisor,
             input_shape=arrays.input_shape, **extra)
