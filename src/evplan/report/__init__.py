"""Reports people would rather look at: one offline HTML file per run, and Excel in and out.

============================  ===========================================================
function                      does
============================  ===========================================================
:func:`write_report`          the HTML report of one run folder, or a comparison page of
                              several (KPI deltas, flows side by side)
:func:`report_html`           the same, as a string
:func:`with_report_tables`    add ``duty_schedule`` and ``network_sites`` to a Result so
                              its run folder is enough to draw the report
:func:`write_template`        the input workbook ``evplan template`` writes
:func:`write_result_workbook` result tables as a workbook, one sheet per table
============================  ===========================================================

The report is one self-contained file: plotly.js, the world map and the data are inline,
so it opens offline and makes no network request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evplan.report.api import report_html, write_report, write_run_extras
from evplan.report.extras import REPORT_TABLES, duty_schedule, network_sites, with_report_tables
from evplan.report.run import RunData, load_run

if TYPE_CHECKING:
    from evplan.report.excel import write_result_workbook, write_template

__all__ = [
    "REPORT_TABLES",
    "RunData",
    "duty_schedule",
    "load_run",
    "network_sites",
    "report_html",
    "with_report_tables",
    "write_report",
    "write_result_workbook",
    "write_run_extras",
    "write_template",
]


def __getattr__(name: str) -> Any:
    """The Excel writers, imported on first use (openpyxl only when a workbook is made)."""
    if name in ("write_result_workbook", "write_template"):
        from evplan.report import excel

        return getattr(excel, name)
    raise AttributeError(f"module 'evplan.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
