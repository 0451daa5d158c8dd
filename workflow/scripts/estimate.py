"""Snakemake adapter: one job's estimator instances on all layers, epochs and seeds of an
experiment (rule estimate); an instance with ``skip`` measures only the epochs its selection
picks (infoplane.skipping.estimation)."""

from infoplane.datasets import load_dataset, load_input_shape
from infoplane.estimation import information_table
from infoplane.runtime import job

with job(snakemake) as log:
    p = snakemake.params
    instances = {name: p.instances[name] for name in p.order}
    log.info("job %s: %s with %s%s", snakemake.wildcards.job, p.method, instances, f", skip {p.skip}" if p.skip else "")
    inputs, _ = load_dataset(snakemake.input.dataset)
    device = "cpu"  # without importing torch, which the NumPy estimators (binning, k-NN) never need
    if p.device != "cpu":
        from infoplane.devices import resolve_device

        device = resolve_device(p.device)
    if p.skip:
        from infoplane.skipping.estimation import skipped_table

        shaped = inputs.reshape(len(inputs), *load_input_shape(snakemake.input.dataset))  # as training shaped them
        table = skipped_table(
            snakemake.input.chunks, p.method, instances, p.skip, experiment=snakemake.wildcards.experiment,
            inputs=inputs, shaped_inputs=shaped, device=device,
        )  # fmt: skip
    else:
        from infoplane import estimators

        # AIR's windows from truly consecutive epochs where the chunks kept their weights
        pools_epochs = getattr(estimators.get(p.method), "POOLS", None) == "epochs"
        shaped = inputs.reshape(len(inputs), *load_input_shape(snakemake.input.dataset)) if pools_epochs else None
        table = information_table(
            snakemake.input.chunks, p.method, instances, experiment=snakemake.wildcards.experiment,
            inputs=inputs, stride=p.stride, device=device, shaped_inputs=shaped,
        )  # fmt: skip
    table.to_csv(snakemake.output[0], index=False, float_format="%.10g")
