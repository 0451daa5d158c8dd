"""Snakemake adapter: one estimator's values at every epoch of an experiment, from the chunks' kept
weights, with each epoch's wall seconds (rule skipping_truth)."""

from infoplane.datasets import load_dataset, load_input_shape
from infoplane.runtime import job
from infoplane.skipping.study import truth_table

with job(snakemake) as log:
    p = snakemake.params
    inputs, _ = load_dataset(snakemake.input.dataset)
    shaped = inputs.reshape(len(inputs), *load_input_shape(snakemake.input.dataset))
    device = "cpu"
    if p.device != "cpu":
        from infoplane.devices import resolve_device

        device = resolve_device(p.device)
    truth, timing = truth_table(snakemake.input.chunks, p.method, p.params, shaped_inputs=shaped, inputs=inputs,
                                device=device, estimator=snakemake.wildcards.estimator)  # fmt: skip
    truth.to_csv(snakemake.output.truth, index=False, float_format="%.10g")
    timing.to_csv(snakemake.output.timing, index=False)
    log.info("%d epochs in %.1f s", timing["epoch"].nunique(), timing["seconds"].sum())
