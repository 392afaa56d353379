"""``nps-report send``: outbox files, a real local SMTP server, the sent record and resend rules.

One small build per module (the ``built`` fixture: two departments of two teams over two
quarters, html and pdf). Tests that change files work on a copy of its build folder. The
SMTP server is aiosmtpd's Controller on 127.0.0.1 (a free port); the tests read the
messages it received, attachments included.
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller

from nps_report import cli, params
from nps_report.delivery import (SENT_FILE, DepartmentHeadline, department_headline,
                                 department_message, read_sent, send_packs, smtp_settings)
from nps_report.delivery.messages import Attachment
from nps_report.exceptions import ParamsError
from nps_report.pipeline import run_build
from nps_report.render.html import fmt_nps, interval_text
from nps_report.tables import load_report_tables


QUARTER = "2026Q3"
DEPARTMENTS = {"Field Care": ["Alpha Desk", "Bravo Desk"], "Back Office": ["Charlie Desk", "Delta Desk"]}
RECIPIENTS = {"Field Care": ["Head of Field Care <field-head@example.org>", "analyst@example.com"],
              "Back Office": ["office-head@example.org"]}
LEAD = "alpha-lead@example.com"
# Scores uniform from here to 10, the same in both quarters (no real change): the two
# departments' NPS differ, so a body carrying the other department's figures is caught.
LOWEST = {"Field Care": 0, "Back Office": 4}
SENDER = "NPS reports <nps@example.org>"


def survey(folder: Path) -> pd.DataFrame:
    """Seeded responses with customer fields that must never reach a message body."""
    rng = np.random.default_rng(18)
    rows = []
    for department, teams in DEPARTMENTS.items():
        for team in teams:
            for start in ("2026-04-10", "2026-07-10"):
                for i in range(35):
                    rows.append({
                        "id": f"RESP-{team[:3].upper()}-{start[5:7]}-{i:03d}",
                        "customer": f"CUST-{team[:1]}{i:04d}",
                        "when": f"{start}T09:{i:02d}:00Z", "score": int(rng.integers(LOWEST[department], 11)),
                        "team": team, "dept": department,
                        "email": f"customer.{team[:1].lower()}{i}@customers.example.net",
                        "comment": (f"Ask for Zebediah Quartermaine {i}, billing was wrong"
                                    if i % 4 == 0 else "slow reply" if i % 3 else "")})
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / "survey.csv", index=False)
    return frame


def build_file(folder: Path, out: Path, send: dict | None, name: str = "build.yaml") -> Path:
    """A build file over ``folder/survey.csv`` writing into ``out`` with this ``send`` section."""
    raw = {"name": "sendtest",
           "data": {"path": str(folder / "survey.csv"),
                    "columns": {"id": "response_id", "customer": "respondent_id", "when": "submitted_at",
                                "score": "score", "team": "team", "dept": "department",
                                "email": "email", "comment": "comment"}},
           "quarters": [QUARTER], "formats": ["html", "pdf"], "output_dir": str(out)}
    if send is not None:
        raw["send"] = send
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def send_section(**changes) -> dict:
    section = {"from": SENDER, "departments": {k: list(v) for k, v in RECIPIENTS.items()},
               "leads": {"Alpha Desk": LEAD}, "team_leads": True}
    section.update(changes)
    return section


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("send")
    frame = survey(folder)
    build = params.load_params(build_file(folder, folder / "output", send_section()))
    result = run_build(build, jobs=2)
    assert result.exit_code == 0
    return SimpleNamespace(folder=folder, out=folder / "output" / "sendtest", survey=frame)


@pytest.fixture
def copy(built, tmp_path):
    """A copy of the build (folder, build files) that a test may change."""
    shutil.copy(built.folder / "survey.csv", tmp_path / "survey.csv")
    shutil.copytree(built.out, tmp_path / "output" / "sendtest")

    def load(**changes):
        return params.load_params(build_file(tmp_path, tmp_path / "output", send_section(**changes)))

    return SimpleNamespace(folder=tmp_path, out=tmp_path / "output" / "sendtest", load=load,
                           survey=built.survey)


class Collector:
    """An aiosmtpd handler keeping every message; refuses the recipients in ``refuse``."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(SimpleNamespace(
            sender=envelope.mail_from, recipients=list(envelope.rcpt_tos),
            message=email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.environ = {"NPS_REPORT_SMTP_HOST": "127.0.0.1", "NPS_REPORT_SMTP_PORT": str(controller.port),
                       "NPS_REPORT_SMTP_SECURITY": "none"}
    yield handler
    controller.stop()


def attachments(message) -> dict:
    """``{file name: bytes}`` of a parsed message."""
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def bodies(message) -> str:
    return "\n".join(message.get_body((kind,)).get_content() for kind in ("plain", "html")
                     if message.get_body((kind,)) is not None)


def pack(out: Path, department: str) -> Path:
    return out / QUARTER / "packs" / f"{department}.pdf"


def quiet(_):
    pass


# ----------------------------------------------------------------------------- outbox
def test_outbox_writes_one_eml_per_department(copy):
    result = send_packs(copy.load(), say=quiet)
    assert result.exit_code == 0 and result.mode == "outbox" and not result.failed
    outbox = copy.out / "outbox" / QUARTER
    assert sorted(p.name for p in outbox.glob("*.eml")) == ["Back Office.eml", "Field Care.eml"]
    assert [p.name for p in (outbox / "leads").glob("*.eml")] == ["Alpha Desk.eml"]
    for department, recipients in RECIPIENTS.items():
        message = email.message_from_bytes((outbox / f"{department}.eml").read_bytes(),
                                           policy=email.policy.default)
        assert message["Subject"] == f"NPS {QUARTER}: {department} department pack"
        assert [a.addr_spec for a in message["To"].addresses] == [
            r.split("<")[-1].rstrip(">") for r in recipients]
        files = attachments(message)
        assert files == {f"{department} {QUARTER} department pack.pdf": pack(copy.out, department).read_bytes()}
    # Writing an outbox sends nothing, so it records nothing.
    assert not (copy.out / SENT_FILE).exists()


def test_body_gives_the_headline_of_the_saved_tables(copy):
    send_packs(copy.load(), say=quiet)
    lines = {department_headline(copy.out / QUARTER / "departments" / d).nps_line for d in DEPARTMENTS}
    assert len(lines) == len(DEPARTMENTS)
    for department in DEPARTMENTS:
        d = load_report_tables(copy.out / QUARTER / "departments" / department)
        row = d.headline.iloc[0]
        message = email.message_from_bytes(
            (copy.out / "outbox" / QUARTER / f"{department}.eml").read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        if bool(row["shown"]):
            assert f"Department NPS: {fmt_nps(row['nps'])} (95% confidence interval {interval_text(row)})" in text
        else:
            assert "too few responses" in text
        for sentence in d.changes["sentence"]:
            assert sentence in text
        significant = d.team_changes[d.team_changes["significant"].astype(bool)]
        if significant.empty:
            assert "No team's NPS changed significantly" in text or "enough responses" in text
        for _, r in significant.iterrows():
            assert f"{r['team']}: {r['sentence']}" in text
        for title in d.actions["title"].head(5):
            assert title in text


def test_outbox_run_replaces_stale_messages(copy):
    send_packs(copy.load(), say=quiet)
    send_packs(copy.load(departments={"Back Office": ["office-head@example.org"]}, team_leads=False),
               say=quiet)
    outbox = copy.out / "outbox" / QUARTER
    assert sorted(p.name for p in outbox.rglob("*.eml")) == ["Back Office.eml"]


# ----------------------------------------------------------------------------- SMTP
def test_smtp_delivers_packs_and_the_lead_workbook(copy, server):
    result = send_packs(copy.load(), smtp=True, environ=server.environ, say=quiet)
    assert result.exit_code == 0 and len(result.delivered) == 3
    by_subject = {m.message["Subject"]: m for m in server.messages}
    assert len(by_subject) == 3
    for department, recipients in RECIPIENTS.items():
        received = by_subject[f"NPS {QUARTER}: {department} department pack"]
        assert received.sender == "nps@example.org"
        assert received.recipients == [r.split("<")[-1].rstrip(">") for r in recipients]
        files = attachments(received.message)
        assert list(files) == [f"{department} {QUARTER} department pack.pdf"]
        assert files[f"{department} {QUARTER} department pack.pdf"] == pack(copy.out, department).read_bytes()
    lead = by_subject[f"NPS {QUARTER}: close-the-loop list for Alpha Desk"]
    assert lead.recipients == [LEAD]
    workbook = next((copy.out / QUARTER / "teams" / "Alpha Desk").glob("close_the_loop.xlsx"))
    assert attachments(lead.message) == {f"Alpha Desk {QUARTER} close the loop.xlsx": workbook.read_bytes()}
    # The record: what was sent, to whom, when, with each attachment's SHA-256.
    import hashlib

    records = read_sent(copy.out)
    assert len(records) == 3 and {r["status"] for r in records} == {"sent"}
    field_care = next(r for r in records if r["department"] == "Field Care" and r["kind"] == "department")
    assert field_care["recipients"] == ["field-head@example.org", "analyst@example.com"]
    assert field_care["attachments"][0]["sha256"] == hashlib.sha256(
        pack(copy.out, "Field Care").read_bytes()).hexdigest()
    assert field_care["sent_at"].startswith("20") and field_care["server"].startswith("127.0.0.1:")


def test_workbooks_never_in_department_mail(copy, server):
    send_packs(copy.load(team_pdfs=True), smtp=True, environ=server.environ, say=quiet)
    for received in server.messages:
        names = list(attachments(received.message))
        if "department pack" in received.message["Subject"]:
            assert names and all(n.endswith(".pdf") for n in names)
            assert LEAD not in received.recipients
        else:
            assert received.recipients == [LEAD]
    field_care = next(m for m in server.messages if m.message["Subject"].endswith("Field Care department pack"))
    assert sorted(attachments(field_care.message)) == sorted(
        [f"Field Care {QUARTER} department pack.pdf", f"Alpha Desk {QUARTER}.pdf", f"Bravo Desk {QUARTER}.pdf"])
    with pytest.raises(ValueError, match="PDFs only"):
        department_message(DepartmentHeadline("X", QUARTER, "Department NPS: +1"),
                           [Attachment(Path("close_the_loop.xlsx"), "close_the_loop.xlsx", "0")],
                           sender=SENDER, recipients=["a@example.org"], when=pd.Timestamp.now(tz="UTC"))


def test_lead_gets_nothing_unless_the_build_file_says_so(copy, server):
    result = send_packs(copy.load(team_leads=False), smtp=True, environ=server.environ, say=quiet)
    assert result.exit_code == 0
    assert all(LEAD not in m.recipients for m in server.messages)
    assert not any(name.endswith(".xlsx") for m in server.messages for name in attachments(m.message))


def test_no_customer_data_in_bodies(copy, server):
    send_packs(copy.load(team_pdfs=True), smtp=True, environ=server.environ, say=quiet)
    assert len(server.messages) == 3
    texts = [bodies(m.message) for m in server.messages]
    texts += [m.message["Subject"] for m in server.messages]
    frame = copy.survey
    secrets = set(frame["id"]) | set(frame["customer"]) | set(frame["email"]) | {"Zebediah", "Quartermaine"}
    for text in texts:
        found = [s for s in secrets if s in text]
        assert not found, found


def test_resend_rules(copy, server):
    build = copy.load()
    first = send_packs(build, smtp=True, environ=server.environ, say=quiet)
    assert len(first.delivered) == 3 and len(server.messages) == 3

    again = send_packs(build, smtp=True, environ=server.environ, say=quiet)
    assert again.exit_code == 0 and not again.delivered and len(again.skipped) == 3
    assert len(server.messages) == 3  # nothing sent again

    # A recipient added: only they receive the unchanged pack.
    added = copy.load(departments={**RECIPIENTS, "Back Office": ["office-head@example.org", "new@example.org"]})
    third = send_packs(added, smtp=True, environ=server.environ, say=quiet)
    assert [m.recipients for m in server.messages[3:]] == [["new@example.org"]]
    assert len(third.skipped) == 2

    # A changed pack goes to all its recipients again.
    with pack(copy.out, "Field Care").open("ab") as f:
        f.write(b"\n% rebuilt\n")
    fourth = send_packs(added, smtp=True, environ=server.environ, say=quiet)
    assert [m.recipients for m in server.messages[4:]] == [["field-head@example.org", "analyst@example.com"]]
    assert len(fourth.skipped) == 2

    # --resend sends everything.
    fifth = send_packs(added, smtp=True, resend=True, environ=server.environ, say=quiet)
    assert len(fifth.delivered) == 3 and len(server.messages) == 8
    assert len(read_sent(copy.out)) == 3 + 1 + 1 + 3  # every sending recorded, appended


def test_missing_pack_is_reported_and_others_still_sent(copy, server):
    pack(copy.out, "Back Office").unlink()
    build = copy.load(departments={**RECIPIENTS, "Feild Care": ["ghost@example.org"]})
    result = send_packs(build, smtp=True, environ=server.environ, say=quiet)
    assert result.exit_code == 1
    errors = {f["department"]: f["error"] for f in result.failed}
    assert set(errors) == {"Back Office", "Feild Care"}
    assert "not built" in errors["Back Office"]
    assert "did you mean 'Field Care'" in errors["Feild Care"]
    subjects = sorted(m.message["Subject"] for m in server.messages)
    assert subjects == [f"NPS {QUARTER}: Field Care department pack",
                        f"NPS {QUARTER}: close-the-loop list for Alpha Desk"]


def test_refused_recipient_fails_alone(copy, server):
    server.refuse = {"analyst@example.com"}
    result = send_packs(copy.load(), smtp=True, environ=server.environ, say=quiet)
    assert result.exit_code == 1
    assert [f["recipients"] for f in result.failed] == [["analyst@example.com"]]
    field_care = next(m for m in server.messages if "Field Care" in m.message["Subject"])
    assert field_care.recipients == ["field-head@example.org"]
    # The refused recipient is still owed the pack: the next run sends it to them only.
    server.refuse = set()
    again = send_packs(copy.load(), smtp=True, environ=server.environ, say=quiet)
    assert [m.recipients for m in server.messages[3:]] == [["analyst@example.com"]]
    assert again.exit_code == 0


def test_unreachable_server_fails_every_message(copy):
    environ = {"NPS_REPORT_SMTP_HOST": "127.0.0.1", "NPS_REPORT_SMTP_PORT": str(free_port()),
               "NPS_REPORT_SMTP_SECURITY": "none"}
    result = send_packs(copy.load(), smtp=True, environ=environ, say=quiet)
    assert result.exit_code == 1 and len(result.failed) == 3 and not result.delivered
    assert {r["status"] for r in read_sent(copy.out)} == {"failed"}


# ----------------------------------------------------------------------------- command line
def test_cli_send_writes_the_outbox(copy, capsys):
    copy.load()  # writes build.yaml
    code = cli.main(["send", str(copy.folder / "build.yaml"), "--outbox", str(copy.folder / "box")])
    assert code == 0
    assert sorted(p.name for p in (copy.folder / "box" / QUARTER).glob("*.eml")) == [
        "Back Office.eml", "Field Care.eml"]
    code = cli.main(["send", str(copy.folder / "build.yaml"), "--quarter", "2025Q1"])
    assert code == 2 and "no department pack was built for 2025Q1" in capsys.readouterr().err


@pytest.mark.parametrize("section, key", [
    ({"smtp": {"host": "smtp.example.org", "password": "hunter2"}}, "send.smtp.password"),
    ({"user": "me"}, "send.user"),
    ({"departments": {"Field Care": ["not an address"]}}, "send.departments"),
    ({"departments": {"Field Care": "a@example.org, b@example.org"}}, "send.departments"),
    ({"team_leads": True}, "send"),
    ({"recipients": {}}, "send.recipients"),
])
def test_bad_send_section_exits_2_naming_the_key(tmp_path, capsys, section, key):
    path = tmp_path / "build.yaml"
    path.write_text(yaml.safe_dump({"data": {"path": "x.csv"}, "send": {"departments": {"A": "a@example.org"},
                                                                       **section}}))
    assert cli.main(["send", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"key '{key}" in err or f"'{key}'" in err
    assert "hunter2" not in err


def test_smtp_settings_from_build_file_and_environment():
    send = params.parse_params({"data": {"path": "x"}, "send": {
        "from": SENDER, "departments": {"A": "a@example.org"},
        "smtp": {"host": "smtp.example.org", "security": "ssl"}}}).send
    settings = smtp_settings(send, {})
    assert (settings.host, settings.port, settings.security, settings.user) == ("smtp.example.org", 465, "ssl", None)
    settings = smtp_settings(send, {"NPS_REPORT_SMTP_PORT": "2525", "NPS_REPORT_SMTP_USER": "bot",
                                    "NPS_REPORT_SMTP_PASSWORD": "s3cret"})
    assert (settings.port, settings.user, settings.password) == (2525, "bot", "s3cret")
    assert "s3cret" not in repr(settings)
    with pytest.raises(ParamsError, match="NPS_REPORT_SMTP_PASSWORD"):
        smtp_settings(send, {"NPS_REPORT_SMTP_USER": "bot"})
    with pytest.raises(ParamsError, match="send.smtp.host"):
        smtp_settings(params.parse_params({"data": {"path": "x"}, "send": {"departments": {"A": "a@example.org"}}}).send, {})


def test_send_without_recipients_is_a_build_file_error(tmp_path, capsys):
    path = tmp_path / "build.yaml"
    path.write_text(yaml.safe_dump({"data": {"path": "x.csv"}}))
    assert cli.main(["send", str(path)]) == 2
    assert "send.departments" in capsys.readouterr().err


# ----------------------------------------------------------------------------- TLS and login
CERT, KEY = (Path(__file__).parent / "data" / f"smtp_test_{n}.pem" for n in ("cert", "key"))


def tls_contexts():
    """The server's context (the self-signed test certificate) and a client's that trusts it."""
    import ssl

    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(CERT, KEY)
    client = ssl.create_default_context(cafile=str(CERT))
    return served, client


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_from_the_environment(copy, security):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins = []

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"bot", b"s3cret")
        logins.append((data.login, ok, server.transport.get_extra_info("ssl_object") is not None))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    served, client = tls_contexts()
    handler = Collector()
    # aiosmtpd only counts STARTTLS for auth_require_tls; under implicit TLS the authenticator
    # checks the session is encrypted itself.
    tls = {"starttls": {"tls_context": served, "require_starttls": True, "auth_require_tls": True},
           "ssl": {"ssl_context": served, "auth_require_tls": False}}[security]
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            **tls)
    controller.start()
    try:
        environ = {"NPS_REPORT_SMTP_HOST": "127.0.0.1", "NPS_REPORT_SMTP_PORT": str(controller.port),
                   "NPS_REPORT_SMTP_SECURITY": security, "NPS_REPORT_SMTP_USER": "bot",
                   "NPS_REPORT_SMTP_PASSWORD": "s3cret"}
        result = send_packs(copy.load(), smtp=True, environ=environ, say=quiet, tls_context=client)
        assert result.exit_code == 0 and len(handler.messages) == 3
        assert logins and all(ok and encrypted for _, ok, encrypted in logins)
        # A wrong password: every message fails, none is recorded as sent.
        environ["NPS_REPORT_SMTP_PASSWORD"] = "wrong"
        failed = send_packs(copy.load(), smtp=True, resend=True, environ=environ, say=quiet,
                            tls_context=client)
        assert failed.exit_code == 1 and len(failed.failed) == 3 and len(handler.messages) == 3
        assert all("535" in f["error"] for f in failed.failed), [f["error"] for f in failed.failed]
        assert all("wrong" not in json.dumps(r) for r in read_sent(copy.out))
    finally:
        controller.stop()


def test_untrusted_certificate_is_refused(copy):
    served, _ = tls_contexts()
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=served,
                            require_starttls=True)
    controller.start()
    try:
        environ = {"NPS_REPORT_SMTP_HOST": "127.0.0.1", "NPS_REPORT_SMTP_PORT": str(controller.port),
                   "NPS_REPORT_SMTP_SECURITY": "starttls"}
        result = send_packs(copy.load(), smtp=True, environ=environ, say=quiet)  # system trust only
        assert result.exit_code == 1 and not handler.messages
        assert all("CERTIFICATE_VERIFY_FAILED" in f["error"] or "certificate" in f["error"].lower()
                   for f in result.failed)
    finally:
        controller.stop()


def test_body_names_reports_missing_from_the_pack():
    headline = DepartmentHeadline("Field Care", QUARTER, "Department NPS: +5", teams=3)
    message = department_message(headline, [], sender=SENDER, recipients=["a@example.org"],
                                 when=pd.Timestamp("2026-10-05", tz="UTC"), not_included=("Broken Desk",))
    text = message.get_body(("plain",)).get_content()
    assert "Not in the pack (the report failed to build): Broken Desk" in text
    assert "Broken Desk" in message.get_body(("html",)).get_content()


def test_demo_build_file_lists_every_demo_department(demo_export):
    """``nps-report send params/demo.yaml`` after ``make demo`` writes one message per
    department: the demo's send section names exactly the demo's departments, example
    addresses only, and a lead of a real demo team."""
    from email.utils import getaddresses

    from nps_report.resources import demo_build_file

    send = params.load_params(demo_build_file()).send
    assert set(send.departments) == set(demo_export["Department"])
    addresses = [a for r in [*send.departments.values(), *send.leads.values()] for _, a in getaddresses(r)]
    assert addresses and all(a.rsplit("@", 1)[1] in {"example.org", "example.com"} for a in addresses)
    assert set(send.leads) <= set(demo_export["Team"]) and send.team_leads


@pytest.mark.slow
def test_the_demo_pack_reaches_a_local_smtp_server(tmp_path, server):
    """``nps-report demo`` (its Finance department), then ``send`` with the shipped demo
    build file: the Finance head gets the real pack, Billing Operations' lead only its
    close-the-loop workbook; departments not built this time are reported, not sent."""
    from nps_report.resources import demo_build_file

    assert cli.main(["demo", str(tmp_path), "-d", "Finance", "--formats", "html,pdf", "-j", "2"]) == 0
    raw = params.load_yaml(demo_build_file())
    raw["data"]["path"] = str(tmp_path / "demo-data" / "nps_demo.csv")
    raw["output_dir"] = str(tmp_path)
    build = params.parse_params(raw, path=demo_build_file())
    result = send_packs(build, smtp=True, environ=server.environ, say=quiet)
    out = tmp_path / "demo"
    by_subject = {m.message["Subject"]: m for m in server.messages}
    finance = by_subject[f"NPS {QUARTER}: Finance department pack"]
    assert finance.recipients == ["finance-head@example.org", "finance-analyst@example.com"]
    assert attachments(finance.message) == {
        f"Finance {QUARTER} department pack.pdf": pack(out, "Finance").read_bytes()}
    assert "Department NPS: " in bodies(finance.message)
    lead = by_subject[f"NPS {QUARTER}: close-the-loop list for Billing Operations"]
    assert lead.recipients == ["billing-lead@example.com"]
    assert list(attachments(lead.message)) == [f"Billing Operations {QUARTER} close the loop.xlsx"]
    # the five departments not built in this run have no pack: reported, nothing sent to them
    assert len(server.messages) == 2 and result.exit_code == 1 and len(result.failed) == 5
