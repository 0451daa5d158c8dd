"""LaTeX plumbing of the report: escaping, number formats, the Jinja2 environment, latexmk.

The template uses LaTeX-friendly delimiters: ``\\VAR{expression}``, ``\\BLOCK{statement}``,
line statements starting with ``%%`` and comments ``\\#{…}``; the ``tex`` filter escapes text
and ``bits`` formats a number of bits.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["LatexError", "LATEX_PACKAGES", "SOFTWARE", "tex_escape", "bits", "software_versions", "render", "compile_pdf",
           "front_matter", "relative"]

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip

#: Packages whose versions the report lists.
SOFTWARE = ("infoplane", "torch", "numpy", "scipy", "scikit-learn", "pandas", "h5py", "matplotlib", "jinja2", "snakemake")

LATEX_PACKAGES = "latexmk texlive-latex-recommended texlive-fonts-recommended lmodern"


class LatexError(RuntimeError):
    """LaTeX is missing or the document did not compile."""


def tex_escape(value) -> str:
    """``value`` as text safe to place in LaTeX."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(value))


def bits(value, digits: int | None = None) -> str:
    """A number of bits for the report: 2 decimals, 3 below 0.1 (so that a fall of 0.019 bits
    and a spread of 0.016 bits do not both print as 0.02), or ``digits`` decimals; ``--`` for a
    missing value."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "--"
    value = float(value)
    if digits is None:
        digits = 3 if abs(value) < 0.1 else 2
    return f"{value:.{digits}f}"


def front_matter(config: Mapping, study: str, config_files, default_title: str) -> dict:
    """A study report's ``title`` (the config's ``report.title``, else ``default_title``),
    ``author``, ``generated`` (UTC time), ``study`` and ``config_name`` (the config files)."""
    from datetime import datetime, timezone

    report = config.get("report", {})
    return {
        "title": report.get("title") or default_title, "author": report.get("author", "infoplane"),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "study": study,
        "config_name": ", ".join(config_files),
    }  # fmt: skip


def relative(path, report_dir) -> str:
    """``path`` relative to the report's folder, with forward slashes (for ``\\includegraphics``)."""
    return Path(os.path.relpath(path, report_dir)).as_posix()


def software_versions() -> list[tuple[str, str]]:
    """(name, version) of Python, the platform, the packages in :data:`SOFTWARE` and latexmk."""
    versions = [("Python", platform.python_version()), ("platform", platform.platform())]
    for name in SOFTWARE:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    latexmk = shutil.which("latexmk")
    if latexmk:
        out = subprocess.run([latexmk, "--version"], capture_output=True, text=True).stdout
        line = next((ln for ln in out.splitlines() if "Version" in ln), out.strip()[:60])
        versions.append(("latexmk", line.strip()))
    return versions


def _environment(template_dir: Path):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["tex"] = tex_escape
    env.filters["bits"] = bits
    return env


def render(template: str | os.PathLike, context: Mapping, output: str | os.PathLike) -> Path:
    """Fill the Jinja2 template with ``context`` and write the ``.tex`` file ``output``.

    Raises
    ------
    jinja2.UndefinedError
        If the template uses a name the context lacks.
    """
    template = Path(template)
    text = _environment(template.parent).get_template(template.name).render(**context)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    return output


def compile_pdf(tex: str | os.PathLike, log: str | os.PathLike | None = None) -> Path:
    """Compile ``tex`` with ``latexmk -pdf`` in its own directory; returns the PDF path.

    Raises
    ------
    LatexError
        If latexmk is not installed (naming the Debian packages to install) or LaTeX fails (the
        tail of its log is in the message; the whole log in ``log``).
    """
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        raise LatexError(
            f"latexmk not found: install LaTeX, e.g. `apt-get install -y {LATEX_PACKAGES}` "
            "(`make latex` does this), or run Snakemake with --software-deployment-method conda"
        )
    tex = Path(tex).resolve()
    result = subprocess.run(
        [latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name],
        cwd=tex.parent, capture_output=True, text=True, errors="replace",
    )  # fmt: skip
    output = result.stdout + result.stderr
    if log is not None:
        Path(log).write_text(output)
    if result.returncode != 0:
        raise LatexError(f"latexmk failed on {tex} (exit {result.returncode}):\n" + "\n".join(output.splitlines()[-30:]))
    return tex.with_suffix(".pdf")
