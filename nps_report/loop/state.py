"""The build's case state: read the returns, merge them, write the case, rejected and history files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..spreadsheets import write_csv
from .cases import detractor_cases
from .returns import HISTORY_COLUMNS, REJECTED_COLUMNS, Returns, merge_returns, read_returns

__all__ = ["CASES_FILE", "HISTORY_FILE", "REJECTED_FILE", "case_state", "load_case_state",
           "write_case_files"]

#: The merged case state, in the build's tables folder (names customers' response ids: not shared).
CASES_FILE = "loop_cases.parquet"
#: Returned rows rejected, with a reason per row, in the build folder.
REJECTED_FILE = "loop_rejected.csv"
#: Every accepted returned row (``current``: the one that is the case's state), in the build folder.
HISTORY_FILE = "loop_history.csv"


def case_state(responses: pd.DataFrame, returns_folder=None, *, tz: str = "UTC",
               now=None) -> tuple[pd.DataFrame, Returns, pd.DataFrame]:
    """Every detractor case of the build with the state the returned workbooks give it.

    Parameters
    ----------
    responses : DataFrame
        The build's canonical responses (every quarter).
    returns_folder : path-like, optional
        The build's ``loop.returns`` folder (None or missing: nothing returned).
    tz : str
        The build's time zone (dates typed without one).
    now : timestamp, optional
        A contact after this day is in the future (default: now).

    Returns
    -------
    (state, returns, history)
        :func:`nps_report.loop.returns.merge_returns`'s state and history, and what
        :func:`nps_report.loop.returns.read_returns` found (its ``rejected`` rows).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"response_id": ["r1", "r2"], "score": [3, 10], "team": "A",
    ...     "quarter": "2026Q3", "submitted_at": pd.to_datetime(["2026-08-01"] * 2, utc=True)})
    >>> state, returns, history = case_state(data)
    >>> state["status"].tolist(), len(returns.rejected), len(history)
    (['open'], 0, 0)
    """
    cases = detractor_cases(responses)
    if returns_folder is None:
        found = Returns(accepted=pd.DataFrame(columns=HISTORY_COLUMNS[:-1]),
                        rejected=pd.DataFrame(columns=REJECTED_COLUMNS), files=[])
    else:
        found = read_returns(returns_folder, responses, now=now, tz=tz)
    state, history = merge_returns(cases, found.accepted)
    return state, found, history


def write_case_files(folder, state: pd.DataFrame, returns: Returns, history: pd.DataFrame) -> dict:
    """Write the case state (``tables/loop_cases.parquet``), rejected rows and history (CSVs).

    The CSVs are formula-safe (:func:`nps_report.spreadsheets.write_csv`): they hold what
    leads typed. Returns the three paths by name (``cases``, ``rejected``, ``history``).
    """
    from ..tables.saving import TABLES_FOLDER

    folder = Path(folder)
    cases_path = folder / TABLES_FOLDER / CASES_FILE
    cases_path.parent.mkdir(parents=True, exist_ok=True)
    out = state.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].astype("string")
    with atomic_path(cases_path) as tmp:  # a killed build never leaves half a table
        out.to_parquet(tmp, index=False)
    history = history.assign(contacted_on=pd.to_datetime(history["contacted_on"], utc=True)
                             .dt.strftime("%Y-%m-%d %H:%M UTC"),
                             returned_at=pd.to_datetime(history["returned_at"], utc=True)
                             .dt.strftime("%Y-%m-%d %H:%M:%S UTC"))
    return {"cases": cases_path,
            "rejected": write_csv(returns.rejected, folder / REJECTED_FILE, columns=REJECTED_COLUMNS),
            "history": write_csv(history, folder / HISTORY_FILE, columns=HISTORY_COLUMNS)}


def load_case_state(folder) -> pd.DataFrame | None:
    """The case state a build wrote into ``folder`` (None when it wrote none)."""
    from ..tables.saving import TABLES_FOLDER

    path = Path(folder) / TABLES_FOLDER / CASES_FILE
    return pd.read_parquet(path) if path.exists() else None
