"""The strategic plan's reported columns re-derived from its checked rows (part of
:func:`evplan.strategic.check.check_plan`).

:mod:`evplan.strategic.check` checks the decisions (states, modules, allocations, presence,
approvals, open sites), the flows and their money against the inputs. The columns below
are made from those in :mod:`evplan.strategic.tables`, :mod:`evplan.strategic.decisions` and
``solve._comparison``; a bug there would leave a plan called optimal with wrong figures, so
each is made again here, from the checked tables and the input tables, and compared cell
by cell (and row by row where the row set is not checked elsewhere):

* ``plant_decisions``: ``country`` (plants.csv), ``module_name`` and ``modules_initial``
  (plant_strategy.csv; ``module`` when blank), ``initial_capacity_vehicles_per_year``
  (plants.csv capacity), ``utilisation`` = production / decided capacity (0 without);
* ``program_allocations``: ``existing`` (plant_program_options.csv) and
  ``production_vehicles`` (the shipments of that plant, program and year; kits excluded);
* ``assembly``: ``market`` and ``capacity_vehicles_per_year`` (assembly_sites.csv) and
  ``utilisation`` = kits assembled / capacity in open years (0 otherwise);
* ``steering_variants_added``: one row per plant-program of steering_variants.csv it names
  and year the plant operates; ``built`` from the inputs, ``other_side`` its opposite;
* ``kit_shipments``: its rows are kit lanes of the inputs (a kit_routes.csv row in its
  years, a plant-year that operates, a site of that market open to kits that year, a
  program the plant builds and that market's demand sells); ``rvc_met`` is false on kits
  without a preferential duty and one value per site, program and year;
* ``equity_margin``: one row per joint-venture plant (plant_equity.csv) and year it
  operates: ``partner``, ``equity_share``; ``jv_sales_usd`` = (shipments' variable cost +
  kit value) x (1 + JV margin on cost, else transfer_price_markup); ``fixed_cost_usd`` =
  the decided fixed cost (else plants.csv's in year-y USD) + the plant's program fixed
  costs; ``one_off_cost_usd`` = the plant's, its programs' and its steering variants'
  one-offs; ``jv_profit_usd`` = cost x markup - fixed - one-off; ``partner_share_usd`` =
  (1 - equity share) x profit;
* ``network_costs``: per year and kind, the sum of the decision tables' cost column of
  that kind, with ``in_plant_margin`` true for the plant and program fixed costs only, and,
  with ``unmet_committed_penalty_usd_per_vehicle``, the penalty of each year's unmet
  commitments (from the sales);
* ``network_decisions``: every event re-derived from consecutive states (plants: close,
  mothball, reopen, modules removed or added, with the module count before; programs:
  starts and stops, a start and a stop of one program in one year paired as a move in
  plant order; variants added; markets entered and left; approvals; sites opened), with
  count, one-off cost and the sentence;
* ``network_comparison``: the plan side (``plan_consolidated_usd`` = the year's revenue
  less every cost of the tables, ``plan_attributable_usd`` = that less the partners'
  shares re-derived above), ``discount_factor`` and the identities ``gain = plan - today``,
  and today's ``consolidated = margin_usd - network_costs_usd - compliance_cost_usd`` and
  ``attributable = consolidated - partner_share_usd``; with CO2 or zero-emission rules both
  sides are less the compliance tables' cost of their year, as the objective is.

Not re-derivable here: ``network_comparison``'s ``today_*`` columns (today's network is a
second solve; only the identities above tie its columns together), and ``rvc_met`` of a site's
program-year whose kits meet the threshold but claim no preference (the model may set it
either way; it is checked to be one value for the group). An event's
``one_off_cost_usd`` is the cost the model charges for that event alone: a plant event's
from plant_strategy.csv (closure, mothball, reopen, or the module cost times the count), any
other event's from the table row whose cost :func:`~evplan.strategic.check.check_plan` checks
(a move: its start's plus its stop's); and in each year the column sums to the one-off kinds
of ``network_costs`` (a plant-year with two events, a reopening that adds or removes lines,
is not counted twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.duties import expand_years, year_or
from evplan.data.products import product_members
from evplan.strategic.check_kits import KitTerms, exchange
from evplan.strategic.check_money import commitment_penalty_usd
from evplan.strategic.decisions import money
from evplan.strategic.records import by_key as _by
from evplan.strategic.records import records as _rows
from evplan.verify.compliance_cost import COST_COLUMNS

__all__ = ["reported_problems"]

KINDS = ("close", "mothball", "reopen", "remove_modules", "add_modules", "move_program",
         "stop_program", "start_program", "add_variant", "enter_market", "leave_market",
         "homologate", "open_site")
Want = dict[tuple[Any, ...], dict[str, Any]]


def _same(got: Any, want: Any, absolute: float = 1e-3) -> bool:
    """Numbers within tolerance (NaN equals NaN only); a set: one of its texts; anything
    else equal as text."""
    if isinstance(want, frozenset):
        return str(got) in want
    if isinstance(want, (bool, np.bool_)):
        return isinstance(got, (bool, np.bool_)) and bool(got) == bool(want)
    if isinstance(want, (int, float, np.integer, np.floating)):
        try:
            number = float(got)
        except (TypeError, ValueError):
            return False
        if np.isnan(want) or np.isnan(number):
            return bool(np.isnan(want) and np.isnan(number))
        return abs(number - float(want)) <= 1e-6 * max(1.0, abs(float(want))) + absolute
    return str(got) == str(want)


def _key(row: Any, keys: list[str]) -> tuple[Any, ...]:
    return tuple(int(getattr(row, key)) if key == "year" else getattr(row, key) for key in keys)


def _compare(name: str, frame: pd.DataFrame, keys: list[str], want: Want, problems: list[str],
             rows: bool = True, absolute: Mapping[str, float] | None = None) -> None:
    """Compare ``frame`` with ``want`` (key -> column -> value) cell by cell; with ``rows``
    also name missing, extra and repeated rows (else rows not in ``want`` are skipped)."""
    seen: Counter[tuple[Any, ...]] = Counter()
    for row in _rows(frame):
        key = _key(row, keys)
        seen[key] += 1
        label = f"{name} {' '.join(map(str, key))}"
        if key not in want:
            if rows:
                problems.append(f"{label}: a row the plan's decisions and inputs do not make.")
            continue
        for column, value in want[key].items():
            got = getattr(row, column, None)
            if not _same(got, value, (absolute or {}).get(column, 1e-3)):
                problems.append(f"{label}: {column} is {got!r}; re-derived from the checked "
                                f"tables and inputs it is {value!r}.")
    if rows:
        for key in sorted(set(want) - set(seen), key=str):
            problems.append(f"{name} {' '.join(map(str, key))}: no row, but the plan's "
                            "decisions and inputs make one.")
        for key, count in sorted(seen.items(), key=str):
            if count > 1 and key in want:
                problems.append(f"{name} {' '.join(map(str, key))}: {count} rows; one is "
                                "expected.")


def _sums(frame: pd.DataFrame, keys: list[str], column: str) -> dict[tuple[Any, ...], float]:
    total: dict[tuple[Any, ...], float] = {}
    for row in _rows(frame):
        key = _key(row, keys)
        total[key] = total.get(key, 0.0) + float(getattr(row, column))
    return total


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def _plant_columns(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                   problems: list[str]) -> None:
    plants = _by(data.plants, "plant")
    strategy = _by(data["plant_strategy"], "plant")
    shipped = _sums(tables["shipments"], ["plant", "year"], "shipment_vehicles")
    want: Want = {}
    for row in _rows(tables["plant_decisions"]):
        rule = strategy.get(row.plant)
        if rule is None or row.plant not in plants:
            continue  # check_rows names the row
        name = getattr(rule, "module_name", None)
        want[_key(row, ["plant", "year"])] = {
            "country": plants[row.plant].country,
            "module_name": "module" if name is None or pd.isna(name) else name,
            "modules_initial": int(rule.modules_initial),
            "initial_capacity_vehicles_per_year": float(plants[row.plant]
                                                        .capacity_vehicles_per_year),
            "utilisation": _ratio(shipped.get(_key(row, ["plant", "year"]), 0.0),
                                  float(row.capacity_vehicles_per_year))}
    _compare("plant_decisions", tables["plant_decisions"], ["plant", "year"], want, problems,
             rows=False, absolute={"utilisation": 1e-6})
    options = _by(data["plant_program_options"], "plant", "program")
    built = _sums(tables["shipments"], ["plant", "program", "year"], "shipment_vehicles")
    want = {}
    for row in _rows(tables["program_allocations"]):
        option = options.get((row.plant, row.program))
        if option is not None:
            key = _key(row, ["plant", "program", "year"])
            want[key] = {"existing": option.existing, "production_vehicles": built.get(key, 0.0)}
    _compare("program_allocations", tables["program_allocations"], ["plant", "program", "year"],
             want, problems, rows=False)


def _site_columns(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                  problems: list[str]) -> None:
    sites = _by(data["assembly_sites"], "site")
    assembled = _sums(tables["kit_shipments"], ["site", "year"], "kits")
    want: Want = {}
    for row in _rows(tables["assembly"]):
        rule = sites.get(row.site)
        if rule is None:
            continue  # check_rows names the row
        capacity = float(rule.capacity_vehicles_per_year)
        used = assembled.get(_key(row, ["site", "year"]), 0.0)
        want[_key(row, ["site", "year"])] = {
            "market": rule.market, "capacity_vehicles_per_year": capacity,
            "utilisation": _ratio(used, capacity) if bool(row.open) else 0.0}
    _compare("assembly", tables["assembly"], ["site", "year"], want, problems, rows=False,
             absolute={"utilisation": 1e-6})


def _operating(data: NetworkData) -> dict[Any, list[int]]:
    years: dict[Any, list[int]] = {}
    for row in _rows(expand_years(data.plants, data.years)):
        years.setdefault(row.plant, []).append(int(row.year))
    return years


def _variant_rows(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                  problems: list[str]) -> None:
    frame = tables["steering_variants_added"]
    options = _by(data["steering_variants"], "plant", "program")
    operating = _operating(data)
    want: Want = {}
    for plant, program in {(row.plant, row.program) for row in _rows(frame)}:
        option = options.get((plant, program))
        if option is None or option.built not in ("LHD", "RHD"):
            continue  # rows of such a pair are named as extra
        for year in operating.get(plant, []):
            want[(plant, program, year)] = {
                "built": option.built, "other_side": "RHD" if option.built == "LHD" else "LHD"}
    _compare("steering_variants_added", frame, ["plant", "program", "year"], want, problems)


def _kit_lanes(data: NetworkData) -> set[tuple[Any, ...]]:
    """(plant, site, kit, program, market, year) of every kit lane of the inputs."""
    if data["kit_routes"].empty:
        return set()
    operating = {(plant, year) for plant, years in _operating(data).items() for year in years}
    sites = _by(data["assembly_sites"], "site")
    builds: dict[Any, list[Any]] = {}
    for row in _rows(data["plant_programs"]):
        builds.setdefault(row.plant, []).append(row.program)
    members: dict[Any, set[Any]] = {}
    for row in _rows(product_members(data.programs)):
        members.setdefault(row.product, set()).add(row.program)
    sold = {(row.market, int(row.year), program) for row in _rows(data["demand"])
            for program in members.get(row.product, ())}
    first = min(data.years)
    lanes = set()
    for row in _rows(expand_years(data["kit_routes"], data.years)):
        site, year = sites.get(row.site), int(row.year)
        if site is None or (row.plant, year) not in operating or (
                site.existing != "yes" and year < year_or(site.first_year, first)):
            continue
        for program in builds.get(row.plant, []):
            if (site.market, year, program) in sold:
                lanes.add((row.plant, row.site, row.kit, program, site.market, year))
    return lanes


def _kit_rows(data: NetworkData, tables: Mapping[str, pd.DataFrame],
              problems: list[str]) -> None:
    frame = tables["kit_shipments"]
    keys = ["plant", "site", "kit", "program", "market", "year"]
    _compare("kit_shipments", frame, keys, {key: {} for key in _kit_lanes(data)}, problems)
    terms = KitTerms(data)
    groups: dict[tuple[Any, Any, int], set[bool]] = {}
    for row in _rows(frame):
        if "rvc_met" not in frame.columns or terms.known(row) is not None:
            continue
        if terms(row)["has_preference"]:
            groups.setdefault((row.site, row.program, int(row.year)), set()).add(
                bool(row.rvc_met))
        elif bool(row.rvc_met):
            problems.append(f"kit_shipments {' '.join(map(str, _key(row, keys)))}: rvc_met is "
                            "true on a kit without a preferential duty.")
    for (site, program, year), values in sorted(groups.items(), key=str):
        if len(values) > 1:
            problems.append(f"kit_shipments {site} {program} {year}: rvc_met is both true and "
                            "false in one site, program and year.")


def _equity(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> Want:
    """Key (plant, year) -> the equity_margin row its plant's flows and decisions make."""
    fx = exchange(data)
    plants = _by(data.plants, "plant")
    cost = _sums(tables["shipments"], ["plant", "year"], "variable_cost_usd")
    for key, value in _sums(tables["kit_shipments"], ["plant", "year"], "kit_value_usd").items():
        cost[key] = cost.get(key, 0.0) + value
    decided = _by(tables["plant_decisions"], "plant", "year")
    fixed = _sums(tables["program_allocations"], ["plant", "year"], "fixed_cost_usd")
    one_off: dict[tuple[Any, ...], float] = {}
    for table in ("plant_decisions", "program_allocations", "steering_variants_added"):
        for key, value in _sums(tables[table], ["plant", "year"], "one_off_cost_usd").items():
            one_off[key] = one_off.get(key, 0.0) + value
    operating = _operating(data)
    want: Want = {}
    for rule in _rows(data["plant_equity"]):
        markup = data.scenario.transfer_price_markup if pd.isna(
            rule.jv_margin_on_cost) else float(rule.jv_margin_on_cost)
        plant = plants[rule.plant]
        for year in operating.get(rule.plant, []):
            key = (rule.plant, year)
            row = decided.get((rule.plant, year))
            own = float(plant.fixed_cost_usd_per_year) * fx(plant.country, year) if (
                row is None) else float(row.fixed_cost_usd)
            total_fixed = own + fixed.get(key, 0.0)
            profit = cost.get(key, 0.0) * markup - total_fixed - one_off.get(key, 0.0)
            want[key] = {"partner": rule.partner, "equity_share": float(rule.equity_share),
                         "jv_sales_usd": cost.get(key, 0.0) * (1 + markup),
                         "fixed_cost_usd": total_fixed, "one_off_cost_usd": one_off.get(key, 0.0),
                         "jv_profit_usd": profit,
                         "partner_share_usd": (1 - float(rule.equity_share)) * profit}
    return want


COST_KINDS = (("plant fixed (decided)", "plant_decisions", "fixed_cost_usd", True),
              ("plant one-off", "plant_decisions", "one_off_cost_usd", False),
              ("program fixed", "program_allocations", "fixed_cost_usd", True),
              ("program one-off", "program_allocations", "one_off_cost_usd", False),
              ("steering variant one-off", "steering_variants_added", "one_off_cost_usd", False),
              ("market presence", "market_presence", "presence_cost_usd", False),
              ("market one-off", "market_presence", "one_off_cost_usd", False),
              ("homologation one-off", "program_homologations", "one_off_cost_usd", False),
              ("assembly site fixed", "assembly", "fixed_cost_usd", False),
              ("assembly site one-off", "assembly", "one_off_cost_usd", False))


PENALTY = "unmet commitments penalty"


def _penalties(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> dict[int, float]:
    """Per year of a commitment: the penalty of its unmet part (only when
    ``unmet_committed_penalty_usd_per_vehicle`` is set), from the sales."""
    if data.scenario.unmet_committed_penalty_usd_per_vehicle is None:
        return {}
    years = sorted({int(year) for year in data["committed_sales"]["year"]} & set(data.years))
    return {year: commitment_penalty_usd(data, tables["sales"], {year: 1.0}) for year in years}


def _network_costs(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> Want:
    want: Want = {}
    for kind, table, column, inside in COST_KINDS:
        for (year,), value in _sums(tables[table], ["year"], column).items():
            want[(year, kind)] = {"cost_usd": value, "in_plant_margin": inside}
    for year, value in _penalties(data, tables).items():
        want[(year, PENALTY)] = {"cost_usd": value, "in_plant_margin": False}
    return want


def _value(data: NetworkData, tables: Mapping[str, pd.DataFrame]
           ) -> tuple[dict[int, float], dict[int, float]]:
    """Per year: revenue less every cost of the tables (consolidated), and the sum of the
    sizes of its terms (the scale of its rounding)."""
    value: dict[int, float] = {}
    scale: dict[int, float] = {}

    def add(year: Any, amount: float) -> None:
        value[int(year)] = value.get(int(year), 0.0) + amount
        scale[int(year)] = scale.get(int(year), 0.0) + abs(amount)

    for row in _rows(tables["sales"]):
        add(row.year, float(row.revenue_usd))
    for row in _rows(tables["shipments"]):
        add(row.year, -(row.variable_cost_usd + row.freight_usd + row.duty_usd
                        + getattr(row, "inventory_usd", 0.0)))
    for row in _rows(tables["kit_shipments"]):
        add(row.year, -(row.kit_value_usd + row.freight_usd + row.assembly_usd + row.duty_usd
                        + getattr(row, "inventory_usd", 0.0)))
    fx = exchange(data)
    strategic = set(data["plant_strategy"]["plant"])
    for row in _rows(expand_years(data.plants, data.years)):
        if row.plant not in strategic:
            add(row.year, -float(row.fixed_cost_usd_per_year) * fx(row.country, int(row.year)))
    for _, table, column, _ in COST_KINDS:
        for (year,), amount in _sums(tables[table], ["year"], column).items():
            add(year, -amount)
    for year, amount in _penalties(data, tables).items():
        add(year, -amount)
    for name, columns in COST_COLUMNS:  # the compliance rules' cost, as the objective's
        if name in tables:
            for column in columns:
                for (year,), amount in _sums(tables[name], ["year"], column).items():
                    add(year, -amount)
    return value, scale


def _comparison(data: NetworkData, tables: Mapping[str, pd.DataFrame], partner: Want,
                problems: list[str]) -> None:
    frame = tables["network_comparison"]
    value, scale = _value(data, tables)
    shares: dict[int, float] = {}
    for (_, year), row in partner.items():
        shares[year] = shares.get(year, 0.0) + row["partner_share_usd"]
    first, rate = data.scenario.first_year, data.scenario.discount_rate
    want: Want = {}
    for year in sorted({year for years in _operating(data).values() for year in years}):
        want[(year,)] = {"plan_consolidated_usd": value.get(year, 0.0),
                         "plan_attributable_usd": value.get(year, 0.0) - shares.get(year, 0.0),
                         "discount_factor": (1 + rate) ** -(year - first)}
    del scale
    _compare("network_comparison", frame, ["year"], want, problems,
             absolute={"discount_factor": 1e-9})
    identities: list[tuple[str, str, list[str]]] = [
        (f"gain_{basis}_usd", f"plan_{basis}_usd", [f"today_{basis}_usd"])
        for basis in ("consolidated", "attributable")]
    if {"margin_usd", "network_costs_usd", "partner_share_usd"} <= set(frame.columns):
        costs = ["network_costs_usd"] + (["compliance_cost_usd"]
                                         if "compliance_cost_usd" in frame.columns else [])
        identities += [("today_consolidated_usd", "margin_usd", costs),
                       ("today_attributable_usd", "today_consolidated_usd",
                        ["partner_share_usd"])]
    for row in _rows(frame):
        for column, left, right in identities:  # column = left - right, as the tables make it
            got, minuend = float(getattr(row, column)), float(getattr(row, left))
            subtrahend = sum(float(getattr(row, name)) for name in right)
            tolerance = 1e-12 * (abs(minuend) + abs(subtrahend)) + 1e-3
            if not _same(got, minuend - subtrahend, tolerance):
                problems.append(f"network_comparison {row.year}: {column} is {got:,.2f}; "
                                f"{left} {minuend:,.2f} less {' + '.join(right)} "
                                f"{subtrahend:,.2f} is {minuend - subtrahend:,.2f}.")


def _cost(value: float) -> str:
    return f" (one-off {money(value)})" if value > 0.5 else ""


def _event(want: Want, year: Any, kind: str, subject: Any, program: Any, count: int,
           cost: float, sentence: str) -> None:
    want[(int(year), kind, subject, program)] = {
        "count": count, "one_off_cost_usd": float(cost), "sentence": sentence + _cost(cost)}


def _plant_events(data: NetworkData, decisions: pd.DataFrame, want: Want) -> None:
    for rule in _rows(data["plant_strategy"]):
        state, before = "running", int(rule.modules_initial)
        noun = "module" if pd.isna(getattr(rule, "module_name", None)) else str(rule.module_name)
        for row in _rows(decisions[decisions["plant"] == rule.plant].sort_values("year")):
            plant, year = row.plant, int(row.year)
            modules = float(row.modules_installed)
            if not np.isfinite(modules):
                continue  # check.py names the count that is not a number
            installed = round(modules)
            if row.state == "closed" and state != "closed":
                verb = "stops" if before == 1 else "stop"
                _event(want, year, "close", plant, "", before, float(rule.closure_cost_usd),
                       f"close {plant} for good in {year} (its {before} {noun}"
                       f"{'' if before == 1 else 's'} {verb})")
            elif row.state != "closed":
                if row.state == "mothballed" and state == "running":
                    _event(want, year, "mothball", plant, "", 0, float(rule.mothball_cost_usd),
                           f"mothball {plant} from {year} (idle, kept for a restart)")
                if row.state == "running" and state == "mothballed":
                    _event(want, year, "reopen", plant, "", 0, float(rule.reopen_cost_usd),
                           f"reopen {plant} in {year}")
                if installed < before:
                    count = before - installed
                    _event(want, year, "remove_modules", plant, "", count,
                           float(rule.remove_module_cost_usd) * count,
                           f"close {count} of {before} {noun}s at {plant} in {year}")
                if installed > before:
                    count = installed - before
                    _event(want, year, "add_modules", plant, "", count,
                           float(rule.add_module_cost_usd) * count,
                           f"add {count} {noun}{'' if count == 1 else 's'} at {plant} in "
                           f"{year} ({before} -> {installed})")
            state, before = row.state, installed


def _switched(frame: pd.DataFrame, keys: list[str], flag: str,
              initial: Mapping[tuple[Any, ...], bool]) -> list[tuple[Any, bool]]:
    """(row, on) for each row whose ``flag`` differs from the year before (``initial``
    before its first row), in key and year order."""
    changes = []
    for key, group in frame.sort_values([*keys, "year"]).groupby(keys, sort=True):
        before = initial.get(key if isinstance(key, tuple) else (key,), False)
        for row in _rows(group):
            on = bool(getattr(row, flag))
            if on != before:
                changes.append((row, on))
            before = on
    return changes


def _program_events(data: NetworkData, tables: Mapping[str, pd.DataFrame], want: Want) -> None:
    existing = {(row.plant, row.program): row.existing == "yes"
                for row in _rows(data["plant_program_options"])}
    by_year: dict[tuple[Any, int], tuple[list[Any], list[Any]]] = {}
    for row, on in _switched(tables["program_allocations"], ["plant", "program"], "allocated",
                             existing):
        starts, stops = by_year.setdefault((row.program, int(row.year)), ([], []))
        (starts if on else stops).append(row)
    for (program, year), (starts, stops) in by_year.items():
        starts.sort(key=lambda row: str(row.plant))
        stops.sort(key=lambda row: str(row.plant))
        pairs = min(len(starts), len(stops))
        for start, stop in zip(starts[:pairs], stops[:pairs], strict=True):
            _event(want, year, "move_program", start.plant, program, 1,
                   float(start.one_off_cost_usd) + float(stop.one_off_cost_usd),
                   f"move {program} from {stop.plant} to {start.plant} in {year}")
        for start in starts[pairs:]:
            _event(want, year, "start_program", start.plant, program, 1,
                   float(start.one_off_cost_usd),
                   f"start building {program} at {start.plant} in {year}")
        for stop in stops[pairs:]:
            _event(want, year, "stop_program", stop.plant, program, 1,
                   float(stop.one_off_cost_usd),
                   f"stop building {program} at {stop.plant} in {year}")


def _market_events(data: NetworkData, tables: Mapping[str, pd.DataFrame], want: Want) -> None:
    sides = {(row.plant, row.program): row.built for row in _rows(data["steering_variants"])}
    for row, on in _switched(tables["steering_variants_added"], ["plant", "program"],
                             "other_side_built", {}):
        if on:
            side = "RHD" if sides.get((row.plant, row.program)) == "LHD" else "LHD"
            _event(want, row.year, "add_variant", row.plant, row.program, 1,
                   float(row.one_off_cost_usd),
                   f"add the {side} variant of {row.program} at {row.plant} in {row.year}")
    present = {(row.market,): row.present == "yes" for row in _rows(data["market_entry"])}
    for row, on in _switched(tables["market_presence"], ["market"], "present", present):
        verb, kind = ("enter", "enter_market") if on else ("leave", "leave_market")
        _event(want, row.year, kind, row.market, "", 1, float(row.one_off_cost_usd),
               f"{verb} market {row.market} in {row.year}")
    approved = {(row.program, row.market): row.homologated == "yes"
                for row in _rows(data["homologations"])}
    for row, on in _switched(tables["program_homologations"], ["program", "market"],
                             "homologated", approved):
        if on:
            _event(want, row.year, "homologate", row.market, row.program, 1,
                   float(row.one_off_cost_usd),
                   f"homologate {row.program} for {row.market} in {row.year}")
    sites = _by(data["assembly_sites"], "site")
    opened = {(site,): rule.existing == "yes" for site, rule in sites.items()}
    kits = [row for row in _rows(tables["kit_shipments"]) if float(row.kits) > 0.5]
    for row, on in _switched(tables["assembly"], ["site"], "open", opened):
        if not on:
            continue
        used = [kit for kit in kits if kit.site == row.site]
        per_year: dict[int, float] = {}
        for kit in used:
            per_year[int(kit.year)] = per_year.get(int(kit.year), 0.0) + float(kit.kits)
        sources = ", ".join(sorted({str(kit.plant) for kit in used})) or "no plant yet"
        market = sites[row.site].market if row.site in sites else row.market
        peak = max(per_year.values(), default=0.0)
        cost = float(row.one_off_cost_usd)
        programs = ", ".join(sorted({str(kit.program) for kit in used}))
        _event(want, row.year, "open_site", row.site, programs, 1, cost, "")
        # The peak's rounding may differ with the order of its sum: either side of it.
        want[(int(row.year), "open_site", row.site, programs)]["sentence"] = frozenset(
            f"open assembly site {row.site} for {market} in {row.year}: kits from {sources}, "
            f"up to {value:,.0f} vehicles a year{_cost(cost)}"
            for value in (peak, peak * (1 - 1e-9) - 1e-6, peak * (1 + 1e-9) + 1e-6))


def event_rows(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> Want:
    """Key (year, kind, subject, program) -> count, one-off cost and sentence of every
    network decision the consecutive states of the decision tables make."""
    want: Want = {}
    _plant_events(data, tables["plant_decisions"], want)
    _program_events(data, tables, want)
    _market_events(data, tables, want)
    return want


def _event_order(frame: pd.DataFrame, problems: list[str]) -> None:
    """network_decisions is in year, kind, subject and program order."""
    rank = {kind: position for position, kind in enumerate(KINDS)}
    order = [(int(row.year), rank.get(row.kind, len(KINDS)), str(row.subject), str(row.program))
             for row in _rows(frame)]
    if order != sorted(order):
        problems.append("network_decisions: rows are not in year, kind, subject and program "
                        "order.")


def reported_problems(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every reported cell of the module docstring's columns that differs from the one the
    checked decision tables and the inputs make (empty: all agree)."""
    problems: list[str] = []
    _plant_columns(data, tables, problems)
    _site_columns(data, tables, problems)
    _variant_rows(data, tables, problems)
    _kit_rows(data, tables, problems)
    partner = _equity(data, tables)
    _compare("equity_margin", tables["equity_margin"], ["plant", "year"], partner, problems)
    _compare("network_costs", tables["network_costs"], ["year", "kind"],
             _network_costs(data, tables), problems)
    if "network_comparison" in tables:
        _comparison(data, tables, partner, problems)
    if "network_decisions" in tables:
        _compare("network_decisions", tables["network_decisions"],
                 ["year", "kind", "subject", "program"], event_rows(data, tables), problems)
        _event_order(tables["network_decisions"], problems)
        _one_off_total(tables, problems)
    return problems


def _one_off_total(tables: Mapping[str, pd.DataFrame], problems: list[str]) -> None:
    """network_decisions' one-off costs sum, year by year, to network_costs' one-off kinds."""
    costs = tables["network_costs"]
    one_off = costs[costs["kind"].astype(str).str.endswith("one-off")]
    want = _sums(one_off, ["year"], "cost_usd")
    got = _sums(tables["network_decisions"], ["year"], "one_off_cost_usd")
    for key in sorted(set(want) | set(got)):
        total, events = want.get(key, 0.0), got.get(key, 0.0)
        if not _same(events, total, 1e-3 + 1e-9 * abs(total)):
            problems.append(f"network_decisions {key[0]}: the events' one-off costs sum to "
                            f"{events:,.2f}; network_costs' one-off kinds to {total:,.2f}.")

