"""The rule engine: each rule of the rules file applied to one group's result tables, ranked."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .effects import driver_effects
from .rules import ActionRules, BaseRule, resolve_rules
from .table import ACTION_COLUMNS, action_row, empty_actions, is_finite, rank_actions

__all__ = ["recommend", "team_actions"]


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


def _pain_points(themes, rules, team):
    rule = rules.rules.fix_pain_point
    if themes is None or themes.empty or not rule.enabled:
        return []
    t = themes.copy()
    polarity = t["polarity"] if "polarity" in t else pd.Series("unknown", index=t.index)
    impact = t["impact"] if "impact" in t else pd.Series(-1.0, index=t.index)
    chosen = t[(polarity != "positive") & (polarity != "neutral")
               & (t["gain"].astype(float) >= rule.min_gain)
               & (t["detractors"].astype(float) >= rule.min_detractors)
               & ~(impact.astype(float) >= 0)]
    chosen = chosen.sort_values(["gain", "detractors"], ascending=False, kind="stable")
    out = []
    for _, row in chosen.head(rule.max_actions).iterrows():
        label = str(_get(row, "label", row["theme"]))
        values = dict(team=team or "the team", theme=label,
                      share_detractors=float(_get(row, "share_detractors", np.nan)),
                      detractors=int(row["detractors"]), mentions=int(_get(row, "mentions", 0)),
                      gain=float(row["gain"]), impact=float(_get(row, "impact", np.nan)))
        priority = "high" if row["gain"] >= rule.high_gain else rule.priority
        out.append(action_row("fix_pain_point", str(row["theme"]), _fill(rule.title, **values),
                           _fill(rule.why, **values), row["gain"],
                           _owner(rule, team, rules, row["theme"], label), priority, rule.urgency))
    return out


def _drivers(drivers, rules, team, pain_actions):
    rule = rules.rules.fix_driver
    if drivers is None or drivers.empty or not rule.enabled:
        return []
    if drivers.attrs.get("status", "ok") != "ok" or "quadrant" not in drivers:
        return []
    # Only a driver the analysis names (it stands out from the others and from zero: the
    # table's ``leader``) may become an action; a table without that column names none.
    leader = drivers["leader"].fillna(False).astype(bool) if "leader" in drivers else False
    fix = drivers[(drivers["quadrant"] == "fix first") & leader]
    fix = fix.sort_values("importance", ascending=False)
    split = drivers.attrs.get("performance_split", float(drivers["performance"].mean()))
    by_theme = {a["subject"]: a for a in pain_actions}
    out = []
    for _, row in fix.head(rule.max_actions).iterrows():
        label = str(_get(row, "label", row["driver"]))
        low, high = _get(row, "scale_min", np.nan), _get(row, "scale_max", np.nan)
        # The split is a share of each scale: say it on this driver's own scale.
        own_split = float(low) + float(split) * (float(high) - float(low)) \
            if is_finite(low) and is_finite(high) and "performance_pomp" in row else float(split)
        values = dict(team=team or "the team", driver=label, share=float(row["share"]),
                      importance=float(row["importance"]),
                      performance=float(row["performance"]), performance_split=own_split)
        why = _fill(rule.why, **values)
        linked = rules.driver_themes.get(str(row["driver"]))
        if linked in by_theme:
            # The theme's action already asks for this fix: add the rating evidence to it
            # (its expected effect stays the theme's, one number per action).
            by_theme[linked]["why"] += " Ratings agree: " + why[:1].lower() + why[1:]
            continue
        effect = _get(row, "expected_effect", np.nan)
        if is_finite(effect) and rule.why_effect:
            why += " " + _fill(rule.why_effect, team=values["team"], effect=float(effect),
                               gap=float(_get(row, "gap", np.nan)),
                               best=str(_get(row, "best", "")),
                               best_performance=float(_get(row, "best_performance", np.nan)))
        priority = "high" if is_finite(effect) and effect >= rule.high_effect else rule.priority
        out.append(action_row("fix_driver", str(row["driver"]), _fill(rule.title, **values), why,
                           effect, _owner(rule, team, rules, row["driver"], label), priority,
                           rule.urgency))
    return out


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
            diff = (now - before.reindex(now.index).fillna(0.0))
            diff = diff[[polarity.get(t) not in ("positive", "neutral") for t in diff.index]]
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
              team: Optional[str] = None) -> pd.DataFrame:
    """Ranked actions for one group (a team's quarter) from its result tables.

    Parameters
    ----------
    team_row : Series, optional
        The group's row of :func:`nps_report.stats.grouped_nps` (``n``, ``promoters``,
        ``pct_promoters``, ``moe``, ``imprecise`` ...).
    themes : DataFrame, optional
        Theme impact table (``CommentAnalysis.impact`` or
        :func:`nps_report.tables.theme_change.theme_shares`).
    drivers : DataFrame, optional
        :func:`nps_report.drivers.key_drivers` table, optionally with the
        ``expected_effect`` of :func:`driver_effects`.
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

    Returns
    -------
    DataFrame
        One row per action, columns :data:`ACTION_COLUMNS`: ``rule`` (rule id),
        ``subject`` (the theme, driver or topic), ``title``, ``why`` (the evidence,
        with numbers), ``expected_effect`` (NPS points; NaN where it cannot be
        estimated), ``owner``, ``priority`` (high/medium/low), ``urgency``
        (:data:`URGENCIES`), ``rank`` (1 first).

    Notes
    -----
    Rules (each can be switched off or re-worded in the rules file):

    - ``fix_pain_point``: complaint themes (polarity not positive/neutral, negative
      impact) with ``gain >= min_gain`` and enough detractors; expected effect = the
      theme's ``gain`` (points if its detractors became passives, a conservative
      figure since they might become promoters, see :func:`nps_report.themes.theme_impact`).
      A discovered topic (polarity unknown) counts as a complaint when its impact is negative.
    - ``fix_driver``: drivers in "fix first"; expected effect from
      :func:`driver_effects` when the table has it, NaN otherwise. A driver whose
      linked theme (``driver_themes``) already has a pain-point action adds its
      evidence to that action instead of a second one.
    - ``follow_up_detractors``: any detractor; high priority when one is older than the SLA.
    - ``engage_promoters``: at least ``min_promoters`` promoters.
    - ``investigate_decline``: a significant fall in ``changes`` (after the FDR
      correction), with the complaint themes whose share of comments grew.
    - ``small_sample``: fewer than ``min_n`` responses or an imprecise score.
    - ``check_score_pattern``: any anomaly flag of the team.

    Ranking: expected effect, largest first (actions whose effect is not estimated
    come after those with one), then urgency, then priority, then the rule order above.

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
    actions = (pains + _drivers(drivers, rules, team, pains) + _follow_up(followup, rules, team)
               + _promoters(team_row, rules, team)
               + _decline(changes, themes, previous_themes, rules, team)
               + _small_sample(team_row, rules, team, int(display_floor))
               + _score_pattern(anomalies, rules, team))
    if not actions:
        return empty_actions()
    return rank_actions(pd.DataFrame(actions))[ACTION_COLUMNS]


def team_actions(team_row, theme_impact=None, driver_table=None, changes_table=None,
                 detractors_df=None, anomalies_df=None, previous_theme_impact=None, *,
                 team: Optional[str] = None, responses: Optional[pd.DataFrame] = None,
                 rules=None, display_floor: int = 5) -> pd.DataFrame:
    """Ranked actions of one team's quarter: what a team report's last section shows.

    A thin wrapper of :func:`recommend`: ``detractors_df`` (from
    :func:`nps_report.closeloop.close_the_loop`) becomes the follow-up counts, and when
    ``responses`` (the team's responses of the quarter, the data ``driver_table`` was
    computed from) is given, the drivers get their :func:`driver_effects`.
    ``rules`` may be an :class:`ActionRules`, a path or None (the shipped file).
    """
    rules = resolve_rules(rules)
    followup = None
    if detractors_df is not None:
        from ..closeloop import followup_summary

        followup = followup_summary(detractors_df)
    if (driver_table is not None and responses is not None and not driver_table.empty
            and "expected_effect" not in driver_table):
        driver_table = driver_effects(responses, driver_table,
                                      min_ratings=rules.rules.fix_driver.min_ratings)
    return recommend(team_row=team_row, themes=theme_impact, drivers=driver_table,
                     changes=changes_table, followup=followup, anomalies=anomalies_df,
                     previous_themes=previous_theme_impact, rules=rules,
                     display_floor=display_floor, team=team)
