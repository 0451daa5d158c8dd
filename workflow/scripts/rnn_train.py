"""Snakemake adapter: train an experiment's seeds of the recurrent network on its regression
series and record every neuron's state (rule rnn_train; infoplane.rnn.training)."""

from infoplane import datasets
from infoplane.rnn.training import train_rnn
from infoplane.runtime import job

with job(snakemake) as log:
    p = snakemake.params
    spec = dict(p.dataset)
    arrays = datasets.source_of(spec).read(spec, list(snakemake.input.data), log)
    settings = dict(p.settings)
    settings.update(seeds=len(p.seeds), first_seed=int(p.seeds[0]), chunk_size=len(p.seeds))
    log.info("training seeds %s on %d windows of %s", p.seeds, len(arrays.labels), snakemake.input.data)
    train_rnn(arrays.inputs, arrays.labels, settings, p.section, snakemake.output[0], experiment=snakemake.wildcards.experiment,
              device=p.device)
