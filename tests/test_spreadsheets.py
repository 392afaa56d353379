"""The XlsxWriter workbooks are the workbooks the pandas + openpyxl writer made (issue 19).

The reference below is the writer the build used before (``DataFrame.to_excel`` through
openpyxl, then fills, fonts, a comment and data validations set cell by cell), kept here
only to compare: every cell's value, type, number format, fill, font and comment, the
drop-down and date checks, column widths and frozen panes must be the same.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from nps_report import closeloop, followup, loop
from nps_report.actions.ids import with_action_ids
from nps_report.followup.log import LOG_COLUMNS, LOG_SHEET, STATUSES
from nps_report.spreadsheets import excel_frame, excel_text, safe_frame, unsafe_cells

NOTE = loop.workbook.WORKBOOK_NOTE


# ----------------------------------------------------------------- the writer before issue 19
def _checks(sheet, choice_column, choices, date_column, last_row, choice_error, date_error):
    from openpyxl.worksheet.datavalidation import DataValidation

    choice = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Not in the list", error=choice_error)
    choice.add(f"{choice_column}2:{choice_column}{last_row}")
    day = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                         showErrorMessage=True, errorTitle="Not a date", error=date_error)
    day.add(f"{date_column}2:{date_column}{last_row}")
    sheet.add_data_validation(choice)
    sheet.add_data_validation(day)
    for row in range(2, last_row + 1):
        sheet[f"{date_column}{row}"].number_format = "yyyy-mm-dd"


def _old_xlsx(sheets, path, widths, finish=None):
    buffer = io.BytesIO()
    writer = pd.ExcelWriter(buffer, engine="openpyxl")
    for name, frame in sheets.items():
        safe_frame(frame).to_excel(writer, sheet_name=name, index=False)
        sheet = writer.sheets[name]
        sheet.freeze_panes = "A2"
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = widths.get(column, 20)
    if finish is not None:
        finish(writer.book)
    writer.close()
    path.write_bytes(buffer.getvalue())


def _old_loop_workbook(listed, promoters, path):
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    def finish(book):
        sheet = book["Detractors"]
        header = [c.value for c in sheet[1]]
        rows = sheet.max_row
        grey = PatternFill("solid", start_color=loop.CUSTOMER_FILL, end_color=loop.CUSTOMER_FILL)
        for index, name in enumerate(header, start=1):
            if name in loop.EDIT_COLUMNS:
                sheet.cell(row=1, column=index).font = Font(bold=True, color="1F4E79")
                continue
            for r in range(2, rows + 1):
                sheet.cell(row=r, column=index).fill = grey
            sheet.cell(row=1, column=index).fill = grey
        letter = {name: get_column_letter(i) for i, name in enumerate(header, start=1)}
        _checks(sheet, letter["status"], loop.STATUSES, letter["contacted_on"], max(rows, 2),
                "Pick one of: " + ", ".join(loop.STATUSES), "A date (the day you reached the customer)")
        sheet["A1"].comment = Comment(NOTE, "nps-report")

    _old_xlsx({"Detractors": listed, "Promoters": promoters}, path,
              {"comment": 60, "email": 30, "note": 40, "outcome": 30, "carried_over": 26, "status": 18},
              finish)


def _old_action_log(log, path, how):
    def finish(book):
        sheet = book[LOG_SHEET]
        _checks(sheet, "G", STATUSES, "I", max(len(log) + 1, 2) + 200,
                "Choose " + ", ".join(STATUSES) + ".", "Type a date (YYYY-MM-DD).")

    widths = {"action_id": 14, "quarter": 9, "team": 24, "rule": 18, "subject": 18, "title": 60,
              "status": 13, "owner": 22, "date": 12, "note": 50, "How to fill in this log": 100}
    _old_xlsx({LOG_SHEET: log, "How to fill in": how}, path, widths, finish)


# ----------------------------------------------------------------- what a reader sees of a book
def _rgb(color):
    return color.rgb[-6:] if color is not None and isinstance(color.rgb, str) else None


def workbook_facts(path):
    """Every cell's value, type, number format, fill, font, comment; checks, widths, panes.

    Colours are compared without their alpha byte (openpyxl writes 00, Excel and
    XlsxWriter FF: both opaque to Excel); a font without a name or size is Excel's
    default (Calibri 11); text is decoded as Excel decodes it (``_x000D_``).
    """
    book = load_workbook(path)
    facts = {"sheets": book.sheetnames}
    for sheet in book.worksheets:
        cells = []
        for row in sheet.iter_rows():
            for c in row:
                font = c.font
                cells.append((c.coordinate, excel_text(c.value), c.data_type if c.value is not None else None,
                              c.number_format, c.fill.fill_type, _rgb(c.fill.start_color) if c.fill.fill_type else None,
                              bool(font.b), bool(font.i), _rgb(font.color), font.name or "Calibri", font.sz or 11.0,
                              (c.comment.text, c.comment.author) if c.comment else None,
                              c.border.left.style, c.alignment.horizontal))
        checks = [(v.type, v.formula1, str(v.sqref), v.error, v.errorTitle, v.showErrorMessage,
                   bool(v.showInputMessage), v.allowBlank, v.operator)
                  for v in sheet.data_validations.dataValidation]
        widths = {}
        for key, d in sheet.column_dimensions.items():  # a <col> may span several columns
            for col in range(d.min or 1, (d.max or d.min or 1) + 1):
                widths[get_column_letter(col)] = d.width
        facts[sheet.title] = (sheet.max_row, sheet.max_column, cells, checks, widths, sheet.freeze_panes)
    return facts


TEXTS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd|' /C calc'!A0", "\t=1", "late\r\nagain", "café",
         "", "a=b", "_x0041_ literal", "line\nbreak"]


def _lists():
    n = len(TEXTS)
    start = pd.Timestamp("2026-08-03T09:00:00.250Z")
    data = pd.DataFrame({
        "team": "A", "quarter": "2026Q3", "response_id": [f"R{i:03d}" for i in range(2 * n)],
        "respondent_id": ["-42" if i == 1 else f"C{i}" for i in range(2 * n)],
        "submitted_at": [start + pd.Timedelta(hours=7 * i, microseconds=i) for i in range(2 * n)],
        "score": [i % 7 for i in range(n)] + [9 + i % 2 for i in range(n)],
        "comment": TEXTS + TEXTS[::-1], "email": [None if i % 3 else f"=u{i}@x.org" for i in range(2 * n)]})
    detractors, promoters = closeloop.close_the_loop(data, team="A", quarter="2026Q3", as_of="2026-12-01")
    return data, loop.loop_list(detractors), promoters


@pytest.mark.parametrize("case", ["lists", "returned state", "empty"])
def test_close_the_loop_workbook_is_the_one_the_openpyxl_writer_made(tmp_path, case):
    data, listed, promoters = _lists()
    if case == "returned state":  # edit columns filled as merged returns fill them
        listed["status"] = ["contacted", None] * (len(listed) // 2) + ["resolved"] * (len(listed) % 2)
        listed["contacted_on"] = pd.to_datetime(
            ["2026-08-20T10:00:00Z" if i % 2 == 0 else None for i in range(len(listed))], utc=True)
        listed["owner"], listed["note"] = "=Ann", np.where(np.arange(len(listed)) % 2, "", "call back")
    if case == "empty":
        listed, promoters = listed.iloc[:0], promoters.iloc[:0]
    new = loop.write_loop_workbook(listed, promoters, tmp_path / "new")["xlsx"]
    old = tmp_path / "old.xlsx"
    _old_loop_workbook(listed, promoters, old)
    facts = workbook_facts(new)
    assert facts == workbook_facts(old)
    cells = facts["Detractors"][2]
    assert len(cells) == facts["Detractors"][0] * facts["Detractors"][1]  # not vacuous
    assert unsafe_cells(new) == []


def test_action_log_workbook_is_the_one_the_openpyxl_writer_made(tmp_path):
    actions = pd.DataFrame({"rule": ["fix_pain_point", "x"], "subject": ["billing", "=cmd"],
                            "title": ['=HYPERLINK("http://x")', "Fix it\r\nnow"]})
    log = followup.action_log({"Support": with_action_ids(actions, team="Support"),
                               "@Sales": with_action_ids(actions, team="@Sales")}, quarter="2026Q2")
    for frame in (log, followup.action_log({}, quarter="2026Q2")):
        new, _ = followup.write_action_log(frame, tmp_path / "new")
        old = tmp_path / "old.xlsx"
        how = pd.read_excel(new, sheet_name="How to fill in")  # its text: only its look is compared
        assert len(how) > 3
        _old_action_log(frame[LOG_COLUMNS], old, how)
        assert workbook_facts(new) == workbook_facts(old)
        assert workbook_facts(new)[LOG_SHEET][0] == max(len(frame) + 1, 2) + 200  # date checks below the log


def test_a_returned_workbook_reads_back_every_customer_field_as_written(tmp_path):
    """Text with a carriage return is stored as Excel stores it (_x000D_): the build's reader
    decodes it, so an untouched row is not taken for an edited one."""
    data, listed, promoters = _lists()
    book = loop.write_loop_workbook(listed, promoters, tmp_path / "out")["xlsx"]
    back = loop.returns.read_return_file(book).set_index("response_id")
    for _, row in listed.iterrows():
        comment = back.loc[row["response_id"], "comment"]
        expected = "" if pd.isna(row["comment"]) else row["comment"]
        assert comment.removeprefix("'") == expected.removeprefix("'") or comment == "'" + expected
    assert "late\r\nagain" in set(back["comment"])
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "A.xlsx").write_bytes(book.read_bytes())
    found = loop.read_returns(returns, data, now="2026-12-01")
    assert found.rejected.empty, found.rejected


def test_excel_frame_decodes_escapes_and_leaves_the_rest():
    # as openpyxl reads them: control characters escaped, a literal _x0041_ as it is
    frame = pd.DataFrame({"a_x0009_": ["x_x000D_\ny", "_x0041_", None], "n": [1, 2, 3]}, dtype=object)
    back = excel_frame(frame)
    assert list(back.columns) == ["a\t", "n"]
    assert back["a\t"].tolist() == ["x\r\ny", "_x0041_", None]
    assert excel_frame(frame.astype({"a_x0009_": "string"}))["a\t"].tolist()[:2] == ["x\r\ny", "_x0041_"]
    assert back["n"].tolist() == [1, 2, 3]
