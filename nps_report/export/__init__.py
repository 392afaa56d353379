"""Exports: nbconvert HTML with the report template, WeasyPrint PDF, department packs.

``pdf`` and ``packs`` import WeasyPrint only when a PDF is made, so HTML-only builds
work on a machine without Pango.
"""

from .html import export_html, html_exporter

__all__ = ["export_html", "html_exporter", "export_pdf", "report_cover", "Cover", "get_engine",
           "check_pdf_support", "build_pack", "PackPart", "PackResult"]

_LAZY = {"export_pdf": "pdf", "report_cover": "pdf", "Cover": "pdf", "get_engine": "pdf",
         "check_pdf_support": "pdf", "build_pack": "packs", "PackPart": "packs",
         "PackResult": "packs"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
