r"""The reported shadow prices checked against conditions every correct dual satisfies.

The run folder reports LP duals as "what one more unit is worth", undiscounted (USD of
their year; docs/formulation.md, "Solving and duals" and "Shadow prices"). Nothing
re-derives them (a dual is not unique where the LP is degenerate), but every correct
dual of the model docs/formulation.md states obeys the conditions below, whatever basis
HiGHS ends on. Each is checked here from the reported, already certified tables
(``shipments``, ``sales``, ``utilisation``, ``demand_shadow_prices`` and the compliance
tables) and the input tables only, never from the linopy model. With :math:`\lambda_r =
\partial z / \partial b_r` (HiGHS's duals of the maximisation) and the year's discount
:math:`\delta_y` divided out:

================================  ===========================================================
family ``duals``                  condition
================================  ===========================================================
sign                              every shadow price is >= 0: ``capacity_shadow_price``
                                  (a ``<=`` row), a tier's ``shadow_price`` (``<=``), the
                                  cap's (``<=``), the fleet target's (``<=``), and the
                                  credit prices of ZEV and production credits (``>=`` rows,
                                  reported as :math:`-\lambda / \delta`); NaN only for a
                                  plant-year without shipments rows or a tier without
                                  sales rows (no row in the model), and for the cap of a
                                  year without one (then it must be NaN)
slackness                         a capacity price > 0 only where the plant-year builds
                                  its capacity; a tier's only where it sells its volume; a
                                  cap's only where ``counted_t_co2`` reaches the cap; a
                                  production credit's only where earned - required +
                                  bought - sold = 0; a fleet group's only where its
                                  g/km x vehicles balance, less excess and pooled, is 0
one balance, one value            every sale with vehicles in a program-market-year
                                  (``market-balance`` row :math:`y_b`) has
                                  :math:`\delta (p_s - \mu_t) = -y_b`: its price less its
                                  tier's shadow price is the same for all of them, and a
                                  sale without vehicles there has
                                  :math:`\mu_t \ge p_s - (p - \mu)` of those (its reduced
                                  cost is <= 0). Balances that a committed-sales row
                                  touches without slack are left out (its dual is not
                                  reported)
used flow                         a shipment with vehicles whose only rows are its plant's
                                  capacity and its balance has reduced cost 0:
                                  :math:`p_s - \mu_t - c_f - \kappa_p = 0` with :math:`c_f`
                                  its variable cost, freight, inventory and duty per
                                  vehicle and :math:`\kappa_p` the capacity price. Left out:
                                  flows whose origin-market has a duty row with a quota,
                                  lanes with a route capacity, plant-years at their
                                  ``min_utilisation`` floor, market-years with a fleet
                                  target or ZEV mandate, origin-years with production
                                  credits, years with a carbon price or cap, and balances
                                  a binding commitment touches (each adds a row whose dual
                                  is not reported)
credit prices                     a ZEV credit's price <= its purchase price and <= its
                                  penalty, >= its sale price (where given), = the sale
                                  price where credits are sold; a production credit's
                                  likewise (= the purchase price where bought); a fleet
                                  group's <= its premium and pooling price, = the premium
                                  where it pays one, = the pooling price where it pools,
                                  and the same on every row of the group (one row)
================================  ===========================================================

Tolerances: a price is *nonzero* above 1e-6 x the USD scale (the largest tier price or
compliance price, at least 1); two prices are *equal* within that plus 1e-9 x their size;
a row *binds* within 1e-6 x max(1, its right-hand side) of it (the certificate's
feasibility tolerance). A strategic plan (decided capacity, kits in the balances) gets
the sign and tier-slackness checks only; a MIP has no duals and is not checked.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array
from evplan.verify.duals_common import (
    CAPACITY,
    RELATIVE,
    SIZE,
    TIER,
    Label,
    Lines,
    binds,
    floats,
    key_values,
    nonnegative,
)
from evplan.verify.duals_credits import (
    cap_prices,
    fleet_prices,
    production_credit_prices,
    zev_prices,
)
from evplan.verify.keys import first_rows

__all__ = ["dual_problems"]

def dual_problems(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                  strategic: bool = False) -> list[str]:
    """Violations of the ``duals`` family (module docstring) in ``tables``.

    Parameters
    ----------
    data : NetworkData
        The input tables.
    tables : mapping of str to pandas.DataFrame
        A whole, certified result's tables (those it lacks are not checked).
    strategic : bool
        A strategic plan: only the sign and tier-slackness checks apply.
    """
    lines = Lines()
    scale = _usd_scale(data, tables)
    tolerance = RELATIVE * scale
    names = {"shipments": "shipments", "sales": "sales", "utilisation": "utilisation",
             "tiers": "demand_shadow_prices"}
    keys = _Keys({short: tables[name] for short, name in names.items() if name in tables})
    have = keys.frames.keys()
    if {"utilisation", "shipments"} <= have:
        _capacity(lines, keys, tolerance, strategic)
    if {"tiers", "sales"} <= have:
        _tiers(lines, keys, tolerance)
        if not strategic and {"shipments", "utilisation"} <= have:
            _balances(lines, data, keys, tolerance)
    if "co2_by_year" in tables:
        cap_prices(lines, tables["co2_by_year"], tolerance)
    if "production_credit_compliance" in tables and len(data["production_credits"]):
        production_credit_prices(lines, data, tables["production_credit_compliance"], tolerance)
    if "zev_compliance" in tables and len(data["zev_mandates"]):
        zev_prices(lines, data, tables["zev_compliance"], tolerance)
    if "fleet_compliance" in tables and len(data["fleet_targets"]):
        fleet_prices(lines, data, tables["fleet_compliance"], tolerance)
    return lines.lines


def _usd_scale(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> float:
    """The largest per-unit price of the model (tier prices, compliance prices), >= 1."""
    values = [1.0]
    if "demand_shadow_prices" in tables and len(tables["demand_shadow_prices"]):
        values.append(np.nanmax(np.abs(floats(tables["demand_shadow_prices"],
                                               "price_usd_per_vehicle"))))
    for name, columns in (("fleet_targets", ("premium_usd_per_g_km", "pool_price_usd_per_g_km")),
                          ("zev_mandates", ("penalty_usd_per_vehicle", "credit_price_usd",
                                            "credit_sale_price_usd")),
                          ("production_credits", ("credit_price_usd", "credit_sale_price_usd")),
                          ("carbon_prices", ("carbon_price_usd_per_t",))):
        frame = data[name] if name in data.tables else pd.DataFrame()
        for column in columns:
            if column in frame and len(frame):
                found = np.abs(floats(frame, column))
                if np.isfinite(found).any():
                    values.append(float(np.nanmax(found)))
    return float(max(values))


def _capacity(lines: Lines, keys: _Keys, tolerance: float, strategic: bool) -> None:
    utilisation = keys.frames["utilisation"]
    price = floats(utilisation, CAPACITY)
    label = Label(utilisation, ["plant", "year"])
    has_rows = np.isin(keys.of("utilisation", ["plant", "year"]),
                       keys.of("shipments", ["plant", "year"]))
    nonnegative(lines, "utilisation", label, CAPACITY, price, tolerance, ~has_rows)
    if strategic:
        return
    built = floats(utilisation, "production_vehicles")
    capacity = floats(utilisation, "capacity_vehicles_per_year")
    slack = ~binds(built, capacity)
    lines.add("utilisation", label, CAPACITY, price, slack & (price > tolerance),
              lambda i: f"the plant-year builds {built[i]:,.6g} of its {capacity[i]:,.6g} "
                        "vehicles, so one more unit of capacity is worth 0")


def _tiers(lines: Lines, keys: _Keys, tolerance: float) -> None:
    tiers = keys.frames["tiers"]
    pool = ["market", "year", "product", "tier"]
    price = floats(tiers, TIER)
    label = Label(tiers, pool)
    has_rows = np.isin(keys.of("tiers", pool), keys.of("sales", pool))
    nonnegative(lines, "demand_shadow_prices", label, TIER, price, tolerance, ~has_rows)
    sold = floats(tiers, "sales_vehicles")
    volume = floats(tiers, "volume_vehicles")
    lines.add("demand_shadow_prices", label, TIER, price,
              ~binds(sold, volume) & (price > tolerance),
              lambda i: f"the tier sells {sold[i]:,.6g} of its {volume[i]:,.6g} vehicles, so "
                        "one more vehicle of its demand is worth 0")


def _members(data: NetworkData) -> pd.DataFrame:
    """(product, program) for every name a program answers to: id, segment, powertrain."""
    programs = data["programs"]
    return pd.concat([pd.DataFrame({"product": programs[column].astype(str).to_numpy(),
                                    "program": programs["program"].astype(str).to_numpy()})
                      for column in ("program", "segment", "powertrain")],
                     ignore_index=True).drop_duplicates()


def _committed_balances(data: NetworkData, sales: pd.DataFrame) -> np.ndarray:
    """A sales row of each (program, market, year) of every commitment that is not slack
    (its dual may be nonzero and is not reported)."""
    committed = data["committed_sales"] if "committed_sales" in data.tables else None
    if committed is None or committed.empty:
        return np.zeros(0, dtype=np.int64)
    pairs = committed[["market", "year", "product", "min_vehicles"]].assign(
        product=committed["product"].astype(str), commitment=np.arange(len(committed))
    ).merge(_members(data), on="product")
    sold = sales.groupby(["program", "market", "year"])["sales_vehicles"].sum()
    pairs["sold"] = sold.reindex(pd.MultiIndex.from_frame(
        pairs[["program", "market", "year"]])).fillna(0.0).to_numpy(dtype=float)
    total = pairs.groupby("commitment")["sold"].transform("sum").to_numpy(dtype=float)
    minimum = column_array(pairs, "min_vehicles", dtype=float)
    slack = total > minimum + RELATIVE * np.maximum(1.0, minimum)
    held = pairs.loc[~slack, ["program", "market", "year"]]
    at = first_rows(held, sales, ["program", "market", "year"])
    return at[at >= 0]


def _balances(lines: Lines, data: NetworkData, keys: _Keys, tolerance: float) -> None:
    """"One balance, one value" and "used flow" (module docstring)."""
    tiers, sales = keys.frames["tiers"], keys.frames["sales"]
    pool = ["market", "year", "product", "tier"]
    balance = ["program", "market", "year"]
    tier_at = _positions(keys.of("sales", pool), keys.of("tiers", pool))
    found = tier_at >= 0
    safe = np.maximum(tier_at, 0)
    mu = np.where(found, floats(tiers, TIER)[safe], np.nan)
    price = floats(sales, "price_usd_per_vehicle")
    volume = np.where(found, floats(tiers, "volume_vehicles")[safe], np.nan)
    sold = floats(sales, "sales_vehicles")
    code = keys.of("sales", balance)
    flow_code = keys.of("shipments", balance)
    held = _committed_balances(data, sales)
    touched = np.isin(code, code[held]) if len(held) else np.zeros(len(code), dtype=bool)
    # a balance's value -y_b / delta = p - mu of its first sale with vehicles
    used = found & (sold > RELATIVE * np.maximum(1.0, volume)) & ~touched
    netback = price - mu
    positions = np.flatnonzero(used)
    reference = np.full(len(code), -1, dtype=np.int64)
    if len(positions):
        reference = positions[np.maximum(_positions(code, code[positions]), 0)]
        reference[~np.isin(code, code[positions])] = -1
    value = np.where(reference >= 0, netback[np.maximum(reference, 0)], np.nan)
    label = Label(sales, [*pool, "program"])
    step = tolerance + SIZE * (np.abs(price) + np.abs(mu))
    expected_mu = price - value

    def said(i: int) -> str:
        j = reference[i]
        return (f"program {sales['program'].iat[i]} sells there at {price[i]:,.6g}, and its "
                f"sale in tier {sales['product'].iat[j]}/{sales['tier'].iat[j]} "
                f"({sold[j]:,.6g} vehicles at {price[j]:,.6g}, tier price {mu[j]:,.6g}) "
                f"values the program-market-year at {value[i]:,.6g} a vehicle")

    lines.add("demand_shadow_prices", label, TIER, mu,
              used & ~(np.abs(mu - expected_mu) <= step),
              lambda i: f"{said(i)}; a sale with vehicles has reduced cost 0, so its tier's "
                        f"price is {expected_mu[i]:,.6g}")
    idle = found & ~used & (reference >= 0) & ~touched & (sold <= RELATIVE)
    lines.add("demand_shadow_prices", label, TIER, mu, idle & (mu < expected_mu - step),
              lambda i: f"{said(i)}; an unused sale has reduced cost <= 0, so its tier's "
                        f"price is at least {expected_mu[i]:,.6g}")
    at = _positions(flow_code, code[positions]) if len(positions) else np.full(
        len(flow_code), -1)
    flow_reference = np.where(at >= 0, positions[np.maximum(at, 0)] if len(positions) else -1,
                              -1)
    _used_flows(lines, data, keys, flow_reference, netback, mu, tolerance)


class _Keys:
    """Integer codes of key columns shared by several frames, each column factorised once
    over all of them (names compare as text, years as numbers)."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.codes: dict[str, dict[str, np.ndarray]] = {}
        self.uniques: dict[str, pd.Index] = {}
        self.made: dict[tuple[str, ...], np.ndarray] = {}

    def _factorise(self, column: str) -> None:
        """Codes of ``column`` in every frame that has it: each frame's column factorised on
        its own (Arrow text stays Arrow), then its few distinct values matched."""
        owners = [name for name, frame in self.frames.items() if column in frame]
        local = [pd.factorize(self.frames[name][column]) for name in owners]
        distinct = [key_values(uniques, column) for _, uniques in local]
        joint, uniques = pd.factorize(np.concatenate(distinct) if distinct else np.zeros(0))
        self.uniques[column] = pd.Index(uniques)
        self.codes[column] = {}
        start = 0
        blank = len(uniques)  # a missing value: a code of its own
        for name, (codes, _), part in zip(owners, local, distinct, strict=True):
            mapping = np.append(joint[start:start + len(part)], blank).astype(np.int64)
            self.codes[column][name] = mapping[np.where(codes >= 0, codes, len(part))]
            start += len(part)

    def of(self, frame: str, columns: list[str]) -> np.ndarray:
        """One code per row of ``frame`` for its ``columns`` (equal keys, equal codes
        across the frames)."""
        made = (frame, *columns)
        if made not in self.made:
            code = np.zeros(len(self.frames[frame]), dtype=np.int64)
            for column in columns:
                if column not in self.codes:
                    self._factorise(column)
                code = code * (len(self.uniques[column]) + 2) + self.codes[column][frame]
            self.made[made] = code
        return self.made[made]

    def has(self, frame: str, columns: list[str], table: pd.DataFrame,
            table_columns: list[str], where: np.ndarray | None = None) -> np.ndarray:
        """Whether each row of ``frame`` has a row of the (small) ``table``, only its rows
        ``where`` if given, with the same ``columns`` (named ``table_columns`` there)."""
        if table.empty:
            return np.zeros(len(self.frames[frame]), dtype=bool)
        theirs = np.zeros(len(table), dtype=np.int64)
        known = np.ones(len(table), dtype=bool) if where is None else np.array(where, bool)
        for column, other in zip(columns, table_columns, strict=True):
            if column not in self.codes:
                self._factorise(column)
            found = self.uniques[column].get_indexer(pd.Index(key_values(
                table[other].to_numpy(dtype=object), column)))
            known &= found >= 0
            theirs = theirs * (len(self.uniques[column]) + 2) + found
        return np.isin(self.of(frame, columns), theirs[known])


def _positions(keys: np.ndarray, table_keys: np.ndarray) -> np.ndarray:
    """Position of each of ``keys`` in ``table_keys`` (its first row; -1: absent)."""
    order = np.argsort(table_keys, kind="stable")
    ordered = table_keys[order]
    at = np.searchsorted(ordered, keys)
    at = np.minimum(at, max(len(ordered) - 1, 0))
    hit = (ordered[at] == keys) if len(ordered) else np.zeros(len(keys), dtype=bool)
    return np.where(hit, order[at] if len(order) else -1, -1)


def _used_flows(lines: Lines, data: NetworkData, keys: _Keys, reference: np.ndarray,
                netback: np.ndarray, mu: np.ndarray, tolerance: float) -> None:
    """"Used flow": a shipment with vehicles and no row but capacity and balance.

    ``reference`` is the position in ``sales`` of the sale with vehicles that values each
    shipment's balance (-1: none, or a balance a binding commitment touches)."""
    shipments, utilisation, sales = (keys.frames["shipments"], keys.frames["utilisation"],
                                     keys.frames["sales"])
    vehicles = floats(shipments, "shipment_vehicles")
    plant_at = _positions(keys.of("shipments", ["plant", "year"]),
                          keys.of("utilisation", ["plant", "year"]))
    on_plant = plant_at >= 0
    safe = np.maximum(plant_at, 0)
    capacity = np.where(on_plant, floats(utilisation, "capacity_vehicles_per_year")[safe],
                        np.nan)
    built = np.where(on_plant, floats(utilisation, "production_vehicles")[safe], 0.0)
    kappa = np.where(on_plant, floats(utilisation, CAPACITY)[safe], np.nan)
    free = on_plant & (reference >= 0) & (
        vehicles > RELATIVE * np.maximum(1.0, np.nan_to_num(capacity)))
    duties = data["duties"]
    if len(duties):  # a quota's rows (duty-quota-share, duty-quota)
        free &= ~keys.has("shipments", ["origin", "market"], duties, ["origin", "market"],
                          duties["quota_vehicles_per_year"].notna().to_numpy())
    routes = data["routes"]
    if "capacity_vehicles_per_year" in routes and len(routes):  # route-capacity
        free &= ~keys.has("shipments", ["plant", "market"], routes, ["plant", "market"],
                          routes["capacity_vehicles_per_year"].notna().to_numpy())
    plants = data.plants
    if (floats(plants, "min_utilisation") > 0).any():  # plant-minimum rows
        share = plants.drop_duplicates("plant").set_index("plant")["min_utilisation"]
        floor = shipments["plant"].map(share).fillna(0.0).to_numpy(float) * capacity
        free &= ~((floor > 0) & ~(built > floor + RELATIVE * np.maximum(1.0, floor)))
    for table, columns, table_columns in (
            ("fleet_targets", ["market", "year"], ["market", "year"]),
            ("zev_mandates", ["market", "year"], ["market", "year"]),
            ("production_credits", ["origin", "year"], ["country", "year"])):
        if table in data.tables and len(data[table]):
            free &= ~keys.has("shipments", columns, data[table], table_columns)
    carbon = data["carbon_prices"] if "carbon_prices" in data.tables else pd.DataFrame()
    if len(carbon):
        priced = (floats(carbon, "carbon_price_usd_per_t") != 0) | carbon[
            "cap_t_co2"].notna().to_numpy()
        free &= ~np.isin(column_array(shipments, "year", dtype=float),
                         column_array(carbon, "year", dtype=float)[priced])
    cost = sum(floats(shipments, column) for column in
               ("variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"))
    unit = np.divide(cost, vehicles, out=np.zeros(len(vehicles)), where=vehicles > 0)
    value = netback[np.maximum(reference, 0)] if len(netback) else np.zeros(len(vehicles))
    expected = value - unit
    step = tolerance + SIZE * (np.abs(value) + np.abs(unit))
    bad = free & ~(np.abs(kappa - expected) <= step)
    label = Label(utilisation, ["plant", "year"], safe)

    def said(i: int) -> str:
        j = reference[i]
        return (f"shipment {shipments['plant'].iat[i]}/{shipments['program'].iat[i]}/"
                f"{shipments['market'].iat[i]}/{shipments['year'].iat[i]} carries "
                f"{vehicles[i]:,.6g} vehicles and is in no row but its plant's capacity and "
                f"its balance; they sell in tier {sales['product'].iat[j]}/"
                f"{sales['tier'].iat[j]} at {netback[j] + mu[j]:,.6g} less a tier price of "
                f"{mu[j]:,.6g} and cost {unit[i]:,.6g} each, so its reduced cost is 0 only "
                f"with a capacity price of {expected[i]:,.6g}")

    lines.add("utilisation", label, CAPACITY, kappa, bad, said)
