"""Send messages through an SMTP server (smtplib): STARTTLS, implicit TLS or plain.

The server comes from the build file (``send.smtp``) or the environment
(``NPS_REPORT_SMTP_HOST``, ``_PORT``, ``_SECURITY``, ``NPS_REPORT_SMTP_FROM``; the
environment wins, so a test server can stand in without editing the build file). The
login comes from the environment only: ``NPS_REPORT_SMTP_USER`` and
``NPS_REPORT_SMTP_PASSWORD``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from ..exceptions import ParamsError

__all__ = ["ENVIRONMENT", "SmtpSender", "SmtpSettings", "smtp_settings"]

#: The environment variables read, by setting.
ENVIRONMENT = {"host": "NPS_REPORT_SMTP_HOST", "port": "NPS_REPORT_SMTP_PORT",
               "security": "NPS_REPORT_SMTP_SECURITY", "sender": "NPS_REPORT_SMTP_FROM",
               "user": "NPS_REPORT_SMTP_USER", "password": "NPS_REPORT_SMTP_PASSWORD"}
#: The usual port of each security mode.
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect (``password`` is never printed: see ``__repr__``)."""

    host: str
    port: int
    security: str
    timeout: float = 30.0
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        login = f", user={self.user!r} (password from the environment)" if self.user else ""
        return f"SmtpSettings({self.host}:{self.port}, {self.security}{login})"

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.security}{', login ' + self.user if self.user else ''})"


def smtp_settings(send, environ) -> SmtpSettings:
    """The server of ``send.smtp`` (a :class:`~nps_report.params.SendOptions`) and ``environ``.

    Raises
    ------
    ParamsError
        No host, a bad port or security, or a user without a password (naming the key or
        the variable).

    Examples
    --------
    >>> from nps_report.params import SendOptions
    >>> smtp_settings(SendOptions(), {"NPS_REPORT_SMTP_HOST": "mail.example.org"})
    SmtpSettings(mail.example.org:587, starttls)
    """
    server = send.smtp
    host = environ.get(ENVIRONMENT["host"]) or server.host
    if not host:
        raise ParamsError(f"no SMTP server: set send.smtp.host in the build file or "
                          f"{ENVIRONMENT['host']} in the environment", key="send.smtp.host")
    security = (environ.get(ENVIRONMENT["security"]) or server.security).lower()
    if security not in DEFAULT_PORTS:
        raise ParamsError(f"{ENVIRONMENT['security']} is starttls, ssl or none, got {security!r}",
                          key=ENVIRONMENT["security"])
    port_text = environ.get(ENVIRONMENT["port"])
    try:
        port = int(port_text) if port_text else (server.port or DEFAULT_PORTS[security])
    except ValueError:
        raise ParamsError(f"{ENVIRONMENT['port']} is a port number, got {port_text!r}",
                          key=ENVIRONMENT["port"]) from None
    user, password = environ.get(ENVIRONMENT["user"]), environ.get(ENVIRONMENT["password"])
    if bool(user) != bool(password):
        raise ParamsError(f"set both {ENVIRONMENT['user']} and {ENVIRONMENT['password']} "
                          "(or neither, for a server without login)", key=ENVIRONMENT["password"])
    return SmtpSettings(host=host, port=port, security=security, timeout=server.timeout,
                        user=user or None, password=password or None)


class SmtpSender:
    """One connection to the server, opened on the first message, reopened after a drop.

    Use as a context manager; :meth:`send` returns the refused recipients (a dict, empty
    when all were accepted) and raises :class:`smtplib.SMTPException` or :class:`OSError`
    when the message was not sent at all. A refused login or an untrusted certificate is
    not retried for the next messages: they fail with the same error.
    """

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()
        self.connection: smtplib.SMTP | None = None
        self.refused: Exception | None = None

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.tls_context)
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=self.tls_context)
                connection.ehlo()
            if s.user:
                connection.login(s.user, s.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage, *, sender: str, recipients) -> dict:
        if self.refused is not None:  # never retry a refused login (an account could lock)
            raise self.refused
        if self.connection is None:
            try:
                self.connection = self.connect()
            except (smtplib.SMTPAuthenticationError, ssl.SSLCertVerificationError) as exc:
                self.refused = exc
                raise
        try:
            return self.connection.send_message(message, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPServerDisconnected:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
