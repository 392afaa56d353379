"""The outer loop: what owners did about the recommended actions, and what came of it.

==============  ===================================================================
``log``         the action log a build writes beside its reports (XLSX with a status
                drop-down, and CSV)
``returns``     returned logs: read what owners typed, check every row with reasons
``store``       a build's action-log files: issued actions, history, latest entry per
                action, refused rows
``evidence``    then and now: change of a share (z or Fisher, Newcombe interval) and of
                a mean rating (Welch)
``report``      the "What came of last quarter's actions" table of a team report
==============  ===================================================================

Examples
--------
>>> from nps_report.followup import STATUSES, action_id
>>> STATUSES
('planned', 'in progress', 'done', 'dropped')
"""

from __future__ import annotations

from ..actions.ids import action_id, with_action_ids
from .evidence import mean_change, newcombe_interval, share_change
from .log import LOG_COLUMNS, STATUSES, action_log, write_action_log
from .report import FOLLOWUP_COLUMNS, action_followup, followup_table, p_text
from .returns import check_returns, read_returned_log
from .store import ACTIONS_FOLDER, ReturnedLogs, read_latest, read_returns, write_quarter_log

__all__ = ["ACTIONS_FOLDER", "FOLLOWUP_COLUMNS", "LOG_COLUMNS", "STATUSES", "ReturnedLogs",
           "action_followup", "action_id", "action_log", "check_returns", "followup_table",
           "mean_change", "newcombe_interval", "p_text", "read_latest", "read_returned_log",
           "read_returns", "share_change", "with_action_ids", "write_action_log",
           "write_quarter_log"]
