"""Money columns of a strategic plan's shipments and sales, checked against the inputs.

:func:`evplan.strategic.check.check_plan` recomputes the objective from the result tables,
so each money column it reads must itself come from the inputs, not from the model's
arrays (a model that valued a flow wrongly would otherwise agree with itself):

* ``shipments``: ``variable_cost_usd`` = vehicles x the plant's variable cost in year-y USD;
  ``freight_usd`` = vehicles x the route's freight; ``inventory_usd`` = vehicles x the
  transfer price x inventory_carrying_rate x transit days / 365; ``duty_usd`` = vehicles x
  the full duty less the in-quota vehicles' saving, at the per-vehicle duties that
  :func:`evplan.verify.verify_network` checks against the duty tables;
* ``sales``: ``price_usd_per_vehicle`` = the demand row's price in year-y USD, and
  ``revenue_usd`` = vehicles x that price.
"""

from __future__ import annotations

import pandas as pd

from evplan.data import NetworkData
from evplan.strategic.check_kits import KitTerms
from evplan.strategic.records import by_key as _by
from evplan.strategic.records import records as _rows

__all__ = ["check_money", "commitment_penalty_usd"]


def _differs(got: float, want: float) -> bool:
    """True unless ``got`` is within tolerance of ``want`` (a NaN on either side differs)."""
    return not (abs(got - want) <= 1e-6 * max(1.0, abs(want)) + 1e-3)


def check_money(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]
                ) -> None:
    """Append a sentence for every shipments or sales money cell the inputs do not give."""
    terms = KitTerms(data)
    routes = _by(data["routes"], "plant", "market")
    rate = data.scenario.inventory_carrying_rate
    for row in _rows(tables["shipments"]):
        shipped, inside = float(row.shipment_vehicles), float(row.in_quota_vehicles)
        route = routes.get((row.plant, row.market))
        if route is None or (row.plant, row.program) not in terms.costs:
            continue  # the network certificate's 'lane' family names it
        year = int(row.year)
        full = float(row.full_duty_usd_per_vehicle)
        expected = {
            "variable_cost_usd": shipped * terms.variable_cost(row.plant, row.program, year),
            "freight_usd": shipped * float(route.freight_usd_per_vehicle),
            "inventory_usd": shipped * terms.transfer(row.plant, row.program, row.market, year,
                                                      1.0)
            * rate * float(route.transit_days) / 365.0,
            "duty_usd": shipped * full - inside * (full - float(
                row.in_quota_duty_usd_per_vehicle)),
        }
        for column, want in expected.items():
            got = float(getattr(row, column))
            if _differs(got, want):
                problems.append(f"shipments {row.plant}>{row.market} {row.program} {year}: "
                                f"{column} is {got:,.2f}; {shipped:,.1f} vehicles at the "
                                f"inputs' terms make {want:,.2f}.")
    prices = _by(data["demand"], "market", "year", "product", "tier")
    for row in _rows(tables["sales"]):
        tier = prices.get((row.market, row.year, row.product, row.tier))
        if tier is None:
            continue  # the network certificate's 'demand-tier' family names it
        year = int(row.year)
        price = float(tier.price_usd_per_vehicle) * terms.fx(terms.markets[row.market].country,
                                                             year)
        want = float(row.sales_vehicles) * price
        if _differs(float(row.price_usd_per_vehicle), price):
            problems.append(f"sales {row.market} {year} {row.product} tier {row.tier} "
                            f"{row.program}: price_usd_per_vehicle is "
                            f"{row.price_usd_per_vehicle:,.2f}; the inputs give {price:,.2f}.")
        if _differs(float(row.revenue_usd), want):
            problems.append(f"sales {row.market} {year} {row.product} tier {row.tier} "
                            f"{row.program}: revenue_usd is {row.revenue_usd:,.2f}; "
                            f"{row.sales_vehicles:,.1f} vehicles at the inputs' "
                            f"{price:,.2f} make {want:,.2f}.")


def commitment_penalty_usd(data: NetworkData, sales: pd.DataFrame,
                           discount: dict[int, float]) -> float:
    """Discounted penalty of the plan's unmet commitments (0 without
    ``unmet_committed_penalty_usd_per_vehicle``): for each committed_sales row in the
    horizon, the penalty x max(0, committed - sold), sold counting the sales (built-up and
    kit-assembled) of every program its product names (the program, its segment or its
    powertrain) in that market and year, as in the export model."""
    penalty = data.scenario.unmet_committed_penalty_usd_per_vehicle
    committed = data["committed_sales"]
    if penalty is None or committed.empty:
        return 0.0
    programs = data["programs"]
    sold = sales.groupby(["program", "market", "year"])["sales_vehicles"].sum()
    total = 0.0
    for row in _rows(committed):
        year = int(row.year)
        if year not in discount:
            continue
        named = programs.loc[(programs["program"] == row.product)
                             | (programs["segment"] == row.product)
                             | (programs["powertrain"] == row.product), "program"]
        got = sum(float(sold.get((program, row.market, year), 0.0)) for program in named)
        total += float(penalty) * discount[year] * max(0.0, float(row.min_vehicles) - got)
    return total
