"""The report: escaping, number formats, the summary table, the claims rendering, the answer and the
captions; the tiny study's PDF as a reader sees it, and its HTML report in a browser."""

from pathlib import Path

import pandas as pd
import numpy as np
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


def test_layers_at_log2_p_are_counted_and_said():
    from infoplane.report.results import ceiling_sentence

    # P = 16 probe inputs: layer 1 at 4 bits at every epoch, layer 2 at it once (epoch 0), layer 3 the output
    rows = []
    for seed in (0, 1):
        for epoch, second in zip((0, 10, 100), (4.0, 3.5, 3.0)):
            for layer, value in ((1, 4.0), (2, second), (3, 1.0)):
                rows.append({"experiment": "e", "estimator": "m", "seed": seed, "epoch": epoch, "layer": layer,
                             "probe_size": 16, "I_XT_bits": value, "I_TY_bits": 0.5})  # fmt: skip
    summary = summarise_information(pd.DataFrame(rows))
    xt = summary[summary["quantity"] == "I_XT"].set_index("layer")
    assert xt["ceiling_bits"].tolist() == [4.0, 4.0, 4.0] and xt["n_epochs"].tolist() == [3, 3, 3]
    assert xt["epochs_at_ceiling"].tolist() == [3, 1, 0]
    assert xt["ceiling_from_epoch"].tolist()[0] == 0 and xt["ceiling_from_epoch"].isna().tolist() == [False, True, True]
    assert summary.loc[summary["quantity"] == "I_TY", "ceiling_bits"].isna().all()
    assert ceiling_sentence(summary) == ("I(X;T) at log2 P = 4.00 bits (P = 16 probe inputs) at every one of the 3 "
                                         "recorded epochs in layer 1; at some epochs but not the last in layer 2 (1 of 3) "
                                         "(of 2 hidden layers).")
    # reaching the ceiling after initialisation and staying there: "from epoch 10 to the end"
    rising = pd.DataFrame(rows).assign(I_XT_bits=lambda t: np.where((t["layer"] == 2) & (t["epoch"] > 0), 4.0, t["I_XT_bits"]))
    rising.loc[rising["layer"].isin([1, 2]) & (rising["epoch"] == 0), "I_XT_bits"] = 3.0
    late = summarise_information(rising)
    assert late.loc[(late["quantity"] == "I_XT") & (late["layer"] == 2), "ceiling_from_epoch"].item() == 10
    assert ceiling_sentence(late).endswith("from epoch 10 to the end in layers 1 and 2 (of 2 hidden layers).")
    below = summarise_information(pd.DataFrame(rows).assign(I_XT_bits=lambda t: t["I_XT_bits"] - 0.5))
    assert ceiling_sentence(below) == ""
    # an older table without probe_size: no ceiling to compare with
    assert ceiling_sentence(summarise_information(pd.DataFrame(rows).drop(columns="probe_size"))) == ""


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


# -- the answer, the captions and the grid, from tables -------------------------------------------


def _claims_rows():
    rule = "over hidden layers 1-5 ...; shown: layer {}. Per layer: ..."
    rows = []
    for experiment, estimator, verdict, estimate, layer in [
        ("tanh", "binning", "confirmed", 4.25, 5), ("tanh", "kde_upper", "confirmed", 3.9, 5), ("tanh", "knn", "refuted", 0.01, 1),
        ("relu", "binning", "refuted", 0.02, 2), ("relu", "kde_upper", "inconclusive", 0.5, 3), ("relu", "knn", "refuted", 0.0, 1),
    ]:  # fmt: skip
        rows.append({"claim": "st17_fitting_then_compression", "source": "[ST17]", "experiment": experiment, "estimator": estimator,
                     "layer": "hidden", "statistic": "I_XT_fall_bits", "estimate": estimate, "ci_low": estimate - 0.5,
                     "ci_high": estimate + 0.5, "confidence": 0.99, "n_seeds": "12", "verdict": verdict, "rule": rule.format(layer)})  # fmt: skip
    rows.append({**rows[0], "claim": "sb18_activation", "experiment": "tanh vs relu", "statistic": "I_XT_fall_difference_bits",
                 "n_seeds": "12+12"})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_answer_counts_the_verdicts_and_points_to_figures_and_tables():
    from infoplane.report.claims import claim_answers

    answers = claim_answers(_claims_rows(), ["tanh", "relu"])
    assert answers["counts"] == {"confirmed": 3, "refuted": 3, "inconclusive": 1} and answers["n_estimators"] == 3
    first, activation = answers["claims"]
    assert first["name"] == "st17_fitting_then_compression" and first["table"] == "tab:claim-st17-fitting-then-compression"
    assert first["figures"] == ["fig:intervals-tanh", "fig:intervals-relu"]
    tanh, relu = first["groups"]
    assert tanh["counts"] == {"confirmed": 2, "refuted": 1, "inconclusive": 0} and tanh["n"] == 3
    assert tanh["lead"] == {"verdict": "confirmed", "estimator": "binning", "measurement": "L5: 4.25 [3.75, 4.75] bits"}
    assert relu["lead"]["verdict"] == "refuted" and relu["lead"]["estimator"] == "binning"  # the largest refuted fall
    assert activation["figures"] == ["fig:intervals-tanh", "fig:intervals-relu"]  # a pair: both experiments' figures


def test_captions_are_one_text_for_the_pdf_and_the_html_report():
    from infoplane.report import captions

    names = {"experiment": "tanh", "estimator": "kde_upper", "n_seeds": 12, "parameters": "kde, bound = upper", "confidence": "95"}
    plain = captions.plain("information_plane", **names)
    assert plain.startswith("tanh, kde_upper (kde, bound = upper): the information plane, I(T;Y) against I(X;T)")
    assert captions.rst("information_plane", **names).startswith("``tanh``, ``kde_upper`` (kde, bound = upper)")
    latex = captions.latex("information_plane", **names)
    assert latex.startswith(r"\texttt{tanh}, \texttt{kde\_\allowbreak{}upper} (kde, bound = upper)") and r"\ITY{} against \IXT{}" in latex
    with pytest.raises(KeyError, match=r"caption 'sweep' needs \['sweep'\]"):
        captions.latex("sweep", experiment="tanh")


def test_every_caption_has_its_html_report_file():
    from infoplane.report.captions import CAPTIONS

    folder = Path(__file__).resolve().parents[1] / "workflow" / "report"
    assert {p.stem for p in folder.glob("*.rst")} == set(CAPTIONS)
    for kind in CAPTIONS:
        assert (folder / f"{kind}.rst").read_text().strip() == '{{ snakemake.params.captions["%s"] }}' % kind


def test_the_verdict_grid_prints_at_the_text_width_in_7_point_type(tmp_path):
    from pdflayout import figures

    from infoplane.plots import TEXT_WIDTH_IN
    from infoplane.plots.verdicts import verdict_grid

    pdf, _ = verdict_grid(_claims_rows(), tmp_path / "grid", experiments=["tanh", "relu"])
    (figure,) = figures(pdf, whole_pages=True)
    assert abs(figure.width - TEXT_WIDTH_IN * 72) < 0.5
    assert min(figure.font_sizes) >= 6.99
    assert "L5 4.25" in figure.text and "[3.75, 4.75]" in figure.text and "fitting, then" in figure.text


# -- the tiny study's report as a reader sees it, and its HTML report in a browser ----------------

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.mark.slow
def test_the_report_reads_as_printed(tiny_run):
    """Rendered and measured from the PDF itself: page 1 carries the answer and the grid at the
    text width; every figure prints at a designed width and no type in a figure is below 7 pt;
    no page but the last is left half empty."""
    from pdflayout import TEXT_WIDTH_PT, blank, figures
    from pypdf import PdfReader

    from infoplane.plots import TEXT_WIDTH_IN
    from infoplane.plots.planes import EPOCHS_WIDTH_IN, PLANE_WIDTH_IN

    assert abs(TEXT_WIDTH_IN * 72 - TEXT_WIDTH_PT) < 0.1  # the figures' width is the template's text width
    pdf = tiny_run / "results" / "tiny" / "report" / "report.pdf"
    found = figures(pdf)
    reader = PdfReader(pdf)
    assert len(found) > 40
    page_one = [f for f in found if f.page == 1]
    assert len(page_one) == 1 and abs(page_one[0].width - TEXT_WIDTH_PT) < 1  # the verdict grid
    assert "fitting,then" in page_one[0].text.replace(" ", "")  # the grid's text (line breaks are not spaces)
    text = reader.pages[0].extract_text()
    assert "The question." in text and "The answer." in text and "Figure 1:" in text
    designed = [w * 72 for w in (TEXT_WIDTH_IN, 0.6 * TEXT_WIDTH_IN, PLANE_WIDTH_IN, EPOCHS_WIDTH_IN)]
    for figure in found:
        assert min(abs(figure.width - w) for w in designed) < 1, (figure.page, figure.width)
        assert figure.font_sizes and min(figure.font_sizes) >= 6.95, (figure.page, min(figure.font_sizes))
    white = blank(pdf, out_dir=ARTIFACTS / "report-pages")
    half_empty = {page: round(band, 2) for page, band in enumerate(white[:-1], start=1) if band >= 0.5}
    assert not half_empty, half_empty


@pytest.mark.slow
def test_every_claim_sentence_points_to_its_figure_and_table(tiny_run):
    import re

    tex = (tiny_run / "results" / "tiny" / "report" / "report.tex").read_text()
    labels = set(re.findall(r"\\label\{([^}]+)\}", tex))
    body = tex[tex.index("\\paragraph{The answer.}") : tex.index("\\subsection{How the claims are measured}")]
    # a claim sentence: its name in bold and its source, the verdicts, then what carries them
    sentences = re.findall(r"\\textbf\{[^}]+\} \(\[.*?Table~\\ref\{[^}]+\}\.\)", body, flags=re.S)
    claims = pd.read_csv(tiny_run / "results" / "tiny" / "tables" / "claims.csv", dtype={"layer": str})
    assert len(sentences) == 2 * claims["claim"].nunique()  # in the answer, and in the claims section
    for sentence in sentences:
        refs = re.findall(r"\\ref\{([^}]+)\}", sentence)
        assert "fig:verdicts" in refs and any(r.startswith("tab:claim-") for r in refs), sentence
        assert any(r.startswith(("fig:intervals-", "fig:snr-", "fig:generalisation")) for r in refs), sentence
        assert set(refs) <= labels, set(refs) - labels


def _report_entries(study) -> int:
    """Files of a study marked for Snakemake's HTML report: per (experiment, instance) two figures and
    a summary table; per experiment the planes, two training figures, two claims figures and its
    sweeps; the claims table, generalisation and verdict grid; the validation summary and its two
    figures; the PDF."""
    sweeps = sum(len(names) for names in study.sweeps.values())
    pairs = sum(len(e.estimators) for e in study.experiments.values())
    return 3 * pairs + 5 * len(study.experiments) + sweeps + 3 + 3 + 1


def browse_html_report(html: Path, study, chromium: str, screenshot: Path) -> int:
    """Open a study's HTML report in headless Chromium as a reader would: it loads without script
    errors, every category the menu lists shows its entries (their rows counted on the page), and
    the kde_upper information plane of the first experiment opens, drawn, with its caption.
    Returns the number of entries shown. (Also run by hand on the default study.)"""
    from playwright.sync_api import sync_playwright

    expected = _report_entries(study)
    first = next(iter(study.experiments))
    errors, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ])  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(html.as_uri())
            page.wait_for_function("typeof results !== 'undefined' && Object.keys(results).length > 0", timeout=60000)
            assert page.evaluate("Object.keys(results).length") == expected
            # every category the menu lists, opened as a reader would: its entries add up to every result
            categories = page.evaluate("Object.keys(categories)")
            assert set(categories) == {"claims", "validation", "report"} | {f"experiment {e}" for e in study.experiments}
            shown = 0
            for category in categories:
                subcategories = page.evaluate(f"Object.keys(categories[{category!r}])")
                for subcategory in subcategories:
                    page.goto(html.as_uri())
                    page.get_by_text(category, exact=True).first.click()
                    if subcategories != ["Other"]:  # a category of one unnamed group lists its results at once
                        page.get_by_text(subcategory, exact=True).first.click()
                    rows = page.locator("table tbody tr")
                    rows.first.wait_for()
                    assert rows.count() == page.evaluate(f"categories[{category!r}][{subcategory!r}].length")
                    shown += rows.count()
            assert shown == expected
            # one figure opened (it is drawn), then its description: the caption, the PDF's words
            page.goto(html.as_uri())
            page.get_by_text(f"experiment {first}", exact=True).first.click()
            page.get_by_text("estimator kde_upper", exact=True).first.click()
            row = page.locator("table tbody tr").filter(has=page.get_by_text("information plane", exact=True))
            row.locator('a[iconname="eye"]').click()
            page.wait_for_function("[...document.images].some(i => i.complete && i.naturalWidth > 200)")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
            row.locator('a[iconname="information-circle"]').click()
            page.wait_for_function("document.body.innerText.includes('the information plane, I(T;Y) against I(X;T)')")
            assert f"{first}, kde_upper (kde, noise_variance = 0.001, bound = upper): the information plane" in page.inner_text("body")
        finally:
            browser.close()
    assert not errors, errors
    assert not [url for url in failed if url.startswith("file:")], failed
    return shown


@pytest.mark.slow
def test_the_html_report_opens_in_a_browser(tiny_run):
    import shutil

    from conftest import snakemake

    chromium = shutil.which("chromium")  # Debian's package, which make test installs
    if chromium is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium as root)")
    pytest.importorskip("playwright.sync_api", reason="playwright (the test extras) is not installed")
    from infoplane.config import load_config
    from infoplane.studies import load_study

    html = tiny_run / "results" / "tiny" / "report.html"
    snakemake(tiny_run, "--report", str(html.relative_to(tiny_run)), "--configfile", "config/tiny.yaml")
    study = load_study(load_config(tiny_run / "config" / "tiny.yaml"), ["config/tiny.yaml"], embedded=tiny_run / "config" / "config.yaml")
    assert browse_html_report(html, study, chromium, ARTIFACTS / "html-report.png") == 79 == _report_entries(study)
