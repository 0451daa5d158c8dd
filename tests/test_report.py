"""Report helpers: escaping, the compression sentences, and the template against a real run."""

import math

import pandas as pd
import pytest

from infoplane import report
from infoplane.summary import summarise_information


def _row(**overrides):
    row = {
        "layer": 5, "peak_mean_bits": 7.72, "peak_epoch": 45, "final_mean_bits": 5.37, "final_epoch": 3000,
        "drop_bits": 2.35, "spread_bits": 1.45, "compression": "yes", "compression_from_epoch": 45,
        "min_drop_bits": 0.01,
    }  # fmt: skip
    row.update(overrides)
    return row


def test_tex_escape():
    assert report.tex_escape("kde_upper 50% & #1 {x} ~ ^") == r"kde\_upper 50\% \& \#1 \{x\} \textasciitilde{} \textasciicircum{}"


def test_compression_statements_by_case():
    assert report.compression_statement(_row()) == (
        "Layer 5: I(X;T) peaked at 7.72 bits at epoch 45 and fell by 2.35 bits to 5.37 bits at epoch 3000, "
        "more than the spread over seeds (1.45 bits): compression from epoch 45."
    )
    within = report.compression_statement(_row(drop_bits=0.5, spread_bits=0.8, compression="no"))
    assert within.endswith("within the spread over seeds (0.80 bits): no compression.")
    flat = report.compression_statement(_row(drop_bits=0.004, compression="no"))
    assert "was still at 5.37 bits" in flat and flat.endswith("no compression.")
    last = report.compression_statement(_row(peak_epoch=3000, compression="no"))
    assert last.endswith("the last recorded epoch: no compression.")
    single = report.compression_statement(_row(compression="undetermined", spread_bits=math.nan))
    assert "single seed" in single


def test_small_numbers_keep_a_third_decimal():
    assert report.bits(0.0186) == "0.019" and report.bits(0.0159) == "0.016" and report.bits(2.345) == "2.35"
    assert report.bits(float("nan")) == "--"


def _table(values_by_seed):
    rows = []
    for seed, values in enumerate(values_by_seed):
        for epoch, (hidden, output) in zip((0, 10, 100), values):
            rows.append({"experiment": "e", "estimator": "m", "seed": seed, "epoch": epoch, "layer": 1,
                         "I_XT_bits": hidden, "I_TY_bits": 0.5})
            rows.append({"experiment": "e", "estimator": "m", "seed": seed, "epoch": epoch, "layer": 2,
                         "I_XT_bits": output, "I_TY_bits": 0.5})
    return pd.DataFrame(rows)


def test_summary_compression_rule():
    # hidden layer: peak 8 at epoch 10, falls to 5 with a spread of ~0.7 -> compression from epoch 10
    table = _table([[(6, 1), (8, 1), (5, 1)], [(6, 1), (8, 1), (6, 1)]])
    summary = summarise_information(table)
    hidden = summary[(summary["layer"] == 1) & (summary["quantity"] == "I_XT")].iloc[0]
    assert hidden["peak_epoch"] == 10 and hidden["final_epoch"] == 100
    assert hidden["drop_bits"] == pytest.approx(2.5)
    assert hidden["spread_bits"] == pytest.approx(0.7071, abs=1e-4)
    assert hidden["compression"] == "yes" and hidden["compression_from_epoch"] == 10
    assert (summary["min_drop_bits"] == 0.01).all()
    strict = summarise_information(table, min_drop_bits=3.0)
    assert strict[(strict["layer"] == 1) & (strict["quantity"] == "I_XT")].iloc[0]["compression"] == "no"
    output = summary[(summary["layer"] == 2) & (summary["quantity"] == "I_XT")].iloc[0]
    assert not output["hidden"] and output["compression"] == ""
    # a fall within the spread over seeds is no compression
    noisy = summarise_information(_table([[(6, 1), (8, 1), (5, 1)], [(6, 1), (8, 1), (9, 1)]]))
    assert noisy[(noisy["layer"] == 1) & (noisy["quantity"] == "I_XT")].iloc[0]["compression"] == "no"
    # one seed: no spread, no verdict
    single = summarise_information(_table([[(6, 1), (8, 1), (5, 1)]]))
    assert single[(single["layer"] == 1) & (single["quantity"] == "I_XT")].iloc[0]["compression"] == "undetermined"
