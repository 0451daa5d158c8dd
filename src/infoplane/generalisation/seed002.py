"""Seed 002's own table (Stirn, Kwiatkowski and Drori, "Deep Mutual Information", Results):
the percentage of pairs of networks trained on CIFAR-10, differing in one factor, for which a
signal measured on the training set predicted the member with the better test performance.

Quoted as published, to be shown beside this project's measurements; the poster gives no
number of pairs, no interval and no definition of "training M.I.".
"""

from __future__ import annotations

__all__ = ["TABLE", "SIGNALS", "SOURCE"]

SOURCE = "Stirn, Kwiatkowski and Drori, Deep Mutual Information (seed 002), Results table; CIFAR-10"

#: Seed 002's signals, as this project names them.
SIGNALS = {"train_accuracy": "Training Accuracy", "train_loss": "Training Loss", "mi": "Training M.I."}

#: row -> signal -> percent of pairs predicted correctly, as printed.
TABLE = {
    "3 Layer FCN": {"train_accuracy": 36.7095, "train_loss": 60.5316, "mi": 90.0603},
    "6 Layer FCN": {"train_accuracy": 82.4646, "train_loss": 90.4204, "mi": 91.5457},
    "9 Layer FCN": {"train_accuracy": 85.0422, "train_loss": 87.4078, "mi": 91.2167},
    "12 Layer FCN": {"train_accuracy": 87.9248, "train_loss": 87.4568, "mi": 91.7161},
    "1 Layer CNN": {"train_accuracy": 97.3052, "train_loss": 95.6887, "mi": 97.3693},
    "2 Layer CNN": {"train_accuracy": 97.2769, "train_loss": 95.4170, "mi": 97.3371},
}
