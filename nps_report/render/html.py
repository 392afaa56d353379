"""Building blocks of a report page: HTML fragments that style themselves with inline styles.

Every fragment here is an :class:`Html` object: it shows itself in JupyterLab, in the
project's export and in stock ``jupyter nbconvert`` (which loads none of the project's
CSS) through ``_repr_html_``. Each element also keeps the project's CSS class, so the PDF
style sheet (``export_templates/nps_report/print.css``) can still size it for paper.

Every value that comes from the data (team names, comments, segment labels, numbers) goes
through :func:`esc`: customer text can never become markup.
"""

from __future__ import annotations

import html as _html
import numbers

import pandas as pd

from ..loading import loading_sentences
from ..styles import ACCENT, BAD, GOOD, INK, MUTED, RULE, SOFT, STYLES  # noqa: F401

__all__ = ["Html", "STYLES", "esc", "fmt_nps", "interval_text", "title", "heading", "kpis",
           "paragraph", "lead", "note", "bullets", "table", "box", "data_quality",
           "provenance", "verbatims", "action_list", "concat"]


class Html:
    """A piece of report markup that shows itself in a notebook.

    Build one with the functions of this module, which escape every value; the
    constructor trusts its argument, so never pass it text from the data.

    Parameters
    ----------
    markup : str
        Markup whose data values are already escaped.

    Examples
    --------
    >>> from nps_report.render import html
    >>> fragment = html.note("Scores below 5 responses are hidden.")
    >>> "Scores below 5" in fragment._repr_html_()
    True
    """

    __slots__ = ("markup",)

    def __init__(self, markup: str = ""):
        self.markup = str(markup)

    def _repr_html_(self) -> str:
        return self.markup

    def __html__(self) -> str:  # markupsafe / Jinja: already safe markup
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        short = self.markup if len(self.markup) < 70 else self.markup[:67] + "..."
        return f"Html({short!r})"

    def __add__(self, other: "Html") -> "Html":
        if not isinstance(other, Html):  # a str would be trusted as markup: refuse it
            return NotImplemented
        return Html(self.markup + other.markup)

    def __eq__(self, other) -> bool:
        return isinstance(other, Html) and other.markup == self.markup

    def __hash__(self) -> int:
        return hash(self.markup)

    def __bool__(self) -> bool:
        return bool(self.markup)


def concat(*parts) -> Html:
    """One fragment from several (``None`` and empty parts are skipped; no str allowed)."""
    out = []
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, Html):
            raise TypeError(f"concat takes Html fragments (escape text with esc() or note()); got {type(part).__name__}")
        out.append(part.markup)
    return Html("".join(out))


def esc(value) -> str:
    """HTML-escape any value (``None`` and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return _html.escape(str(value), quote=True)


def _tag(name: str, text: str, *, cls: str | None = None, style: str | None = None) -> str:
    """``<name class style>text</name>`` where ``text`` is markup already escaped."""
    cls_attr = f' class="{cls}"' if cls else ""
    style = style if style is not None else STYLES.get(cls or name, "")
    style_attr = f' style="{style}"' if style else ""
    return f"<{name}{cls_attr}{style_attr}>{text}</{name}>"


def fmt_nps(value, *, signed: bool = True) -> str:
    """``+32`` / ``-8`` / ``0``; an em dash for a missing value.

    Examples
    --------
    >>> fmt_nps(31.6), fmt_nps(-8.2), fmt_nps(float("nan"))
    ('+32', '-8', '—')
    """
    if value is None or pd.isna(value):
        return "—"
    rounded = round(float(value))
    return f"{rounded:+d}" if signed and rounded != 0 else f"{rounded:d}"


def interval_text(row) -> str:
    """``"-9 to +7"`` from a row with ``ci_low`` and ``ci_high``."""
    return f"{fmt_nps(row['ci_low'])} to {fmt_nps(row['ci_high'])}"


def title(text: str, subtitle: str = "", lead_text: str = "") -> Html:
    """The report's first lines: a title, a subtitle and an optional lead sentence.

    Examples
    --------
    >>> print(title("Billing <Ops>", "Finance"))  # doctest: +ELLIPSIS
    <h1 style="...">Billing &lt;Ops&gt;</h1><p class="muted" style="...">Finance</p>
    """
    parts = [_tag("h1", esc(text))]
    if subtitle:
        parts.append(_tag("p", esc(subtitle), cls="muted"))
    if lead_text:
        parts.append(_tag("p", esc(lead_text), cls="lead"))
    return Html("".join(parts))


def heading(text: str, level: int = 3) -> Html:
    """A section heading (``h2``/``h3``), escaped."""
    if level not in (2, 3, 4):
        raise ValueError(f"level must be 2, 3 or 4; got {level!r}")
    return Html(_tag(f"h{level}", esc(text)))


def kpis(items) -> Html:
    """A row of headline numbers: ``[(value, label), ...]`` (both escaped).

    Examples
    --------
    >>> "NPS 2026Q3" in kpis([("+12", "NPS 2026Q3"), ("434", "responses")])._repr_html_()
    True
    """
    cells = "".join(_tag("div", _tag("div", esc(v), cls="value") + _tag("div", esc(label), cls="label"),
                         cls="kpi") for v, label in items)
    return Html(_tag("div", cells, cls="headline"))


def paragraph(text: str, *, cls: str | None = None) -> Html:
    """A paragraph of plain text (escaped), with an optional class (``lead``, ``note``, ``muted``)."""
    return Html(_tag("p", esc(text), cls=cls))


def lead(text: str) -> Html:
    """A lead sentence: the one line a reader should take away from a section."""
    return paragraph(text, cls="lead")


def note(text: str) -> Html:
    """A muted note paragraph (escaped); nothing for an empty text."""
    return paragraph(text, cls="note") if text else Html()


def bullets(items, *, ordered: bool = False, cls: str | None = None) -> Html:
    """A list; each item is plain text (escaped) or an :class:`Html` fragment (kept)."""
    tag = "ol" if ordered else "ul"
    lis = "".join(_tag("li", item.markup if isinstance(item, Html) else esc(item), style="")
                  for item in items)
    return Html(_tag(tag, lis, cls=cls)) if lis else Html()


def _cell(value, spec) -> tuple[str, bool]:
    """Escaped text of one cell and whether it is a number (right-aligned)."""
    if spec is not None:
        text = spec(value) if callable(spec) else ("" if pd.isna(value) else spec.format(value))
        return esc(text), isinstance(value, numbers.Number) and not isinstance(value, bool)
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "—", False
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return esc(f"{value:,}"), True
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return esc(f"{value:,.1f}"), True
    return esc(value), False


def table(frame: pd.DataFrame, *, formats: dict | None = None, caption: str = "",
          max_rows: int = 60) -> Html:
    """An HTML table of a DataFrame, every header and cell escaped, styled inline.

    Parameters
    ----------
    frame : DataFrame
        The rows to show (the index is not shown).
    formats : dict, optional
        Column -> format string (``"{:.0f}%"``) or callable giving the cell text.
    caption : str
        A note under the table.
    max_rows : int, default 60
        Rows shown; a note counts the others.

    Examples
    --------
    >>> import pandas as pd
    >>> page = table(pd.DataFrame({"team": ["<b>A</b>"], "n": [1200]}))._repr_html_()
    >>> "&lt;b&gt;A&lt;/b&gt;" in page and "1,200" in page and "<b>" not in page
    True
    """
    formats = formats or {}
    shown = frame.head(max_rows)
    head = "".join(_tag("th", esc(c), style=STYLES["th"]) for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(shown.columns, values):
            text, number = _cell(value, formats.get(column))
            style = STYLES["td"] + (";" + STYLES["num"] if number else "")
            cls = ' class="num"' if number else ""
            cells.append(f'<td{cls} style="{style}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = (f'<table class="report-table" style="{STYLES["table"]}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
    extra = note(caption) + (note(f"{len(frame) - max_rows} more rows not shown.")
                             if len(frame) > max_rows else Html())
    return Html(body) + extra


def box(heading_text: str, items) -> Html:
    """A boxed list with a bold heading (the data-quality box)."""
    return Html(_tag("div", f"<b>{esc(heading_text)}</b>" + bullets(items).markup, cls="box"))


def data_quality(*, used: int, rejected: int | None = None, below_floor=None,
                 display_floor: int | None = None, extra=(), loading: dict | None = None) -> Html:
    """The data-quality box: responses used, rows rejected, groups below the display floor.

    Parameters
    ----------
    used : int
        Responses behind the report's current figures.
    rejected : int, optional
        Rows the build rejected while loading (``None``: not reported).
    below_floor : list of str, optional
        Groups (quarters, teams) whose score is hidden.
    display_floor : int, optional
        The floor, for the sentence about ``below_floor``.
    extra : iterable of str
        Further lines (window, expired responses ...).
    loading : dict, optional
        The build's loading figures (:func:`nps_report.loading.loading_figures`):
        rows read, rejected, duplicates, missing-value tokens, repaired lines, said
        as ``index.html`` says them; when given, ``rejected`` is not used.

    Examples
    --------
    >>> "1,204" in data_quality(used=1204, rejected=3)._repr_html_()
    True
    """
    items = [Html(f"Responses used: <b>{int(used):,}</b>")]
    if loading is not None:
        items.extend(loading_sentences(loading))
    elif rejected is not None:
        items.append(f"Rows rejected while loading (build-wide file rejected.csv): {int(rejected):,}")
    if below_floor:
        floor = f" of {display_floor} responses" if display_floor is not None else ""
        items.append(f"Below the display floor{floor} (no score shown): "
                     + ", ".join(map(str, below_floor)))
    items.extend(x for x in extra if x)
    return box("Data quality", items)


def provenance(ctx, options=None) -> Html:
    """The footer every report carries: build, data fingerprint, build file, version, date.

    Parameters
    ----------
    ctx : ReportContext
        The build's context (:func:`nps_report.load_context`).
    options : ReportOptions or dict, optional
        The options the report used (default ``ctx.options``).
    """
    options = ctx.options if options is None else options
    get = options.get if isinstance(options, dict) else (lambda k, d=None: getattr(options, k, d))
    interval = str(get("interval", "")).replace("_", " ")
    confidence, floor = get("confidence"), get("display_floor")
    text = (f"Build {ctx.build} · data fingerprint {ctx.fingerprint} · build file "
            f"{ctx.params_file or '(none)'} · nps-report {ctx.version}"
            + (f" · built {ctx.created}" if getattr(ctx, "created", "") else "")
            + f". Intervals: {interval}, {float(confidence):.0%} confidence; scores hidden below "
              f"{floor} responses.")
    return Html(_tag("div", esc(text), cls="provenance"))


def verbatims(quotes: pd.DataFrame, *, labels=None) -> Html:
    """Quoted comments grouped by theme: ``label``, ``comment``, ``score`` columns.

    ``labels`` keeps only those themes (in the table's order). Comments arrive redacted
    (:func:`nps_report.themes.verbatims`); they are escaped here.
    """
    parts = []
    for label, group in quotes.groupby("label", sort=False):
        if labels is not None and label not in set(labels):
            continue
        lines = "".join(
            _tag("div", f"“{esc(r['comment'])}” " + _tag("span", f"(score {int(r['score'])})", cls="muted"),
                 cls="verbatim") for _, r in group.iterrows())
        parts.append(f"<p><b>{esc(label)}</b></p>{lines}")
    return Html("".join(parts))


def action_list(shown: pd.DataFrame) -> Html:
    """Numbered actions from :func:`nps_report.actions.display_table` (all text escaped)."""
    rows = []
    for _, r in shown.iterrows():
        owner = f" · owner: {esc(r['owner'])}" if isinstance(r.get("owner"), str) and r["owner"] else ""
        team = f"<b>{esc(r['team'])}</b>: " if isinstance(r.get("team"), str) else ""
        evidence = r.get("evidence for the department", r["evidence"])
        detail = _tag("span", f"({esc(r['priority'])} priority, {esc(r['urgency'])}{owner}; "
                              f"evidence: {esc(evidence)})", cls="muted")
        rows.append(Html(f"<b>{esc(r['action'])}</b> {detail}<br>{team}{esc(r['why'])}"))
    return bullets(rows, ordered=True)
