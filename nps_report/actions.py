"""Recommended actions: editable rules turn a report's result tables into ranked next steps."""

from __future__ import annotations

import math
import string
from pathlib import Path
from typing import Literal, Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .exceptions import ParamsError

__all__ = [
    "ACTION_COLUMNS",
    "PRIORITIES",
    "URGENCIES",
    "ActionRules",
    "default_rules_path",
    "display_table",
    "driver_effects",
    "gather",
    "load_rules",
    "parse_rules",
    "recommend",
    "team_actions",
]

#: Columns of the table :func:`recommend` returns, in order.
ACTION_COLUMNS = ["rule", "subject", "title", "why", "expected_effect", "owner", "priority",
                  "urgency", "rank"]
#: Priorities, highest first.
PRIORITIES = ("high", "medium", "low")
#: Urgencies, most urgent first (ranks actions of equal expected effect).
URGENCIES = ("immediate", "this quarter", "next quarter")
#: Rules in the order they are tried (also the last tie-breaker of the ranking).
RULE_ORDER = ("fix_pain_point", "fix_driver", "follow_up_detractors", "engage_promoters",
              "investigate_decline", "small_sample", "check_score_pattern")

_SHIPPED = "actions.yaml"


# ----------------------------------------------------------------------------- the rules file
class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Frozen):
    enabled: bool = True
    priority: Literal["high", "medium", "low"] = "medium"
    urgency: Literal["immediate", "this quarter", "next quarter"] = "this quarter"
    owner: str = "{team} team lead"
    title: str
    why: str


class PainPointRule(_Rule):
    max_actions: int = Field(2, ge=1)
    min_gain: float = Field(1.0, ge=0)
    min_detractors: int = Field(3, ge=1)
    high_gain: float = Field(3.0, ge=0)


class DriverRule(_Rule):
    max_actions: int = Field(2, ge=1)
    min_ratings: int = Field(30, ge=2)
    high_effect: float = Field(3.0, ge=0)
    why_effect: str = ""


class FollowUpRule(_Rule):
    sla_hours: float = Field(48, gt=0)


class PromoterRule(_Rule):
    min_promoters: int = Field(5, ge=1)


class DeclineRule(_Rule):
    lags: list[int] = Field(default_factory=lambda: [1])
    min_growth: float = Field(5.0, ge=0)
    max_themes: int = Field(3, ge=1)
    grown_text: str
    no_growth_text: str
    no_comparison_text: str


class SmallSampleRule(_Rule):
    min_n: int = Field(30, ge=1)


class ScorePatternRule(_Rule):
    pass


class RuleSet(_Frozen):
    fix_pain_point: PainPointRule
    fix_driver: DriverRule
    follow_up_detractors: FollowUpRule
    engage_promoters: PromoterRule
    investigate_decline: DeclineRule
    small_sample: SmallSampleRule
    check_score_pattern: ScorePatternRule


class TensJumpCheck(_Frozen):
    enabled: bool = True
    min_n: int = Field(30, ge=1)
    history_quarters: int = Field(4, ge=1)
    min_history: int = Field(2, ge=1)
    min_jump: float = Field(15.0, ge=0)
    min_z: float = Field(3.5, ge=0)
    min_peers: int = Field(5, ge=1)


class SilentChannelCheck(_Frozen):
    enabled: bool = True
    columns: list[str] = Field(default_factory=lambda: ["channel", "source"])
    min_n: int = Field(30, ge=1)
    history_quarters: int = Field(4, ge=1)
    min_excess: float = Field(20.0, ge=0)
    min_z: float = Field(3.0, ge=0)


class RepeatRespondentCheck(_Frozen):
    enabled: bool = True
    max_responses: int = Field(3, ge=1)


class InternalEmailCheck(_Frozen):
    enabled: bool = True
    internal_domains: list[str] = Field(default_factory=list)
    min_count: int = Field(1, ge=1)


class AnomalyChecks(_Frozen):
    tens_jump: TensJumpCheck = TensJumpCheck()
    silent_channel: SilentChannelCheck = SilentChannelCheck()
    repeat_respondent: RepeatRespondentCheck = RepeatRespondentCheck()
    internal_email: InternalEmailCheck = InternalEmailCheck()


class ActionRules(_Frozen):
    """The action rules, owners and anomaly checks of ``nps_report/data/actions.yaml`` (frozen)."""

    owners: dict[str, str] = Field(default_factory=dict)
    driver_themes: dict[str, str] = Field(default_factory=dict)
    rules: RuleSet
    anomalies: AnomalyChecks = AnomalyChecks()
    path: Optional[str] = None

    def owner_of(self, *names) -> Optional[str]:
        """The department owning the first of ``names`` the ``owners`` mapping knows (any case)."""
        lookup = {str(k).strip().lower(): v for k, v in self.owners.items()}
        for name in names:
            if name is None or (isinstance(name, float) and math.isnan(name)):
                continue
            found = lookup.get(str(name).strip().lower())
            if found:
                return found
        return None


# Placeholders each template may use, with a sample value to test format specs on.
_COMMON = {"team": "Team"}
_TEMPLATE_FIELDS = {
    "fix_pain_point": {"title": "why", "why": "why"},
    "fix_driver": {"title": "why", "why": "why", "why_effect": "effect"},
    "investigate_decline": {"title": "why", "why": "why", "grown_text": "growth",
                            "no_growth_text": "growth", "no_comparison_text": "growth"},
}
_SAMPLES = {
    ("fix_pain_point", "why"): dict(theme="Billing errors", share_detractors=31.0, detractors=12,
                                    mentions=15, gain=4.2, impact=-5.1),
    ("fix_driver", "why"): dict(driver="Billing accuracy", share=0.4, importance=0.2,
                                performance=6.1, performance_split=7.0),
    ("fix_driver", "effect"): dict(effect=2.5, gap=0.8, best="Reliability", best_performance=7.4),
    ("follow_up_detractors", "why"): dict(count=12, customers="12 customers", overdue=3,
                                          sla_hours=48, oldest_days=20.5),
    ("engage_promoters", "why"): dict(promoters=40, pct_promoters=45.0),
    ("investigate_decline", "why"): dict(drop=12.0, base_quarter="2026Q2",
                                         sentence="NPS fell 12 points vs 2026Q2", growth="..."),
    ("investigate_decline", "growth"): dict(base_quarter="2026Q2", min_growth=5.0,
                                            themes="Billing errors (from 9% to 31% of comments)"),
    ("small_sample", "why"): dict(n=12, precision=", so the margin of error is ±30 points"),
    ("check_score_pattern", "why"): dict(evidence="72% of the scores are 10s."),
}


def default_rules_path() -> Path:
    """The shipped rules file (package data ``nps_report/data/actions.yaml``)."""
    from .resources import shipped_path

    return shipped_path("data", _SHIPPED)


def _merge(base, override):
    """``override`` on top of ``base``: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return override


def load_rules(path=None) -> ActionRules:
    """Read the action rules; without ``path`` the shipped ``nps_report/data/actions.yaml``.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A YAML file shaped like ``nps_report/data/actions.yaml``. It only needs the keys it
        changes: it is merged key by key over the shipped file (lists, such as
        ``internal_domains``, are replaced whole).

    Returns
    -------
    ActionRules

    Raises
    ------
    ParamsError
        If a file is missing or malformed; the message names the file and the key
        (``rules.fix_pain_point.min_gain``), an unknown key comes with the known ones,
        and a template placeholder the rule does not fill is named.
    """
    from .params import load_yaml

    shipped = default_rules_path()
    if not shipped.exists():
        raise ParamsError("the shipped action rules are missing (reinstall nps-report or "
                          "pass the path of an actions.yaml)", path=shipped)
    raw = load_yaml(shipped, "action rules file")
    if path is None or Path(path).resolve() == shipped:
        return parse_rules(raw, path=shipped)
    own = load_yaml(path, "action rules file")
    if own is None:
        own = {}
    if not isinstance(own, dict):
        raise ParamsError(f"an actions file is a mapping of keys, got {type(own).__name__}",
                          path=path)
    return parse_rules(_merge(raw, own), path=path)


def parse_rules(raw, *, path=None) -> ActionRules:
    """Validate action rules already read from YAML (see :func:`load_rules`)."""
    if not isinstance(raw, dict):
        raise ParamsError(f"an actions file is a mapping of keys, got {type(raw).__name__}",
                          path=path)
    try:
        rules = ActionRules.model_validate({**raw, "path": None if path is None else str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        messages = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                messages.append(f"unknown key '{where}'")
            elif err["type"] == "missing":
                messages.append(f"missing key '{where}'")
            else:
                given = err.get("input")
                shown = "" if isinstance(given, dict) else f" (got {given!r})"
                messages.append(f"key '{where}': {err['msg']}{shown}")
        raise ParamsError("; ".join(messages), path=path, key=key) from None
    _check_templates(rules, path)
    return rules


def _check_templates(rules: ActionRules, path) -> None:
    """Every ``{placeholder}`` of every text must be one the rule fills, with a valid format."""
    for name in RULE_ORDER:
        rule = getattr(rules.rules, name)
        fields = {"owner": "owner", "title": "why", "why": "why",
                  **_TEMPLATE_FIELDS.get(name, {})}
        for field, sample_key in fields.items():
            text = getattr(rule, field)
            sample = dict(_COMMON) if field == "owner" else {**_COMMON,
                                                             **_SAMPLES[(name, sample_key)]}
            key = f"rules.{name}.{field}"
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError as exc:
                raise ParamsError(f"key '{key}': {exc} (write {{{{ and }}}} for literal braces)",
                                  path=path, key=key) from None
            unknown = sorted(f for f in used if f.split(".")[0].split("[")[0] not in sample)
            if unknown:
                raise ParamsError(f"key '{key}': unknown placeholder {{{unknown[0]}}}; this text "
                                  f"can use {', '.join('{' + k + '}' for k in sample)}",
                                  path=path, key=key)
            try:
                text.format(**sample)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
                raise ParamsError(f"key '{key}': cannot fill {text!r}: {exc}",
                                  path=path, key=key) from None


def _resolve(rules) -> ActionRules:
    if rules is None:
        return load_rules()
    if isinstance(rules, ActionRules):
        return rules
    return load_rules(rules)


# ----------------------------------------------------------------------------- helpers
def _fill(template: str, **values) -> str:
    """A rule text with its placeholders filled; line breaks of folded YAML become spaces."""
    return " ".join(template.format(**values).split())


def _owner(rule: _Rule, team: Optional[str], rules: ActionRules, *names) -> str:
    found = rules.owner_of(*names) if names else None
    if found:
        return found
    text = " ".join(rule.owner.format(team=team or "").split())
    return text[:1].upper() + text[1:]


def _finite(value) -> bool:
    try:
        return value is not None and np.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _get(row, key, default=None):
    if row is None:
        return default
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return default
    return default if value is None else value


def _action(rule_id, subject, title, why, effect, owner, priority, urgency) -> dict:
    return {"rule": rule_id, "subject": subject, "title": title, "why": why,
            "expected_effect": float(effect) if _finite(effect) else np.nan, "owner": owner,
            "priority": priority, "urgency": urgency}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "expected_effect" else
                                      "int64" if c == "rank" else "object")
                         for c in ACTION_COLUMNS})


def _rank(table: pd.DataFrame, *, effect: str = "expected_effect") -> pd.DataFrame:
    """Sort by expected effect (largest first, not estimated last), then urgency, priority, rule."""
    if table.empty:
        return table.assign(rank=pd.Series(dtype="int64"))
    key = pd.DataFrame({
        "effect": -table[effect].astype("float64").fillna(-np.inf),
        "urgency": table["urgency"].map({u: i for i, u in enumerate(URGENCIES)}).fillna(9),
        "priority": table["priority"].map({p: i for i, p in enumerate(PRIORITIES)}).fillna(9),
        "rule": table["rule"].map({r: i for i, r in enumerate(RULE_ORDER)}).fillna(99),
    }, index=table.index)
    order = key.sort_values(list(key.columns), kind="stable").index
    out = table.loc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


# ----------------------------------------------------------------------------- driver effects
def driver_effects(data: pd.DataFrame, table: pd.DataFrame, *, score: str = "score",
                   min_ratings: int = 30) -> pd.DataFrame:
    """Add a conservative expected NPS effect to a :func:`nps_report.drivers.key_drivers` table.

    Parameters
    ----------
    data : DataFrame
        The responses the driver table was computed from (score and rating columns).
    table : DataFrame
        A key-driver table (``driver``, ``label``, ``share``, ``performance`` ...).
    min_ratings : int, default 30
        Respondents who rated a driver needed for its slope; fewer gives NaN.

    Returns
    -------
    DataFrame
        A copy of ``table`` (``attrs`` kept) with ``slope`` (NPS points per rating
        point), ``gap`` (rating points below the best-rated driver), ``best`` (the
        best-rated driver's label), ``best_performance`` and ``expected_effect``
        (NPS points, NaN where it cannot be estimated).

    Notes
    -----
    The gap approach. With :math:`P_j` the driver's mean rating (``performance``),
    :math:`P_{best}` the highest mean rating among the drivers of the table,
    :math:`s_j` the driver's LMG share of what the ratings explain (``share``) and
    :math:`b_j` the least-squares slope of each respondent's NPS contribution
    (+100 promoter, 0 passive, -100 detractor) on their rating of the driver,

    .. math::

        \\mathrm{effect}_j = s_j\\, \\max(0, b_j)\\, \\max(0, P_{best} - P_j)

    in NPS points: what raising the driver's average rating to that of the team's
    best-rated aspect would bring if the score followed the rating as it does across
    respondents. It stays conservative on purpose: the target is a level the team
    already reaches on another aspect (not the top of the scale), and since ratings
    move together the one-rating slope also carries the other ratings' part, which
    :math:`s_j` removes by crediting the driver only with its own share. It is an
    association across respondents, not a causal forecast. NaN when the driver has
    no ``share`` (the analysis did not run), fewer than ``min_ratings`` ratings, or
    ratings that do not vary.
    """
    if score not in data.columns:
        raise KeyError(f"column {score!r} not in data; columns are {list(data.columns)}")
    out = table.copy()
    out.attrs.update(table.attrs)
    scores = pd.to_numeric(data[score], errors="coerce")
    contribution = np.select([scores <= 6, scores >= 9], [-100.0, 100.0], 0.0)
    contribution = np.where(scores.notna(), contribution, np.nan)
    performance = out["performance"].astype(float)
    best_pos = performance.idxmax() if performance.notna().any() else None
    best_perf = float(performance[best_pos]) if best_pos is not None else np.nan
    best_label = str(out.loc[best_pos, "label"] if "label" in out else out.loc[best_pos, "driver"]) \
        if best_pos is not None else ""
    slopes, effects = [], []
    for _, row in out.iterrows():
        slope = np.nan
        if row["driver"] in data.columns:
            rating = pd.to_numeric(data[row["driver"]], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(rating) & np.isfinite(contribution)
            if ok.sum() >= min_ratings and np.ptp(rating[ok]) > 0:
                x, y = rating[ok], contribution[ok]
                slope = float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
        slopes.append(slope)
        gap = max(0.0, best_perf - float(row["performance"])) if _finite(row["performance"]) \
            and _finite(best_perf) else np.nan
        share = row.get("share", np.nan)
        effects.append(float(share) * max(0.0, slope) * gap
                       if _finite(share) and _finite(slope) and _finite(gap) else np.nan)
    out["slope"] = np.asarray(slopes, dtype=float)
    out["gap"] = np.maximum(0.0, best_perf - performance.to_numpy(dtype=float))
    out["best"] = best_label
    out["best_performance"] = best_perf
    out["expected_effect"] = np.asarray(effects, dtype=float)
    return out


# ----------------------------------------------------------------------------- the rules
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
        out.append(_action("fix_pain_point", str(row["theme"]), _fill(rule.title, **values),
                           _fill(rule.why, **values), row["gain"],
                           _owner(rule, team, rules, row["theme"], label), priority, rule.urgency))
    return out


def _drivers(drivers, rules, team, pain_actions):
    rule = rules.rules.fix_driver
    if drivers is None or drivers.empty or not rule.enabled:
        return []
    if drivers.attrs.get("status", "ok") != "ok" or "quadrant" not in drivers:
        return []
    fix = drivers[drivers["quadrant"] == "fix first"].sort_values("importance", ascending=False)
    split = drivers.attrs.get("performance_split", float(drivers["performance"].mean()))
    by_theme = {a["subject"]: a for a in pain_actions}
    out = []
    for _, row in fix.head(rule.max_actions).iterrows():
        label = str(_get(row, "label", row["driver"]))
        values = dict(team=team or "the team", driver=label, share=float(row["share"]),
                      importance=float(row["importance"]),
                      performance=float(row["performance"]), performance_split=float(split))
        why = _fill(rule.why, **values)
        linked = rules.driver_themes.get(str(row["driver"]))
        if linked in by_theme:
            # The theme's action already asks for this fix: add the rating evidence to it
            # (its expected effect stays the theme's, one number per action).
            by_theme[linked]["why"] += " Ratings agree: " + why[:1].lower() + why[1:]
            continue
        effect = _get(row, "expected_effect", np.nan)
        if _finite(effect) and rule.why_effect:
            why += " " + _fill(rule.why_effect, team=values["team"], effect=float(effect),
                               gap=float(_get(row, "gap", np.nan)),
                               best=str(_get(row, "best", "")),
                               best_performance=float(_get(row, "best_performance", np.nan)))
        priority = "high" if _finite(effect) and effect >= rule.high_effect else rule.priority
        out.append(_action("fix_driver", str(row["driver"]), _fill(rule.title, **values), why,
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
    return [_action("follow_up_detractors", "detractors", _fill(rule.title, **values),
                    _fill(rule.why, **values), np.nan, _owner(rule, team, rules), priority,
                    rule.urgency)]


def _promoters(team_row, rules, team):
    rule = rules.rules.engage_promoters
    promoters = _get(team_row, "promoters")
    if not rule.enabled or promoters is None or int(promoters) < rule.min_promoters:
        return []
    values = dict(team=team or "the team", promoters=int(promoters),
                  pct_promoters=float(_get(team_row, "pct_promoters", np.nan)))
    return [_action("engage_promoters", "promoters", _fill(rule.title, **values),
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
        out.append(_action("investigate_decline", f"decline vs {base}",
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
    elif _finite(moe):
        precision = f", so the score's margin of error is ±{float(moe):.0f} points"
    else:
        precision = ""
    values = dict(team=team or "the team", n=n, precision=precision)
    return [_action("small_sample", "sample size", _fill(rule.title, **values),
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
    return [_action("check_score_pattern", "; ".join(dict.fromkeys(flags["flag"].astype(str))),
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
    """
    rules = _resolve(rules)
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
        return _empty()
    return _rank(pd.DataFrame(actions))[ACTION_COLUMNS]


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
    rules = _resolve(rules)
    followup = None
    if detractors_df is not None:
        from .closeloop import followup_summary

        followup = followup_summary(detractors_df)
    if (driver_table is not None and responses is not None and not driver_table.empty
            and "expected_effect" not in driver_table):
        driver_table = driver_effects(responses, driver_table,
                                      min_ratings=rules.rules.fix_driver.min_ratings)
    return recommend(team_row=team_row, themes=theme_impact, drivers=driver_table,
                     changes=changes_table, followup=followup, anomalies=anomalies_df,
                     previous_themes=previous_theme_impact, rules=rules,
                     display_floor=display_floor, team=team)


def gather(actions_by_team: dict, top: int = 5, *, sizes: Optional[dict] = None,
           always=("check_score_pattern",)) -> pd.DataFrame:
    """The top actions across teams, for a department summary.

    Parameters
    ----------
    actions_by_team : dict
        Team name -> its :func:`recommend` table.
    top : int, default 5
        Actions kept (after ranking across all teams).
    sizes : dict, optional
        Team name -> responses this quarter. With it, ``department_effect`` is the
        team's expected effect scaled to the department (``expected_effect x n_team /
        n_all``; a team's NPS moves the department's in proportion to its responses)
        and the ranking uses it. Without it the ranking uses ``expected_effect``.
    always : tuple of str, default ("check_score_pattern",)
        Rules whose actions are kept even beyond ``top``: a score to check before
        trusting it is never left out of a summary.

    Returns
    -------
    DataFrame
        ``team`` followed by :data:`ACTION_COLUMNS` (and ``department_effect`` with
        ``sizes``), ``rank`` renumbered 1.. across the department.
    """
    if int(top) < 1:
        raise ValueError(f"top must be 1 or more, got {top!r}")
    frames = [table.assign(team=str(name)) for name, table in actions_by_team.items()
              if table is not None and not table.empty]
    columns = ["team"] + ACTION_COLUMNS + (["department_effect"] if sizes else [])
    if not frames:
        out = _empty().assign(team=pd.Series(dtype="object"))
        if sizes:
            out["department_effect"] = pd.Series(dtype="float64")
        return out[columns]
    table = pd.concat(frames, ignore_index=True)
    effect = "expected_effect"
    if sizes:
        total = float(sum(sizes.get(t, 0) for t in actions_by_team))
        weight = table["team"].map(lambda t: sizes.get(t, 0) / total if total else np.nan)
        table["department_effect"] = table["expected_effect"] * weight.astype(float)
        effect = "department_effect"
    table = _rank(table, effect=effect)
    keep = (table["rank"] <= int(top)) | table["rule"].isin(list(always))
    out = table[keep].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out[columns]


def display_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Presentation copy of an actions table: numbered, effect as text, plain column names."""
    effect = [f"+{v:.1f} NPS points" if _finite(v) else "not estimated"
              for v in actions["expected_effect"]]
    shown = pd.DataFrame({"#": actions["rank"].to_numpy()})
    if "team" in actions:
        shown["team"] = actions["team"].to_numpy()
    shown["action"] = actions["title"].to_numpy()
    shown["why"] = actions["why"].to_numpy()
    shown["expected effect"] = effect
    if "department_effect" in actions:
        shown["effect on the department"] = [
            f"+{v:.1f} NPS points" if _finite(v) else "not estimated"
            for v in actions["department_effect"]]
    shown["owner"] = actions["owner"].to_numpy()
    shown["priority"] = actions["priority"].to_numpy()
    shown["urgency"] = actions["urgency"].to_numpy()
    return shown
