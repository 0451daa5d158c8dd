"""Named choices of the training settings that more than one stage describes, declared once and
importable without torch (the report's job has no torch): the initialisations and what each is.
:mod:`infoplane.models` implements them; the report prints these descriptions."""

__all__ = ["INITIALISATIONS"]

#: Initialisations by config name -> description ([ST17], [SB18], REFERENCE.md section 2).
INITIALISATIONS = {
    "st17": "truncated normal, sd 1/sqrt(fan_in) [ST17]",
    "sb18": "truncated normal, sd 1/sqrt(fan_out) [SB18]",
    "torch_default": "uniform ±1/sqrt(fan_in) (PyTorch default)",
    "glorot_uniform": "uniform ±sqrt(6/(fan_in + fan_out)) (Keras default, [SB18]'s MNIST network)",
}
