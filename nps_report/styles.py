"""The report's inline styles: one table shared by the HTML fragments and the PDF export.

Kept apart from :mod:`nps_report.render` so that a worker's PDF export can read the table
styles without importing the renderers (and with them matplotlib, seaborn and scipy).
"""

from __future__ import annotations

__all__ = ["STYLES", "INK", "MUTED", "RULE", "ACCENT", "GOOD", "BAD", "SOFT"]

INK, MUTED, RULE, ACCENT, GOOD, BAD, SOFT = ("#1d2733", "#5b6675", "#d9dee5", "#1f4e79",
                                              "#2e7d32", "#c73e1d", "#f5f7fa")
#: Inline style of each element class; the same values as report.css, so a fragment looks
#: the same with and without the project's style sheet.
STYLES = {
    "h1": f"font-size:1.9em;color:{ACCENT};margin:0.2em 0 0.3em;line-height:1.2",
    "h2": f"font-size:1.3em;color:{ACCENT};border-bottom:2px solid {RULE};padding-bottom:0.2em",
    "h3": "font-size:1.08em;margin-top:1.2em",
    "headline": "display:flex;flex-wrap:wrap;gap:1.2rem;align-items:stretch;margin:0.8em 0 1em",
    "kpi": f"background:{SOFT};border-radius:6px;padding:0.7em 1em;min-width:9em;color:{INK}",
    "value": f"font-size:2em;font-weight:700;color:{ACCENT};line-height:1.1",
    "label": f"color:{MUTED};font-size:0.85em",
    "lead": "font-size:1.12em",
    "muted": f"color:{MUTED};font-size:0.9em",
    "note": f"color:{MUTED};font-size:0.9em",
    "sig-up": f"color:{GOOD};font-weight:600",
    "sig-down": f"color:{BAD};font-weight:600",
    # a light box and table set their own text colour too, so they stay readable in a dark theme
    "box": f"border:1px solid {RULE};border-radius:6px;padding:0.6em 1em;margin:0.8em 0;"
           f"background:{SOFT};color:{INK}",
    "verbatim": f"border-left:3px solid {RULE};padding-left:0.7em;margin:0.4em 0;font-style:italic",
    "provenance": f"margin-top:2.5em;border-top:1px solid {RULE};padding-top:0.6em;"
                  f"color:{MUTED};font-size:0.8em",
    "table": f"border-collapse:collapse;margin:0.6em 0 1em;font-size:0.92em;max-width:100%;"
             f"background:#fff;color:{INK}",
    "th": f"padding:0.3em 0.6em;border-bottom:1px solid {RULE};text-align:left;"
          f"vertical-align:top;background:{SOFT};font-weight:600;color:{INK}",
    "td": f"padding:0.3em 0.6em;border-bottom:1px solid {RULE};text-align:left;"
          f"vertical-align:top;color:{INK}",
    "num": "text-align:right;font-variant-numeric:tabular-nums",
    "chart": "margin:0.4em 0",
    "img": "max-width:100%;height:auto;display:block;margin:0.4em auto",
}
