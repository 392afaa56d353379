"""Exports: nbconvert HTML with the project's report template, WeasyPrint PDF, department packs."""

from .html import export_html, html_exporter

__all__ = ["export_html", "html_exporter"]
