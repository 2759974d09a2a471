"""The plan's network decisions as events, each with a sentence in plain words.

``network_decisions`` has one row per event: ``year``, ``kind`` (close, mothball,
reopen, remove_modules, add_modules, move_program, start_program, stop_program,
add_variant, enter_market, leave_market, homologate, open_site), ``subject`` (the plant,
market or site), ``program``, ``count``, ``one_off_cost_usd`` and ``sentence``, e.g.
``"close 1 of 2 lines at GB-SUN in 2026 (one-off US$ 45 M)"``. :func:`decision_lines`
returns the sentences ``evplan run`` prints first.

Each event carries the one-off cost the model charges for that event, so the column sums
to the plan's one-off costs (``network_costs``' one-off kinds): a reopening carries
``reopen_cost_usd``, a mothballing ``mothball_cost_usd``, a module change the module cost
times its count, a closure its plant-year's one-off (``closure_cost_usd``: the model
charges nothing else in that plant-year), a move its start's and its stop's costs. A
plant-year with two events (a reopening that adds or removes lines) splits its one-off
cost between them (docs/formulation.md, "The plan's network decisions").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from evplan.model.index import ModelIndex
from evplan.strategic.records import records
from evplan.units import unsigned_zero

__all__ = ["decision_lines", "decision_table", "money"]

KIND_ORDER = ("close", "mothball", "reopen", "remove_modules", "add_modules", "move_program",
              "stop_program", "start_program", "add_variant", "enter_market", "leave_market",
              "homologate", "open_site")


def money(value: float) -> str:
    """``US$ 1.2 bn``, ``US$ 45 M``, ``US$ 300 k``."""
    size = abs(value)
    if size >= 1e9:
        return f"US$ {value / 1e9:,.1f} bn"
    if size >= 1e6:
        return f"US$ {value / 1e6:,.0f} M"
    return unsigned_zero(f"US$ {value / 1e3:,.0f} k")  # never "US$ -0 k"


def _cost(value: float) -> str:
    return f" (one-off {money(value)})" if value > 0.5 else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _plant_events(plants: pd.DataFrame, rates: pd.DataFrame) -> list[dict[str, Any]]:
    """Plant events; ``rates`` (``plant_strategy`` by plant) prices each event alone."""
    events = []
    previous = plants.sort_values(["plant", "year"]).groupby("plant")["modules_installed"].shift()
    plants = plants.assign(before=previous.fillna(plants["modules_initial"]).astype(int))
    for row in records(plants):
        noun = str(row.module_name)
        common = {"year": int(row.year), "subject": row.plant, "program": ""}
        if row.closed_this_year:
            events.append({**common, "kind": "close", "count": int(row.before),
                           "one_off_cost_usd": row.one_off_cost_usd,
                           "sentence": f"close {row.plant} for good in {row.year} (its "
                                       f"{_plural(int(row.before), noun)} "
                                       f"{'stops' if int(row.before) == 1 else 'stop'})"
                                       f"{_cost(row.one_off_cost_usd)}"})
            continue
        rate = rates.loc[row.plant]
        if row.mothballed_this_year:
            cost = float(rate["mothball_cost_usd"])
            events.append({**common, "kind": "mothball", "count": 0, "one_off_cost_usd": cost,
                           "sentence": f"mothball {row.plant} from {row.year} (idle, kept for "
                                       f"a restart){_cost(cost)}"})
        if row.reopened_this_year:
            cost = float(rate["reopen_cost_usd"])
            events.append({**common, "kind": "reopen", "count": 0, "one_off_cost_usd": cost,
                           "sentence": f"reopen {row.plant} in {row.year}{_cost(cost)}"})
        if row.modules_removed > 0.5:
            count = round(float(row.modules_removed))
            cost = float(rate["remove_module_cost_usd"]) * count
            events.append({**common, "kind": "remove_modules", "count": count,
                           "one_off_cost_usd": cost,
                           "sentence": f"close {count} of {int(row.before)} {noun}s at "
                                       f"{row.plant} in {row.year}{_cost(cost)}"})
        if row.modules_added > 0.5:
            count = round(float(row.modules_added))
            cost = float(rate["add_module_cost_usd"]) * count
            events.append({**common, "kind": "add_modules", "count": count,
                           "one_off_cost_usd": cost,
                           "sentence": f"add {_plural(count, noun)} at {row.plant} in "
                                       f"{row.year} ({int(row.before)} -> "
                                       f"{int(row.before) + count}){_cost(cost)}"})
    return events


def _program_events(allocations: pd.DataFrame) -> list[dict[str, Any]]:
    events = []
    for key, group in allocations.groupby(["program", "year"], sort=True):
        program, year = str(key[0]), int(str(key[1]))
        started = group[group["started"]]
        stopped = group[group["stopped"]]
        pairs = min(len(started), len(stopped))
        starts, stops = records(started), records(stopped)
        for start, stop in zip(starts[:pairs], stops[:pairs], strict=True):
            cost = float(start.one_off_cost_usd + stop.one_off_cost_usd)
            events.append({"year": year, "kind": "move_program", "subject": start.plant,
                           "program": program, "count": 1, "one_off_cost_usd": cost,
                           "sentence": f"move {program} from {stop.plant} to {start.plant} in "
                                       f"{year}{_cost(cost)}"})
        for start in starts[pairs:]:
            events.append({"year": year, "kind": "start_program", "subject": start.plant,
                           "program": program, "count": 1,
                           "one_off_cost_usd": float(start.one_off_cost_usd),
                           "sentence": f"start building {program} at {start.plant} in {year}"
                                       f"{_cost(float(start.one_off_cost_usd))}"})
        for stop in stops[pairs:]:
            events.append({"year": year, "kind": "stop_program", "subject": stop.plant,
                           "program": program, "count": 1,
                           "one_off_cost_usd": float(stop.one_off_cost_usd),
                           "sentence": f"stop building {program} at {stop.plant} in {year}"
                                       f"{_cost(float(stop.one_off_cost_usd))}"})
    return events


def _market_events(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    events = []
    for row in records(tables["steering_variants_added"]):
        if row.added_this_year:
            events.append({"year": int(row.year), "kind": "add_variant", "subject": row.plant,
                           "program": row.program, "count": 1,
                           "one_off_cost_usd": row.one_off_cost_usd,
                           "sentence": f"add the {row.other_side} variant of {row.program} at "
                                       f"{row.plant} in {row.year}"
                                       f"{_cost(row.one_off_cost_usd)}"})
    for row in records(tables["market_presence"]):
        for flag, kind, verb in ((row.entered, "enter_market", "enter"),
                                 (row.exited, "leave_market", "leave")):
            if flag:
                events.append({"year": int(row.year), "kind": kind, "subject": row.market,
                               "program": "", "count": 1,
                               "one_off_cost_usd": row.one_off_cost_usd,
                               "sentence": f"{verb} market {row.market} in {row.year}"
                                           f"{_cost(row.one_off_cost_usd)}"})
    for row in records(tables["program_homologations"]):
        if row.approved_this_year:
            events.append({"year": int(row.year), "kind": "homologate", "subject": row.market,
                           "program": row.program, "count": 1,
                           "one_off_cost_usd": row.one_off_cost_usd,
                           "sentence": f"homologate {row.program} for {row.market} in "
                                       f"{row.year}{_cost(row.one_off_cost_usd)}"})
    kits = tables["kit_shipments"]
    for row in records(tables["assembly"]):
        if row.opened_this_year:
            used = kits[(kits["site"] == row.site) & (kits["kits"] > 0.5)]
            sources = ", ".join(sorted(set(used["plant"]))) or "no plant yet"
            peak = used.groupby("year")["kits"].sum().max() if len(used) else 0.0
            events.append({"year": int(row.year), "kind": "open_site", "subject": row.site,
                           "program": ", ".join(sorted(set(used["program"]))), "count": 1,
                           "one_off_cost_usd": row.one_off_cost_usd,
                           "sentence": f"open assembly site {row.site} for {row.market} in "
                                       f"{row.year}: kits from {sources}, up to "
                                       f"{peak:,.0f} vehicles a year"
                                       f"{_cost(row.one_off_cost_usd)}"})
    return events


def decision_table(tables: Mapping[str, pd.DataFrame], index: ModelIndex) -> pd.DataFrame:
    """Every network decision of the plan as an event with its sentence (by year); each
    event's ``one_off_cost_usd`` is the model's charge for that event alone."""
    rates = index.strategic.plants.set_index("plant")
    events = [*_plant_events(tables["plant_decisions"], rates),
              *_program_events(tables["program_allocations"]), *_market_events(tables)]
    columns = ["year", "kind", "subject", "program", "count", "one_off_cost_usd", "sentence"]
    if not events:
        return pd.DataFrame({column: pd.Series(dtype=int if column in ("year", "count")
                                               else float if column == "one_off_cost_usd"
                                               else object) for column in columns})
    frame = pd.DataFrame(events)[columns]
    frame["order"] = frame["kind"].map({kind: rank for rank, kind in enumerate(KIND_ORDER)})
    frame = frame.sort_values(["year", "order", "subject", "program"]).drop(columns="order")
    return frame.reset_index(drop=True)


def _grouped_sentences(decisions: pd.DataFrame) -> list[str]:
    """Sentences in order, the homologations of one program in one year on one line."""
    sentences: list[str] = []
    approvals = decisions[decisions["kind"] == "homologate"]
    grouped = {key: group for key, group in approvals.groupby(["year", "program"])}
    said: set[tuple[Any, Any]] = set()
    for row in records(decisions):
        if row.kind != "homologate":
            sentences.append(str(row.sentence))
            continue
        key = (row.year, row.program)
        if key in said:
            continue
        said.add(key)
        group = grouped[key]
        markets = ", ".join(group["subject"].astype(str))
        sentences.append(f"homologate {row.program} for {markets} in {row.year}"
                         f"{_cost(float(group['one_off_cost_usd'].sum()))}")
    return sentences


def decision_lines(result: Any, limit: int = 40) -> list[str]:
    """Sentences ``evplan run`` prints first: the decisions, then the value against today,
    the MIP gap ("unknown" when no bound was proven) and, for a plan the solver did not prove
    optimal (``time_limit``), that it is the best found when the solver stopped.

    Empty for a plan without strategic tables.
    """
    tables = getattr(result, "tables", {})
    if "network_decisions" not in tables:
        return []
    decisions = tables["network_decisions"]
    meta = result.metadata
    lines = ["Network decisions:"]
    if not len(decisions):
        lines.append("  keep today's network: no plant, program, market or site changes.")
    sentences = _grouped_sentences(decisions)
    for sentence in sentences[:limit]:
        lines.append(f"  - {sentence}")
    if len(sentences) > limit:
        lines.append(f"  ... and {len(sentences) - limit} more (network_decisions.csv).")
    gain = meta.get("plan_gain_over_today_usd")
    if gain is not None and gain == gain:
        basis = meta.get("objective_basis", "consolidated")
        lines.append(f"Value {money(result.objective_usd)} ({basis}, discounted), "
                     f"{money(gain)} more than keeping today's network "
                     f"({money(meta['today_network_objective_usd'])}).")
    elif meta.get("today_network_status") in ("infeasible", "unbounded"):
        lines.append(f"Today's network cannot run this scenario "
                     f"({meta['today_network_status']}): the decisions are needed.")
    elif meta.get("today_network_status"):
        lines.append(f"Today's network was not solved before the solver stopped "
                     f"({meta['today_network_status']}): no comparison with it.")
    gap, bound = float(meta.get("mip_gap", 0.0)), meta.get("mip_bound_usd")
    proven = bound is not None and math.isfinite(float(bound)) and math.isfinite(gap)
    if proven and gap > 0:
        lines.append(f"MIP gap {gap:.3%} (bound {money(float(bound))}).")
    elif gap > 0:
        lines.append("MIP gap unknown: no bound was proven before the solver stopped.")
    status = str(getattr(result, "status", "optimal"))
    if status != "optimal" and meta.get("time_limit_s", 0.0) is None:
        # No limit was set: the gap of the plan as reported could not be proven (a
        # re-solve for it found no better plan, numerically); a longer limit cannot help.
        lines.append(f"Status {status}: the plan's gap on the objective as reported could "
                     "not be proven within --mip-gap (the re-solves for it found no better "
                     "plan); see the MIP gap line, or give a larger --mip-gap.")
    elif status != "optimal":
        lines.append(f"Status {status}: the best plan found when the solver stopped, not "
                     "proven optimal; raise --time-limit for a better or proven plan.")
    return lines
