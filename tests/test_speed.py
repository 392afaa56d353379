"""The faster code paths of issue 19 give the same tables as the straightforward ones.

Every optimisation is checked here against a plain implementation (written out in this
file, as the code was before) on the seeded demo survey: same rows, same values, same
dtypes. No timing is asserted (the benchmark, ``make bench``, measures speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_report import schema


@pytest.fixture(scope="module")
def demo_ctx():
    from nps_report import context

    return context.load_context(None)


@pytest.fixture(scope="module")
def demo_bt(demo_ctx):
    return demo_ctx.build_tables("2026Q3")


# ----------------------------------------------------------------------------- fingerprint rows
def _printed_plain(frame, columns):
    out = frame[[c for c in columns if c in frame]].copy()
    for column in ("nps", "ci_low", "ci_high", "base_nps", "diff", "level_nps", "rest_nps",
                   "percentile", "pct_promoters", "pct_detractors", "mde"):
        if column in out:
            out[column] = out[column].astype(float).round(0)
    return out.reset_index(drop=True)


def printed_build_rows_plain(bt, *, kind, team=None, department=None):
    """printed_build_rows as written before the per-build cache (rounds each report's rows)."""
    keys = ["level", schema.DEPARTMENT, schema.TEAM]
    nps_cols = keys + ["n", "nps", "ci_low", "ci_high", "shown", "pct_promoters", "pct_detractors"]
    change_cols = keys + ["lag", "base_quarter", "n", "base_n", "diff", "significant", "sentence",
                          "test", "mde", "family"]
    nps, changes = bt.nps, bt.changes
    if kind == "team":
        row = bt.nps_row("team", team)
        dept = row[schema.DEPARTMENT] if row is not None else department
        parts = {
            "nps": nps[((nps["level"] == "team") & (nps[schema.TEAM] == team))
                       | ((nps["level"] == "department") & (nps[schema.DEPARTMENT] == dept))
                       | (nps["level"] == "company")],
            "changes": changes[(changes["level"] == "team") & (changes[schema.TEAM] == team)],
            "gaps": bt.gaps[bt.gaps[schema.TEAM] == team],
            "ranks": bt.ranks[bt.ranks[schema.TEAM] == team],
            "anomalies": bt.anomalies[bt.anomalies["team"] == team],
        }
    elif kind == "department":
        mine = nps[schema.DEPARTMENT] == department
        parts = {
            "nps": nps[mine],
            "changes": changes[(changes[schema.DEPARTMENT] == department)
                               & ((changes["level"] != "team") | changes["significant"].astype(bool))],
            "ranks": bt.ranks[bt.ranks[schema.DEPARTMENT] == department],
            "anomalies": bt.anomalies[bt.anomalies["team"].isin(
                nps.loc[mine & (nps["level"] == "team"), schema.TEAM])],
        }
    else:
        parts = {"nps": nps, "changes": changes, "ranks": bt.ranks, "anomalies": bt.anomalies}
    columns = {"nps": nps_cols, "changes": change_cols,
               "gaps": [schema.TEAM, "level", "comparator", "diff", "level_nps", "significant",
                        "sentence", "test"],
               "ranks": [schema.TEAM, schema.DEPARTMENT, "rank", "rank_low", "rank_high",
                         "n_ranked", "percentile", "rank_sentence"],
               "anomalies": ["team", "flag", "evidence", "severity"]}
    frames = [_printed_plain(frame, columns[name]).assign(table=name) for name, frame in parts.items()]
    frames.append(bt.families.assign(table="families"))
    out = pd.concat(frames, ignore_index=True)
    out = out[["table"] + [c for c in out.columns if c != "table"]]
    return out.astype(object).where(out.notna(), None).astype(str)


def test_printed_build_rows_match_the_plain_version_for_every_report(demo_bt):
    from nps_report.tables.build import printed_build_rows

    teams = demo_bt.nps.loc[demo_bt.nps["level"] == "team", schema.TEAM].tolist()
    departments = demo_bt.nps.loc[demo_bt.nps["level"] == "department", schema.DEPARTMENT].tolist()
    assert len(teams) == 30 and len(departments) == 6
    cases = ([dict(kind="team", team=t) for t in teams]
             + [dict(kind="team", team="No Such Team", department=departments[0])]
             + [dict(kind="department", department=d) for d in departments]
             + [dict(kind="overview")])
    for case in cases:
        fast = printed_build_rows(demo_bt, **case)
        plain = printed_build_rows_plain(demo_bt, **case)
        pd.testing.assert_frame_equal(fast, plain, obj=str(case))
    # the cache is per build-tables object: a changed table is not served from it
    changed = type(demo_bt)(**{**demo_bt.__dict__,
                               "nps": demo_bt.nps.assign(nps=demo_bt.nps["nps"] + 10)})
    a = printed_build_rows(changed, kind="team", team=teams[0])
    b = printed_build_rows(demo_bt, kind="team", team=teams[0])
    assert not a.equals(b)
    pd.testing.assert_frame_equal(a, printed_build_rows_plain(changed, kind="team", team=teams[0]))


# ----------------------------------------------------------------------------- grouped NPS
def _finish_table_plain(table, *, method, confidence, display_floor, precision_moe, n_boot, seed):
    """stats._finish_table as written before (one column insert per statistic)."""
    from nps_report.stats import (NPS_COLUMNS, interval_from_counts, nps_from_counts,
                                  se_from_counts)

    d, pa, p = (table[c].to_numpy(dtype="float64") for c in ("detractors", "passives", "promoters"))
    n = d + pa + p
    table["n"] = n.astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["pct_detractors"] = 100 * d / n
        table["pct_passives"] = 100 * pa / n
        table["pct_promoters"] = 100 * p / n
    table["nps"] = nps_from_counts(d, pa, p)
    low, high = interval_from_counts(d, pa, p, method=method, confidence=confidence,
                                     n_boot=n_boot, seed=seed)
    table["ci_low"], table["ci_high"] = low, high
    table["moe"] = (table["ci_high"] - table["ci_low"]) / 2
    table["se"] = se_from_counts(d, pa, p, scale=100.0)
    table["shown"] = table["n"] >= display_floor
    table["imprecise"] = table["moe"] > precision_moe
    cols = [c for c in table.columns if c not in NPS_COLUMNS] + NPS_COLUMNS
    return table[cols]


@pytest.mark.parametrize("method", ["adjusted_wald", "wald", "bootstrap"])
def test_grouped_nps_matches_the_plain_version(demo_ctx, method, monkeypatch):
    from nps_report import stats

    responses = demo_ctx.responses(quarters=["2026Q2", "2026Q3"])
    noise = pd.DataFrame({"team": list("abcab") + ["c"], "score": [0, 10, 9, 10, 6, 7]})
    cases = [(responses, ["team", "quarter"]), (responses, ["region"]), (responses, []),
             (responses.iloc[:0], ["team"]), (noise, ["team"]), (noise.iloc[:1], [])]
    fast = [stats.grouped_nps(data, by, method=method, n_boot=300, seed=3) for data, by in cases]
    monkeypatch.setattr(stats, "_finish_table", _finish_table_plain)
    plain = [stats.grouped_nps(data, by, method=method, n_boot=300, seed=3) for data, by in cases]
    for (_, by), a, b in zip(cases, fast, plain):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f"grouped_nps by {by}")
        assert list(a.columns) == list(b.columns)
    assert fast[0]["n"].sum() == len(responses) and fast[3].empty
