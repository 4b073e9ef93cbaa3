"""What a report is: a title, its columns, its rows and a totals row; shown as a plain table,
a CSV file or a printed slip.

Pure: the reports service runs the queries and hands the figures here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from posterm.domain.money import QUANTITY_PLACES, quantize_money
from posterm.domain.receipt import Cut, ReceiptDocument, _Builder

Cell = str | int | Decimal


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False  # right-aligned; summed into the totals row when `total` is set
    total: bool = False


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    first_day: date
    last_day: date
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    note: str = ""  # e.g. "stock as it is now": what the date range does not bound
    # Set (local time) on a report whose figures are the shop as it is when it ran, whatever
    # the dates (stock on hand): every copy of it says "as of" that moment.
    as_of: datetime | None = None

    @property
    def period(self) -> str:
        if self.as_of is not None:
            return f"as of {self.as_of:%d-%m-%Y %H:%M}"
        if self.first_day == self.last_day:
            return f"{self.first_day:%d-%m-%Y}"
        return f"{self.first_day:%d-%m-%Y} to {self.last_day:%d-%m-%Y}"


def make_report(
    name: str,
    title: str,
    first_day: date,
    last_day: date,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    note: str = "",
) -> Report:
    """A report whose totals row sums the columns marked `total` (the first cell says Total)."""
    columns = tuple(columns)
    rows = tuple(tuple(row) for row in rows)
    totals = None
    if rows and any(c.total for c in columns):
        cells: list[Cell] = ["Total"]
        for index, column in enumerate(columns[1:], 1):
            if not column.total:
                cells.append("")
                continue
            values = [row[index] for row in rows]
            total = sum(map(Decimal, values), Decimal(0))
            # A column of counts totals to a count.
            cells.append(int(total) if all(isinstance(v, int) for v in values) else total)
        totals = tuple(cells)
    return Report(name, title, first_day, last_day, columns, rows, totals, note)


def cell_text(cell: Cell) -> str:
    """A cell as read on screen and paper: money at two places, units as counted. A cost
    carries four (FIFO unit costs: "16.3550", a figure no shop reads); the CSV keeps them."""
    if isinstance(cell, Decimal):
        exponent = cell.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
            cell = quantize_money(cell, 2)  # only money has more places than a quantity
        return f"{cell:,f}"
    return str(cell)


def plain_cell(cell: Cell) -> str:
    """A cell for CSV: numbers without thousands separators."""
    if isinstance(cell, Decimal):
        return f"{cell:f}"
    return str(cell)


def csv_rows(report: Report) -> list[list[str]]:
    """A header row, the rows and the totals. A report of the shop as it is now carries an
    "As of" column last, on every row, so the file says when its figures were true and
    stays one plain table for a spreadsheet or a script."""
    stamp = [f"{report.as_of:%Y-%m-%d %H:%M}"] if report.as_of is not None else []
    rows = [[c.label for c in report.columns] + (["As of"] if stamp else [])]
    rows += [[plain_cell(cell) for cell in row] + stamp for row in report.rows]
    if report.totals is not None:
        rows.append([plain_cell(cell) for cell in report.totals] + stamp)
    return rows


def render_table(report: Report) -> str:
    """The report as a fixed-width text table, for a terminal or a cron job's mail."""
    body = [[cell_text(cell) for cell in row] for row in report.rows]
    if report.totals is not None:
        body.append([cell_text(cell) for cell in report.totals])
    header = [c.label for c in report.columns]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if c.numeric else cell.ljust(w)
            for cell, w, c in zip(cells, widths, report.columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [f"{report.title}, {report.period}"]
    if report.note:
        out.append(report.note)
    out += ["", line(header), rule]
    if not report.rows:
        return "\n".join([*out[:-2], "(nothing in this period)"]) + "\n"
    out += [line(r) for r in body[: len(report.rows)]]
    if report.totals is not None:
        out += [rule, line(body[-1])]
    return "\n".join(out) + "\n"


def report_document(report: Report, store_name: str, columns: int) -> ReceiptDocument:
    """The report on receipt paper: each row its first cell, then label: value pairs."""
    b = _Builder(columns)
    b.text(store_name, "center", bold=True)
    b.text(report.title.upper(), "center", bold=True)
    b.text(report.period, "center")
    if report.note:
        b.text(report.note, "center")
    b.rule("=")
    for row in (*report.rows, *((report.totals,) if report.totals else ())):
        b.text(cell_text(row[0]), bold=row is report.totals)
        for column, cell in zip(report.columns[1:], row[1:], strict=True):
            if cell != "":
                b.pair(f"  {column.label}", cell_text(cell))
    if not report.rows:
        b.text("(nothing in this period)")
    b.rule()
    b.line()
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))
