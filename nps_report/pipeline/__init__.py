"""The build: check, load once, plan, write the build tables, run team reports then
department summaries and overviews (papermill, parallel workers), then packs; keep a manifest."""

from .plan import Plan, Report, make_plan, safe_name
from .runner import BuildResult, run_build
from .templates import check_templates

__all__ = ["BuildResult", "Plan", "Report", "check_templates", "make_plan", "run_build", "safe_name"]
