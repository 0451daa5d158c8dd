"""Helpers shared by the estimators: input checks and batching over leading dimensions.

torch is imported only where a tensor is made or given, so that the NumPy estimators (the
binning family, k-NN) do not pay for importing it.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

LOG2 = math.log(2.0)


def as_tensor(activations, device=None):
    """``activations`` [..., N, d] as a torch tensor on ``device`` (default: where it is, or CPU).

    Detached from any autograd graph; integer inputs become float64 and half-precision inputs
    float32 (the binning's near-edge test assumes at least float32 rounding).

    Raises
    ------
    ValueError
        If it has fewer than 2 dimensions, N < 1, d < 1, or holds NaN or infinity.
    """
    import torch

    t = activations if isinstance(activations, torch.Tensor) else torch.from_numpy(np.asarray(activations))
    t = t.detach()
    if device is not None:
        t = t.to(device)
    if t.dim() < 2 or t.shape[-2] < 1 or t.shape[-1] < 1:
        raise ValueError(f"activations must have shape [..., N, d] with N, d >= 1, got {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    elif t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    if t.device.type == "cpu":  # NumPy's reduction: a torch one over many values wakes torch's
        # thread pool, whose threads then spin on the other cores through the estimator's work
        finite = not t.numel() or bool(np.isfinite(t.numpy().max()) and np.isfinite(t.numpy().min()))
    else:
        finite = not t.numel() or bool(torch.isfinite(t.amax()) and torch.isfinite(t.amin()))
    if not finite:  # NaN propagates through max and min
        bad = (~torch.isfinite(t)).nonzero()[0].tolist()
        raise ValueError(f"activations hold NaN or infinity (first at index {bad})")
    return t


def as_array(activations) -> np.ndarray:
    """``activations`` [..., N, d] as a NumPy array on the CPU, with the checks and dtype rules
    of :func:`as_tensor` (integers become float64, half precision float32).

    Raises
    ------
    ValueError
        As :func:`as_tensor`.
    """
    torch = sys.modules.get("torch")  # a tensor can only come from an imported torch
    if torch is not None and isinstance(activations, torch.Tensor):
        activations = as_tensor(activations, "cpu").numpy()
    a = np.asarray(activations)
    if a.ndim < 2 or a.shape[-2] < 1 or a.shape[-1] < 1:
        raise ValueError(f"activations must have shape [..., N, d] with N, d >= 1, got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    elif a.dtype == np.float16:
        a = a.astype(np.float32)
    if not (np.isfinite(a.max()) and np.isfinite(a.min())):  # NaN propagates
        bad = np.argwhere(~np.isfinite(a))[0].tolist()
        raise ValueError(f"activations hold NaN or infinity (first at index {bad})")
    return a


def as_label_array(labels, n_samples: int) -> tuple[np.ndarray, int]:
    """Labels [N] as class indices 0 … C-1 (int64 NumPy) and the number C of distinct labels;
    see :func:`as_labels`.

    Raises
    ------
    ValueError
        If labels are not N integers.
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    y = np.asarray(labels)
    if y.shape != (n_samples,):
        raise ValueError(f"labels must have shape [N] = [{n_samples}], got {tuple(y.shape)}")
    if np.issubdtype(y.dtype, np.floating) and not np.array_equal(y, np.round(y)):
        raise ValueError("labels must be integers")
    classes, y = np.unique(y.astype(np.int64), return_inverse=True)
    return y.reshape(-1).astype(np.int64), len(classes)


def as_labels(labels, n_samples: int, device):
    """Labels [N] as class indices 0 … C-1 (int64, on ``device``) and the number C of distinct
    labels; any integer values are accepted and mapped in increasing order.

    Raises
    ------
    ValueError
        If labels are not N integers.
    """
    import torch

    y = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(np.asarray(labels))
    if y.shape != (n_samples,):
        raise ValueError(f"labels must have shape [N] = [{n_samples}], got {tuple(y.shape)}")
    if y.is_floating_point():
        if not torch.equal(y, y.round()):
            raise ValueError("labels must be integers")
    classes, y = torch.unique(y.to(device=device, dtype=torch.int64), return_inverse=True)
    return y, len(classes)


def leading_batches(n_items: int, bytes_per_item: int, budget_bytes: int):
    """Slices of ``range(n_items)`` whose working sets fit in ``budget_bytes`` (at least one item each)."""
    step = max(1, budget_bytes // max(1, bytes_per_item))
    for start in range(0, n_items, step):
        yield slice(start, min(n_items, start + step))


def threads_allowed() -> int:
    """The threads an estimator may use: ``torch.get_num_threads()`` where torch is loaded, else
    the ``OMP_NUM_THREADS`` a workflow job sets to its ``threads`` (infoplane.runtime.job), else 1."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return max(1, torch.get_num_threads())
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def in_parallel(function, parts: list) -> None:
    """Call ``function(part)`` for every part, on as many threads as the job is allowed
    (:func:`threads_allowed`). For NumPy work that releases the GIL (sorting, arithmetic on whole
    arrays)."""
    threads = min(len(parts), threads_allowed())
    if threads <= 1:
        for part in parts:
            function(part)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        for result in pool.map(function, parts):
            pass
