"""Closing the loop with detractors, case by case.

- :mod:`~nps_report.loop.cases`: every detractor is a case (statuses, carry-over);
- :mod:`~nps_report.loop.workbook`: the workbook a team lead fills in (drop-down status,
  contact date, owner, outcome, note; carried-over cases);
- :mod:`~nps_report.loop.returns`: returned workbooks read, validated, merged (the latest
  return wins, older ones kept in the history);
- :mod:`~nps_report.loop.state`: the build's case state and its files;
- :mod:`~nps_report.loop.figures`: loop figures per team and quarter (no names, no ids);
- :mod:`~nps_report.loop.callback`: "did calling back help?".
"""

from __future__ import annotations

from .callback import CALLBACK_CAVEAT, CALLBACK_COLUMNS, callback_effect
from .cases import (CARRIED_OVER, CASE_COLUMNS, CLOSED, CONTACTED, CUSTOMER_FIELDS, EDIT_COLUMNS,
                    OPEN, STATUSES, detractor_cases, loop_start, still_open)
from .figures import LOOP_COLUMNS, STATUS_COLUMNS, loop_figures
from .returns import (HISTORY_COLUMNS, REJECTED_COLUMNS, Returns, merge_returns, read_return_file,
                      read_returns, return_files)
from .state import CASES_FILE, HISTORY_FILE, REJECTED_FILE, case_state, load_case_state, write_case_files
from .workbook import CUSTOMER_FILL, WORKBOOK_COLUMNS, loop_list, write_loop_workbook

__all__ = ["CALLBACK_CAVEAT", "CALLBACK_COLUMNS", "CARRIED_OVER", "CASES_FILE", "CASE_COLUMNS", "CLOSED",
           "CONTACTED", "CUSTOMER_FIELDS", "CUSTOMER_FILL", "EDIT_COLUMNS", "HISTORY_COLUMNS",
           "HISTORY_FILE", "LOOP_COLUMNS", "OPEN", "REJECTED_COLUMNS", "REJECTED_FILE", "Returns",
           "STATUSES", "STATUS_COLUMNS", "WORKBOOK_COLUMNS", "callback_effect", "case_state",
           "detractor_cases", "load_case_state", "loop_figures", "loop_list", "loop_start",
           "merge_returns", "read_return_file", "read_returns", "return_files", "still_open",
           "write_case_files", "write_loop_workbook"]
