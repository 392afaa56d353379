"""The rules file (``nps_report/data/actions.yaml``): its schema, reading, merging and checking it."""

from __future__ import annotations

import math
import string
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..exceptions import ParamsError

__all__ = ["PRIORITIES", "RULE_ORDER", "URGENCIES", "ActionRules", "AnomalyChecks", "BaseRule",
           "default_rules_path", "load_rules", "parse_rules", "resolve_rules"]

#: Priorities, highest first.
PRIORITIES = ("high", "medium", "low")
#: Urgencies, most urgent first (ranks actions of equal evidence).
URGENCIES = ("immediate", "this quarter", "next quarter")
#: Rules in the order they are tried (also the last tie-breaker of the ranking).
RULE_ORDER = ("fix_pain_point", "fix_driver", "follow_up_detractors", "engage_promoters",
              "investigate_decline", "small_sample", "check_score_pattern")

_SHIPPED = "actions.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseRule(_Frozen):
    """What every rule has: a switch, priority, urgency, owner and its texts."""

    enabled: bool = True
    priority: Literal["high", "medium", "low"] = "medium"
    urgency: Literal["immediate", "this quarter", "next quarter"] = "this quarter"
    owner: str = "{team} team lead"
    title: str
    why: str


class PainPointRule(BaseRule):
    max_actions: int = Field(2, ge=1)
    min_evidence: float = Field(0.0, ge=0)
    min_detractors: int = Field(3, ge=1)
    high_evidence: float = Field(3.0, ge=0)
    none_text: str = "No pain point stands out this quarter."


class DriverRule(BaseRule):
    max_actions: int = Field(2, ge=1)
    none_text: str = "No clear driver to fix this quarter."


class FollowUpRule(BaseRule):
    sla_hours: float = Field(48, gt=0)


class PromoterRule(BaseRule):
    min_promoters: int = Field(5, ge=1)


class DeclineRule(BaseRule):
    lags: list[int] = Field(default_factory=lambda: [1])
    min_growth: float = Field(5.0, ge=0)
    max_themes: int = Field(3, ge=1)
    grown_text: str
    no_growth_text: str
    no_comparison_text: str


class SmallSampleRule(BaseRule):
    min_n: int = Field(30, ge=1)


class ScorePatternRule(BaseRule):
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
    max_p: float = Field(0.001, gt=0, lt=1)
    history_quarters: int = Field(4, ge=0)
    min_yardstick: int = Field(30, ge=1)


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
    "fix_pain_point": {"title": "why", "why": "why", "none_text": "why"},
    "fix_driver": {"title": "why", "why": "why", "none_text": "why"},
    "investigate_decline": {"title": "why", "why": "why", "grown_text": "growth",
                            "no_growth_text": "growth", "no_comparison_text": "growth"},
}
_SAMPLES = {
    ("fix_pain_point", "why"): dict(theme="Billing errors", detractors=12, mentions=15,
                                    below=25.0, below_low=12.0, below_high=38.0,
                                    p_text="adjusted p = 0.003", gain=4.2, gain_low=2.1,
                                    gain_high=6.3),
    ("fix_driver", "why"): dict(driver="Billing accuracy", share=0.4, importance=0.2,
                                importance_low=0.12, importance_high=0.27, performance=6.1,
                                performance_split=7.0),
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
    from ..resources import shipped_path

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
        (``rules.fix_pain_point.min_evidence``), an unknown key comes with the known ones,
        and a template placeholder the rule does not fill is named.
    """
    from ..params import load_yaml

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


def resolve_rules(rules) -> ActionRules:
    """``rules`` as :class:`ActionRules`: one already, a path (:func:`load_rules`) or None."""
    if rules is None:
        return load_rules()
    if isinstance(rules, ActionRules):
        return rules
    return load_rules(rules)
