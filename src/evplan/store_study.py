"""The store record of a two-stage study (``evplan stochastic``): one run, its KPIs, tables.

See :func:`study_record`; :class:`evplan.store.ResultsStore` records it like any run.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from evplan.data import NetworkData
from evplan.outputs.marker import new_run_id
from evplan.store import OBJECTIVE_SELECT, STUDY_KPIS, TIME_SELECT, RunRecord, inputs_hash
from evplan.store_rows import json_text

__all__ = ["STUDIES_QUERY", "range_rows", "study_record"]

#: Quantities whose proven range ``evplan studies`` lists beside the value.
LISTED_RANGES = ("evpi", "vss")


def _studies_query() -> str:
    """The SQL of :meth:`evplan.store.ResultsStore.studies`: one row per recorded study from
    its KPI rows (NULL where a value or a range end was not recorded, as in stores written
    before ranges were recorded)."""
    pivot = "max(TRY_CAST(value AS DOUBLE)) FILTER (WHERE kpi = '{}') AS {}"
    fields = [(kpi, field) for kpi, field in STUDY_KPIS.items() if kpi != "study_objective"]
    fields += [(f"study_{quantity}_{end}", f"{quantity}_{end}_usd")
               for quantity in LISTED_RANGES for end in ("low", "high")]
    pivots = ", ".join(pivot.format(kpi, field) for kpi, field in fields)
    ranged = ", ".join(f"k.{quantity}_{end}_usd" for quantity in LISTED_RANGES
                       for end in ("low", "high"))
    return (f"WITH k AS (SELECT run_id, {pivots}, count(*) FILTER (WHERE kpi = "
            "'study_margin') AS scenarios FROM kpis GROUP BY run_id) "
            f"SELECT r.run_id, {TIME_SELECT}, r.base_scenario AS study, r.status, "
            f"k.scenarios, {OBJECTIVE_SELECT}, k.expected_margin_usd, k.cvar_usd, "
            f"k.evpi_usd, k.vss_usd, {ranged} FROM runs r JOIN k USING (run_id) "
            "WHERE r.case_label = 'stochastic' ORDER BY r.created_at DESC, r.run_id DESC")


STUDIES_QUERY = _studies_query()
"""SQL listing the recorded studies (see :func:`_studies_query`)."""

#: Each range's reported point: the result's field, or the metadata key.
POINTS = {"objective": "objective_usd", "wait_and_see": "wait_and_see_usd", "eev": "eev_usd",
          "evpi": "evpi_usd", "vss": "vss_usd"}


def range_rows(result: Any) -> pd.DataFrame:
    """quantity, value_usd, low_usd, high_usd: each range of ``metadata['intervals_usd']``
    with its reported point (NULL, pandas NA, for an end or point that is not finite).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> result = SimpleNamespace(objective_usd=5.0, evpi_usd=1.0, vss_usd=None, metadata={
    ...     "intervals_usd": {"objective": [5.0, 6.0], "evpi": [0.5, float("inf")]}})
    >>> rows = range_rows(result)
    >>> rows["quantity"].tolist(), rows["low_usd"].tolist(), rows["high_usd"].isna().tolist()
    (['objective', 'evpi'], [5.0, 0.5], [False, True])
    """
    meta = result.metadata
    rows = []
    for quantity, pair in (meta.get("intervals_usd") or {}).items():
        field = POINTS.get(quantity, f"{quantity}_usd")
        point = getattr(result, field, None) if field in ("objective_usd", "evpi_usd",
                                                           "vss_usd") else meta.get(field)
        rows.append({"quantity": quantity, "value_usd": point, "low_usd": pair[0],
                     "high_usd": pair[1]})
    frame = pd.DataFrame(rows, columns=["quantity", "value_usd", "low_usd", "high_usd"])
    for column in ("value_usd", "low_usd", "high_usd"):
        frame[column] = pd.array([value if value is not None and math.isfinite(float(value))
                                  else None for value in frame[column]], dtype="Float64")
    return frame


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
    ranges = range_rows(result)
    rows += [{"kpi": f"study_{row['quantity']}_{end}", "key": "all",
              "value": row[f"{end}_usd"], "unit": "USD"}
             for row in ranges.to_dict("records") for end in ("low", "high")
             if not pd.isna(row[f"{end}_usd"])]
    kpis = pd.DataFrame(rows, columns=["kpi", "key", "value", "unit"])
    kpis.insert(1, "year", pd.Series([None] * len(kpis), dtype="Int64"))
    tables = {"study_scenarios": scenarios, "study_first_stage": result.first_stage,
              "study_regret": result.regret, "study_ranges": ranges}
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
