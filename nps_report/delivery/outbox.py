"""The outbox: each message written as an ``.eml`` file to check before anything is sent."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from ..atomic import write_bytes

__all__ = ["OUTBOX_FOLDER", "clear_outbox", "write_eml"]

#: The outbox's folder inside the build folder, when the build file names none.
OUTBOX_FOLDER = "outbox"


def write_eml(message: EmailMessage, path) -> Path:
    """Write ``message`` to ``path`` as an RFC 5322 file (CRLF line ends, as sent), atomically.

    Any mail program opens it; ``email.message_from_binary_file`` reads it back.

    Examples
    --------
    >>> import email, tempfile, pathlib
    >>> from email.message import EmailMessage
    >>> m = EmailMessage(); m["Subject"] = "NPS 2026Q3"; m.set_content("Department NPS: +12")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_eml(m, pathlib.Path(d) / "Finance.eml")
    ...     back = email.message_from_bytes(path.read_bytes())
    ...     removed = clear_outbox(d)
    >>> back["Subject"], removed
    ('NPS 2026Q3', 1)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(path, message.as_bytes(policy=SMTP))


def clear_outbox(folder) -> int:
    """Remove the ``.eml`` files of an earlier run from ``folder`` (and its ``leads/``); the count."""
    folder = Path(folder)
    stale = list(folder.glob("*.eml")) + list(folder.glob("leads/*.eml"))
    for path in stale:
        path.unlink()
    return len(stale)
