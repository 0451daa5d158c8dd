"""Snakemake adapter: write a dataset in the var_u.mat layout (rule dataset)."""

import hashlib
from pathlib import Path

from infoplane.datasets import MNIST_SHA256, load_mat, mnist_arrays, save_mat, tishby_dataset
from infoplane.runtime import job

with job(snakemake) as log:
    spec = snakemake.params.spec
    extra = {}
    if spec.get("builtin") == "tishby":
        inputs, labels = tishby_dataset()
        log.info("generated the Tishby dataset from its labelling rule (REFERENCE.md section 1)")
    elif spec.get("builtin") == "mnist":
        for path in map(Path, snakemake.input):
            if path.name in MNIST_SHA256:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest != MNIST_SHA256[path.name]:
                    log.warning("%s: SHA-256 %s differs from the standard file's %s (read anyway: its "
                                "IDX structure is checked)", path, digest, MNIST_SHA256[path.name])
        inputs, labels, train_index, test_index = mnist_arrays(spec["data_dir"], spec["split"])
        extra = {"divisor": 255.0}  # uint8 pixels stored, read back as pixel / 255 in float32
        if train_index is not None:
            extra.update(train_index=train_index, test_index=test_index)
        log.info("read MNIST (%s split) from %s", spec["split"], spec["data_dir"])
    else:
        inputs, labels = load_mat(spec["path"])
        log.info("read %s", spec["path"])
    log.info("N = %d inputs of width %d, label counts %s", len(inputs), inputs.shape[1],
             [int((labels == c).sum()) for c in sorted(set(labels.ravel().tolist()))])
    save_mat(snakemake.output[0], inputs, labels, **extra)
