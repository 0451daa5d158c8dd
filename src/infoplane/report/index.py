"""The index of every built study (``results/index.pdf``): each study's verdicts side by side,
one row per claim, from the studies' claims tables (:mod:`infoplane.claims`)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..claims import CLAIMS
from .claims import _STATISTIC_WORD

__all__ = ["index_context"]

_VERDICTS = ("confirmed", "refuted", "inconclusive")


def index_context(claims: Mapping[str, pd.DataFrame]) -> dict:
    """The template's context: for every declared claim that some study tests, one row with,
    per study, each experiment (or pair of experiments) that tests it and the number of its
    verdicts of each kind over the estimators (rows ``layer == "hidden"``).

    Parameters
    ----------
    claims : study name -> its claims table, in the order to show.
    """
    studies = list(claims)
    rows = []
    for claim in CLAIMS:
        cells, tested = [], False
        for study in studies:
            table = claims[study]
            hidden = table[(table["layer"].astype(str) == "hidden") & (table["claim"] == claim.name)]
            groups = []
            several = hidden["statistic"].nunique() > 1  # the generalisation claim: pooled and within experiments
            for (experiment, statistic), part in hidden.groupby(["experiment", "statistic"], sort=False):
                counts = {v: int((part["verdict"] == v).sum()) for v in _VERDICTS}
                name = "all experiments" if experiment == "all" else experiment
                note = f" ({_STATISTIC_WORD.get(statistic, statistic)})" if several else ""
                groups.append({"experiment": name + note, **counts})
            tested |= bool(groups)
            cells.append(groups)
        if tested:
            rows.append({"label": claim.label, "source": claim.source, "statement": claim.statement, "cells": cells})
    totals = []
    for study in studies:
        hidden = claims[study][claims[study]["layer"].astype(str) == "hidden"]
        totals.append({v: int((hidden["verdict"] == v).sum()) for v in _VERDICTS})
    return {"studies": studies, "rows": rows, "totals": totals}
