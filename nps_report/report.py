"""What report templates call to show things: headline blocks, escaped tables, notes, provenance.

Every value that comes from the data (team names, comments, segment labels) is HTML-escaped
here, so customer text can never become markup in a report.
"""

from __future__ import annotations

import html

import pandas as pd

from . import stats
from .context import load_context

__all__ = ["setup", "load_context", "show", "esc", "title_block", "kpis", "table",
           "note", "data_quality", "provenance", "fmt_nps", "stats_kwargs"]


def setup() -> None:
    """Prepare a report kernel: house chart style, PNG figures, quiet warnings."""
    import warnings

    from .plots import use_house_style

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="seaborn")
    use_house_style()
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except ImportError:  # outside IPython: nothing to configure
        pass


def esc(value) -> str:
    """HTML-escape any value (``None`` and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def show(content) -> None:
    """Display an HTML string, or a matplotlib Axes/Figure as a PNG (then close it).

    The figure is laid out with ``tight_layout`` (labels, legends and annotations of its
    axes inside the figure) and drawn once, at its own dpi: the notebook's default
    (``bbox_inches="tight"``) would draw every chart twice.
    """
    import io

    from IPython.display import HTML, Image, display

    if isinstance(content, str):
        display(HTML(content))
        return
    import matplotlib.pyplot as plt

    figure = content.figure if hasattr(content, "figure") else content
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=figure.dpi)
    plt.close(figure)
    display(Image(data=png.getvalue(), format="png"))


def fmt_nps(value, *, signed: bool = True) -> str:
    """``+32`` / ``-8`` / ``0``; an em dash for a missing value."""
    if value is None or pd.isna(value):
        return "—"
    rounded = round(float(value))
    return f"{rounded:+d}" if signed and rounded != 0 else f"{rounded:d}"


def stats_kwargs(options) -> dict:
    """The keyword arguments of :func:`~nps_report.stats.grouped_nps` from a build's options.

    ``options``: a :class:`~nps_report.options.ReportOptions` (or a dict of its fields).
    """
    from .options import ReportOptions

    return ReportOptions.model_validate(options).grouped_nps_kwargs()


def title_block(title: str, subtitle: str = "", lead: str = "") -> str:
    """The report's first lines: a title, a subtitle and an optional lead sentence (all escaped)."""
    parts = [f"<h1>{esc(title)}</h1>"]
    if subtitle:
        parts.append(f"<p class='muted'>{esc(subtitle)}</p>")
    if lead:
        parts.append(f"<p class='lead'>{esc(lead)}</p>")
    return "".join(parts)


def kpis(items) -> str:
    """A row of headline numbers: ``[(value, label), ...]`` (both escaped)."""
    cells = "".join(f"<div class='kpi'><div class='value'>{esc(v)}</div>"
                    f"<div class='label'>{esc(label)}</div></div>" for v, label in items)
    return f"<div class='headline'>{cells}</div>"


def table(frame: pd.DataFrame, *, formats: dict | None = None, caption: str = "",
          max_rows: int = 60) -> str:
    """An escaped HTML table; ``formats`` maps column -> format string or callable."""
    formats = formats or {}
    shown = frame.head(max_rows).copy()
    for column, spec in formats.items():
        if column in shown:
            fn = spec if callable(spec) else (lambda v, s=spec: "" if pd.isna(v) else s.format(v))
            shown[column] = shown[column].map(fn)
    body = shown.to_html(index=False, escape=True, na_rep="—", border=0, classes="report-table")
    more = f"<p class='note'>{len(frame) - max_rows} more rows not shown.</p>" if len(frame) > max_rows else ""
    cap = f"<p class='note'>{esc(caption)}</p>" if caption else ""
    return body + cap + more


def note(text: str) -> str:
    """A muted note paragraph (escaped)."""
    return f"<p class='note'>{esc(text)}</p>"


def data_quality(*, used: int, rejected: int | None, below_floor: list | None = None,
                 display_floor: int = stats.DISPLAY_FLOOR, extra: str = "") -> str:
    """The data-quality box: responses used, rejected, groups below the display floor."""
    items = [f"<li>Responses used: <b>{used:,}</b></li>"]
    if rejected is not None:
        items.append(f"<li>Rows rejected while loading (build-wide file rejected.csv): {rejected:,}</li>")
    if below_floor:
        items.append(f"<li>Below the display floor of {display_floor} responses (no score shown): "
                     f"{esc(', '.join(map(str, below_floor)))}</li>")
    if extra:
        items.append(f"<li>{esc(extra)}</li>")
    return f"<div class='box'><b>Data quality</b><ul>{''.join(items)}</ul></div>"


def provenance(ctx) -> str:
    """The footer every report carries: data fingerprint, build file, toolkit version, date."""
    return (f"<div class='provenance'>Build {esc(ctx.build)} · data fingerprint {esc(ctx.fingerprint)}"
            f" · build file {esc(ctx.params_file or '(none)')} · nps-report {esc(ctx.version)}"
            f"{' · built ' + esc(ctx.created) if ctx.created else ''}. Intervals: "
            f"{esc(ctx.options.interval.replace('_', ' '))}, "
            f"{ctx.options.confidence:.0%} confidence; scores hidden below "
            f"{ctx.options.display_floor} responses.</div>")
