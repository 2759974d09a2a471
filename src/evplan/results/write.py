"""Write a Result to a run folder: the folder appears whole or not at all, and only where safe.

The folder is staged beside its target and renamed into place by
:func:`evplan.outputs.write_folder`; it holds the ``.evplan-run`` marker, every table as
Parquet (raw values) and CSV (spreadsheet-safe: text starting with ``=``, ``+``, ``-``,
``@`` gets a leading ``'``), ``kpis`` and ``run.json``. A target that is a file or a
non-empty folder evplan did not write is refused; a run folder evplan wrote is replaced
only with ``force=True``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from evplan.outputs import Target, new_folder_target, write_folder, write_table
from evplan.outputs.files import atomic_write
from evplan.outputs.marker import new_run_id
from evplan.results.result import Result

__all__ = ["write_result", "write_run"]

FORMATS = ("parquet", "csv")
"""The table formats a run folder holds: Parquet (raw values) and CSV (spreadsheet-safe)."""


def _fill(result: Result, staging: Path, formats: tuple[str, ...], run_id: str,
          extra: Callable[[Path], object] | None) -> None:
    tables = dict(result.tables) | {"kpis": result.kpis}
    for name, table in tables.items():
        write_table(table, staging, name, formats)
    manifest = {
        "run_id": run_id,
        "status": result.status,
        "objective_usd": result.objective_usd,
        "scenario": dict(result.scenario),
        "metadata": dict(result.metadata),
        "tables": sorted(tables),
    }
    text = json.dumps(manifest, indent=2, default=str)
    atomic_write(staging / "run.json", lambda path: path.write_text(text, encoding="utf-8"))
    if extra is not None:
        extra(staging)


def _checked_formats(formats: str | tuple[str, ...], caller: str) -> tuple[str, ...]:
    """``formats`` as a tuple; ValueError when it names no format or one evplan does not
    write (a folder without tables would be returned as a success)."""
    if isinstance(formats, str):  # formats="csv": one format, not the letters c, s, v
        formats = (formats,)
    unknown = [str(name) for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"{caller}: formats {tuple(formats)!r} name "
                         + (f"{', '.join(map(repr, unknown))}, which evplan does not write"
                            if unknown else "no format")
                         + "; use 'parquet' and/or 'csv' (results.xlsx: "
                         "evplan.report.write_run_extras(result, folder, excel=True)).")
    return formats


def write_run(result: Result, target: Target, *, run_id: str,
              formats: str | tuple[str, ...] = ("parquet", "csv"),
              extra: Callable[[Path], object] | None = None,
              store: str | Path | None = None,
              commit: Callable[[Path], object] | None = None) -> Path:
    """Write ``result`` into ``target`` (see :func:`evplan.outputs.new_folder_target`).

    ``commit`` (called with the final folder once it is in place) records run ``run_id``
    in ``store``; the folder counts only once it has. Returns the folder written.
    ``formats`` as :func:`write_result` takes them (ValueError for none or another).
    """
    formats = _checked_formats(formats, "write_run")
    return write_folder(target, lambda staging: _fill(result, staging, formats, run_id, extra),
                        kind="run", run_id=run_id, store=store,
                        run_ids=[run_id] if commit is not None else [], commit=commit)


def write_result(result: Result, folder: str | Path,
                 formats: str | tuple[str, ...] = ("parquet", "csv"),
                 extra: Callable[[Path], object] | None = None, *, force: bool = False,
                 report: bool = False) -> Path:
    """Write every table (Parquet and CSV), the KPIs and ``run.json`` into ``folder``.

    Everything is written into a hidden sibling folder first, which is then renamed into
    place: a failure or a kill part-way leaves no ``folder`` change behind.

    Parameters
    ----------
    result : Result
        The plan.
    folder : str or Path
        The run folder: new, empty, or (with ``force``) a run folder evplan wrote.
    formats : tuple of str
        Any of ``"parquet"`` and ``"csv"`` (one of them may be given alone, as a str).
    extra : callable, optional
        Called with the staging folder to write more files (a report, a workbook) that
        must appear together with the tables.
    force : bool
        Replace ``folder`` when it is a run folder evplan wrote.
    report : bool
        Also write ``report.html`` (self-contained) into the folder, as ``evplan run`` does;
        pass a result from :func:`evplan.report.with_report_tables` for the duty schedule
        and the map.

    Returns
    -------
    Path
        The run folder.

    Raises
    ------
    OutputError
        When ``folder`` is a file, a non-empty folder evplan did not write, or a run folder
        and ``force`` is False.
    ValueError
        When ``formats`` names no format or one other than ``"parquet"`` and ``"csv"`` (a
        folder without tables; the workbook is :func:`evplan.report.write_run_extras`'s).
    """
    formats = _checked_formats(formats, "write_result")
    target = new_folder_target(Path(folder), "run", force=force)
    if report:
        extra = _with_report(result, extra)
    return write_run(result, target, run_id=new_run_id(), formats=formats, extra=extra)


def _with_report(result: Result, extra: Callable[[Path], object] | None
                 ) -> Callable[[Path], object]:
    """``extra`` that also writes the run's report.html into the staging folder."""
    def write(staging: Path) -> None:
        from evplan.report import write_run_extras  # the report only when asked for

        write_run_extras(result, staging)
        if extra is not None:
            extra(staging)
    return write
