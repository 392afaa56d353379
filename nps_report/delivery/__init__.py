"""Deliver department packs: compose messages, write an outbox or send through SMTP, record.

``nps-report send BUILD.yaml`` calls :func:`send_packs`. Modules, by stage:
``headline`` (a department's headline from its saved tables), ``messages`` (the
``EmailMessage`` of a department or a team lead), ``outbox`` (``.eml`` files to check),
``smtp`` (server settings and the connection), ``record`` (``sent.jsonl``: what was sent,
to whom, when, with each attachment's SHA-256), ``sending`` (plan and deliver).
"""

from .headline import DepartmentHeadline, department_headline, headline_html, headline_text
from .messages import Attachment, department_message, team_lead_message
from .outbox import OUTBOX_FOLDER, write_eml
from .record import SENT_FILE, already_received, append_sent, read_sent
from .sending import Delivery, SendResult, build_folder, plan_deliveries, send_packs
from .smtp import SmtpSender, SmtpSettings, smtp_settings

__all__ = ["Attachment", "Delivery", "DepartmentHeadline", "OUTBOX_FOLDER", "SENT_FILE", "SendResult",
           "SmtpSender", "SmtpSettings", "already_received", "append_sent", "build_folder",
           "department_headline", "department_message", "headline_html",
           "headline_text", "plan_deliveries", "read_sent", "send_packs", "smtp_settings",
           "team_lead_message", "write_eml"]
