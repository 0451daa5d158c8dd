"""Report helpers: escaping, number formats, the summary table, and the claims rendering."""

import pandas as pd
import pytest

from infoplane import report
from infoplane.summary import summarise_information


def test_tex_escape():
    assert report.tex_escape("kde_upper 50% & #1 {x} ~ ^") == r"kde\_upper 50\% \& \#1 \{x\} \textasciitilde{} \textasciicircum{}"


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


def test_summary_describes_peak_final_and_fall():
    # hidden layer: peak 8 at epoch 10, falls to 5.5 (mean of 5 and 6); the output layer gets no fall
    table = _table([[(6, 1), (8, 1), (5, 1)], [(6, 1), (8, 1), (6, 1)]])
    summary = summarise_information(table)
    hidden = summary[(summary["layer"] == 1) & (summary["quantity"] == "I_XT")].iloc[0]
    assert hidden["peak_epoch"] == 10 and hidden["final_epoch"] == 100
    assert hidden["drop_bits"] == pytest.approx(2.5) and hidden["peak_std_bits"] == pytest.approx(0.0)
    assert hidden["final_std_bits"] == pytest.approx(0.7071, abs=1e-4)
    output = summary[(summary["layer"] == 2) & (summary["quantity"] == "I_XT")].iloc[0]
    assert not output["hidden"] and pd.isna(output["drop_bits"])
    assert "compression" not in summary.columns  # a verdict is the claims' job (infoplane.claims)


def test_verdict_sections_render_the_hidden_rows_with_the_deciding_layer():
    from infoplane.report.claims import excluded_seeds, measurement, verdict_sections

    claims = pd.DataFrame([
        {"claim": "st17_fitting_then_compression", "source": "[ST17]", "experiment": "tanh", "estimator": "binning",
         "layer": "hidden", "statistic": "I_XT_fall_bits", "estimate": 1.234, "ci_low": 0.8, "ci_high": 1.61,
         "confidence": 0.99, "n_seeds": "12", "verdict": "confirmed", "rule": "over hidden layers 1-5 ...; shown: layer 5. Per layer: ..."},
        {"claim": "st17_fitting_then_compression", "source": "[ST17]", "experiment": "tanh", "estimator": "binning",
         "layer": "5", "statistic": "I_XT_fall_bits", "estimate": 1.234, "ci_low": 0.9, "ci_high": 1.5,
         "confidence": 0.95, "n_seeds": "12", "verdict": "confirmed", "rule": "..."},
    ])  # fmt: skip
    sections = verdict_sections(claims)
    assert len(sections) == 1 and len(sections[0]["rows"]) == 1
    assert sections[0]["rows"][0]["measurement"] == "L5: 1.23 [0.80, 1.61] bits"
    assert sections[0]["counts"] == {"confirmed": 1, "refuted": 0, "inconclusive": 0}
    assert measurement({**claims.iloc[0], "statistic": "I_XT_peak_epoch", "estimate": 45.0, "ci_low": 30.0, "ci_high": 61.0}) == "L5: 45 [30, 61]"
    status = pd.DataFrame({"experiment": ["a", "a"], "seed": [0, 1], "qualifies": [True, False], "reason": ["", "diverged at epoch 3 (x)"]})
    assert excluded_seeds([status]) == [{"experiment": "a", "seed": 1, "reason": "diverged at epoch 3 (x)"}]
