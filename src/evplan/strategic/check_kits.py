"""Kit rows of a strategic plan checked against the input tables (part of
:func:`evplan.strategic.check.check_plan`).

Each kit row of ``kit_shipments`` must be a kit lane of the inputs (a kit_routes.csv row
open that year, into a site of that market, of a program the plant builds), and its value,
freight, assembly cost, inventory in transit and duty must equal its kits times the terms
recomputed here from the tables as docs/formulation.md states them ("Local assembly and
rules of origin"): the declared transfer price on the kit's share of full cost (or the
markup rule), the customs value, the kit duty plus the maker's countervailing duty (also on
preferential kits), the carrying cost for the transit days of the plant's route to the
site's market, and exchange rates on the plant's and the site's local-currency costs.

The compliance certificate (:mod:`evplan.verify.compliance`, run on every strategic plan
with CO2 or zero-emission tables) counts each kit row's cars in the fleet target, ZEV
mandate and carbon rows of its ``market`` and ``year`` by its ``program``, ``powertrain``
and origin ``plant`` (docs/formulation.md, "Kits"; :mod:`evplan.verify.compliance_kits`);
those columns are checked against the inputs here: on a row that carries kits the site must
be in the row's market; where the table has them, the origin must be the plant's country and
the powertrain the program's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.duties import expand_years, year_or
from evplan.strategic.records import by_key as _by
from evplan.strategic.records import records as _rows

__all__ = ["KitTerms", "check_kit_rows", "exchange"]

TOLERANCE_VEHICLES = 1e-3
RELATIVE = 1e-6


def exchange(data: NetworkData) -> Any:
    """Factor that turns a country's base-year USD into year-y USD: the first planning
    year's local-per-USD rate over year y's (1 without both rows)."""
    rates = {(row.country, int(row.year)): float(row.local_per_usd)
             for row in _rows(data["exchange_rates"])}
    first = int(data.scenario.first_year)

    def factor(country: Any, year: int) -> float:
        base, now = rates.get((country, first)), rates.get((country, year))
        return 1.0 if base is None or now is None or not now else base / now

    return factor



class KitTerms:
    """Per kit row, its per-vehicle terms recomputed from the input tables (docs/formulation.md,
    "Local assembly"): value, assembly and local content in year-y USD, the declared
    transfer price, customs value, full and preferential duty (with the countervailing
    duty), the inventory in transit, originating value, vehicle value and RVC threshold."""

    def __init__(self, data: NetworkData) -> None:
        self.data = data
        self.fx = exchange(data)
        self.routes = _by(data["kit_routes"], "plant", "site", "kit")
        self.costs = _by(data["plant_programs"], "plant", "program")
        self.plants = _by(data.plants, "plant")
        self.markets = _by(data.markets, "market")
        self.sites = _by(data["assembly_sites"], "site")
        self.programs = _by(data.programs, "program")
        self.transit = {(row.plant, row.market): float(row.transit_days)
                        for row in _rows(data["routes"])}
        self.markups = {(row.origin, row.market): float(row.markup_on_full_cost)
                        for row in _rows(data["transfer_prices"])}
        self.kit_duties = _rows(expand_years(data["kit_duties"], data.years))
        self.cvd = _rows(expand_years(data["countervailing_duties"], data.years))

    def known(self, row: Any) -> str | None:
        """Why the kit row is not a kit lane of the inputs (None: it is one)."""
        route = self.routes.get((row.plant, row.site, row.kit))
        if route is None:
            return "no kit_routes.csv row"
        if row.site not in self.sites or self.sites[row.site].market != row.market:
            return "the site is not in that market"
        if (row.plant, row.program) not in self.costs:
            return "the plant does not build the program (plant_programs.csv)"
        first, last = min(self.data.years), max(self.data.years)
        if not year_or(route.first_year, first) <= int(row.year) <= year_or(route.last_year,
                                                                             last):
            return "the kit lane is closed that year"
        plant = self.plants[row.plant]
        if not year_or(getattr(plant, "first_year", None), first) <= int(row.year) <= year_or(
                getattr(plant, "last_year", None), last):
            return "the plant does not operate that year"
        return None

    def _duty_row(self, row: Any, origin: Any, powertrain: Any) -> Any:
        match = [duty for duty in self.kit_duties if duty.origin == origin
                 and duty.market == row.market and int(duty.year) == int(row.year)]
        exact = [duty for duty in match if duty.powertrain == powertrain]
        wildcard = [duty for duty in match if duty.powertrain == "*"]
        return (exact or wildcard or [None])[0]

    def _cvd_rate(self, row: Any, origin: Any, program: Any) -> float:
        for maker in (program.maker, "*"):  # the maker's own rate, then the all-others
            for powertrain in (program.powertrain, "*"):
                for duty in self.cvd:
                    if (duty.origin == origin and duty.market == row.market
                            and duty.maker == maker and duty.powertrain == powertrain
                            and int(duty.year) == int(row.year)):
                        return float(duty.cvd_rate)
        return 0.0

    def variable_cost(self, plant: Any, program: Any, year: int) -> float:
        """The plant's variable cost of the program in year-y USD."""
        return float(self.costs[(plant, program)].variable_cost_usd_per_vehicle) * self.fx(
            self.plants[plant].country, year)

    def transfer(self, plant: Any, program: Any, market: Any, year: int, share: float
                 ) -> float:
        """Declared transfer price of ``share`` of a vehicle (1: a built-up vehicle):
        transfer_prices' markup on full cost, else transfer_price_markup on variable cost."""
        origin = self.plants[plant].country
        variable = self.variable_cost(plant, program, year)
        markup = self.markups.get((origin, market), self.markups.get((origin, "*")))
        if markup is None:
            return share * variable * (1 + self.data.scenario.transfer_price_markup)
        capacity = float(self.plants[plant].capacity_vehicles_per_year)
        fixed = float(self.plants[plant].fixed_cost_usd_per_year) * self.fx(origin, year) / (
            capacity) if capacity > 0 else 0.0
        return share * (variable + fixed) * (1 + markup)

    def __call__(self, row: Any) -> dict[str, float]:
        data, year = self.data, int(row.year)
        route = self.routes[(row.plant, row.site, row.kit)]
        plant = self.plants[row.plant]
        origin = plant.country
        market = self.markets[row.market]
        program = self.programs[row.program]
        share = float(route.kit_value_share)
        at_plant, at_site = self.fx(origin, year), self.fx(market.country, year)
        variable = float(self.costs[(row.plant, row.program)].variable_cost_usd_per_vehicle
                         ) * at_plant
        local = route.assembly_cost_usd_per_vehicle if pd.isna(
            route.local_content_usd_per_vehicle) else route.local_content_usd_per_vehicle
        transfer = self.transfer(row.plant, row.program, row.market, year, share)
        freight = float(route.freight_usd_per_vehicle)
        customs = transfer + (freight if market.customs_basis == "CIF" else 0.0)
        duty = self._duty_row(row, origin, program.powertrain)
        cross = origin != market.country
        rate = (data.scenario.default_duty_rate or 0.0) if duty is None else float(
            duty.kit_duty_rate)
        cvd = self._cvd_rate(row, origin, program)
        preferential = None if duty is None or pd.isna(duty.preferential_rate) else float(
            duty.preferential_rate)
        full = (rate + cvd) * customs if cross else 0.0
        preferred = (preferential + cvd) * customs if (
            cross and preferential is not None and preferential < rate) else full
        assembly = float(route.assembly_cost_usd_per_vehicle) * at_site
        originating_share = 0.0 if duty is None else float(duty.kit_originating_share)
        threshold = np.nan if duty is None or pd.isna(duty.rvc_threshold) else float(
            duty.rvc_threshold)
        days = self.transit.get((row.plant, row.market), 0.0)
        return {"kit_value": share * variable, "assembly": assembly, "freight": freight,
                "transfer": transfer, "customs": customs if cross else 0.0,
                "cvd_rate": cvd if cross else 0.0, "full_duty": full,
                "preferential_duty": preferred,
                "inventory": transfer * data.scenario.inventory_carrying_rate * days / 365.0,
                "originating": float(local) * at_site + originating_share * customs,
                "value": customs + assembly, "threshold": threshold,
                "rvc_customs": customs,
                "has_preference": float(cross and preferential is not None
                                        and preferential < rate)}


def _check_rvc_met(groups: dict[tuple[Any, Any, int], list[Any]], problems: list[str]
                   ) -> None:
    """rvc_met (the model's beta of the site, program and year) is true only where the kits
    with a preference meet the threshold on average, and true wherever such kits enter at
    the preferential rate."""
    for (site, program, year), (originating, value, threshold, rows) in groups.items():
        rvc = originating / value if value > 0 else 1.0
        for row in rows:
            met = getattr(row, "rvc_met", None)
            if met is None:
                continue
            if bool(met) and rvc < threshold - 1e-6:
                problems.append(f"{site} {program} {year}: rvc_met is true at a regional value "
                                f"content of {rvc:.4f}, below {threshold:.4f}.")
                break
            if not bool(met) and float(row.preferential_kits) > TOLERANCE_VEHICLES:
                problems.append(f"{site} {program} {year}: {float(row.preferential_kits):,.1f} "
                                "preferential kits with rvc_met false.")
                break


def check_kit_rows(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]
                ) -> None:
    """Each kit row is a kit lane of the inputs, and its value, freight, assembly cost,
    inventory and duty equal its kits times the inputs' (the duty with its preferential
    kits at the preferential rate)."""
    terms = KitTerms(data)
    rvc_groups: dict[tuple[Any, Any, int], list[Any]] = {}
    preference_groups: dict[tuple[Any, Any, int], list[Any]] = {}
    for column in ("customs_value_usd_per_vehicle", "cvd_rate"):
        if column not in tables["kit_shipments"].columns:
            problems.append(f"kit_shipments has no {column} column (the certificate checks "
                            "each kit row's).")
    country = dict(zip(data.tables["plants"]["plant"].astype(str),
                       data.tables["plants"]["country"].astype(str), strict=True))
    powertrain = dict(zip(data.tables["programs"]["program"].astype(str),
                          data.tables["programs"]["powertrain"].astype(str), strict=True))
    for row in _rows(tables["kit_shipments"]):
        label = f"{row.plant}>{row.site} {row.kit} {row.program} {row.year}"
        for column, want in (("origin", country.get(str(row.plant))),
                             ("powertrain", powertrain.get(str(row.program)))):
            got = getattr(row, column, None)
            if got is not None and want is not None and str(got) != want:
                problems.append(f"{label}: {column} is {got!r}; the inputs make it {want!r}.")
        kits, preferred = float(row.kits), float(row.preferential_kits)
        if not (np.isfinite(kits) and np.isfinite(preferred)):
            problems.append(f"{label}: kits {kits} and preferential_kits {preferred} must be "
                            "numbers.")
            continue
        if kits < -TOLERANCE_VEHICLES or preferred < -TOLERANCE_VEHICLES:
            problems.append(f"{label}: negative kits ({kits:,.3f}, {preferred:,.3f} "
                            "preferential).")
        if preferred > kits + TOLERANCE_VEHICLES + RELATIVE * abs(kits):
            problems.append(f"{label}: {preferred:,.1f} preferential kits of {kits:,.1f}.")
        why = terms.known(row)
        if why is not None:
            if abs(kits) > TOLERANCE_VEHICLES:
                problems.append(f"{label}: {kits:,.1f} kits on a lane the inputs do not "
                                f"open ({why}).")
            continue
        unit = terms(row)
        expected = {"kit_value_usd": kits * unit["kit_value"],
                    "assembly_usd": kits * unit["assembly"],
                    "freight_usd": kits * unit["freight"],
                    "inventory_usd": kits * unit["inventory"],
                    "duty_usd": kits * unit["full_duty"] - preferred * (
                        unit["full_duty"] - unit["preferential_duty"])}
        for column, want_usd in expected.items():
            got_usd = float(getattr(row, column, 0.0))
            if not (abs(got_usd - want_usd) <= 1e-6 * max(1.0, abs(want_usd)) + 1e-3):  # NaN
                problems.append(f"{label}: {column} is {got_usd:,.2f}; {kits:,.1f} kits "
                                f"({preferred:,.1f} preferential) at the inputs' terms make "
                                f"{want_usd:,.2f}.")
        for column, key in (("customs_value_usd_per_vehicle", "customs"),
                            ("cvd_rate", "cvd_rate")):
            cell = getattr(row, column, None)
            if cell is not None and not (abs(float(cell) - unit[key]) <= 1e-6 * max(
                    1.0, abs(unit[key])) + 1e-6):
                problems.append(f"{label}: reports {column} {float(cell):,.4f}; the inputs "
                                f"give {unit[key]:,.4f}.")
        groups = rvc_groups.setdefault((row.site, row.program, int(row.year)), [0.0, 0.0, []])
        groups[0] += kits * unit["originating"]
        groups[1] += kits * unit["value"]
        groups[2].append(row)
        if unit["has_preference"]:
            threshold = 0.0 if np.isnan(unit["threshold"]) else unit["threshold"]
            chosen = preference_groups.setdefault((row.site, row.program, int(row.year)),
                                                  [0.0, 0.0, threshold, []])
            chosen[0] += kits * unit["originating"]
            chosen[1] += kits * unit["value"]
            chosen[3].append(row)
        elif bool(getattr(row, "rvc_met", False)):
            problems.append(f"{label}: rvc_met is true on a kit lane without a preferential "
                            "kit duty.")
    _check_rvc_met(preference_groups, problems)
    for (site, program, year), (originating, value, rows) in rvc_groups.items():
        made = originating / value if value > 0 else np.nan
        for row in rows:
            share = float(getattr(row, "rvc", np.nan))
            if np.isnan(share) != np.isnan(made) or abs(np.nan_to_num(share) - np.nan_to_num(
                    made)) > 1e-6:
                problems.append(f"{site} {program} {year}: reports a regional value content "
                                f"of {share:.4f}; its kits make {made:.4f}.")
                break
