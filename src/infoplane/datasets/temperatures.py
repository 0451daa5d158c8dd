"""Hourly air temperatures of 2010 in Seattle and San Francisco, as the PyPI package
``vega-datasets`` 0.9.0 ships them offline (``seattle-temps.csv``: 8,759 hourly readings in
degrees Fahrenheit; ``sf-temps.csv``: the same hours in San Francisco; the README's set-up
installs the package): the real series of seed 004's task, predicting the next hour's
temperature from the last L hours. A dataset source (``builtin: temperatures``) of the
**regression** task (:data:`TASK`; :mod:`infoplane.tasks`): its targets are continuous.

Each series has one gap, the hour skipped when daylight-saving time began (2010-03-14); a
window of L + 1 consecutive hours never straddles it. Window ``r`` holds hours
``start_r … start_r + L - 1`` as its input and hour ``start_r + L`` as its target, in
chronological order, so a chronological split is a split of the rows (:func:`chronological_split`).
The file's content is checked against its SHA-256 (:data:`CONTENT_SHA256`).
"""

from __future__ import annotations

import os

import numpy as np

from ..params import Parameter
from .base import Arrays, content_sha256

__all__ = ["SITES", "CONTENT_SHA256", "TASK", "series", "windows", "chronological_split", "data_file"]

#: Site -> file inside the package's ``_data`` folder.
SITES = {"seattle": "seattle-temps.csv", "san_francisco": "sf-temps.csv"}
#: SHA-256 of each file as vega-datasets 0.9.0 ships it (computed here, 2026-12-03).
CONTENT_SHA256 = {
    "seattle-temps.csv": "c220666521ff4bec4ffb6f0d9acfdc5c1056564b1aad6f78d3b06aa0a0c8b085",
    "sf-temps.csv": "3f91699707cfed43ef551394bebef4c2ebe5505157b9be7bff9558eea2fbaaec",
}
PACKAGE = "vega-datasets==0.9.0"
#: The task of this source's targets (infoplane.tasks).
TASK = "regression"

NAME = "temperatures"
DESCRIPTION = "hourly air temperatures of 2010 (degrees Fahrenheit), windows of the last L hours and the next hour"
SOURCE = "PyPI package vega-datasets 0.9.0 (seattle-temps.csv, sf-temps.csv), offline; seed 004's task"
PARAMETERS = (
    Parameter("site", "string", "seattle", "which series: seattle or san_francisco", "vega-datasets 0.9.0",
              choices=tuple(SITES)),
    Parameter("window", "integer", 24, "L, hours of past temperatures in one input window (the target is the next hour)",
              "seed 004", minimum=2, maximum=168),
)  # fmt: skip


def data_file(site: str) -> str:
    """Path of ``site``'s CSV file inside the installed ``vega_datasets`` package.

    Raises
    ------
    FileNotFoundError
        If the package is not installed (saying how to install it).
    """
    try:
        import importlib.resources

        root = importlib.resources.files("vega_datasets")
    except ModuleNotFoundError:
        raise FileNotFoundError(f"the temperature series come from the Python package {PACKAGE}, which is not installed: "
                                f"`pip install {PACKAGE}` (the README's set-up, `make install`, does it)") from None
    return str(root / "_data" / SITES[site])


def layout(spec):
    """None: the number of windows depends on the series' gaps (known once read)."""
    return None


def input_shape(spec) -> tuple[int, ...]:
    return (int(spec.get("window", 24)),)


def files(spec) -> list[str]:
    try:
        return [data_file(spec.get("site", "seattle"))]
    except FileNotFoundError:
        return []


def missing(spec, key: str = "") -> str | None:
    try:
        path = data_file(spec.get("site", "seattle"))
    except FileNotFoundError as error:
        return str(error)
    if not os.path.isfile(path):
        return f"{path} is missing from the installed vega_datasets; reinstall it: `pip install --force-reinstall {PACKAGE}`"
    return None


def series(path: str) -> tuple[np.ndarray, np.ndarray]:
    """The hourly series of one file: timestamps (``datetime64[h]`` [H]) and temperatures
    (float64 [H], degrees Fahrenheit), in time order.

    Raises
    ------
    ValueError
        Naming the file, for content other than vega-datasets 0.9.0's (its SHA-256), readings
        out of order or not finite.
    """
    import pandas as pd

    path = str(path)
    name = os.path.basename(path)
    digest = content_sha256(path)
    if name in CONTENT_SHA256 and digest != CONTENT_SHA256[name]:
        raise ValueError(f"{path}: SHA-256 {digest}, not vega-datasets 0.9.0's {CONTENT_SHA256[name]}; "
                         f"reinstall it: `pip install --force-reinstall {PACKAGE}`")  # fmt: skip
    frame = pd.read_csv(path)
    if not {"date", "temp"} <= set(frame.columns):
        raise ValueError(f"{path}: expected columns 'date' and 'temp', got {list(frame.columns)}")
    times = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[h]")
    temps = frame["temp"].to_numpy(np.float64)
    if not np.isfinite(temps).all():
        raise ValueError(f"{path}: non-finite temperatures")
    if len(times) > 1 and (np.diff(times) <= np.timedelta64(0, "h")).any():
        raise ValueError(f"{path}: readings are not in increasing time order")
    return times, temps


def windows(times: np.ndarray, temps: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window of ``length`` consecutive hours followed by the next hour.

    Returns
    -------
    inputs : float64 [N, length]; targets : float64 [N]; target_times : datetime64[h] [N], in
    time order. A window whose ``length`` + 1 hours are not consecutive (a gap) is left out.

    Raises
    ------
    ValueError
        If the series is shorter than ``length`` + 1 hours.
    """
    length = int(length)
    if len(temps) < length + 1:
        raise ValueError(f"a series of {len(temps)} hours has no window of {length} hours and a target")
    hours = (times - times[0]).astype(np.int64)
    starts = np.arange(len(temps) - length)
    consecutive = hours[starts + length] - hours[starts] == length
    starts = starts[consecutive]
    index = starts[:, None] + np.arange(length + 1)[None, :]
    return temps[index[:, :-1]], temps[index[:, -1]], times[index[:, -1]]


def chronological_split(n: int, train_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``0 … ⌊f n⌋ - 1`` for training and the later rest for testing (no shuffling: the
    test targets come after every training target).

    Raises
    ------
    ValueError
        If either part would be empty.
    """
    n_train = int(np.floor(float(train_fraction) * n))
    if not 0 < n_train < n:
        raise ValueError(f"train_fraction {train_fraction} leaves an empty training or test part of {n} windows")
    return np.arange(n_train), np.arange(n_train, n)


def read(spec, paths, log) -> Arrays:
    """The windows (float64 [N, L], degrees Fahrenheit) and their targets (float64 [N], the
    ``labels`` of a regression source), unscaled: scaling is fitted on the training part by
    the trainer (:func:`infoplane.tasks.Scaling`)."""
    times, temps = series(paths[0])
    inputs, targets, _ = windows(times, temps, int(spec["window"]))
    log.info("read %d hourly temperatures (%s), %d windows of %d hours", len(temps), spec["site"], len(targets), spec["window"])
    return Arrays(inputs, targets, (int(spec["window"]),))


def describe(spec) -> str:
    site = {"seattle": "Seattle", "san_francisco": "San Francisco"}[spec.get("site", "seattle")]
    return (f"hourly temperatures of {site}, 2010 (vega-datasets 0.9.0), windows of {spec.get('window', 24)} hours "
            "predicting the next hour")
