"""The build: plan the reports, execute them with papermill in parallel workers, keep a manifest."""

from .plan import Plan, Report, make_plan, safe_name
from .runner import BuildResult, run_build

__all__ = ["BuildResult", "Plan", "Report", "make_plan", "run_build", "safe_name"]
