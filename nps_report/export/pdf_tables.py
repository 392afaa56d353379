"""The report tables' column widths, computed once and written into the PDF's document.

WeasyPrint lays a table out automatically (CSS 2.1's automatic table layout): it
measures every cell's text twice with Pango, for its min-content width (the longest
word) and its max-content width (the whole text on one line), then shares the line
between the columns. That is about an eighth of a team report's PDF time. A report
table (:func:`nps_report.render.html.table`: text-only cells in a few known styles)
needs neither the cascade nor the box tree to be measured: :class:`CellMeasure`
measures each cell with the same Pango calls WeasyPrint makes (same font map, font
description and features), :func:`column_widths` shares the line as WeasyPrint's
automatic layout does, and :func:`fixed_table_widths` writes the result as
``table-layout: fixed`` with one ``<col>`` width per column, which WeasyPrint takes as
it is. The pages are the same: the same widths to the last bit, so the same line breaks.

Any other table, a cell with markup in it, or a WeasyPrint whose text functions are not
the ones this module calls, is left to the automatic layout.
"""

from __future__ import annotations

import html
import re

from ..styles import STYLES

# print.css: "table { font-size: 8.5pt !important }" and "table th, table td { padding:
# 1.2mm 2mm !important }"; collapsed borders: the cells' bottom rules add no width.
CELL_FONT_SIZE = 8.5 * 96 / 72       # px
CELL_PADDING = 2 * 2 * 96 / 25.4      # px, left + right
FONT_FAMILY = b"DejaVu Sans,sans-serif"

_TABLE = re.compile(r'<table class="report-table" style="([^"]*)">(.*?)</table>', re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r'<(th|td)( class="num")? style="([^"<>]*)">([^<]*)</\1>')
_FRAME = re.compile(r"</?(?:thead|tbody)>")
_CELL_STYLES = {("th", ""): (STYLES["th"], 600, False),
                ("td", ""): (STYLES["td"], 400, False),
                ("td", ' class="num"'): (STYLES["td"] + ";" + STYLES["num"], 400, True)}


class CellMeasure:
    """The min- and max-content widths of a table cell's text, measured with Pango as
    WeasyPrint measures them (its font map, no rounding of glyph positions, the
    document's language, kerning on, ``tnum`` for tabular numbers).

    Parameters
    ----------
    font_config : weasyprint.text.fonts.FontConfiguration
        The engine's font configuration (its font map finds the same fonts).
    lang : str
        The document's language.
    """

    def __init__(self, font_config, lang: str = "en"):
        from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, gobject, pango

        self.ffi, self.pango, self.units = ffi, pango, FROM_UNITS
        self.to_units = TO_UNITS
        context = ffi.gc(pango.pango_font_map_create_context(font_config.font_map),
                         gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(context, False)
        pango.pango_context_set_base_dir(context, 0)  # left to right
        pango.pango_context_set_language(context, pango.pango_language_from_string(lang.encode()))
        self.context, self.gobject = context, gobject
        self.layouts = {}
        self.rectangle = ffi.new("PangoRectangle *")

    def layout(self, weight: int, tabular: bool):
        key = (weight, tabular)
        if key not in self.layouts:
            ffi, pango = self.ffi, self.pango
            layout = ffi.gc(pango.pango_layout_new(self.context), self.gobject.g_object_unref)
            pango.pango_layout_set_auto_dir(layout, False)
            font = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            pango.pango_font_description_set_family(font, FONT_FAMILY)
            pango.pango_font_description_set_style(font, 0)    # normal
            pango.pango_font_description_set_stretch(font, 4)  # normal
            pango.pango_font_description_set_weight(font, weight)
            pango.pango_font_description_set_absolute_size(font, int(CELL_FONT_SIZE * self.to_units))
            pango.pango_font_description_set_variant(font, 0)
            pango.pango_layout_set_font_description(layout, font)
            if tabular:
                attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
                pango.pango_attr_list_insert(attributes, pango.pango_attr_font_features_new(b"tnum 1"))
                pango.pango_layout_set_attributes(layout, attributes)
            pango.pango_layout_set_wrap(layout, 0)  # at word boundaries
            self.layouts[key] = layout
        return self.layouts[key]

    def line_width(self, layout, text: bytes) -> float:
        pango = self.pango
        pango.pango_layout_set_width(layout, -1)
        pango.pango_layout_set_text(layout, text, len(text))
        line = pango.pango_layout_get_line_readonly(layout, 0)
        pango.pango_layout_line_get_extents(line, self.ffi.NULL, self.rectangle)
        return self.rectangle.width * self.units

    def widths(self, text: str, weight: int = 400, tabular: bool = False) -> tuple:
        """``(min, max)`` content widths of ``text`` in CSS px, padding not included.

        min is the widest piece between two line-break opportunities (Pango's, as
        WeasyPrint breaks lines), without its trailing spaces and with the hyphen Pango
        shows at a soft hyphen; max the whole text.
        """
        pango, ffi = self.pango, self.ffi
        layout = self.layout(weight, tabular)
        data = text.encode()
        widest = self.line_width(layout, data)
        narrowest, spaced = 0.0, []
        pango.pango_layout_set_width(layout, 0)  # every break opportunity taken
        index = 0
        while True:
            line = pango.pango_layout_get_line_readonly(layout, index)
            if line == ffi.NULL:
                break
            piece = data[line.start_index:line.start_index + line.length]
            if piece.endswith(b" "):  # measured again without its trailing spaces
                spaced.append(piece.rstrip(b" "))
            else:  # the line as laid out (a soft hyphen's hyphen included)
                pango.pango_layout_line_get_extents(line, ffi.NULL, self.rectangle)
                narrowest = max(narrowest, self.rectangle.width * self.units)
            index += 1
        if index == 1 and not spaced:
            return narrowest, max(widest, narrowest)
        for piece in spaced:
            narrowest = max(narrowest, self.line_width(layout, piece))
        return narrowest, max(widest, narrowest)


def column_widths(minimums, maximums, available: float) -> list:
    """Column widths of a table laid out automatically in ``available`` px.

    The width distribution of CSS tables level 3 as WeasyPrint applies it to columns
    with no width, percentage or span of their own: every column at its max-content
    width when they all fit; else, when the min-content widths fit, each column gets
    its min-content width plus the same share ``r`` of what its max-content width adds:

    .. math:: w_i = m_i + (M_i - m_i)\\,\\frac{A - \\sum_j m_j}{\\sum_j (M_j - m_j)}

    and when not even those fit, its min-content width (the table overflows).

    Examples
    --------
    >>> column_widths([10, 20], [30, 40], 100)
    [30, 40]
    >>> column_widths([10, 20], [30, 60], 60)
    [20.0, 40.0]
    >>> column_widths([10, 20], [30, 60], 20)
    [10, 20]
    """
    minimums, maximums = list(minimums), list(maximums)
    table_min, table_max = sum(minimums), sum(maximums)
    if available <= table_min:
        width = table_min
    elif available < table_max:
        width = available
    else:
        width = table_max
    if width * (1 + 1e-9) >= sum(maximums):
        return maximums  # (WeasyPrint adds the excess, 0 here, in proportion)
    guesses = (minimums, minimums, minimums, maximums)
    for guess in guesses:
        if sum(guess) <= width * (1 + 1e-9):
            lower = guess
        else:
            break
    for guess in guesses[::-1]:
        if sum(guess) >= width * (1 - 1e-9):
            upper = guess
        else:
            break
    if upper == lower:
        return list(upper)
    added = [upper[i] - lower[i] for i in range(len(lower))]
    ratio = (width - sum(lower)) / sum(added)
    return [lower[i] + added[i] * ratio for i in range(len(lower))]


def fixed_table_widths(body: str, measure: CellMeasure, available: float) -> str:
    """``body`` with each report table's column widths written in (``table-layout:
    fixed``, a ``<col>`` per column), as WeasyPrint's automatic layout would make them
    in a block ``available`` px wide. Tables of another shape are left as they are.

    Examples
    --------
    >>> class Fixed:  # each character 5 px wide, words split at spaces
    ...     def widths(self, text, weight=400, tabular=False):
    ...         return 5 * max(map(len, text.split(" "))), 5 * len(text)
    >>> page = ('<table class="report-table" style="%s"><thead><tr>'
    ...         '<th style="%s">team</th></tr></thead><tbody><tr><td style="%s">A B</td></tr>'
    ...         '</tbody></table>' % (STYLES["table"], STYLES["th"], STYLES["td"]))
    >>> fixed = fixed_table_widths(page, Fixed(), 600)
    >>> print(fixed.replace(STYLES["table"], "...").split("<thead>")[0])
    <table class="report-table" style="...;table-layout:fixed;width:35.118110236220474px"><colgroup><col style="width:35.118110236220474px"></colgroup>
    """
    def fixed(found):
        style, inside = found.group(1), found.group(2)
        if style != STYLES["table"]:
            return found.group(0)
        rows = _ROW.findall(inside)
        if _FRAME.sub("", _ROW.sub("", inside)).strip():
            return found.group(0)  # something besides rows
        minimums, maximums = [], []
        for row in rows:
            cells = _CELL.findall(row)
            if _CELL.sub("", row).strip():
                return found.group(0)  # a cell with markup, or another kind of cell
            for column, (tag, num, cell_style, text) in enumerate(cells):
                known = _CELL_STYLES.get((tag, num))
                if known is None or known[0] != cell_style:
                    return found.group(0)
                low, high = measure.widths(" ".join(html.unescape(text).split()), known[1], known[2])
                if column == len(minimums):
                    minimums.append(0.0)
                    maximums.append(0.0)
                minimums[column] = max(minimums[column], low + CELL_PADDING)
                maximums[column] = max(maximums[column], high + CELL_PADDING)
        if not minimums:
            return found.group(0)
        maximums = [max(low, high) for low, high in zip(minimums, maximums)]
        widths = column_widths(minimums, maximums, available)
        columns = "".join(f'<col style="width:{width!r}px">' for width in widths)
        return (f'<table class="report-table" style="{style};table-layout:fixed;'
                f'width:{sum(widths)!r}px"><colgroup>{columns}</colgroup>{inside}</table>')

    return _TABLE.sub(fixed, body)
