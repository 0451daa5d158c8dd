"""GAN discriminators in the information plane (seed 002's extension to generative adversarial
networks).

A study whose config has a ``gan`` section trains, in every experiment, S seeded GANs
(Goodfellow et al. 2014, Algorithm 1 with k = 1 discriminator step and the non-saturating
generator loss of their section 3; the generator's step reuses the discriminator step's codes) as one batched ensemble: the experiment's ``model`` (any
registered family, :mod:`infoplane.families`) is the **discriminator**, with two outputs
(generated, real); the section's ``generator`` (a family too, from the latent code to the
flattened image, through a sigmoid into the pixels' [0, 1]) is the generator. Both come from the
model registry and are trained with the experiment's optimiser, learning rate and batch size.

What is recorded (:mod:`infoplane.gan.training`): the discriminator's layers on a fixed probe
of ``P`` real images (the experiment's ``record.probe`` rows) followed by ``P`` images generated
from fixed latent codes, at every recorded epoch; Y is real (1) or generated (0), so
H(Y) = 1 bit and X is uniform over the 2P probe images. Estimates, tables and figures then
follow the workflow's usual path; :mod:`infoplane.gan.analysis` adds the claim that the
discriminator compresses and the mean planes with intervals, :mod:`infoplane.plots.gan` the grid
of generated samples per recorded epoch.

Since the generated half of X differs per seed and epoch, an estimator that reads the inputs
(``knn``'s I(X;T)) or pools seeds or epochs (``ensemble``, ``air``) does not apply; the config
check refuses them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..params import Parameter, check

__all__ = ["SETTINGS", "GENERATED", "REAL", "DEFAULT_GENERATOR", "settings_schema", "is_gan_study", "check_settings",
           "config_problems", "generator_seed"]  # fmt: skip

#: The discriminator's classes: output unit 0 is "generated", 1 is "real" (Y of the planes).
GENERATED, REAL = 0, 1
#: The generator when the section names none: a fully connected network from the latent code.
DEFAULT_GENERATOR = {"family": "mlp", "hidden_widths": [128, 256]}

SETTINGS = (
    Parameter("latent_dim", "integer", 32, "dimension of the generator's latent code z ~ N(0, I)",
              "Goodfellow et al. 2014, section 3", minimum=1),
    Parameter("generator_activation", "string", "relu", "activation of the generator's hidden layers",
              "Radford et al. 2016, section 3"),
    Parameter("samples", "integer", 16, "generated images per seed stored at every recorded epoch (the first of the "
              "fixed latent codes): the sample grid", minimum=1, maximum=256),
    Parameter("latent_seed", "integer", 0, "seed of the fixed latent codes (the probe's and the metrics' generated "
              "images, the same for every seed and epoch)", minimum=0),
)  # fmt: skip


def settings_schema() -> dict:
    """JSON schema of the config's ``gan`` section."""
    properties = {p.name: {"description": p.description, **p.schema()} for p in SETTINGS}
    properties["generator"] = {
        "description": "the generator: a model family and its parameters, from the latent code to the flattened "
                       f"image (default {DEFAULT_GENERATOR})",
        "type": "object", "properties": {"family": {"type": "string"}}, "additionalProperties": True,
    }  # fmt: skip
    return {
        "description": "GAN discriminators in the information plane (infoplane.gan): the experiments' model is the "
                       "discriminator",
        "type": "object", "additionalProperties": False, "properties": properties,
    }  # fmt: skip


def is_gan_study(config: Mapping) -> bool:
    """Whether the config declares GAN experiments (a ``gan`` section, even an empty one)."""
    return config.get("gan") is not None


def check_settings(section: Mapping | None) -> dict:
    """The section checked and completed with its defaults (``generator`` checked as a model).

    Raises
    ------
    ValueError
        Naming the bad key and value (``generator.<key>`` for the generator's).
    """
    from .. import families
    from ..choices import ACTIVATIONS

    section = dict(section or {})
    generator = section.pop("generator", None) or DEFAULT_GENERATOR
    out = check(SETTINGS, section)
    if out["generator_activation"] not in ACTIVATIONS:
        raise ValueError(f"generator_activation: unknown activation {out['generator_activation']!r}; expected one of "
                         f"{list(ACTIVATIONS)}")
    try:
        out["generator"] = families.check_model(generator)
    except ValueError as error:
        raise ValueError(f"generator: {error}") from None
    if families.get(out["generator"]["family"]).INPUT_RANK is not None:
        raise ValueError(f"generator: family {out['generator']['family']!r} takes images; the generator's input is the "
                         "latent code, a vector (use a family that takes any input, such as mlp)")
    return out


def config_problems(config: dict, settings_of: Callable[[str], Mapping]) -> list[str]:
    """The section checked and completed in place; every estimator entry applicable to GAN
    recordings (one network at one epoch, not reading the inputs, whose generated half differs
    per seed and epoch); no other study section beside it; every experiment's discriminator
    without batch norm (a batch of only real or only generated images would be normalised by its
    own statistics, which leaks which half it is: Salimans et al. 2016, section 3.4).
    Returns ``key: message`` problems."""
    from .. import estimators
    from ..instances import expand_instances

    if not is_gan_study(config):
        return []
    try:
        config["gan"] = check_settings(config["gan"])
    except ValueError as error:
        return [f"gan.{error}"]
    problems = [f"{other}: a GAN study (gan section) cannot also be a {other} study; give each its own config"
                for other in ("generalisation", "stopping") if config.get(other)]  # fmt: skip
    methods = {instance.entry: instance.method for instance in expand_instances(config["estimators"]).values()}
    for entry, method in methods.items():
        module = estimators.get(method)
        if getattr(module, "POOLS", None) or getattr(module, "USES_INPUTS", False):
            problems.append(f"estimators.{entry}: method {method!r} pools seeds or epochs or reads the inputs, but a GAN "
                            "discriminator's generated inputs differ per seed and epoch; use binning, adaptive_binning, "
                            "kde or noisy")
    for experiment in config["experiments"]:
        settings = settings_of(experiment)
        if settings["record"].get("keep_weights"):
            problems.append(f"experiments.{experiment}.record.keep_weights: a GAN chunk cannot keep its networks' state yet "
                            "(replaying the discriminator's probe needs the generator's too)")
        if settings.get("batch_norm"):
            problems.append(f"experiments.{experiment}.batch_norm: the discriminator sees batches of only real or only "
                            "generated images; batch norm would tell them apart by the batch's statistics")
    return problems


def generator_seed(seed: int) -> int:
    """The seed of the generator of GAN seed ``seed`` (its initial weights): derived with NumPy's
    SeedSequence of ``[seed, 4]``, so the two networks of one seed do not share a random stream
    and a seed's generator depends on that seed only."""
    return int(np.random.SeedSequence([int(seed), 4]).generate_state(1, np.uint64)[0] & ((1 << 62) - 1))
