"""Reading a compiled PDF as a reader sees it: where its figures sit and how wide they print, the
printed size of every character inside them, and how much of each page is ink (pages rendered
to images). pdfminer.six reads the layout, pypdfium2 renders (both through pdfplumber)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

A4_HEIGHT_PT = 841.89
MARGIN_PT = 2.0 / 2.54 * 72  # the report's geometry: 2 cm on every side
TEXT_WIDTH_PT = 595.28 - 2 * MARGIN_PT
TEXT_HEIGHT_PT = A4_HEIGHT_PT - 2 * MARGIN_PT


@dataclass
class Figure:
    """An included figure (a PDF form XObject) on a page, in points; its characters' printed sizes."""

    page: int
    x0: float
    top: float
    width: float
    height: float
    font_sizes: list[float] = field(default_factory=list)
    text: str = ""


def figures(pdf: str | Path, *, whole_pages: bool = False) -> list[Figure]:
    """Every figure of every page (pages from 1), with the printed size of each character drawn
    inside it: the font size times the scale of its text matrix and of every transformation
    around it (the figure's own scaling by ``\\includegraphics`` included), whatever its rotation.
    With ``whole_pages``, each page is one figure (a figure file as matplotlib writes it)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTFigure
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Aggregator(PDFPageAggregator):
        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
            advance = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            a, b, c, d = matrix[:4]
            self.cur_item._objs[-1].printed_size = fontsize * math.sqrt(abs(a * d - b * c))
            return advance

    def chars(item):
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from chars(child)

    found = []
    manager = PDFResourceManager()
    device = Aggregator(manager, laparams=LAParams(all_texts=True))
    interpreter = PDFPageInterpreter(manager, device)
    with open(pdf, "rb") as handle:
        for number, page in enumerate(PDFPage.get_pages(handle), start=1):
            interpreter.process_page(page)
            layout = device.get_result()
            if whole_pages:
                inside = list(chars(layout))
                found.append(Figure(page=number, x0=0.0, top=0.0, width=layout.width, height=layout.height,
                                    font_sizes=[c.printed_size for c in inside], text="".join(c.get_text() for c in inside)))
                continue
            for item in layout:
                if isinstance(item, LTFigure):
                    inside = list(chars(item))
                    found.append(Figure(
                        page=number, x0=item.x0, top=layout.height - item.y1, width=item.width, height=item.height,
                        font_sizes=[c.printed_size for c in inside], text="".join(c.get_text() for c in inside),
                    ))  # fmt: skip
    return found


def blank(pdf: str | Path, resolution: int = 40, out_dir: str | Path | None = None) -> list[float]:
    """For each page, rendered as an image, the largest white band across the text area (pixel rows
    without ink, one after another) as a fraction of the text area's height: near 1 for an empty
    page, a half or more for a page left half empty (page numbers, below the text area, left
    out). The images are written to ``out_dir`` (``page-01.png``, …) when given."""
    import numpy as np
    import pdfplumber

    fractions = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            image = page.to_image(resolution=resolution)
            if out_dir is not None:
                Path(out_dir).mkdir(parents=True, exist_ok=True)
                image.save(Path(out_dir) / f"page-{number:02d}.png")
            pixels = np.asarray(image.original.convert("L"))
            scale = pixels.shape[0] / float(page.height)
            top, bottom = int(MARGIN_PT * scale), int((MARGIN_PT + TEXT_HEIGHT_PT) * scale)
            inked = (pixels[top:bottom] < 245).any(axis=1)
            longest = run = 0
            for row in inked:
                run = 0 if row else run + 1
                longest = max(longest, run)
            fractions.append(longest / len(inked))
    return fractions
