"""The rule engine: each rule of the rules file applied to one group's result tables, ranked."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ..benchmarks.verdicts import format_p
from .rules import ActionRules, BaseRule, resolve_rules
from .table import ACTION_COLUMNS, action_row, empty_actions, is_finite, rank_actions

__all__ = ["PAIN_POINT", "recommend", "team_actions"]


def _fill(template: str, **values) -> str:
    """A rule text with its placeholders filled; line breaks of folded YAML become spaces."""
    return " ".join(template.format(**values).split())


def _owner(rule: BaseRule, team: Optional[str], rules: ActionRules, *names) -> str:
    found = rules.owner_of(*names) if names else None
    if found:
        return found
    text = " ".join(rule.owner.format(team=team or "").split())
    return text[:1].upper() + text[1:]


def _get(row, key, default=None):
    if row is None:
        return default
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return default
    return default if value is None else value


#: The theme verdict that may become a fix-it action (the theme table's ``verdict``).
PAIN_POINT = "pain point"


def _pain_points(themes, rules, team):
    """Fix-it actions for the themes whose verdict is "pain point", best evidence first.

    A theme table without a ``verdict`` (no significance test was run) names none.
    """
    rule = rules.rules.fix_pain_point
    if themes is None or themes.empty or not rule.enabled or "verdict" not in themes:
        return []
    t = themes.assign(evidence=pd.to_numeric(themes["scenario_low"], errors="coerce"))
    chosen = t[(t["verdict"] == PAIN_POINT)
               & (t["detractors"].astype(float) >= rule.min_detractors)
               & (t["evidence"] > rule.min_evidence)]
    chosen = chosen.sort_values(["evidence", "detractors"], ascending=False, kind="stable")
    out = []
    for _, row in chosen.head(rule.max_actions).iterrows():
        label = str(_get(row, "label", row["theme"]))
        # The theme's NPS gap is negative for a pain point: say it as "points below".
        values = dict(team=team or "the team", theme=label, detractors=int(row["detractors"]),
                      mentions=int(_get(row, "mentions", 0)),
                      below=-float(_get(row, "nps_difference", np.nan)),
                      below_low=-float(_get(row, "nps_difference_high", np.nan)),
                      below_high=-float(_get(row, "nps_difference_low", np.nan)),
                      p_text="adjusted " + format_p(float(_get(row, "p_adjusted", np.nan))),
                      gain=float(_get(row, "scenario_gain", np.nan)),
                      gain_low=float(row["evidence"]),
                      gain_high=float(_get(row, "scenario_high", np.nan)))
        priority = "high" if row["evidence"] >= rule.high_evidence else rule.priority
        out.append(action_row("fix_pain_point", str(row["theme"]), _fill(rule.title, **values),
                              _fill(rule.why, **values), row["evidence"],
                              _owner(rule, team, rules, row["theme"], label), priority,
                              rule.urgency))
    return out


def _drivers(drivers, rules, team, pain_actions):
    """Fix-it actions for the clear drivers rated below average, and whether one was named.

    Only a driver the analysis names (verdict ``"drivers"`` and the row's ``leader``: it
    adds to what the other ratings explain and stands clearly above the rest) in the
    "fix first" quadrant becomes an action. Its figure is its share of the differences in
    scores with its bootstrap interval: not NPS points, so its evidence is NaN.
    """
    rule = rules.rules.fix_driver
    if drivers is None or drivers.empty or not rule.enabled:
        return [], False
    attrs = drivers.attrs
    if attrs.get("status", "ok") != "ok" or attrs.get("verdict") != "drivers" \
            or "quadrant" not in drivers or "leader" not in drivers:
        return [], False
    leader = drivers["leader"].fillna(False).astype(bool)
    fix = drivers[(drivers["quadrant"] == "fix first") & leader]
    fix = fix.sort_values("importance", ascending=False)
    split = attrs.get("performance_split", float(drivers["performance"].mean()))
    by_theme = {a["subject"]: a for a in pain_actions}
    out, named = [], False
    for _, row in fix.head(rule.max_actions).iterrows():
        named = True
        label = str(_get(row, "label", row["driver"]))
        low, high = _get(row, "scale_min", np.nan), _get(row, "scale_max", np.nan)
        # The split is a share of each scale: say it on this driver's own scale.
        own_split = float(low) + float(split) * (float(high) - float(low)) \
            if is_finite(low) and is_finite(high) and "performance_pomp" in row else float(split)
        values = dict(team=team or "the team", driver=label, share=float(row["share"]),
                      importance=float(row["importance"]),
                      importance_low=float(_get(row, "ci_low", np.nan)),
                      importance_high=float(_get(row, "ci_high", np.nan)),
                      performance=float(row["performance"]), performance_split=own_split)
        why = _fill(rule.why, **values)
        linked = rules.driver_themes.get(str(row["driver"]))
        if linked in by_theme:
            # The theme's action already asks for this fix: add the rating evidence to it.
            by_theme[linked]["why"] += " Ratings agree: " + why[:1].lower() + why[1:]
            continue
        out.append(action_row("fix_driver", str(row["driver"]), _fill(rule.title, **values), why,
                              np.nan, _owner(rule, team, rules, row["driver"], label),
                              rule.priority, rule.urgency))
    return out, named


def _number(value):
    return int(value) if float(value).is_integer() else value


def _follow_up(followup, rules, team):
    rule = rules.rules.follow_up_detractors
    if not followup or not rule.enabled or int(followup.get("count", 0)) <= 0:
        return []
    overdue = int(followup.get("overdue", 0))
    count = int(followup["count"])
    values = dict(team=team or "the team", count=count,
                  customers=f"{count} customer" + ("" if count == 1 else "s"), overdue=overdue,
                  sla_hours=_number(followup.get("sla_hours", rule.sla_hours)),
                  oldest_days=float(followup.get("oldest_days", np.nan)))
    priority = "high" if overdue > 0 else rule.priority
    return [action_row("follow_up_detractors", "detractors", _fill(rule.title, **values),
                    _fill(rule.why, **values), np.nan, _owner(rule, team, rules), priority,
                    rule.urgency)]


def _promoters(team_row, rules, team):
    rule = rules.rules.engage_promoters
    promoters = _get(team_row, "promoters")
    if not rule.enabled or promoters is None or int(promoters) < rule.min_promoters:
        return []
    values = dict(team=team or "the team", promoters=int(promoters),
                  pct_promoters=float(_get(team_row, "pct_promoters", np.nan)))
    return [action_row("engage_promoters", "promoters", _fill(rule.title, **values),
                    _fill(rule.why, **values), np.nan, _owner(rule, team, rules), rule.priority,
                    rule.urgency)]


def _mention_shares(table) -> Optional[pd.Series]:
    """Percent of commenting respondents mentioning each (taxonomy) theme; None if unknown."""
    if table is None or table.empty:
        return None
    commented = table.attrs.get("n_commented")
    if not commented:
        return None
    t = table
    if "source" in t:
        t = t[t["source"] != "discovered"]  # discovered topics are not comparable between quarters
    return pd.Series(100 * t["mentions"].to_numpy(dtype=float) / float(commented),
                     index=t["theme"].to_numpy())


def _decline(changes, themes, previous_themes, rules, team):
    rule = rules.rules.investigate_decline
    if changes is None or changes.empty or not rule.enabled:
        return []
    rows = changes
    if team is not None and "team" in rows:
        rows = rows[rows["team"] == team]
    rows = rows[rows["lag"].isin(rule.lags) & rows["shown"].astype(bool)
                & rows["significant"].astype(bool) & (rows["diff"] < 0)]
    out = []
    for _, row in rows.iterrows():
        base = str(row["base_quarter"])
        now, before = _mention_shares(themes), _mention_shares(previous_themes)
        common = dict(team=team or "the team", base_quarter=base,
                      min_growth=float(rule.min_growth))
        if int(row["lag"]) != 1 or now is None or before is None:
            growth = _fill(rule.no_comparison_text, **common)
        else:
            labels = dict(zip(themes["theme"], themes.get("label", themes["theme"])))
            polarity = dict(zip(themes["theme"], themes.get("polarity", "unknown")))
            verdict = dict(zip(themes["theme"], themes.get("verdict", "mentioned")))
            diff = (now - before.reindex(now.index).fillna(0.0))
            # Praise that grew does not explain a fall.
            diff = diff[[polarity.get(t) not in ("positive", "neutral")
                         and verdict.get(t) != "strength" for t in diff.index]]
            grown = diff[diff >= rule.min_growth].sort_values(ascending=False)
            grown = grown.head(rule.max_themes)
            if grown.empty:
                growth = _fill(rule.no_growth_text, **common)
            else:
                listed = ", ".join(
                    f"{labels.get(t, t)} (from {before.get(t, 0.0):.0f}% to {now[t]:.0f}% of "
                    f"comments)" for t in grown.index)
                growth = _fill(rule.grown_text, **common, themes=listed)
        values = dict(common, drop=abs(float(row["diff"])), sentence=str(row["sentence"]),
                      growth=growth)
        out.append(action_row("investigate_decline", f"decline vs {base}",
                           _fill(rule.title, **values), _fill(rule.why, **values), np.nan,
                           _owner(rule, team, rules), rule.priority, rule.urgency))
    return out


def _small_sample(team_row, rules, team, display_floor):
    rule = rules.rules.small_sample
    n = _get(team_row, "n")
    if not rule.enabled or n is None:
        return []
    n = int(n)
    imprecise = bool(_get(team_row, "imprecise", False))
    if n >= rule.min_n and not imprecise:
        return []
    moe = _get(team_row, "moe", np.nan)
    if n < display_floor:
        precision = f", below the {display_floor} needed to show a score"
    elif is_finite(moe):
        precision = f", so the score's margin of error is ±{float(moe):.0f} points"
    else:
        precision = ""
    values = dict(team=team or "the team", n=n, precision=precision)
    return [action_row("small_sample", "sample size", _fill(rule.title, **values),
                    _fill(rule.why, **values), np.nan, _owner(rule, team, rules), rule.priority,
                    rule.urgency)]


def _score_pattern(anomalies, rules, team):
    rule = rules.rules.check_score_pattern
    if anomalies is None or anomalies.empty or not rule.enabled:
        return []
    flags = anomalies
    if team is not None and "team" in flags:
        flags = flags[flags["team"] == team]
    if flags.empty:
        return []
    evidence = " ".join(" ".join(str(e).split()) for e in flags["evidence"])
    values = dict(team=team or "the team", evidence=evidence)
    return [action_row("check_score_pattern", "; ".join(dict.fromkeys(flags["flag"].astype(str))),
                    _fill(rule.title, **values), _fill(rule.why, **values), np.nan,
                    _owner(rule, team, rules), rule.priority, rule.urgency)]


def recommend(*, team_row=None, themes=None, drivers=None, changes=None, followup=None,
              anomalies=None, previous_themes=None, rules=None, display_floor: int = 5,
              team: Optional[str] = None, responses: Optional[pd.DataFrame] = None,
              matches: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Ranked actions for one group (a team's quarter) from its result tables.

    Parameters
    ----------
    team_row : Series, optional
        The group's row of :func:`nps_report.stats.grouped_nps` (``n``, ``promoters``,
        ``pct_promoters``, ``moe``, ``imprecise`` ...).
    themes : DataFrame, optional
        Theme impact table with the themes' evidence: ``theme``, ``label``,
        ``mentions``, ``detractors``, ``verdict`` (``"pain point"``, ``"strength"``
        or ``"mentioned"``), ``p_adjusted``, ``nps_difference`` with
        ``nps_difference_low``/``_high`` and ``scenario_gain`` with
        ``scenario_low``/``_high`` (see :func:`nps_report.themes.theme_impact`). A
        table without ``verdict`` names no pain point.
    drivers : DataFrame, optional
        :func:`nps_report.drivers.key_drivers` table (its ``attrs`` carry the verdict).
    changes : DataFrame, optional
        :func:`nps_report.benchmarks.changes` rows of the group (a ``team`` column is
        filtered to ``team``).
    followup : dict, optional
        :func:`nps_report.closeloop.followup_summary` of the group's detractors.
    anomalies : DataFrame, optional
        :func:`nps_report.anomalies.flag_anomalies` (filtered to ``team``).
    previous_themes : DataFrame, optional
        Theme impact table of the previous quarter (to name the themes that grew).
    rules : ActionRules or path, optional
        Default: :func:`load_rules` ``()``.
    display_floor : int, default 5
        Fewest responses for a score to be shown (quoted by the small-sample rule).
    team : str, optional
        The group's name; default ``team_row["team"]`` when present.
    responses, matches : DataFrame, optional
        The responses the theme table was computed from and their theme matches
        (:attr:`nps_report.themes.CommentAnalysis.matches`, same index): with both, two
        or more pain-point actions get their combined scenario
        (:func:`~nps_report.actions.combined_scenario`, on the union of responses).

    Returns
    -------
    DataFrame
        One row per action, columns :data:`ACTION_COLUMNS` (``evidence``: the ranking
        basis in NPS points, NaN for an action without one). ``attrs["notes"]``: the
        sentences a report prints when a gate let nothing through ("No pain point
        stands out this quarter.", "No clear driver to fix this quarter.");
        ``attrs["combined"]``: the combined scenario sentence ("" when not computed).

    Notes
    -----
    Rules (each can be switched off or re-worded in the rules file):

    - ``fix_pain_point``: a theme whose ``verdict`` is ``"pain point"`` (its mentions
      are significantly more detractor-heavy than the rest of the team's comments,
      after the multiplicity adjustment over the themes), with at least
      ``min_detractors`` detractors and a scenario whose 95% interval lies above
      ``min_evidence``. Its figure is a scenario, not an expectation: if the
      :math:`D_t` mentioning detractors became passives the NPS would rise by up to
      :math:`100\\,D_t / n` points (``scenario_gain``, with its interval). Its evidence is
      ``scenario_low``. Strengths and themes merely mentioned never become actions.
    - ``fix_driver``: a rating the key-driver analysis names (verdict ``"drivers"``,
      ``leader``) in "fix first". Its figure is its share of the differences in
      scores with its bootstrap interval, an association across respondents; its
      evidence is NaN (not NPS points). A driver whose linked theme
      (``driver_themes``) has a pain-point action adds its evidence to that action.
    - ``follow_up_detractors``: any detractor; high priority when one is older than the SLA.
    - ``engage_promoters``: at least ``min_promoters`` promoters.
    - ``investigate_decline``: a significant fall in ``changes`` (after the FDR
      correction), with the complaint themes whose share of comments grew.
    - ``small_sample``: fewer than ``min_n`` responses or an imprecise score.
    - ``check_score_pattern``: any anomaly flag of the team.

    Ranking (:func:`rank_actions`): the warnings (``small_sample``,
    ``check_score_pattern``) first, then evidence, largest first (actions without one
    after), then urgency, priority and the rule order above.

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> row = nr.grouped_nps(pd.DataFrame({"score": [9, 10, 10, 2, 7, 9]}), []).iloc[0]
    >>> actions = nr.recommend(team_row=row, team="Support")
    >>> actions[["title", "priority"]].values.tolist()
    [['Raise the response rate before drawing conclusions', 'medium']]
    """
    rules = resolve_rules(rules)
    if team is None and team_row is not None:
        value = _get(team_row, "team")
        team = None if value is None else str(value)
    pains = _pain_points(themes, rules, team)
    fix_drivers, driver_named = _drivers(drivers, rules, team, pains)
    actions = (pains + fix_drivers + _follow_up(followup, rules, team)
               + _promoters(team_row, rules, team)
               + _decline(changes, themes, previous_themes, rules, team)
               + _small_sample(team_row, rules, team, int(display_floor))
               + _score_pattern(anomalies, rules, team))
    notes = []
    values = dict(team=team or "the team")
    if themes is not None and rules.rules.fix_pain_point.enabled and not pains:
        notes.append(_fill(rules.rules.fix_pain_point.none_text, **values))
    if drivers is not None and drivers.attrs.get("status", "ok") == "ok" and not drivers.empty \
            and rules.rules.fix_driver.enabled and not driver_named:
        notes.append(_fill(rules.rules.fix_driver.none_text, **values))
    out = empty_actions() if not actions else rank_actions(pd.DataFrame(actions))[ACTION_COLUMNS]
    out.attrs["notes"] = notes
    out.attrs["combined"] = ""
    if responses is not None and matches is not None and len(pains) >= 2:
        from .combined import combined_scenario

        out.attrs["combined"] = combined_scenario(out, responses, matches)
    return out


def team_actions(team_row, theme_impact=None, driver_table=None, changes_table=None,
                 detractors_df=None, anomalies_df=None, previous_theme_impact=None, *,
                 team: Optional[str] = None, rules=None, display_floor: int = 5) -> pd.DataFrame:
    """Ranked actions of one team's quarter: what a team report's last section shows.

    A thin wrapper of :func:`recommend`: ``detractors_df`` (from
    :func:`nps_report.closeloop.close_the_loop`) becomes the follow-up counts.
    ``rules`` may be an :class:`ActionRules`, a path or None (the shipped file).

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> row = nr.grouped_nps(pd.DataFrame({"score": [9, 10, 10, 2, 7, 9]}), []).iloc[0]
    >>> team_actions(row, team="Support")["rule"].tolist()
    ['small_sample']
    """
    rules = resolve_rules(rules)
    followup = None
    if detractors_df is not None:
        from ..closeloop import followup_summary

        followup = followup_summary(detractors_df)
    return recommend(team_row=team_row, themes=theme_impact, drivers=driver_table,
                     changes=changes_table, followup=followup, anomalies=anomalies_df,
                     previous_themes=previous_theme_impact, rules=rules,
                     display_floor=display_floor, team=team)
