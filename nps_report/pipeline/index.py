"""``index.html`` of a build: every report, its status and links, and the build's provenance."""

from __future__ import annotations

import html
from pathlib import Path

from ..atomic import write_text
from ..export.html import report_css
from ..loading import loading_figures, loading_sentences

STATUS_TEXT = {"ok": "built", "failed": "FAILED", "pending": "not built", "gone": "no longer in the data"}


def _link(folder: Path, relative: str, label: str) -> str:
    if (folder / relative).exists():
        return f'<a href="{html.escape(relative)}">{html.escape(label)}</a>'
    return ""


def _pack_items(folder: Path, manifest: dict) -> str:
    """One line per department pack: link, status, pages, what is not included."""
    items, listed = [], set()
    packs = sorted((k, v) for k, v in manifest.items() if v.get("kind") == "pack")
    for key, entry in packs:
        listed.add(key)
        label = f"{entry.get('quarter', '')} · {entry.get('department', Path(key).stem)}"
        status = entry.get("status", "pending")
        # a gone department's old pack is not offered: its numbers are no longer current
        link = (_link(folder, key, label) if status != "gone" else "") or html.escape(label)
        if status == "ok":
            detail = f"{entry.get('pages')} pages" if entry.get("pages") else "built"
            missing = entry.get("not_included") or []
            if missing:
                names = ", ".join(manifest.get(m, {}).get("team") or Path(m).name for m in missing)
                detail += f"; not included (report failed or not built): {html.escape(names)}"
        else:
            detail = f"{STATUS_TEXT.get(status, html.escape(status))}"
            if entry.get("error"):
                detail += f": {html.escape(str(entry['error']))}"
        items.append(f"<li class='{html.escape(status)}'>{link} <span class='muted'>{detail}</span></li>")
    for path in sorted(folder.glob("*/packs/*.pdf")):  # packs made before the manifest knew them
        key = path.relative_to(folder).as_posix()
        if key not in listed:
            items.append(f"<li>{_link(folder, key, f'{path.parent.parent.name} · {path.stem}')}</li>")
    return "".join(items)


def write_index(folder: Path, plan, manifest: dict, context, formats) -> Path:
    """Write ``folder/index.html`` listing every planned report with status and links."""
    rows = []
    for report in plan.reports:
        entry = manifest.get(report.key, {})
        status = entry.get("status", "pending")
        links = [_link(folder, f"{report.folder}/report.{ext}", ext.upper())
                 for ext in ("html", "pdf", "ipynb")]
        extra = entry.get("extra_links", {})
        links += [_link(folder, rel, label) for label, rel in extra.items()]
        problem = ""
        if status == "failed":
            problem = html.escape(f"cell {entry.get('cell')}: {entry.get('error')}")
        rows.append(
            f"<tr class='{html.escape(status)}'><td>{html.escape(report.quarter)}</td>"
            f"<td>{html.escape(report.kind)}</td><td>{html.escape(report.title)}</td>"
            f"<td>{STATUS_TEXT.get(status, html.escape(status))}</td>"
            f"<td>{' · '.join(l for l in links if l)}</td><td class='muted'>{problem}</td></tr>")
    pack_items = _pack_items(folder, manifest)
    gone_items = "".join(
        f"<li class='gone'>{html.escape(entry.get('title') or key)} "
        f"<span class='muted'>({html.escape(entry.get('kind', ''))}; no longer in the data: "
        f"left out of packs, old files kept in {html.escape(key)})</span></li>"
        for key, entry in sorted(manifest.items())
        if entry.get("status") == "gone" and entry.get("kind") in ("team", "department"))
    from ..followup.store import action_log_files

    log_links = " · ".join(_link(folder, rel, label) for label, rel in action_log_files(folder))
    counts = context.counts
    dropped = counts.get("exact_duplicates", 0) + counts.get("repeated_response_ids", 0) + counts.get("superseded", 0)
    failed = sum(1 for r in plan.reports if manifest.get(r.key, {}).get("status") == "failed")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(context.build)} · nps-report build</title>
<style>{report_css()}
tr.failed td, li.failed {{ color: #c73e1d; }}
li.gone {{ color: #6b6b6b; }}</style></head>
<body><main>
<h1>Build “{html.escape(context.build)}”</h1>
<p class="lead">{len(plan.reports)} reports for {html.escape(', '.join(plan.quarters))}:
{len(plan.reports) - failed} available, {failed} failed.</p>
<div class="box">Rows read {counts.get('rows_read', 0):,}: accepted {counts.get('accepted', 0):,},
rejected {counts.get('rejected', 0):,} (<a href="rejected.csv">rejected.csv</a>, one reason per row),
duplicates dropped {dropped:,} (<a href="duplicates.csv">duplicates.csv</a>, the row kept and why).
{"".join(" " + html.escape(s) + "." for s in _text_figures(counts))}</div>
{f"<h2>Department packs</h2><ul>{pack_items}</ul>" if pack_items else ""}
{f"<h2>Action logs</h2><p>Owners mark what they did and return the log (see the README).</p><p>{log_links}</p>" if log_links else ""}
<h2>Reports</h2>
<table><thead><tr><th>Quarter</th><th>Kind</th><th>Report</th><th>Status</th><th>Files</th><th>Problem</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
{f"<h2>No longer in the data</h2><ul>{gone_items}</ul>" if gone_items else ""}
<div class="provenance">Data fingerprint {html.escape(context.fingerprint)} · build file
{html.escape(context.params_file or '(none)')} · nps-report {html.escape(context.version)} ·
built {html.escape(context.created)}<br>Options: {html.escape(context.options.model_dump_json())}</div>
</main></body></html>"""
    return write_text(folder / "index.html", page)


def _text_figures(counts: dict) -> list[str]:
    """Missing-value tokens and repaired lines, said as the reports' data-quality box says them."""
    figures = loading_figures(counts)
    return loading_sentences({k: figures[k] for k in ("missing_values", "repaired_lines")})
