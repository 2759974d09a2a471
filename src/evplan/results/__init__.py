"""Results: the Result value, tidy tables, KPIs and writing them to a run folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evplan.results.kpis import compute_kpis
from evplan.results.result import Result
from evplan.results.write import write_result

if TYPE_CHECKING:
    from evplan.results.tables import result_tables

__all__ = ["Result", "compute_kpis", "result_tables", "write_result"]


def __getattr__(name: str) -> Any:
    """``result_tables`` on first use (it reads linopy models; a Result needs no linopy)."""
    if name == "result_tables":
        from evplan.results.tables import result_tables

        return result_tables
    raise AttributeError(f"module 'evplan.results' has no attribute {name!r}")
