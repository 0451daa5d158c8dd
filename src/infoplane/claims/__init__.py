"""The claims of [ST17] and [SB18] as measured quantities with bootstrap intervals over seeds.

Each claim is declared once in :data:`CLAIMS` (name, source, statement); the settings of the
tests once in :data:`SETTINGS` (the config's ``claims`` section, its schema and defaults come
from them). The claims table (one row per claim x experiment x estimator x layer x statistic):

=============  ================================================================================
``claim``      a name of :data:`CLAIMS`
``source``     paper, section and figure
``experiment`` experiment name (two names joined by ``" vs "`` for comparisons; ``"all"`` for
               the generalisation claim, which pools the experiments on one dataset)
``estimator``  estimator instance
``layer``      hidden layer 1 … L-1 as text, or ``"hidden"``: the claim over all hidden layers
               (intervals at the Bonferroni level ``1 - (1 - confidence) / n_hidden``; the
               ``rule`` names the layer that decided)
``statistic``  what ``estimate`` measures (unit in the name: ``_bits``, ``_epoch``, …)
``estimate``   point estimate (module :mod:`infoplane.claims.bootstrap` for the cross-fit)
``ci_low``,    percentile bootstrap interval at ``confidence``
``ci_high``
``confidence`` the interval's level
``n_seeds``    qualifying seeds used (comparisons: ``a+b``)
``verdict``    ``confirmed``, ``refuted`` or ``inconclusive``
``rule``       the rule that produced the verdict, with its thresholds
=============  ================================================================================

Submodules: :mod:`~infoplane.claims.bootstrap` (resampling, cross-fit, change-point),
:mod:`~infoplane.claims.experiment` (claims within one experiment, the mean curves with
intervals, per-seed falls), :mod:`~infoplane.claims.study` (comparisons between experiments
and the generalisation claim).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..params import Parameter, check, params_schema

__all__ = ["Claim", "CLAIMS", "SETTINGS", "COLUMNS", "check_settings", "settings_schema", "source_of", "claim"]


@dataclass(frozen=True)
class Claim:
    """A claim of a paper, as this project tests it."""

    name: str
    source: str
    statement: str
    #: a few words for a grid's column or a sentence's start
    label: str


CLAIMS = (
    Claim("st17_fitting_then_compression", "[ST17] Sec. 4, Fig. 2",
          "I(X;T) and I(T;Y) rise (fitting), then I(X;T) falls (compression) while I(T;Y) holds",
          "fitting, then compression"),
    Claim("st17_compression_most_of_training", "[ST17] Sec. 4, Fig. 2",
          "the compression phase takes most of training", "compression takes most of training"),
    Claim("st17_snr_transition", "[ST17] Sec. 5, Fig. 4",
          "the switch to compression coincides with the gradient SNR's fall from drift to diffusion",
          "compression starts with the SNR's fall"),
    Claim("st17_more_data_more_compression", "[ST17] Sec. 4, Fig. 3",
          "more training data gives more compression and better generalisation", "more data, more compression"),
    Claim("sb18_activation", "[SB18] Sec. 3, Figs. 1-2",
          "compression depends on the activation: double-saturating (tanh) compresses, ReLU and linear do not",
          "compression depends on the activation"),
    Claim("sb18_full_batch", "[SB18] Sec. 5, Fig. 5",
          "compression happens with full-batch gradient descent too: stochasticity is not its cause",
          "full-batch training compresses too"),
    Claim("sb18_generalisation", "[SB18] Sec. 4, Fig. 4",
          "generalisation does not need compression: the fall of I(X;T) does not go with higher test accuracy",
          "no compression needed to generalise"),
    Claim("gan_discriminator_compression", "seed 002 (GAN discriminators)",
          "a GAN discriminator's hidden layers compress: I(X;T) on real and generated images falls after its peak",
          "the discriminator compresses"),
)

_BY_NAME = {c.name: c for c in CLAIMS}

#: Settings of the claims (the config's ``claims`` section, besides ``estimators``).
SETTINGS = (
    Parameter("resamples", "integer", 2000, "bootstrap resamples of the seeds", "percentile bootstrap", minimum=100),
    Parameter("seed", "integer", 0, "seed of the resampling (below 2^32)", minimum=0, maximum=2**32 - 1),
    Parameter("confidence", "number", 0.95, "level of the intervals", exclusive_minimum=0.5, maximum=0.999),
    Parameter("min_effect_bits", "number", 0.1,
              "smallest change of I(X;T) or I(T;Y), bits, that counts as a rise, fall or difference",
              exclusive_minimum=0.0),
    Parameter("label_tolerance_bits", "number", 0.1,
              "largest fall of I(T;Y) after the I(X;T) peak, bits, for I(T;Y) to 'hold'", exclusive_minimum=0.0),
    Parameter("most_of_training", "number", 0.5, "fraction of the epochs after the peak that is 'most of training'",
              exclusive_minimum=0.0, maximum=1.0),
    Parameter("snr_tolerance_factor", "number", 2.0,
              "the SNR change-point 'coincides' with the compression start when within this factor of it",
              exclusive_minimum=1.0),
    Parameter("min_snr_drop_decades", "number", 0.1,
              "smallest fall of the mean log10 gradient SNR at the change-point that counts as a drop",
              exclusive_minimum=0.0),
    Parameter("min_rank_correlation", "number", 0.3,
              "smallest Spearman correlation between fall and test accuracy that counts as an association",
              exclusive_minimum=0.0, maximum=1.0),
    Parameter("chance_margin", "number", 0.05,
              "a network whose final train accuracy is within this of the majority-class rate ended at chance",
              minimum=0.0, maximum=1.0),
)

COLUMNS = ["claim", "source", "experiment", "estimator", "layer", "statistic", "estimate", "ci_low", "ci_high",
           "confidence", "n_seeds", "verdict", "rule"]  # fmt: skip


def source_of(claim: str) -> str:
    """The source (paper, section, figure) of a declared claim."""
    return _BY_NAME[claim].source


def claim(name: str) -> Claim:
    """The declared claim ``name``."""
    return _BY_NAME[name]


def check_settings(settings: Mapping) -> dict:
    """The ``claims`` section checked and completed with the defaults of :data:`SETTINGS`
    (``estimators`` passed through).

    Raises
    ------
    ValueError
        Naming the bad key and value.
    """
    settings = dict(settings or {})
    estimators = settings.pop("estimators", None)
    out = check(SETTINGS, settings)
    if estimators is not None:
        out["estimators"] = list(estimators)
    return out


def settings_schema() -> dict:
    """JSON schema of the config's ``claims`` section."""
    schema = params_schema(SETTINGS)
    for name, prop in schema["properties"].items():  # one value each: no sweeps of claim settings
        schema["properties"][name] = {"description": prop["description"], **prop["anyOf"][0]}
    schema["properties"]["estimators"] = {
        "description": "entries of `estimators` whose claims are tested (default all but the pooled ones)",
        "type": "array", "minItems": 1, "uniqueItems": True, "items": {"$ref": "#/$defs/name"},
    }  # fmt: skip
    schema["description"] = "the claims of [ST17] and [SB18] tested with bootstrap intervals over seeds"
    return schema
