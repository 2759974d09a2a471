"""Results: the Result value, tidy tables, KPIs and writing them to a run folder."""

from __future__ import annotations

from evplan.results.kpis import compute_kpis
from evplan.results.result import Result
from evplan.results.tables import result_tables
from evplan.results.write import write_result

__all__ = ["Result", "compute_kpis", "result_tables", "write_result"]
