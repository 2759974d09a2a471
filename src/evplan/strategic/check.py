"""Check a strategic plan against the input tables, independently of the model object.

:func:`check_plan` reads the decisions and flows from the result tables and the rules from
the input tables (plant_strategy.csv, plant_program_options.csv, ...), re-derives every
decision event from consecutive states, and returns one sentence per rule the plan breaks:

* plants: one ``plant_decisions`` row per strategic plant and year it operates;
  closure is for good, not before ``earliest_closure_year`` and never with
  ``can_close = no``; mothballing only with ``can_mothball = yes``, for at least
  ``min_mothball_years`` and with the modules left as they are; a running plant runs at
  least one module; nothing changes before ``earliest_change_year``; modules are
  whole, within ``modules_max`` and not above ``modules_initial`` before the add lead
  time; kits only from a plant-year that runs (whatever their capacity share);
  production (the shipments table's, with kits' capacity share) within the decided
  capacity, and the break-even floor on the running capacity; plants without a strategy
  row within their plants.csv capacity and floor (the network certificate leaves both
  families to this check);
* programs: one ``program_allocations`` row per option and year of its plant and the
  program's life; built only where and when allocated, inside their lifecycle, on at most
  ``max_plants`` plants; allocations frozen before their ``first_year``;
* steering: vehicles for a market of the other side only after the variant is added (and
  only where it can be);
* markets: sales only while present (and approved, for homologated pairs); one
  market_presence, program_homologations and assembly row per input row and year;
* sites: kits only into open sites, within capacity; preferential kits only where the
  site's regional value content meets the threshold; each kit row on a kit lane of the
  inputs, with its value, freight, assembly cost, inventory and duty (transfer price,
  countervailing duty, exchange rates) recomputed from the inputs
  (:mod:`evplan.strategic.check_kits`);
* market balance: vehicles shipped plus kits assembled = vehicles sold, per program,
  market and year;
* the objective: recomputed from the tables and the input costs, it equals the solver's.

The row counts (one row per key and year, none else) are in
:mod:`evplan.strategic.check_rows`. An empty list means the plan passed. The network rows
themselves (capacity, demand, duties, quotas) are checked by the network model's own
verification.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.duties import expand_years, year_or
from evplan.strategic.check_kits import KitTerms, check_kit_rows, exchange
from evplan.strategic.check_money import check_money, commitment_penalty_usd
from evplan.strategic.check_reported import reported_problems
from evplan.strategic.check_rows import allocation_rows, decision_rows, yearly_rows
from evplan.strategic.records import by_key as _by
from evplan.strategic.records import records as _rows

__all__ = ["check_plan", "network_skip"]

TOLERANCE_VEHICLES = 1e-3


def network_skip(data: NetworkData) -> frozenset[str]:
    """Families of :func:`evplan.verify.verify_network` that :func:`check_plan` checks instead.

    A strategic plan decides plant capacity (so capacity, the plant minimum and the
    objective with its capex are checked here), and kits assembled in a market supply its
    balance rows alongside shipments.
    """
    skip = {"plant-capacity", "plant-minimum", "objective"}
    if not data["kit_routes"].empty:
        skip.add("market-balance")
    return frozenset(skip)
RELATIVE = 1e-6


def _monotone(frame: pd.DataFrame, keys: list[str], column: str, what: str,
              problems: list[str]) -> None:
    """A state that only switches on (sites, approvals, variants) never switches off."""
    for key, group in frame.sort_values([*keys, "year"]).groupby(keys):
        states = group[column].astype(bool).to_numpy()
        years = group["year"].to_numpy()
        for position in range(1, len(states)):
            if states[position - 1] and not states[position]:
                name = " ".join(str(part) for part in (key if isinstance(key, tuple) else
                                                       (key,)))
                problems.append(f"{name}: {what} in {years[position - 1]} but not in "
                                f"{years[position]} (it is for good).")


def _capacity_rows(label: str, built: float, capacity: float, floor: float, what: str,
                   problems: list[str]) -> None:
    """A plant-year's vehicles (and kits' capacity share) within capacity and above its floor."""
    if not (built <= capacity + TOLERANCE_VEHICLES + RELATIVE * capacity):  # NaN: breaks
        problems.append(f"{label}: builds {built:,.1f} with {capacity:,.1f} capacity "
                        f"({what}).")
    if floor > 0 and not (built >= floor * capacity - TOLERANCE_VEHICLES
                          - RELATIVE * capacity):
        problems.append(f"{label}: builds {built:,.1f}, below min_utilisation "
                        f"{floor:g} of {capacity:,.0f}.")


def _balance(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    """Vehicles shipped plus kits assembled in a market = vehicles sold there, per program
    and year (the market-balance rows, which the network certificate leaves to this check
    when kits are assembled)."""
    net: dict[tuple[Any, Any, int], float] = {}
    scale: dict[tuple[Any, Any, int], float] = {}
    site_market = {row.site: row.market for row in _rows(data["assembly_sites"])}
    supplies = [(row.program, row.market, row.year, float(row.shipment_vehicles))
                for row in _rows(tables["shipments"])]
    supplies += [(row.program, site_market.get(row.site, row.market), row.year, float(row.kits))
                 for row in _rows(tables["kit_shipments"])]
    supplies += [(row.program, row.market, row.year, -float(row.sales_vehicles))
                 for row in _rows(tables["sales"])]
    for program, market, year, volume in supplies:
        key = (program, market, int(year))
        net[key] = net.get(key, 0.0) + volume
        scale[key] = scale.get(key, 0.0) + abs(volume)
    for (program, market, year), off in net.items():
        if not (abs(off) <= TOLERANCE_VEHICLES + RELATIVE * scale[(program, market, year)]):
            problems.append(f"{program} in {market} in {year}: shipped and assembled minus "
                            f"sold is {off:,.3f} vehicles (market balance).")


def _plants(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    first = min(data.years)
    plants = _by(data.plants, "plant")
    shares = {(row.plant, row.site, row.kit): float(row.plant_capacity_share)
              for row in _rows(data["kit_routes"])}
    kit_load: dict[tuple[Any, Any], float] = {}
    kits_sent: dict[tuple[Any, int], float] = {}
    for row in _rows(tables["kit_shipments"]):
        key = (row.plant, row.year)
        kit_load[key] = kit_load.get(key, 0.0) + row.kits * shares.get(
            (row.plant, row.site, row.kit), 0.0)
        kits_sent[(row.plant, int(row.year))] = kits_sent.get(
            (row.plant, int(row.year)), 0.0) + float(row.kits)
    shipped: dict[tuple[Any, Any], float] = {}
    for row in _rows(tables["shipments"]):  # from the shipments, not the decisions table
        key = (row.plant, int(row.year))
        shipped[key] = shipped.get(key, 0.0) + float(row.shipment_vehicles)
    decisions = tables["plant_decisions"].sort_values(["plant", "year"])
    strategic = set(data["plant_strategy"]["plant"])
    decision_rows(data, decisions, shipped, kits_sent, strategic, problems)
    for row in _rows(expand_years(data.plants, data.years)):  # plants without a strategy
        if row.plant in strategic:
            continue
        capacity = float(row.capacity_vehicles_per_year)
        built = shipped.get((row.plant, int(row.year)), 0.0) + kit_load.get(
            (row.plant, row.year), 0.0)
        _capacity_rows(f"{row.plant} {row.year}", built, capacity, float(row.min_utilisation),
                       "plants.csv capacity", problems)
    for rule in _rows(data["plant_strategy"]):
        plant = rule.plant
        initial = int(rule.modules_initial)
        top = initial if pd.isna(rule.modules_max) else int(rule.modules_max)
        change = year_or(rule.earliest_change_year, first)
        closure = max(year_or(rule.earliest_closure_year, change), change)
        add_year = max(change, first + int(rule.add_lead_time_years))
        module = float(plants[plant].capacity_vehicles_per_year) / initial
        floor = float(plants[plant].min_utilisation)
        closed = False
        idle_since: int | None = None
        state_before = "running"
        modules_before = float(initial)
        for row in _rows(decisions[decisions["plant"] == plant]):
            label = f"{plant} {row.year}"
            if row.state not in ("running", "mothballed", "closed"):
                problems.append(f"{label}: state {row.state!r} is not running, mothballed or "
                                "closed.")
            installed = float(row.modules_installed)
            if closed and row.state != "closed":
                problems.append(f"{label}: reopens after closing for good.")
            if row.state == "closed":
                closed = True
                if rule.can_close == "no" or row.year < closure:
                    allowed = "never" if rule.can_close == "no" else f"from {closure}"
                    problems.append(f"{label}: closed, but plant_strategy.csv allows closure "
                                    f"{allowed}.")
            if row.state == "mothballed":
                if rule.can_mothball != "yes":
                    problems.append(f"{label}: mothballed, but can_mothball is not yes.")
                if state_before != "mothballed":
                    idle_since = int(row.year)
                if state_before != "closed" and installed != modules_before:
                    problems.append(f"{label}: modules change while mothballed.")
            if (row.state == "running" and state_before == "mothballed"
                    and idle_since is not None
                    and row.year - idle_since < int(rule.min_mothball_years)):
                problems.append(f"{label}: reopens after {row.year - idle_since} idle year(s); "
                                f"min_mothball_years is {rule.min_mothball_years}.")
            sent = kits_sent.get((plant, int(row.year)), 0.0)
            if row.state != "running" and not (sent <= TOLERANCE_VEHICLES):
                problems.append(f"{label}: ships {sent:,.1f} kits while {row.state} (kits leave "
                                "a plant only in years it runs).")
            if row.state == "running" and installed < 1:
                problems.append(f"{label}: runs with no module (that is a closure).")
            if not math.isfinite(installed) or abs(installed - round(installed)) > 1e-6 or (
                    installed < -1e-9 or installed > top):  # NaN: a problem, not a crash
                problems.append(f"{label}: {installed:g} modules installed, outside 0..{top}.")
            if row.year < add_year and installed > initial + 1e-9:
                problems.append(f"{label}: {installed:g} modules before the add lead time "
                                f"allows more than {initial} ({add_year}).")
            if row.year < change and (row.state != "running" or installed != initial):
                problems.append(f"{label}: changed before earliest_change_year {change}.")
            running = installed if row.state == "running" else 0.0
            capacity = module * running
            reported = float(row.capacity_vehicles_per_year)
            if not (abs(reported - capacity) <= TOLERANCE_VEHICLES + RELATIVE * capacity):
                problems.append(f"{label}: reports capacity {reported:,.1f}; {running:g} "
                                f"running modules of {module:,.0f} make {capacity:,.1f}.")
            own = shipped.get((plant, int(row.year)), 0.0)
            if not (abs(float(row.production_vehicles) - own)
                    <= TOLERANCE_VEHICLES + RELATIVE * own):
                problems.append(f"{label}: reports production of {row.production_vehicles:,.1f}"
                                f", its shipments add up to {own:,.1f}.")
            built = own + kit_load.get((plant, row.year), 0.0)
            _capacity_rows(label, built, capacity, floor,
                           f"{running:g} running modules of {module:,.0f}", problems)
            state_before = row.state
            modules_before = installed


def _built(tables: dict[str, pd.DataFrame]) -> dict[tuple[Any, Any, Any], float]:
    """Vehicles and kits each plant builds of each program in each year."""
    built: dict[tuple[Any, Any, Any], float] = {}
    for row in _rows(tables["shipments"]):
        key = (row.plant, row.program, row.year)
        built[key] = built.get(key, 0.0) + float(row.shipment_vehicles)
    for row in _rows(tables["kit_shipments"]):
        key = (row.plant, row.program, row.year)
        built[key] = built.get(key, 0.0) + float(row.kits)
    return {key: value for key, value in built.items() if value > TOLERANCE_VEHICLES}


def _programs(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    first, last = min(data.years), max(data.years)
    built = _built(tables)
    allocation_rows(data, tables["program_allocations"], problems)
    allocations = _by(tables["program_allocations"], "plant", "program", "year")
    options = _by(data["plant_program_options"], "plant", "program")
    for (plant, program, year), volume in built.items():
        if (plant, program) in options and not (
                (plant, program, year) in allocations
                and bool(allocations[(plant, program, year)].allocated)):
            problems.append(f"{plant} builds {volume:,.1f} {program} in {year} without being "
                            "allocated it.")
    states = {(row.plant, row.year): row.state for row in _rows(tables["plant_decisions"])}
    for row in allocations.values():
        if bool(row.allocated) and states.get((row.plant, row.year), "running") == "closed":
            problems.append(f"{row.plant} {row.program}: allocated in {row.year} at a closed "
                            "plant.")
        option = options.get((row.plant, row.program))
        if option is None:
            problems.append(f"program_allocations: {row.plant} {row.program} {row.year} is "
                            "no plant_program_options row.")
            continue
        if row.year < year_or(option.first_year, first) and bool(row.allocated) != (
                option.existing == "yes"):
            problems.append(f"{row.plant} {row.program}: allocation changes in {row.year}, "
                            f"before first_year {option.first_year}.")
    operating = expand_years(data.plants, data.years)
    operating_plants = {year: set(group["plant"]) for year, group in operating.groupby("year")}
    for rule in _rows(data["program_lifecycle"]):
        start = year_or(rule.first_year, first)
        end = year_or(rule.last_year, last)
        for year in data.years:
            volume = sum(value for (_, program, when), value in built.items()
                         if program == rule.program and when == year)
            if (year < start or year > end) and volume > TOLERANCE_VEHICLES:
                problems.append(f"{rule.program} is built in {year}, outside its life "
                                f"{start}-{end}.")
            if pd.isna(rule.max_plants) or year < start or year > end:
                continue  # the cap binds in the program's life only
            fixed = {row.plant for row in _rows(data["plant_programs"])
                     if row.program == rule.program and (row.plant, row.program) not in options
                     and row.plant in operating_plants.get(year, set())}
            chosen = {row.plant for row in allocations.values()
                      if row.program == rule.program and row.year == year and row.allocated}
            if len(fixed | chosen) > int(rule.max_plants):
                problems.append(f"{rule.program} {year}: {len(fixed | chosen)} plants may "
                                f"build it; max_plants is {int(rule.max_plants)}.")


def _steering(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    sides = {row.market: row.steering for row in _rows(data["market_steering"])}
    built_sides = {(row.plant, row.program): row.built for row in _rows(data["steering_variants"])}
    added = {(row.plant, row.program, row.year) for row in _rows(
        tables["steering_variants_added"]) if row.other_side_built}
    site_market = {row.site: row.market for row in _rows(data["assembly_sites"])}
    flows = [(row.plant, row.program, row.market, row.year, float(row.shipment_vehicles))
             for row in _rows(tables["shipments"])]
    for row in _rows(tables["kit_shipments"]):
        if row.site not in site_market:  # a KeyError before (review)
            problems.append(f"kit_shipments {row.plant}>{row.site} {row.kit} {row.program} "
                            f"{row.year}: {float(row.kits):,.1f} kits into site {row.site}, "
                            "which assembly_sites.csv does not have.")
            continue
        flows.append((row.plant, row.program, site_market[row.site], row.year,
                      float(row.kits)))
    _monotone(tables["steering_variants_added"], ["plant", "program"], "other_side_built",
              "the other steering side is built", problems)
    for plant, program, market, year, volume in flows:
        side = sides.get(market)
        built = built_sides.get((plant, program), "both")
        if volume <= TOLERANCE_VEHICLES or side is None or built in ("both", side):
            continue
        if (plant, program, year) not in added:
            problems.append(f"{plant} ships {volume:,.1f} {side} {program} to {market} in "
                            f"{year} but builds only {built}.")


def _markets(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    sold: dict[tuple[Any, Any, Any], float] = {}
    for row in _rows(tables["sales"]):
        key = (row.program, row.market, row.year)
        sold[key] = sold.get(key, 0.0) + float(row.sales_vehicles)
    presence = {(row.market, row.year): bool(row.present)
                for row in _rows(tables["market_presence"])}
    approvals = {(row.program, row.market, row.year): bool(row.homologated)
                 for row in _rows(tables["program_homologations"])}
    _monotone(tables["program_homologations"], ["program", "market"], "homologated",
              "homologated", problems)
    entry = set(data["market_entry"]["market"])
    gated = {(row.program, row.market) for row in _rows(data["homologations"])}
    for (program, market, year), volume in sold.items():
        if volume <= TOLERANCE_VEHICLES:
            continue
        if market in entry and not presence.get((market, year), False):
            problems.append(f"{volume:,.1f} {program} sold in {market} in {year} while the "
                            "automaker is not present.")
        if (program, market) in gated and not approvals.get((program, market, year), False):
            problems.append(f"{volume:,.1f} {program} sold in {market} in {year} without "
                            "homologation.")


def _sites(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    first = min(data.years)
    rules = _by(data["assembly_sites"], "site")
    assembled: dict[tuple[Any, int], float] = {}  # from the kits, not the assembly table
    for row in _rows(tables["kit_shipments"]):
        site_year = (row.site, int(row.year))
        assembled[site_year] = assembled.get(site_year, 0.0) + float(row.kits)
    opened = {(row.site, int(row.year)): row for row in _rows(tables["assembly"])}
    for site, year in sorted(set(assembled) | set(opened), key=str):
        row = opened.get((site, year))
        is_open = row is not None and bool(row.open)
        built = assembled.get((site, year), 0.0)
        if row is not None and not (abs(float(row.assembled_vehicles) - built) <= (
                TOLERANCE_VEHICLES + RELATIVE * built)):
            problems.append(f"{site} {year}: reports {row.assembled_vehicles:,.1f} assembled, "
                            f"its kits add up to {built:,.1f}.")
        if built > TOLERANCE_VEHICLES and not is_open:
            problems.append(f"{site} assembles {built:,.1f} in {year} while closed.")
        rule = rules.get(site)
        if rule is None:
            continue  # check_kit_rows names kits into a site the inputs do not have
        if built > rule.capacity_vehicles_per_year + TOLERANCE_VEHICLES:
            problems.append(f"{site} assembles {built:,.1f} in {year}, above its capacity "
                            f"{rule.capacity_vehicles_per_year:,.0f}.")
        if is_open and rule.existing != "yes" and year < year_or(rule.first_year, first):
            problems.append(f"{site} is open in {year}, before its first_year.")
    _monotone(tables["assembly"], ["site"], "open", "open", problems)
    kits = _rows(tables["kit_shipments"])
    terms = KitTerms(data)
    claimed = {(row.site, row.program, row.year) for row in kits
               if row.preferential_kits > TOLERANCE_VEHICLES}
    groups: dict[tuple[Any, Any, Any], list[float]] = {}
    for row in kits:
        key = (row.site, row.program, row.year)
        if key not in claimed or terms.known(row) is not None:
            continue
        unit = terms(row)
        if not unit["has_preference"]:
            continue  # as the model's rule: the average is over the kits with a preference
        threshold = unit["threshold"]
        total = groups.setdefault(key, [0.0, 0.0, 0.0])
        total[0] += row.kits * unit["originating"]
        total[1] += row.kits * unit["value"]
        total[2] = max(total[2], 0.0 if np.isnan(threshold) else threshold)
    for (site, program, year), (originating, value, threshold) in groups.items():
        rvc = originating / value if value > 0 else 1.0
        if rvc < threshold - 1e-6:
            problems.append(f"{site} {program} {year}: preferential kit duty claimed at a "
                            f"regional value content of {rvc:.3f}, below {threshold:.3f}.")


def _plant_costs(data: NetworkData, tables: dict[str, pd.DataFrame],
                 charge: Any, compare: Any) -> None:
    """Charge every plant's fixed and one-off costs (weights applied by ``charge``); the
    tables' own cost columns must be these (``compare``)."""
    strategy = _by(data["plant_strategy"], "plant")
    plants = _by(data.plants, "plant")
    fx = exchange(data)

    def local(plant: Any, year: Any) -> float:  # local currency -> year-y USD
        return fx(plants[plant].country, int(year))

    for row in _rows(expand_years(data.plants, data.years)):
        if row.plant not in strategy:
            charge(row.year, row.fixed_cost_usd_per_year * local(row.plant, row.year),
                   row.plant)
    decisions = tables["plant_decisions"].sort_values(["plant", "year"])
    for plant, rule in strategy.items():
        fixed = float(plants[plant].fixed_cost_usd_per_year)
        initial = int(rule.modules_initial)
        share = float(rule.module_fixed_cost_share)
        state, modules = "running", float(initial)
        for row in _rows(decisions[decisions["plant"] == plant]):
            running = row.state == "running"
            cost = (((1 - share) * fixed * running + share * fixed / initial
                     * (row.modules_installed if running else 0.0)) * local(plant, row.year)
                    + rule.mothball_cost_usd_per_year * (row.state == "mothballed"))
            one_off = 0.0
            if row.state == "closed" and state != "closed":
                one_off += rule.closure_cost_usd
            elif row.state != "closed":
                one_off += rule.add_module_cost_usd * max(row.modules_installed - modules, 0.0)
                one_off += rule.remove_module_cost_usd * max(modules - row.modules_installed,
                                                             0.0)
            if row.state == "mothballed" and state == "running":
                one_off += rule.mothball_cost_usd
            if running and state == "mothballed":
                one_off += rule.reopen_cost_usd
            compare(f"plant_decisions {plant} {row.year}", row,
                    {"fixed_cost_usd": cost, "one_off_cost_usd": one_off,
                     "modules_running": row.modules_installed if running else 0.0,
                     "modules_added": 0.0 if row.state == "closed" else max(
                         row.modules_installed - modules, 0.0),
                     "modules_removed": 0.0 if row.state == "closed" else max(
                         modules - row.modules_installed, 0.0),
                     "closed_this_year": row.state == "closed" and state != "closed",
                     "mothballed_this_year": row.state == "mothballed" and state == "running",
                     "reopened_this_year": running and state == "mothballed"})
            charge(row.year, cost + one_off, plant)
            state, modules = row.state, float(row.modules_installed)
    options = _by(data["plant_program_options"], "plant", "program")
    allocations = tables["program_allocations"].sort_values(["plant", "program", "year"])
    for (plant, program), option in options.items():
        chosen = allocations[(allocations["plant"] == plant)
                             & (allocations["program"] == program)]
        for row, allocated, started, stopped in _switches(chosen, "allocated",
                                                          option.existing == "yes"):
            costs = {"fixed_cost_usd": option.fixed_cost_usd_per_year * allocated,
                     "one_off_cost_usd": option.tooling_cost_usd * started
                     + option.exit_cost_usd * stopped}
            compare(f"program_allocations {plant} {program} {row.year}", row,
                    {**costs, "started": started, "stopped": stopped})
            charge(row.year, sum(costs.values()), plant)
    variants = _by(data["steering_variants"], "plant", "program")
    for row in _rows(tables["steering_variants_added"]):
        variant = variants.get((row.plant, row.program))
        if variant is None:  # a NaN cost differs from any reported one: the row is named
            compare(f"steering_variants_added {row.plant} {row.program} {row.year} (no "
                    "steering_variants row)", row, {"one_off_cost_usd": float("nan")})
            continue
        cost = float(variant.add_other_cost_usd) * bool(row.added_this_year)
        compare(f"steering_variants_added {row.plant} {row.program} {row.year}", row,
                {"one_off_cost_usd": cost})
        charge(row.year, cost, row.plant)


def _market_costs(data: NetworkData, tables: dict[str, pd.DataFrame], charge: Any,
                  compare: Any) -> None:
    """Charge market presence, homologation and assembly-site costs; the tables' own cost
    columns must be these (``compare``)."""
    for rule in _rows(data["market_entry"]):
        rows = tables["market_presence"]
        for row, present, entered, exited in _switches(
                rows[rows["market"] == rule.market], "present", rule.present == "yes"):
            costs = {"presence_cost_usd": rule.presence_cost_usd_per_year * present,
                     "one_off_cost_usd": rule.entry_cost_usd * entered
                     + rule.exit_cost_usd * exited}
            compare(f"market_presence {rule.market} {row.year}", row,
                    {**costs, "entered": entered, "exited": exited})
            charge(row.year, sum(costs.values()), None)
    for rule in _rows(data["homologations"]):
        rows = tables["program_homologations"]
        chosen = rows[(rows["program"] == rule.program) & (rows["market"] == rule.market)]
        for row, _, approved, _ in _switches(chosen, "homologated",
                                             rule.homologated == "yes"):
            cost = rule.cost_usd * approved
            compare(f"program_homologations {rule.program} {rule.market} {row.year}", row,
                    {"one_off_cost_usd": cost, "approved_this_year": approved})
            charge(row.year, cost, None)
    for rule in _rows(data["assembly_sites"]):
        rows = tables["assembly"]
        for row, opened, opened_now, _ in _switches(rows[rows["site"] == rule.site], "open",
                                                    rule.existing == "yes"):
            costs = {"fixed_cost_usd": rule.fixed_cost_usd_per_year * opened,
                     "one_off_cost_usd": rule.opening_cost_usd * opened_now}
            compare(f"assembly {rule.site} {row.year}", row,
                    {**costs, "opened_this_year": opened_now})
            charge(row.year, sum(costs.values()), None)


def _switches(rows: pd.DataFrame, flag: str, before: bool
              ) -> Iterator[tuple[Any, bool, bool, bool]]:
    """(row, on, switched on, switched off) for each row in year order: ``flag`` the row's
    state column, ``before`` the state before the first year (the inputs' existing one)."""
    for row in _rows(rows.sort_values("year")):
        on = bool(getattr(row, flag))
        yield row, on, on and not before, before and not on
        before = on


def _objective(data: NetworkData, tables: dict[str, pd.DataFrame], objective: float,
               basis: str, problems: list[str]) -> None:
    """Recompute the objective from the tables and the inputs' cost columns."""
    first = min(data.years)
    rate = data.scenario.discount_rate
    discount = {year: (1 + rate) ** -(year - first) for year in data.years}
    equity = _by(data["plant_equity"], "plant")
    markup = data.scenario.transfer_price_markup
    value: dict[int, float] = defaultdict(float, dict.fromkeys(data.years, 0.0))
    for row in _rows(tables["sales"]):
        value[row.year] += row.revenue_usd
    for row in _rows(tables["shipments"]):
        value[row.year] -= (row.variable_cost_usd + row.freight_usd + row.duty_usd
                            + getattr(row, "inventory_usd", 0.0))
    for row in _rows(tables["kit_shipments"]):
        value[row.year] -= (row.kit_value_usd + row.freight_usd + row.assembly_usd
                            + row.duty_usd + getattr(row, "inventory_usd", 0.0))

    def weight(plant: Any) -> float:
        if basis != "attributable" or plant not in equity:
            return 1.0
        return float(equity[plant].equity_share)

    def charge(year: Any, amount: float, plant: Any) -> None:
        value[int(year)] -= weight(plant) * float(amount)

    def compare(label: str, row: Any, costs: dict[str, Any]) -> None:
        """A reported cost, event or count of a decision row = the one its states give."""
        for column, want in costs.items():
            got = getattr(row, column, None)
            if got is not None and not (abs(float(got) - float(want)) <= 1e-6 * max(
                    1.0, abs(float(want))) + 1e-3):  # a NaN differs
                problems.append(f"{label}: {column} is {float(got):,.2f}; the inputs give "
                                f"{float(want):,.2f}.")

    _plant_costs(data, tables, charge, compare)
    _market_costs(data, tables, charge, compare)
    if basis == "attributable":
        for row in [*_rows(tables["shipments"]), *_rows(tables["kit_shipments"])]:
            if row.plant in equity:
                rule = equity[row.plant]
                margin = markup if pd.isna(rule.jv_margin_on_cost) else rule.jv_margin_on_cost
                cost = getattr(row, "variable_cost_usd", None)
                cost = row.kit_value_usd if cost is None else cost
                value[int(row.year)] -= (1 - rule.equity_share) * margin * cost
    for year in sorted(set(value) - set(data.years)):
        problems.append(f"rows of {year}, outside the planning years, carry "
                        f"{value[year]:,.2f} USD of the objective.")
    total = sum(discount[year] * value[year] for year in data.years)
    total -= commitment_penalty_usd(data, tables["sales"], discount)
    if "co2_by_year" in tables:  # CO2 and zero-emission rules: their discounted cost
        from evplan.verify.compliance import compliance_cost_usd

        total -= compliance_cost_usd(data, tables)
    if not (abs(total - objective) <= 1e-6 * max(1.0, abs(objective)) + 1.0):  # NaN too
        problems.append(f"the objective recomputed from the tables and input costs is "
                        f"{total:,.2f}, the solver's {objective:,.2f}.")


def check_plan(data: NetworkData, tables: dict[str, pd.DataFrame], objective: float,
               basis: str = "consolidated") -> list[str]:
    """Return every rule of the strategic tables the plan breaks (empty: it passed)."""
    problems: list[str] = []
    _plants(data, tables, problems)
    _programs(data, tables, problems)
    _steering(data, tables, problems)
    _markets(data, tables, problems)
    _sites(data, tables, problems)
    yearly_rows(data, tables, problems)
    check_kit_rows(data, tables, problems)
    check_money(data, tables, problems)
    _balance(data, tables, problems)
    _objective(data, tables, objective, basis, problems)
    problems += reported_problems(data, tables)
    return problems
