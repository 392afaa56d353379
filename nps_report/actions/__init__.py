"""Recommended actions: editable rules turn a report's result tables into ranked next steps.

One module per step, each importing only the ones before it:

==============  ===================================================================
``rules``       the rules file (``nps_report/data/actions.yaml``): schema of the rules, owners
                and anomaly-check thresholds; read, merge over the shipped file, check
``table``       the actions table: its columns (``evidence``: the ranking basis in
                NPS points), one action's row, the ranking (warnings first), a
                copy for display
``engine``      each rule applied to one group's result tables (:func:`recommend`,
                :func:`team_actions`)
``combined``    several pain points' scenario on the union of responses
                (:func:`combined_scenario`)
``gathering``   the top actions across a department's teams (:func:`gather`)
==============  ===================================================================

The names below are the package's public API; import them from here
(``from nps_report import actions; actions.recommend(...)``).
"""

from __future__ import annotations

from .combined import combined_scenario
from .engine import PAIN_POINT, recommend, team_actions
from .gathering import gather
from .rules import (PRIORITIES, RULE_ORDER, URGENCIES, ActionRules, default_rules_path, load_rules,
                    parse_rules, resolve_rules)
from .table import ACTION_COLUMNS, WARNING_RULES, display_table, evidence_text, rank_actions

__all__ = [
    "ACTION_COLUMNS",
    "PAIN_POINT",
    "PRIORITIES",
    "RULE_ORDER",
    "URGENCIES",
    "WARNING_RULES",
    "ActionRules",
    "combined_scenario",
    "default_rules_path",
    "display_table",
    "evidence_text",
    "gather",
    "load_rules",
    "parse_rules",
    "rank_actions",
    "recommend",
    "resolve_rules",
    "team_actions",
]
