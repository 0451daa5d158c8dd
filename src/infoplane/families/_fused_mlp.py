"""Forward and backward passes of a narrow ``mlp`` ensemble in one compiled loop per seed
(numba), for training on a CPU.

The Tishby network (12-10-7-5-4-3-2) is too narrow for batched matrix products to pay: with
torch, 50 seeds and mini-batches of 512 spend most of each step in dispatch and memory passes
(measured: 4 ms per mini-batch, 0.57 ms per network-epoch). Here one call computes, for every
seed s of an ensemble, on its mini-batch rows ``index[s]`` (feature-major, batch innermost so
the loops vectorise):

    a_0 = x[:, index[s]]                     [d_0, B]
    z_l = W_l a_(l-1) + b_l,  a_l = f(z_l)   l = 1 … L-1 (the hidden activation f)
    z_L = W_L a_(L-1) + b_L                  logits [C, B]
    loss = mean_b (log sum_c exp z_L[c, b] - z_L[y_b, b])    cross-entropy, as F.cross_entropy
    dz_L = (softmax(z_L) - onehot(y)) / B
    dW_l = dz_l a_(l-1)^T,  db_l = dz_l 1,  dz_(l-1) = (W_l^T dz_l) * f'(a_(l-1))

and writes dW_l, db_l into the gradient arrays (the parameters' ``.grad``), exactly the
gradient of seed s's mean cross-entropy that autograd gives, up to float32 rounding: sums in
float32 in a different order, and the activations of :data:`ACTIVATIONS` computed from
:func:`infoplane._numba.exp2_f32`: tanh as 1 - 2 / (e^(2|x|) + 1) with the sign of x, within
1.2e-7 of float64 ``tanh`` (absolute, measured on 4.4 million points; like the torch path's
2 sigmoid(2x) - 1, it does not keep the relative precision of values below about 1e-6), sigmoid
within 9.1e-8. f' is taken from the output a_l, as torch's backward formulas do (tanh 1 - a^2,
sigmoid a (1 - a), ReLU and leaky ReLU from the sign of a).

A seed that is not alive gets zero gradients; a seed whose mini-batch loss is not finite (a
non-finite logit, or a sum of per-row losses past float32's range, as torch's mean would find)
gets zero gradients and is reported (``finite[s]`` False) for the trainer to mark diverged.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from .._numba import FLAGS, exp2_f32
from ..choices._leaky import SLOPE

__all__ = ["ACTIVATIONS", "MAX_WIDTH", "supports", "batch_gradients", "forward", "FusedMLP"]

#: The hidden activations compiled here, by their name in :data:`infoplane.choices.ACTIVATIONS`
#: (any other trains through torch).
ACTIVATIONS = {"tanh": 0, "relu": 1, "sigmoid": 2, "linear": 3, "leaky_relu": 4}
_LEAKY_SLOPE = np.float32(SLOPE)
#: Widest layer (input included) trained here: the loops are a plain product, which loses to a
#: blocked matrix product (torch's) once layers are wide. Measured (12-w-w-w-2 ReLU, 20 seeds,
#: batch 512, one thread, 2026-12-04), torch / compiled per network-epoch: w = 16 2.4x, 32 1.7x,
#: 64 1.7x, 128 0.93x, 256 0.72x.
MAX_WIDTH = 64
#: Rows of a mini-batch taken through all layers at a time: bounds the workspace for large
#: batches. Shorter rows do not pay for staying in the first-level cache: on the Tishby network
#: (50 seeds, batch 512) 64 rows took 2.4 ms per mini-batch, 128 1.8, 256 1.6 and 512 1.5 ms.
CHUNK = 512
_TWO_LOG2E = np.float32(2.0 / math.log(2.0))
_LOG2E = np.float32(1.0 / math.log(2.0))
_ONE = np.float32(1.0)
_TWO = np.float32(2.0)
_ZERO = np.float32(0.0)
_INF = np.float32(np.inf)


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def _tanh(z):
    a = abs(z)
    return math.copysign(_ONE - _TWO / (exp2_f32(a * _TWO_LOG2E) + _ONE), z)


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def _sigmoid(z):
    return _ONE / (_ONE + exp2_f32(-z * _LOG2E))


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _activate(z, rows, n, code):
    """f(z) in place on z[:rows, :n]."""
    for o in range(rows):
        row = z[o]
        if code == 0:
            for b in range(n):
                row[b] = _tanh(row[b])
        elif code == 1:
            for b in range(n):
                v = row[b]
                row[b] = v if v > _ZERO or v != v else _ZERO  # torch.relu keeps NaN
        elif code == 2:
            for b in range(n):
                row[b] = _sigmoid(row[b])
        elif code == 4:
            for b in range(n):
                v = row[b]
                row[b] = v if v > _ZERO or v != v else v * _LEAKY_SLOPE


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _derivative(delta, a, rows, n, code):
    """delta *= f'(z), f' from the output a, in place on delta[:rows, :n]."""
    for i in range(rows):
        d = delta[i]
        r = a[i]
        if code == 0:
            for b in range(n):
                d[b] *= _ONE - r[b] * r[b]
        elif code == 1:
            for b in range(n):
                d[b] = d[b] if r[b] > _ZERO else _ZERO
        elif code == 2:
            for b in range(n):
                d[b] *= r[b] * (_ONE - r[b])
        elif code == 4:
            for b in range(n):
                d[b] = d[b] if r[b] > _ZERO else d[b] * _LEAKY_SLOPE


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _affine_row(w, o, b0, a_in, row, n):
    """row[:n] = w[o] a_in[:, :n] + b0, four inputs per pass."""
    n_in = w.shape[1]
    for b in range(n):
        row[b] = b0
    i = 0
    while i + 4 <= n_in:
        u0, u1, u2, u3 = w[o, i], w[o, i + 1], w[o, i + 2], w[o, i + 3]
        r0, r1, r2, r3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
        for b in range(n):
            row[b] += (u0 * r0[b] + u1 * r1[b]) + (u2 * r2[b] + u3 * r3[b])
        i += 4
    for i in range(i, n_in):
        u = w[o, i]
        r = a_in[i]
        for b in range(n):
            row[b] += u * r[b]


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _affine(w, bias, a_in, z, n):
    """z[:o, :n] = w [o, i] a_in[:i, :n] + bias (a scalar per output row, ``bias[o, 0]``; None
    for none): two output rows and four inputs per pass, so each input value loaded feeds
    eight multiply-adds."""
    n_out, n_in = w.shape
    o = 0
    while o + 2 <= n_out:
        row0 = z[o]
        row1 = z[o + 1]
        b0 = _ZERO if bias is None else bias[o, 0]
        b1 = _ZERO if bias is None else bias[o + 1, 0]
        for b in range(n):
            row0[b] = b0
            row1[b] = b1
        i = 0
        while i + 4 <= n_in:
            u0, u1, u2, u3 = w[o, i], w[o, i + 1], w[o, i + 2], w[o, i + 3]
            v0, v1, v2, v3 = w[o + 1, i], w[o + 1, i + 1], w[o + 1, i + 2], w[o + 1, i + 3]
            r0, r1, r2, r3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
            for b in range(n):
                x0, x1, x2, x3 = r0[b], r1[b], r2[b], r3[b]
                row0[b] += (u0 * x0 + u1 * x1) + (u2 * x2 + u3 * x3)
                row1[b] += (v0 * x0 + v1 * x1) + (v2 * x2 + v3 * x3)
            i += 4
        for i in range(i, n_in):
            u = w[o, i]
            v = w[o + 1, i]
            r = a_in[i]
            for b in range(n):
                x = r[b]
                row0[b] += u * x
                row1[b] += v * x
        o += 2
    if o < n_out:
        _affine_row(w, o, _ZERO if bias is None else bias[o, 0], a_in, z[o], n)


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _forward_seed(x, rows, weights, biases, s, code, acts, n):
    """Every layer of seed s on the inputs x[:, rows] (n of them) into acts[l][:w_l, :n]."""
    a0 = acts[0]
    for i in range(x.shape[0]):
        src = x[i]
        dst = a0[i]
        for b in range(n):
            dst[b] = src[rows[b]]
    n_layers = len(weights)
    for l in range(n_layers):
        _affine(weights[l][s], biases[l][s], acts[l], acts[l + 1], n)
        if l < n_layers - 1 and code != 3:
            _activate(acts[l + 1], weights[l].shape[1], n, code)


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def _gradients_seed(labels, weights, grad_w, grad_b, s, code, acts, delta, spare, n, inv_batch):
    """Backward pass of seed s after :func:`_forward_seed` on n rows of its mini-batch (labels
    [n]), adding their share of the batch-mean gradient (``inv_batch`` = 1 / batch size) to
    grad_w, grad_b. Returns the rows' float32 sum of max_c z - z_y (the part of their
    cross-entropy that can overflow); infinity, nothing added, when that is not finite."""
    n_layers = len(weights)
    logits = acts[n_layers]
    n_classes = weights[n_layers - 1].shape[1]
    top = spare[0]
    total = spare[1]
    for b in range(n):
        top[b] = logits[0, b]
    for c in range(1, n_classes):
        for b in range(n):
            top[b] = max(top[b], logits[c, b])
    # The rows' cross-entropy is sum_b (max_c z - z_y) + sum_b log sum_c exp(z_c - max), the
    # second part in [0, n log C]: the loss is not finite exactly when a row's max_c z - z_y, or
    # their float32 sum (torch sums the losses), is not: a NaN or infinite logit, or an overflow.
    # The differences are stored first: in one loop the compiler may reassociate the sum of
    # differences into a difference of sums, which need not overflow where they do.
    for b in range(n):
        total[b] = top[b] - logits[labels[b], b]
    # Finiteness as |v| < inf: numba's isfinite is v - v == 0, which these fast-math flags
    # (reassociation, no signed zeros) fold to true; a comparison with infinity is kept.
    bad = 0
    loss = _ZERO
    for b in range(n):
        bad += not (abs(total[b]) < _INF)
        loss += total[b]
    if bad or not (abs(loss) < _INF):
        return _INF
    # softmax(z) - onehot(y), over n: delta[c] first holds exp(z_c - max)
    for b in range(n):
        total[b] = _ZERO
    for c in range(n_classes):
        d = delta[c]
        for b in range(n):
            e = exp2_f32((logits[c, b] - top[b]) * _LOG2E)
            d[b] = e
            total[b] += e
    for c in range(n_classes):
        d = delta[c]
        for b in range(n):
            d[b] = (d[b] / total[b] - (_ONE if labels[b] == c else _ZERO)) * inv_batch
    for l in range(n_layers - 1, -1, -1):
        w = weights[l][s]
        gw = grad_w[l][s]
        gb = grad_b[l][s]
        n_out, n_in = w.shape
        a_in = acts[l]
        for o in range(n_out):
            d = delta[o]
            acc = _ZERO
            for b in range(n):
                acc += d[b]
            gb[o, 0] += acc
            for i in range(n_in):
                r = a_in[i]
                acc = _ZERO
                for b in range(n):
                    acc += d[b] * r[b]
                gw[o, i] += acc
        if l == 0:
            break
        _affine(w.T, None, delta, spare, n)  # spare[:n_in] = W^T delta, then times f'(a_in): the next delta
        if code != 3:
            _derivative(spare, a_in, n_in, n, code)
        delta, spare = spare, delta
    return loss


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def batch_gradients(x, index, labels, alive, weights, biases, grad_w, grad_b, code, acts, delta, spare, finite, first, last):
    """Gradients of seeds first … last - 1 on their mini-batches (module docstring).

    x float32 [d_0, N] (feature-major inputs); index int64 [S, B] (rows of each seed's batch);
    labels int64 [N]; alive bool [S]; weights, biases, grad_w, grad_b: tuples of float32 [S, o, i]
    and [S, o, 1] per layer; code: :data:`ACTIVATIONS`' value; acts float32 [L + 1, W, K],
    delta and spare float32 [W, K] (workspace, W the widest layer): the batch is taken K rows
    at a time, so that every layer's values stay in the first-level cache; finite bool [S] (out).
    """
    batch = index.shape[1]
    chunk = acts.shape[2]
    inv_batch = np.float32(1.0 / batch)
    n_layers = len(weights)
    rows_labels = np.empty(chunk, dtype=np.int64)
    for s in range(first, last):
        for l in range(n_layers):
            grad_w[l][s] = _ZERO
            grad_b[l][s] = _ZERO
        ok = bool(alive[s])
        loss = _ZERO  # the batch's sum of max_c z - z_y, over its chunks: overflows where torch's loss does
        start = 0
        while ok and start < batch:
            n = min(chunk, batch - start)
            rows = index[s, start : start + n]
            _forward_seed(x, rows, weights, biases, s, code, acts, n)
            for b in range(n):
                rows_labels[b] = labels[rows[b]]
            loss += _gradients_seed(rows_labels, weights, grad_w, grad_b, s, code, acts, delta, spare, n, inv_batch)
            ok = abs(loss) < _INF
            start += n
        finite[s] = ok or not alive[s]
        if not ok:
            for l in range(n_layers):
                grad_w[l][s] = _ZERO
                grad_b[l][s] = _ZERO


@njit(fastmath=FLAGS, nogil=True, cache=True, error_model="numpy")
def forward(x, rows, weights, biases, code, acts, out, first, last):
    """Every layer's outputs of seeds first … last - 1 on the inputs x[:, rows] (x float32
    [d_0, N], rows int64 [P]) into out: a tuple of float32 [S, P, w_l] per layer (hidden layers
    after f, the last the logits), computed acts.shape[2] rows at a time (acts float32
    [L + 1, W, block] the workspace)."""
    block = acts.shape[2]
    n_layers = len(weights)
    for s in range(first, last):
        for start in range(0, rows.shape[0], block):
            n = min(block, rows.shape[0] - start)
            _forward_seed(x, rows[start : start + n], weights, biases, s, code, acts, n)
            for l in range(n_layers):
                dst = out[l][s]
                src = acts[l + 1]
                for o in range(dst.shape[1]):
                    for b in range(n):
                        dst[start + b, o] = src[o, b]


def supports(widths, activation: str, *, dropout: float, batch_norm: bool, device) -> bool:
    """Whether an ensemble of these layer ``widths`` (input first) and settings trains here: on
    a CPU, a compiled activation (:data:`ACTIVATIONS`), no dropout or batch normalisation, every
    width <= :data:`MAX_WIDTH`."""
    return (str(device) == "cpu" and activation in ACTIVATIONS and not dropout and not batch_norm
            and max(widths) <= MAX_WIDTH)  # fmt: skip


class FusedMLP:
    """The compiled passes over a :class:`~infoplane.families._mlp.EnsembleMLP`'s parameters,
    in place (the parameters and their ``.grad`` are CPU float32 tensors; NumPy views of them
    are taken once, so optimiser steps on the tensors are seen here).

    Parameters
    ----------
    weights, biases : the ensemble's parameter tensors, [S, o, i] and [S, o, 1] per layer.
    activation : a name in :data:`ACTIVATIONS`.
    threads : seeds are split into this many contiguous blocks, one per thread (1: none).

    Raises
    ------
    ValueError
        For an activation not compiled here.
    """

    def __init__(self, weights, biases, activation: str, threads: int = 1):
        import torch

        if activation not in ACTIVATIONS:
            raise ValueError(f"activation {activation!r} has no compiled form; compiled: {sorted(ACTIVATIONS)}")
        self.code = ACTIVATIONS[activation]
        params = list(weights) + list(biases)
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        self.weights = tuple(w.detach().numpy() for w in weights)
        self.biases = tuple(b.detach().numpy() for b in biases)
        self.grad_w = tuple(w.grad.numpy() for w in weights)
        self.grad_b = tuple(b.grad.numpy() for b in biases)
        self._grads = [p.grad for p in params]
        self.n_seeds = self.weights[0].shape[0]
        self.widths = [self.weights[0].shape[2]] + [w.shape[1] for w in self.weights]
        self.threads = max(1, min(int(threads), self.n_seeds))
        bounds = np.linspace(0, self.n_seeds, self.threads + 1).round().astype(int)
        self._blocks = list(zip(bounds[:-1], bounds[1:]))
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        self._workspace: dict[tuple, list] = {}

    def _space(self, kind: str, n: int):
        key = (kind, n)
        if key not in self._workspace:
            w = max(self.widths)
            self._workspace[key] = [
                (np.zeros((len(self.widths), w, n), np.float32), np.zeros((w, n), np.float32), np.zeros((max(w, 2), n), np.float32))
                for _ in self._blocks
            ]  # fmt: skip
        return self._workspace[key]

    def _run(self, fn):
        if self._pool is None:
            fn(0, *self._blocks[0])
        else:
            list(self._pool.map(lambda k: fn(k, *self._blocks[k]), range(len(self._blocks))))

    def gradients(self, x: np.ndarray, index: np.ndarray, labels: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """Write every seed's gradient of its mini-batch's mean cross-entropy into the
        parameters' ``.grad`` (zero for seeds not ``alive``, bool [S]); x float32 [d_0, N],
        index int64 [S, B], labels int64 [N]. Returns bool [S]: False where a seed's logits were
        not finite (its gradients are then zero)."""
        finite = np.ones(self.n_seeds, dtype=np.bool_)
        spaces = self._space("train", min(index.shape[1], CHUNK))

        def part(k, first, last):
            acts, delta, spare = spaces[k]
            batch_gradients(x, index, labels, alive, self.weights, self.biases, self.grad_w, self.grad_b, self.code,
                            acts, delta, spare, finite, first, last)  # fmt: skip

        self._run(part)
        return finite

    def outputs(self, x: np.ndarray, rows: np.ndarray, block: int = 512) -> list[np.ndarray]:
        """Every layer's outputs [S, P, w_l] (hidden layers after the activation, the last the
        logits) on the inputs x[:, rows]: x float32 [d_0, N], rows int64 [P]."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        out = tuple(np.empty((self.n_seeds, len(rows), w), np.float32) for w in self.widths[1:])
        spaces = self._space("forward", block)

        def part(k, first, last):
            forward(x, rows, self.weights, self.biases, self.code, spaces[k][0], out, first, last)

        self._run(part)
        return list(out)
