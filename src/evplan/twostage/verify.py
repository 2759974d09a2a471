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

import numpy as np
import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.errors import VerificationError
from evplan.highs import HighsRun
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.results.run_files import PACK_SIZES_KEY, pack_sizes
from evplan.solve import certify
from evplan.strategic.check import check_plan, network_skip
from evplan.strategic.decisions import decision_table
from evplan.strategic.kpis import strategic_kpis
from evplan.strategic.tables import strategic_tables

__all__ = ["FIRST_STAGE_TABLES", "checked_study", "scenario_result", "study_problems"]


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
    from evplan.results.commitments import add_committed_sales  # what each commitment gets

    kpis = add_committed_sales(tables, kpis, index, run.primal,
                               m.variables["sales"].labels.values.ravel(),
                               data.scenario.unmet_committed_penalty_usd_per_vehicle)
    objective = run.objective - strategic_constant_usd(index)
    problems = check_plan(data, tables, objective, index.strategic.objective_basis)
    if problems:
        raise VerificationError([f"stochastic scenario '{name}': {line}" for line in problems])
    metadata = {"evplan_version": __version__, "origin": data.origin, "strategic": True,
                "stochastic_scenario": name, "mip_gap": run.mip_gap,
                "objective_basis": index.strategic.objective_basis,
                "strategic_check": "passed",
                # the packs of this scenario's programs, for project_fleet of this Result
                PACK_SIZES_KEY: pack_sizes(data.tables["programs"])}
    result = Result(status="optimal" if run.status == "optimal" else run.status,
                    objective_usd=objective, tables=tables, kpis=kpis,
                    scenario={**data.scenario.as_dict(), "scenario": name,
                              "overrides": list(overrides)},
                    metadata=metadata)
    return certify(data, result, m, run, index, lp=False, skip=network_skip(data))


#: Each first-stage variable: the result table that reports it, its key columns and how a
#: row's value is read (every table has a ``year`` column).
FIRST_STAGE_TABLES: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "plant_open": ("plant_decisions", ("plant",), lambda t: t["state"] != "closed"),
    "plant_running": ("plant_decisions", ("plant",), lambda t: t["state"] == "running"),
    "plant_modules": ("plant_decisions", ("plant",), lambda t: t["modules_installed"]),
    "program_allocated": ("program_allocations", ("plant", "program"),
                          lambda t: t["allocated"]),
    "variant_added": ("steering_variants_added", ("plant", "program"),
                      lambda t: t["other_side_built"]),
    "market_present": ("market_presence", ("market",), lambda t: t["present"]),
    "homologated": ("program_homologations", ("program", "market"),
                    lambda t: t["homologated"]),
    "site_open": ("assembly", ("site",), lambda t: t["open"]),
}

#: Relative slack of the re-derived identities of :func:`study_problems`.
IDENTITY_TOLERANCE = 1e-9


def _reported_first_stage(name: str, result: Result, revelation: int | None
                          ) -> dict[tuple[str, str, int], float]:
    """Scenario ``name``'s first-stage values as its checked tables report them."""
    values: dict[tuple[str, str, int], float] = {}
    for variable, (table_name, keys, read) in FIRST_STAGE_TABLES.items():
        table = result.tables.get(table_name)
        if table is None or not len(table):
            continue
        years = table["year"].to_numpy(dtype=int)
        keep = np.ones(len(table), dtype=bool) if revelation is None else years <= revelation
        element = table[list(keys)].astype(str).agg("/".join, axis=1).to_numpy()
        value = np.asarray(read(table), dtype=float)
        for e, y, v in zip(element[keep], years[keep], value[keep], strict=True):
            values[(variable, str(e), int(y))] = float(v)
    return values


def _close(a: float, b: float, tolerance: float) -> bool:
    return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= tolerance) or a == b


def study_problems(result: Any) -> list[str]:
    """What in a study's reported tables and values its own checked plans do not bear out.

    Re-derived from the study and each scenario's checked Result (``result.results``):
    the scenarios table (names in order, probabilities, margins = each Result's objective,
    regret = wait-and-see - margin), E[margin], CVaR (sorted definition), the objective
    (E + lambda x CVaR, or minus the worst regret), EVPI and VSS from the reported
    wait-and-see and expected-value-plan margins, the first stage against every scenario's
    plan tables (one row per shared element, no other), and the regret table (one row per
    plan and scenario; regret = wait-and-see - margin; the stochastic and expected-value
    plans' margins are the scenarios table's; a scenario's own plan earns its wait-and-see
    value in it, up to the MIP gap). Empty when all hold.
    """
    from evplan.twostage.risk import TOLERANCE, cvar, risk_objective

    study = result.study
    names = [scenario.name for scenario in study.scenarios]
    probabilities = np.array([scenario.probability for scenario in study.scenarios])
    frame = result.scenarios
    problems: list[str] = []
    if list(frame["scenario"].astype(str)) != names or set(result.results) != set(names):
        return [f"the scenarios table names {list(frame['scenario'])}, the study {names} "
                f"and the checked plans {sorted(result.results)}."]
    margins = np.array([result.results[name].objective_usd for name in names])
    columns = {column: frame[column].to_numpy(dtype=float) for column in frame.columns
               if column.endswith("_usd") or column == "probability"}
    scale = max([1.0] + [float(np.max(np.abs(v[np.isfinite(v)])))
                         for v in columns.values() if np.isfinite(v).any()])
    # every value below is re-derived from the reported numbers by the same arithmetic,
    # so only rounding separates them (1 USD on US$ 40 M must not pass)
    tolerance = IDENTITY_TOLERANCE * scale
    gap = max(TOLERANCE, float(result.metadata.get("solver_mip_gap", TOLERANCE)))

    def compare(what: str, reported: np.ndarray, derived: np.ndarray, slack: float) -> None:
        for name, r, d in zip(names, reported, derived, strict=True):
            if not _close(float(r), float(d), slack):
                problems.append(f"{what} of scenario '{name}' is {r:,.6f}, not {d:,.6f}.")

    compare("scenarios.probability", columns["probability"], probabilities, 1e-12)
    compare("scenarios.margin_usd (its checked plan's objective)", columns["margin_usd"],
            margins, tolerance)
    minimax = study.objective == "minimax-regret"
    weight, alpha = study.risk_weight, study.alpha
    wait = columns.get("wait_and_see_usd")
    derived = {"expected_margin_usd": float(probabilities @ margins),
               "cvar_usd": cvar(margins, probabilities, alpha)}
    if minimax:
        if wait is not None:
            derived["objective_usd"] = -float(np.max(wait - margins))
            derived["evpi_usd"] = float(np.max(wait - margins))
    else:
        derived["objective_usd"] = risk_objective(margins, probabilities, weight, alpha)
        if wait is not None and result.evpi_usd is not None:
            derived["evpi_usd"] = (risk_objective(wait, probabilities, weight, alpha)
                                   - derived["objective_usd"])
    ev = columns.get("ev_plan_margin_usd")
    if result.vss_usd is not None:
        if ev is None or not np.isfinite(ev).all():
            problems.append("vss_usd is reported without every expected-value-plan margin.")
        elif minimax and wait is not None:
            derived["vss_usd"] = float(np.max(wait - ev)) - float(np.max(wait - margins))
        elif not minimax:
            derived["vss_usd"] = derived["objective_usd"] - risk_objective(
                ev, probabilities, weight, alpha)
    for key, value in derived.items():
        stated = getattr(result, key)
        if stated is None or not _close(float(stated), value, tolerance):
            problems.append(f"{key} is {stated}, but the checked plans give {value:,.6f}.")
    if wait is not None:
        compare("scenarios.regret_usd (wait-and-see - margin)", columns["regret_usd"],
                wait - margins, tolerance)
        for name, w, m in zip(names, wait, margins, strict=True):
            if m > w + gap * abs(w) + tolerance:  # no plan beats the scenario's own optimum
                problems.append(f"scenario '{name}' earns {m:,.6f}, more than its "
                                f"wait-and-see value {w:,.6f} (beyond the MIP gap).")
    problems += _first_stage_problems(result, names)
    problems += _regret_problems(result, names, margins, wait, ev, tolerance, gap)
    return problems


def _first_stage_problems(result: Any, names: list[str]) -> list[str]:
    first = result.first_stage
    stated = {(str(r.variable), str(r.element), int(r.year)): float(r.value)
              for r in first.itertuples(index=False)}
    problems = []
    if len(stated) != len(first):
        problems.append("first_stage names an element twice.")
    for name in names:
        plan = _reported_first_stage(name, result.results[name], result.study.revelation_year)
        for key in sorted(set(plan) | set(stated)):
            if key not in plan or key not in stated:
                problems.append(f"first_stage {'lacks' if key not in stated else 'has'} "
                                f"{key[0]} {key[1]} {key[2]}, which scenario '{name}''s plan "
                                f"{'has' if key not in stated else 'does not share'}.")
            elif abs(plan[key] - stated[key]) > 1e-6:
                problems.append(f"first_stage {key[0]} {key[1]} {key[2]} = {stated[key]:g}, "
                                f"but scenario '{name}''s plan has {plan[key]:g}.")
        if problems:
            break
    return problems


def _regret_problems(result: Any, names: list[str], margins: np.ndarray,
                     wait: np.ndarray | None, ev: np.ndarray | None, tolerance: float,
                     gap: float) -> list[str]:
    table = result.regret
    if not len(table):
        return []
    if wait is None:
        return ["the regret table is reported without wait-and-see values."]
    problems = []
    expected = {"stochastic": margins, **({"expected-value": ev} if ev is not None else {})}
    plans = list(dict.fromkeys(table["plan"].astype(str)))
    if sorted(plans) != sorted(names + list(expected)):
        problems.append(f"the regret table's plans are {plans}, not every scenario's own plan, "
                        f"{' and '.join(expected)}.")
    for plan, rows in table.groupby("plan", sort=False):
        if list(rows["scenario"].astype(str)) != names:
            problems.append(f"the regret table's plan '{plan}' has the scenarios "
                            f"{list(rows['scenario'])}, not {names}.")
            continue
        margin = rows["margin_usd"].to_numpy(dtype=float)
        regret = rows["regret_usd"].to_numpy(dtype=float)
        for name, m, r, w in zip(names, margin, regret, wait, strict=True):
            if not _close(r, w - m, tolerance):
                problems.append(f"regret of plan '{plan}' in '{name}' is {r:,.6f}, not "
                                f"wait-and-see - margin = {w - m:,.6f}.")
            if m > w + gap * abs(w) + tolerance:
                problems.append(f"plan '{plan}' earns {m:,.6f} in '{name}', more than its "
                                f"wait-and-see value {w:,.6f}.")
        if plan in expected:
            for name, m, d in zip(names, margin, expected[str(plan)], strict=True):
                if not _close(m, float(d), tolerance):
                    problems.append(f"the regret table's plan '{plan}' earns {m:,.6f} in "
                                    f"'{name}', the scenarios table {d:,.6f}.")
        elif plan in names:
            s = names.index(str(plan))
            if not _close(margin[s], wait[s], gap * abs(wait[s]) + tolerance):
                problems.append(f"scenario '{plan}''s own plan earns {margin[s]:,.6f} in it, "
                                f"not its wait-and-see value {wait[s]:,.6f}.")
    return problems


def checked_study(result: Any) -> Any:
    """``result`` when :func:`study_problems` finds nothing; else VerificationError."""
    problems = study_problems(result)
    if problems:
        raise VerificationError([f"stochastic study '{result.study.name}': {line}"
                                 for line in problems])
    return result
