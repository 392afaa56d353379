"""The sent record: what was sent, to whom and when, one JSON line per message.

``<build>/sent.jsonl`` is append-only: each message sent (or failed) adds a line, and the
file is rewritten whole through a temporary file and an atomic rename, so a crash never
leaves half a line. A pack already sent unchanged (same SHA-256 of every attachment) to a
recipient is not sent to that recipient again unless asked (``--resend``).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_bytes

__all__ = ["SENT", "FAILED", "SENT_FILE", "already_received", "append_sent", "read_sent"]

#: The record's file name, in the build folder.
SENT_FILE = "sent.jsonl"
SENT = "sent"
FAILED = "failed"


def read_sent(folder) -> list[dict]:
    """Every line of ``folder/sent.jsonl`` (an empty list when nothing was sent yet)."""
    path = Path(folder) / SENT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def append_sent(folder, entry: dict) -> Path:
    """Append one entry to ``folder/sent.jsonl`` atomically (temporary file, then rename).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = append_sent(folder, {"status": "sent", "recipients": ["a@example.org"]})
    ...     _ = append_sent(folder, {"status": "failed", "recipients": ["b@example.org"]})
    ...     [e["status"] for e in read_sent(folder)]
    ['sent', 'failed']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SENT_FILE
    before = path.read_bytes() if path.exists() else b""
    if before and not before.endswith(b"\n"):
        before += b"\n"
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    return write_bytes(path, before + line)


def attachments_key(attachments) -> list:
    """``[[name, sha256], ...]`` sorted: what makes two messages carry the same files."""
    return sorted([a["name"], a["sha256"]] for a in attachments)


def already_received(records, *, kind: str, quarter: str, department, team, attachments) -> set:
    """The addresses (lower case) that already received these exact attachments.

    Parameters
    ----------
    records : list of dict
        :func:`read_sent`.
    kind, quarter, department, team
        Which message (``kind`` ``"department"`` or ``"team_lead"``).
    attachments : list of dict
        ``name`` and ``sha256`` of each attachment of the message about to be sent.

    Examples
    --------
    >>> sent = [{"kind": "department", "quarter": "2026Q3", "department": "Finance", "team": None,
    ...          "status": "sent", "recipients": ["a@example.org"],
    ...          "attachments": [{"name": "Finance.pdf", "sha256": "abc"}]}]
    >>> already_received(sent, kind="department", quarter="2026Q3", department="Finance",
    ...                  team=None, attachments=[{"name": "Finance.pdf", "sha256": "abc"}])
    {'a@example.org'}
    >>> already_received(sent, kind="department", quarter="2026Q3", department="Finance",
    ...                  team=None, attachments=[{"name": "Finance.pdf", "sha256": "changed"}])
    set()
    """
    wanted = attachments_key(attachments)
    received: set = set()
    for entry in records:
        if (entry.get("status") == SENT and entry.get("kind") == kind
                and entry.get("quarter") == quarter and entry.get("department") == department
                and entry.get("team") == team
                and attachments_key(entry.get("attachments", [])) == wanted):
            received |= {r.lower() for r in entry.get("recipients", [])}
    return received
