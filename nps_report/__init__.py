"""nps-report: turn NPS survey exports into per-team and per-quarter reports."""

__version__ = "0.1.0"
