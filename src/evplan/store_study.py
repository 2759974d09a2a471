"""The store record of a two-stage study (``evplan stochastic``): one run, its KPIs, tables.

See :func:`study_record`; :class:`evplan.store.ResultsStore` records it like any run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evplan.data import NetworkData
from evplan.outputs.marker import new_run_id
from evplan.store import STUDY_KPIS, RunRecord, inputs_hash
from evplan.store_rows import json_text

__all__ = ["study_record"]


def study_record(result: Any, *, data: NetworkData | None = None,
                 frontier: pd.DataFrame | None = None, run_id: str | None = None
                 ) -> RunRecord:
    """The record of a two-stage study (:class:`evplan.twostage.solve.StochasticResult`).

    One ``runs`` row (scenario ``study:<name>``, case_label ``stochastic``, objective RP,
    overrides: each scenario's name, probability and override names; parameters: the
    study's risk settings, EVPI, VSS, expected margin and CVaR); KPI rows ``study_objective``,
    ``study_expected_margin``, ``study_cvar``, ``study_evpi``, ``study_vss`` (key ``all``,
    no year; absent when not computed) and ``study_margin`` per scenario (key: the
    scenario); tables ``study_scenarios`` (scenario, probability, overrides as JSON, the
    margins of result.scenarios), ``study_first_stage``, ``study_regret`` and, when given,
    ``study_frontier``.
    """
    study = result.study
    scenarios = result.scenarios.copy()
    overrides = {s.name: list(s.overrides) for s in study.scenarios}
    scenarios.insert(2, "overrides", [json_text(overrides.get(str(name), []))
                                      for name in scenarios["scenario"]])
    values = {kpi: getattr(result, field) for kpi, field in STUDY_KPIS.items()}
    rows = [{"kpi": kpi, "key": "all", "value": float(value), "unit": "USD"}
            for kpi, value in values.items() if value is not None]
    rows += [{"kpi": "study_margin", "key": str(name), "value": float(margin), "unit": "USD"}
             for name, margin in zip(result.scenarios["scenario"],
                                     result.scenarios["margin_usd"], strict=True)]
    kpis = pd.DataFrame(rows, columns=["kpi", "key", "value", "unit"])
    kpis.insert(1, "year", pd.Series([None] * len(kpis), dtype="Int64"))
    tables = {"study_scenarios": scenarios, "study_first_stage": result.first_stage,
              "study_regret": result.regret}
    if frontier is not None:
        tables["study_frontier"] = frontier
    parameters = {"study": study.name, "revelation_year": study.revelation_year,
                  "risk_weight": study.risk_weight, "alpha": study.alpha,
                  "objective": getattr(study, "objective", "expected"),
                  **{field: getattr(result, field) for field in STUDY_KPIS.values()}}
    return RunRecord(
        run_id=run_id or new_run_id(), scenario=f"study:{study.name}",
        base_scenario=study.name, status=result.status,
        objective_usd=float(result.objective_usd), kpis=kpis, tables=tables,
        overrides=[{"scenario": s.name, "probability": s.probability,
                    "overrides": list(s.overrides)} for s in study.scenarios],
        inputs_hash=inputs_hash(data) if data is not None else "",
        case_label="stochastic", parameters=parameters,
        metadata={key: value for key, value in result.metadata.items()
                  if key not in ("overrides",)})
