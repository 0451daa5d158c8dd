"""Compiled building blocks shared by the fused CPU kernels (numba): LLVM intrinsics the
compiler cannot otherwise be asked for, and a float32 2^x that vectorises.

Used by :mod:`infoplane.estimators._fused` (the KDE kernel sums) and
:mod:`infoplane.families._fused_mlp` (batched training of narrow fully connected networks).
``math.exp`` on float32 compiles to a call of the C library's ``expf`` per value, which keeps a
loop from vectorising; :func:`exp2_f32` is a polynomial and bit operations, which do.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["FLAGS", "EXACT_FLAGS", "FMA", "TAYLOR_EXP2", "int32_as_float32", "fma32", "exp2_f32"]

#: LLVM's fast-math flags minus "no NaN / no infinity": non-finite values must propagate (the
#: divergence checks of training, far float32 distances clamped in the KDE pass).
FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}
#: Without reassociation: for a computation whose rounding order matters (Cody-Waite reduction).
EXACT_FLAGS = {"nsz", "arcp", "contract", "afn"}
_LN2 = math.log(2.0)


def _compiles_fma() -> bool:
    """Whether numba compiles for a CPU with fused multiply-add: its target's features
    (``NUMBA_CPU_FEATURES`` where set, else the host's) hold ``+fma`` on x86; other architectures
    (aarch64, ppc64le) always have it. Without it :func:`fma32` is a library call, which keeps a
    loop from vectorising."""
    import platform

    from numba.core import config
    from numba.core.codegen import get_host_cpu_features

    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return True
    features = config.CPU_FEATURES if config.CPU_FEATURES is not None else get_host_cpu_features()
    return "+fma" in str(features).split(",")


#: True when the compiled loops that use :func:`fma32` vectorise (see :func:`_compiles_fma`): the
#: fused KDE pass then sums a row's terms in float32 lanes (estimators._fused).
FMA = _compiles_fma()
#: 2^f = sum_k (f ln 2)^k / k!, k = 0 … 7, as float32 (truncation < 6e-9 for |f| <= 1/2)
TAYLOR_EXP2 = tuple(np.float32(_LN2**k / math.factorial(k)) for k in range(8))
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7 = TAYLOR_EXP2
_SHIFT = np.float32(127.5)
_LIMIT = np.float32(126.0)


@intrinsic
def int32_as_float32(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits`` (an LLVM bitcast: vectorises)."""
    signature = types.float32(types.int32)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())

    return signature, codegen


@intrinsic
def fma32(typingctx, a, b, c):
    """a * b + c for float32, rounded once (llvm.fma: the compiler cannot split it or reuse a
    rounded product in its place)."""
    signature = types.float32(types.float32, types.float32, types.float32)

    def codegen(context, builder, sig, args):
        return builder.fma(*args)

    return signature, codegen


@njit(fastmath=EXACT_FLAGS, cache=True, inline="always", error_model="numpy")
def exp2_f32(x):
    """2^x in float32 for a float32 ``x``, clamped into [-126, 126] (2^-126 and 2^126 outside;
    NaN stays NaN). m = round(x), 2^(x - m) by the Taylor series to degree 7, 2^m from the
    exponent bits: relative error < 2e-7 (``x - m`` is exact, |x - m| <= 1/2 up to one rounding
    of x + 127.5)."""
    x = _LIMIT if x > _LIMIT else x  # comparisons that let NaN through
    x = -_LIMIT if x < -_LIMIT else x
    m = np.int32(x + _SHIFT) - np.int32(127)  # round(x): truncation of a positive number (floorf would not vectorise)
    f = x - np.float32(m)
    p = _C0 + f * (_C1 + f * (_C2 + f * (_C3 + f * (_C4 + f * (_C5 + f * (_C6 + f * _C7))))))
    return p * int32_as_float32((np.int32(127) + m) << np.int32(23))
