"""Checked downloads of dataset files: fetched from a mirror, their sum checked, written
atomically. Only the download rule imports this module, so editing it retrains nothing."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from .mnist import MNIST_MIRRORS, MNIST_SHA256

__all__ = ["download_mnist_file", "download_file"]


def _digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_mnist_file(
    name: str,
    destination: str | os.PathLike,
    *,
    mirrors: tuple[str, ...] = MNIST_MIRRORS,
    sha256: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Fetch one standard MNIST file with urllib, check its SHA-256, write it atomically.

    Each mirror is tried in order until one answers; the bytes go to ``<destination>.partial``
    in the same folder and are renamed to ``destination`` only when their SHA-256 matches.

    Parameters
    ----------
    name : a key of :data:`MNIST_SHA256` (the file name on the mirror).
    destination : where to write it.
    mirrors : base URLs ending in ``/`` (``file://`` URLs work too).
    sha256 : the expected sum (default :data:`MNIST_SHA256[name]`).
    timeout : seconds per connection attempt.

    Returns
    -------
    pathlib.Path of the written file.

    Raises
    ------
    ValueError
        For an unknown file name, or when the downloaded bytes' SHA-256 differs from the
        expected one (the message names the file, the URL and both sums; nothing is written).
    OSError
        When no mirror could be reached (the message lists each URL and its error).
    """
    if name not in MNIST_SHA256:
        raise ValueError(f"unknown MNIST file {name!r}; expected one of {sorted(MNIST_SHA256)}")
    return download_file(name, destination, mirrors=mirrors, sha256=sha256 or MNIST_SHA256[name], timeout=timeout)


def download_file(
    name: str,
    destination: str | os.PathLike,
    *,
    mirrors: tuple[str, ...],
    sha256: str | None = None,
    md5: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Fetch ``name`` from the first mirror that answers, check its SHA-256 (or, where only
    that is published, its MD5), write it atomically to ``destination``.

    Raises
    ------
    ValueError
        When the bytes' sum differs (naming the file, the URL and both sums; nothing is
        written), or no sum is given.
    OSError
        When no mirror could be reached (each URL and its error).
    """
    if sha256 is None and md5 is None:
        raise ValueError(f"{name}: a checked download needs a SHA-256 or MD5 sum")
    algorithm, expected = ("sha256", sha256) if sha256 is not None else ("md5", md5)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
        except OSError as error:  # URLError, HTTPError, timeouts
            partial.unlink(missing_ok=True)
            failures.append(f"{url}: {error}")
            continue
        actual = _digest(partial, algorithm)
        if actual != expected:
            partial.unlink(missing_ok=True)
            raise ValueError(
                f"{name} from {url}: {'SHA-256' if algorithm == 'sha256' else 'MD5'} mismatch (got {actual}, expected {expected}); the "
                f"download was discarded and {destination} was not written. The mirror may serve "
                "a different or damaged file: try again, or fetch the file from another mirror "
                "and put it into the data_dir yourself."
            )
        os.replace(partial, destination)
        return destination
    raise OSError(f"could not download {name}: " + "; ".join(failures))
