"""``nps-report send``: deliver each department's pack of a quarter to its recipients.

1. Plan: for each department listed under ``send.departments``, its pack of the quarter
   (``<build>/<quarter>/packs/<department>.pdf``, as the build's manifest records it),
   optionally its team PDFs, and the headline read from its summary's saved tables; for
   each team lead under ``send.leads`` (only when ``send.team_leads`` is true), the team's
   close-the-loop workbook. Something listed that does not exist is a failed delivery.
2. Leave out the recipients who already received the same files (the SHA-256 of every
   attachment, in ``sent.jsonl``), unless ``resend``.
3. Write each message as an ``.eml`` to the outbox (default), or send it through SMTP and
   record it in ``sent.jsonl``. One failing message never stops the others.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import schema
from ..exceptions import ParamsError
from ..export.packs import CLOSE_THE_LOOP_FILE
from ..pipeline.plan import safe_name
from ..tables.saving import TABLES_FILE, tables_folder
from .headline import DepartmentHeadline, department_headline
from .messages import Attachment, department_message, plain_addresses, team_lead_message
from .outbox import OUTBOX_FOLDER, clear_outbox, write_eml
from .record import FAILED, SENT, already_received, append_sent, read_sent
from .smtp import ENVIRONMENT, SmtpSender, smtp_settings

__all__ = ["DEPARTMENT", "Delivery", "SendResult", "TEAM_LEAD", "WRITTEN", "build_folder",
           "plan_deliveries", "send_packs"]

DEPARTMENT = "department"
TEAM_LEAD = "team_lead"
#: Status of a message written to the outbox (nothing was sent).
WRITTEN = "written"
MANIFEST = "manifest.json"


@dataclass
class Delivery:
    """One message to deliver (or the reason it cannot be).

    Attributes
    ----------
    kind : str
        :data:`DEPARTMENT` or :data:`TEAM_LEAD`.
    quarter, department, team : str
        ``team`` is None for a department message.
    recipients : list of str
        As listed in the build file.
    attachments : list of Attachment
    headline : DepartmentHeadline, optional
    not_included : tuple of str
        Teams whose report failed and is missing from the pack.
    problem : str, optional
        Why it cannot be sent (the pack or workbook does not exist ...).
    """

    kind: str
    quarter: str
    department: str | None
    team: str | None
    recipients: list
    attachments: list = field(default_factory=list)
    headline: DepartmentHeadline | None = None
    not_included: tuple = ()
    problem: str | None = None
    #: The outbox file's name without ``.eml`` (the pack's or the team folder's name, unique).
    stem: str | None = None

    @property
    def label(self) -> str:
        return (f"{self.department} department pack" if self.kind == DEPARTMENT
                else f"{self.team} close-the-loop list")

    @property
    def eml_name(self) -> str:
        if self.kind == DEPARTMENT:
            return f"{self.stem or safe_name(self.department)}.eml"
        return f"leads/{self.stem or safe_name(self.team)}.eml"

    def attachment_records(self) -> list:
        return [{"name": a.name, "sha256": a.sha256, "bytes": a.path.stat().st_size}
                for a in self.attachments]


@dataclass
class SendResult:
    """What :func:`send_packs` did: one entry per message, by outcome.

    ``delivered`` holds the messages sent (``--smtp``) or written to the outbox,
    ``skipped`` those every recipient already had, ``failed`` those not sent (with
    ``error``); ``not_listed`` the departments of the quarter nobody is listed for.
    """

    quarter: str
    mode: str
    outbox: Path | None = None
    delivered: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    not_listed: list = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every message was delivered or already had been, 1 when one failed."""
        return 1 if self.failed else 0


def build_folder(params) -> Path:
    """The folder a build of ``params`` writes into (``<output_dir>/<name>``).

    Examples
    --------
    >>> from nps_report.params import parse_params
    >>> build_folder(parse_params({"name": "q3", "data": {"path": "x.csv"}})).as_posix()
    'output/q3'
    """
    from ..pipeline.publish import output_location

    return output_location(params)[0] / params.name


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise ParamsError(f"no build in {folder} (no {MANIFEST}): run nps-report build first",
                          key="output_dir")
    return json.loads(path.read_text(encoding="utf-8"))


def _quarter(manifest: dict, quarter: str | None) -> str:
    built = sorted({e["quarter"] for e in manifest.values()
                    if e.get("kind") == "pack" and e.get("quarter")}, key=schema.parse_quarter)
    if not built:
        raise ParamsError("the build has no department pack: build with formats [pdf] first",
                          key="formats")
    if quarter is None:
        return built[-1]
    if quarter not in built:
        raise ParamsError(f"no department pack was built for {quarter}; built: {', '.join(built)}",
                          key="--quarter")
    return quarter


def _entries(manifest: dict, kind: str, quarter: str) -> dict:
    return {k: e for k, e in manifest.items() if e.get("kind") == kind and e.get("quarter") == quarter}


def _unknown(name: str, known, what: str, quarter: str) -> str:
    """The reason a listed name has nothing to send, with the closest name built."""
    close = difflib.get_close_matches(name, [k for k in known if k], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"no {what} {name!r} in {quarter}{hint}"


def _department_delivery(folder: Path, manifest: dict, quarter: str, department: str,
                         recipients: list, team_pdfs: bool) -> Delivery:
    delivery = Delivery(DEPARTMENT, quarter, department, None, list(recipients))
    packs = {e.get("department"): (k, e) for k, e in _entries(manifest, "pack", quarter).items()}
    if department not in packs:
        delivery.problem = _unknown(department, packs, "department pack for", quarter)
        return delivery
    key, entry = packs[department]
    path = folder / key
    delivery.stem = Path(key).stem
    if entry.get("status") != "ok" or not path.exists():
        reason = entry.get("error") or ("file missing" if entry.get("status") == "ok"
                                        else f"status {entry.get('status')}")
        delivery.problem = f"the pack {key} was not built ({reason}); not sent"
        return delivery
    summaries = {e.get("department"): (k, e) for k, e in _entries(manifest, "department", quarter).items()}
    summary_key, summary = summaries.get(department, (None, {}))
    tables = tables_folder(folder / summary_key) if summary_key else None
    if summary.get("status") != "ok" or tables is None or not (tables / TABLES_FILE).exists():
        delivery.problem = (f"the department summary of {department} ({quarter}) failed or is "
                            "missing, so its pack lacks it; not sent")
        return delivery
    delivery.headline = department_headline(tables)
    delivery.not_included = tuple(manifest.get(k, {}).get("team") or Path(k).name
                                  for k in entry.get("not_included", []))
    delivery.attachments = [Attachment.of(path, f"{department} {quarter} department pack.pdf")]
    if team_pdfs:
        teams = sorted(((e["team"], k) for k, e in _entries(manifest, "team", quarter).items()
                        if e.get("department") == department and e.get("status") == "ok"
                        and (folder / k / "report.pdf").exists()), key=lambda t: t[0].casefold())
        delivery.attachments += [Attachment.of(folder / k / "report.pdf", f"{team} {quarter}.pdf")
                                 for team, k in teams]
    return delivery


def _lead_delivery(folder: Path, manifest: dict, quarter: str, team: str, recipients: list) -> Delivery:
    teams = {e.get("team"): (k, e) for k, e in _entries(manifest, "team", quarter).items()}
    department = teams.get(team, (None, {}))[1].get("department")
    delivery = Delivery(TEAM_LEAD, quarter, department, team, list(recipients))
    if team not in teams:
        delivery.problem = _unknown(team, teams, "team report for", quarter)
        return delivery
    delivery.stem = Path(teams[team][0]).name
    path = folder / teams[team][0] / CLOSE_THE_LOOP_FILE
    if not path.exists():
        delivery.problem = f"{team} has no close-the-loop workbook for {quarter} ({path} missing)"
        return delivery
    delivery.attachments = [Attachment.of(path, f"{team} {quarter} close the loop.xlsx")]
    return delivery


def plan_deliveries(folder, manifest: dict, send, quarter: str, *, team_pdfs: bool = False) -> list:
    """Every message of ``quarter``: department messages, then team lead messages.

    Parameters
    ----------
    folder : path
        The build folder.
    manifest : dict
        The build's ``manifest.json``.
    send : SendOptions
        The build file's ``send`` section.
    quarter : str
    team_pdfs : bool
        Attach each team's report PDF to its department's message.

    Returns
    -------
    list of Delivery
        One per department listed under ``send.departments``, then (when
        ``send.team_leads``) one per team under ``send.leads``.

    Examples
    --------
    >>> from nps_report.params import SendOptions
    >>> send = SendOptions(departments={"Finance": ["cfo@example.org"]})
    >>> [d.problem for d in plan_deliveries(".", {}, send, "2026Q3")]
    ["no department pack for 'Finance' in 2026Q3"]
    """
    folder = Path(folder)
    out = [_department_delivery(folder, manifest, quarter, department, recipients, team_pdfs)
           for department, recipients in send.departments.items()]
    if send.team_leads:
        out += [_lead_delivery(folder, manifest, quarter, team, recipients)
                for team, recipients in send.leads.items()]
    return out


def _compose(delivery: Delivery, *, sender: str, recipients, when, build: str, html: bool):
    if delivery.kind == DEPARTMENT:
        return department_message(delivery.headline, delivery.attachments, sender=sender,
                                  recipients=recipients, when=when, build=build, html=html,
                                  not_included=delivery.not_included)
    return team_lead_message(team=delivery.team, quarter=delivery.quarter,
                             workbook=delivery.attachments[0], sender=sender,
                             recipients=recipients, when=when, build=build)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def send_packs(params, *, quarter: str | None = None, smtp: bool = False, resend: bool = False,
               outbox=None, include_team_pdfs: bool | None = None, environ=None, say=_say,
               tls_context=None) -> SendResult:
    """Deliver each listed department's pack of ``quarter`` (see the module's docstring).

    Parameters
    ----------
    params : BuildParams
        A build file with a ``send`` section, already built.
    quarter : str, optional
        Default: the latest quarter the build made packs for.
    smtp : bool
        Send through the SMTP server (default: write ``.eml`` files to the outbox).
    resend : bool
        Send even to recipients who already received the same files.
    outbox : path, optional
        Outbox folder (default ``send.outbox``, else ``<build>/outbox``); the messages go
        into its ``<quarter>/`` subfolder.
    include_team_pdfs : bool, optional
        Attach the team PDFs (default ``send.team_pdfs``).
    environ : mapping, optional
        The environment (default ``os.environ``): SMTP server and login.
    say : callable
        Where progress lines go (default: standard error).
    tls_context : ssl.SSLContext, optional
        For STARTTLS/SSL (default: the system's trusted certificates).

    Returns
    -------
    SendResult

    Raises
    ------
    ParamsError
        No ``send`` section, no sender, no SMTP host with ``smtp``, no build or no pack for
        the quarter: before anything is sent.

    Examples
    --------
    >>> from nps_report.params import parse_params
    >>> build = parse_params({"data": {"path": "survey.csv"}})
    >>> send_packs(build)
    Traceback (most recent call last):
    ...
    nps_report.exceptions.ParamsError: key 'send.departments' is missing: list each department's recipients under send.departments (department: [addresses])

    With a ``send`` section, after ``nps-report build``: ``send_packs(build)`` writes the
    outbox, ``send_packs(build, smtp=True)`` sends; ``.exit_code`` is 0 or 1.
    """
    send = params.send
    if send is None or not send.departments:
        raise ParamsError("key 'send.departments' is missing: list each department's recipients "
                          "under send.departments (department: [addresses])", path=params.source_file,
                          key="send.departments")
    environ = os.environ if environ is None else environ
    sender = environ.get(ENVIRONMENT["sender"]) or send.from_address
    if not sender:
        raise ParamsError(f"no sender address: set send.from in the build file or "
                          f"{ENVIRONMENT['sender']}", path=params.source_file, key="send.from")
    settings = smtp_settings(send, environ) if smtp else None
    folder = build_folder(params)
    manifest = _read_manifest(folder)
    quarter = _quarter(manifest, quarter)
    team_pdfs = send.team_pdfs if include_team_pdfs is None else include_team_pdfs
    deliveries = plan_deliveries(folder, manifest, send, quarter, team_pdfs=team_pdfs)
    result = SendResult(quarter=quarter, mode="smtp" if smtp else "outbox")
    listed = set(send.departments)
    result.not_listed = sorted({e.get("department") for e in _entries(manifest, "pack", quarter).values()
                                if e.get("status") != "gone"} - listed)
    for department in result.not_listed:
        say(f"  note: no recipients listed for {department} (send.departments): not sent")
    if send.leads and not send.team_leads:
        say("  note: send.leads lists team leads, but send.team_leads is not true: "
            "no close-the-loop list is sent")
    if not smtp:
        result.outbox = Path(outbox or send.outbox or folder / OUTBOX_FOLDER) / quarter
        clear_outbox(result.outbox)
    records = read_sent(folder)
    now = datetime.now(timezone.utc)
    sender_context = SmtpSender(settings, tls_context=tls_context) if smtp else None
    try:
        for delivery in deliveries:
            _deliver(delivery, result, records=records, folder=folder, sender=sender, now=now,
                     resend=resend, smtp=sender_context, settings=settings, params=params,
                     html=send.html, say=say)
    finally:
        if sender_context is not None:
            sender_context.close()
    done = "sent" if smtp else f"written to {result.outbox}"
    say(f"{quarter}: {len(result.delivered)} messages {done}, {len(result.skipped)} already sent "
        f"(unchanged), {len(result.failed)} failed")
    return result


def _deliver(delivery: Delivery, result: SendResult, *, records, folder, sender, now, resend,
             smtp, settings, params, html, say) -> None:
    """Deliver one message into ``result`` (never raises for that message's own failure)."""
    entry = {"kind": delivery.kind, "quarter": delivery.quarter, "department": delivery.department,
             "team": delivery.team, "recipients": plain_addresses(delivery.recipients)}
    if delivery.problem:
        result.failed.append({**entry, "error": delivery.problem})
        say(f"  NOT SENT {delivery.label}: {delivery.problem}")
        return
    entry["attachments"] = delivery.attachment_records()
    received = set() if resend else already_received(
        records, kind=delivery.kind, quarter=delivery.quarter, department=delivery.department,
        team=delivery.team, attachments=entry["attachments"])
    recipients = [r for r, a in zip(delivery.recipients, entry["recipients"]) if a not in received]
    if not recipients:
        result.skipped.append(entry)
        say(f"  already sent, unchanged: {delivery.label} (--resend to send it again)")
        return
    entry["recipients"] = plain_addresses(recipients)
    try:
        message = _compose(delivery, sender=sender, recipients=recipients, when=now,
                           build=params.name, html=html)
    except Exception as exc:  # one message's failure never stops the others
        result.failed.append({**entry, "error": f"could not compose: {exc}"})
        say(f"  FAILED {delivery.label}: could not compose: {exc}")
        return
    entry.update(subject=str(message["Subject"]), message_id=str(message["Message-ID"]))
    if smtp is None:
        path = write_eml(message, result.outbox / delivery.eml_name)
        result.delivered.append({**entry, "status": WRITTEN, "path": str(path)})
        say(f"  wrote {path}")
        return
    record = {**entry, "mode": "smtp", "server": f"{settings.host}:{settings.port}",
              "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        refused = smtp.send(message, sender=sender, recipients=entry["recipients"])
    except Exception as exc:  # smtplib and socket errors: this message only
        failed = {**record, "status": FAILED, "error": f"{type(exc).__name__}: {exc}"}
        append_sent(folder, failed)
        result.failed.append(failed)
        say(f"  FAILED {delivery.label}: {failed['error']}")
        return
    accepted = [r for r in entry["recipients"] if r not in {k.lower() for k in refused}]
    sent = {**record, "recipients": accepted, "status": SENT}
    append_sent(folder, sent)
    records.append(sent)
    result.delivered.append(sent)
    say(f"  sent {delivery.label} to {', '.join(accepted)}")
    if refused:
        failed = {**record, "recipients": sorted(refused), "status": FAILED,
                  "error": f"refused by the server: {refused}"}
        append_sent(folder, failed)
        result.failed.append(failed)
        say(f"  FAILED {delivery.label} for {', '.join(sorted(refused))}: refused by the server")
