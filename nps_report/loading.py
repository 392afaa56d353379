"""The build's loading figures, said the same way in every report and in ``index.html``.

Rows read, rejected (``rejected.csv``), dropped as duplicates (``duplicates.csv``),
cells holding a missing-value token, and lines whose text was repaired while
decoding: figures of the whole build, read from its load counts, so that a team's
data-quality box, the overview and the build's index can never disagree.
"""

from __future__ import annotations

__all__ = ["FIGURES", "loading_figures", "loading_sentences"]

#: The figures, in the order they are shown.
FIGURES = ("rows_read", "rejected", "duplicates", "missing_values", "repaired_lines")


def loading_figures(counts: dict | None) -> dict:
    """The build's loading figures from its load counts (:attr:`nps_report.io.LoadResult.counts`).

    ``duplicates`` adds exact duplicates, repeated response ids and superseded
    answers (every row of ``duplicates.csv``). A figure the counts do not hold is
    ``None`` (not reported), never 0.

    Examples
    --------
    >>> loading_figures({"rows_read": 10, "rejected": 2, "exact_duplicates": 1,
    ...                  "repeated_response_ids": 1, "superseded": 0})["duplicates"]
    2
    """
    counts = dict(counts or {})

    def get(key):
        value = counts.get(key)
        return None if value is None else int(value)

    parts = [get(k) for k in ("exact_duplicates", "repeated_response_ids", "superseded")]
    known = [p for p in parts if p is not None]
    return {"rows_read": get("rows_read"), "rejected": get("rejected"),
            "duplicates": sum(known) if known else None,
            "missing_values": get("missing_values"), "repaired_lines": get("repaired_lines")}


def loading_sentences(figures: dict) -> list[str]:
    """One line per known figure, with the file that lists the rows.

    Examples
    --------
    >>> loading_sentences({"rows_read": 1204, "rejected": 3, "duplicates": 0})[:2]
    ['Rows read by the build: 1,204', 'Rows rejected while loading (listed in rejected.csv): 3']
    """
    texts = {
        "rows_read": "Rows read by the build: {:,}",
        "rejected": "Rows rejected while loading (listed in rejected.csv): {:,}",
        "duplicates": "Duplicate rows dropped (listed in duplicates.csv): {:,}",
        "missing_values": "Cells holding a missing-value token such as NA, read as blank: {:,}",
        "repaired_lines": "Lines of the file whose text was repaired while decoding: {:,}",
    }
    out = []
    for key in FIGURES:
        value = figures.get(key)
        if value is None or value != value:  # None or NaN: not reported
            continue
        if key in ("missing_values", "repaired_lines") and not value:
            continue
        out.append(texts[key].format(int(value)))
    return out
