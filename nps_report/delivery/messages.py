"""Compose the messages ``nps-report send`` delivers (standard library ``EmailMessage``).

Two kinds, kept apart on purpose:

- a department message: the department pack (and optionally its team PDFs) for the
  department's recipients, with the headline in the body. Only PDFs may be attached: a
  close-the-loop workbook (it names customers) is refused here, whatever the caller passes.
- a team lead message: one team's close-the-loop workbook, for that team's lead only.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from ..pipeline.fingerprints import file_hash
from .headline import DepartmentHeadline, headline_html, headline_text

__all__ = ["Attachment", "department_message", "plain_addresses", "team_lead_message"]

#: The only kind of file a department message carries.
PDF = ".pdf"


@dataclass(frozen=True)
class Attachment:
    """A file to attach: where it is, the name the recipient sees, and its SHA-256."""

    path: Path
    name: str
    sha256: str

    @classmethod
    def of(cls, path, name: str | None = None) -> "Attachment":
        path = Path(path)
        return cls(path=path, name=name or path.name, sha256=file_hash(path))


def plain_addresses(recipients) -> list[str]:
    """``["Ann <ann@example.org>", "bob@example.org"]`` -> ``["ann@example.org", "bob@example.org"]``.

    Examples
    --------
    >>> plain_addresses(["Ann <Ann@Example.org>", "bob@example.org"])
    ['ann@example.org', 'bob@example.org']
    """
    return [address.lower() for _, address in getaddresses(list(recipients)) if address]


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    maintype, subtype = kind.split("/", 1)
    message.add_attachment(attachment.path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=attachment.name)


def _envelope(*, sender: str, recipients, subject: str, when) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    domain = plain_addresses([sender])[0].rsplit("@", 1)[-1] if plain_addresses([sender]) else None
    message["Message-ID"] = make_msgid("nps-report", domain=domain)
    return message


def department_message(headline: DepartmentHeadline, attachments, *, sender: str, recipients,
                       when, build: str = "", html: bool = True,
                       not_included: tuple = ()) -> EmailMessage:
    """One department's message: its headline in the body, its pack (and team PDFs) attached.

    Parameters
    ----------
    headline : DepartmentHeadline
    attachments : list of Attachment
        The pack first, then any team PDFs. Only PDFs are accepted.
    sender : str
        The From address.
    recipients : list of str
    when : datetime
        The Date header (timezone-aware).
    build : str
        The build's name, said in the body.
    html : bool
        Add an HTML alternative of the body.
    not_included : tuple of str
        Reports missing from the pack (failed to build), named in the body.

    Raises
    ------
    ValueError
        When an attachment is not a PDF (a close-the-loop workbook never travels here).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> h = DepartmentHeadline("Finance", "2026Q3", "Department NPS: +12")
    >>> m = department_message(h, [], sender="nps@example.org", recipients=["cfo@example.org"],
    ...                        when=datetime(2026, 10, 5, tzinfo=timezone.utc))
    >>> m["Subject"]
    'NPS 2026Q3: Finance department pack'
    """
    attachments = list(attachments)
    refused = [a.name for a in attachments if Path(a.name).suffix.lower() != PDF]
    if refused:
        raise ValueError(f"a department message carries PDFs only, not {', '.join(refused)} "
                         "(close-the-loop workbooks go to team leads only)")
    message = _envelope(sender=sender, recipients=recipients, when=when,
                        subject=f"NPS {headline.quarter}: {headline.department} department pack")
    names = ", ".join(a.name for a in attachments) or "nothing"
    build_text = f' (build "{build}")' if build else ""
    intro = (f"Hello,\n\nattached is the {headline.department} department pack for "
             f"{headline.quarter}{build_text}: the department summary and the reports of its "
             f"{headline.teams} team{'s' if headline.teams != 1 else ''}.")
    missing = ("\n\nNot in the pack (the report failed to build): " + ", ".join(not_included)
               if not_included else "")
    footer = (f"\n\nAttached: {names}.\n"
              "Close-the-loop lists name customers: they go to each team's lead only and are "
              "never attached to this message.\n\n-- \nSent with nps-report send.")
    body = f"{intro}{missing}\n\n{headline_text(headline)}{footer}\n"
    message.set_content(body)
    if html:
        import html as html_mod

        esc = html_mod.escape
        message.add_alternative(
            "<html><body>"
            f"<p>Hello,</p><p>attached is the {esc(headline.department)} department pack for "
            f"{esc(headline.quarter)}{esc(build_text)}: the department summary and the reports "
            f"of its {headline.teams} team{'s' if headline.teams != 1 else ''}.</p>"
            + (f"<p>Not in the pack (the report failed to build): {esc(', '.join(not_included))}</p>"
               if not_included else "")
            + headline_html(headline)
            + f"<p>Attached: {esc(names)}.<br>Close-the-loop lists name customers: they go to "
              "each team's lead only and are never attached to this message.</p>"
              "<p>-- <br>Sent with nps-report send.</p></body></html>", subtype="html")
    for attachment in attachments:
        _attach(message, attachment)
    return message


def team_lead_message(*, team: str, quarter: str, workbook: Attachment, sender: str, recipients,
                      when, build: str = "") -> EmailMessage:
    """A team lead's message: the team's close-the-loop workbook, nothing else.

    The body names no customer: it says what the workbook is and that it stays in the team.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> m = team_lead_message(team="Billing", quarter="2026Q3", workbook=None,
    ...                       sender="nps@example.org", recipients=["lead@example.org"],
    ...                       when=datetime(2026, 10, 5, tzinfo=timezone.utc))
    >>> m["Subject"]
    'NPS 2026Q3: close-the-loop list for Billing'
    """
    message = _envelope(sender=sender, recipients=recipients, when=when,
                        subject=f"NPS {quarter}: close-the-loop list for {team}")
    build_text = f' (build "{build}")' if build else ""
    message.set_content(
        f"Hello,\n\nattached is the close-the-loop list of {team} for {quarter}{build_text}: "
        "the detractors to call back and the promoters to thank.\n\n"
        "It names customers: keep it within the team and do not forward it.\n\n"
        "-- \nSent with nps-report send.\n")
    if workbook is not None:
        _attach(message, workbook)
    return message
