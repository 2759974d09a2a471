"""Each scenario's part of a stochastic plan, as a Result checked against its own tables.

The slice of the extensive-form solution that belongs to one scenario is a plan of that
scenario's strategic model. It gets the same tables and the same two certificates as a
plan of :func:`evplan.strategic.optimize_strategic`: :func:`evplan.strategic.check.
check_plan` (capacity, closures, programs, markets, sites, the objective with its capex)
and :func:`evplan.solve.certify` (every other network row). A violation raises
VerificationError naming the scenario.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.errors import VerificationError
from evplan.highs import HighsRun
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.solve import certify
from evplan.strategic.check import check_plan, network_skip
from evplan.strategic.decisions import decision_table
from evplan.strategic.kpis import strategic_kpis
from evplan.strategic.tables import strategic_tables

__all__ = ["scenario_result"]


def scenario_result(name: str, data: NetworkData, m: Any, index: ModelIndex, run: HighsRun,
                    overrides: tuple[dict[str, Any], ...] = ()) -> Result:
    """The checked Result of scenario ``name``'s part of the plan (see the module docstring).

    Raises
    ------
    VerificationError
        When the plan breaks a rule of the scenario's tables.
    """
    tables = strategic_tables(m, run, index, data, result_tables(m, run, index, data))
    tables["network_decisions"] = decision_table(tables, index)
    kpis = pd.concat([compute_kpis(tables), strategic_kpis(tables)], ignore_index=True)
    if has_compliance(data):
        from evplan.results.compliance import compliance_kpis, compliance_tables

        tables |= compliance_tables(m, run, index, data, index.compliance)
        kpis = pd.concat([kpis, compliance_kpis(tables)], ignore_index=True)
    objective = run.objective - strategic_constant_usd(index)
    problems = check_plan(data, tables, objective, index.strategic.objective_basis)
    if problems:
        raise VerificationError([f"stochastic scenario '{name}': {line}" for line in problems])
    metadata = {"evplan_version": __version__, "origin": data.origin, "strategic": True,
                "stochastic_scenario": name, "mip_gap": run.mip_gap,
                "objective_basis": index.strategic.objective_basis,
                "strategic_check": "passed"}
    result = Result(status="optimal" if run.status == "optimal" else run.status,
                    objective_usd=objective, tables=tables, kpis=kpis,
                    scenario={**data.scenario.as_dict(), "scenario": name,
                              "overrides": list(overrides)},
                    metadata=metadata)
    return certify(data, result, m, run, index, lp=False, skip=network_skip(data))
