r"""Certificate of the compliance rows of a plan, recomputed from the input tables.

:func:`check_compliance` does not read the model or
:mod:`evplan.model.compliance_index`: it takes the plan's ``shipments`` and the decision
values the plan reports (excess, pooled, credits bought, sold, banked, owed and missing)
and re-evaluates every rule from ``program_emissions``, ``fleet_targets``,
``zev_mandates``, ``production_credits``, ``plant_emissions``, ``grid_intensity`` and
``carbon_prices`` with its own joins. So it catches a model-building error (a wrong
coefficient, a missed flow) as well as a solver tolerance problem:

* fleet target: :math:`\sum (e - T) x \le E + P` per assessment group, and the premium
  reported is :math:`\pi E`;
* ZEV mandate: the credit balance with the bank and debt carried from the previous
  mandate year, the borrowing limit, no bank where banking is ``no``, no debt at the end,
  and no credit banked out of a penalty: a missing credit settles its own year only, so
  the penalties are recomputed year by year with the bank capped at the credits held, and
  a plan whose discounted penalties would then be higher than it reports fails;
* production credits: credits earned + bought - sold >= required for every country-year
  the plan builds in, and no sale where no sale price is given;
* every excess, pooled, bought, sold, banked, owed and missing quantity is >= 0, and
  nothing is pooled where no pooling price is given;
* carbon: the cap, and the carbon cost reported is price x tonnes counted;
* every descriptive column (vehicles, shares, averages, credits earned and required,
  tonnes, constants repeated from the inputs) re-derived cell by cell
  (:mod:`evplan.verify.compliance_reported`).

The check runs in two steps (:class:`ComplianceCheck`): the joins of the plan's keys
(plant, program, market, year of each shipment; market and year of each reported row)
with the input tables, done once, and the sums of the plan's numbers, done per plan. A warm
re-solve (:mod:`evplan.scenarios.warm`) keeps the first step for every case whose inputs
and keys are the base's, so each case costs a few NumPy sums; :func:`check_compliance` does
both steps for one plan. Against the pandas check it replaced (December 2026) it is stricter
in three ways: a shipped program with no certified g/km is reported (the old groupby skipped
it), a mandate year with no ``zev_compliance`` row is reported (the old check crashed), and a
reported table with two rows for one key is reported (the old check crashed on some and
would count the second row's money without checking its balance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.verify.compliance_cost import COST_COLUMNS as _COST_COLUMNS
from evplan.verify.compliance_cost import compliance_cost_usd, discounted_cost_usd
from evplan.verify.compliance_kits import plan_keys, plan_vehicles
from evplan.verify.compliance_reported import ReportedCheck
from evplan.verify.keys import discount_factors, first_rows

__all__ = ["ComplianceCheck", "check_compliance", "compliance_cost_usd"]

TOLERANCE = 1e-6
MAX_LINES = 5
SHIPMENT_KEYS = ["plant", "origin", "program", "powertrain", "market", "year"]

_MONEY = (
    ("fleet_compliance", "fleet_targets", ["market", "year"],
     {"pooling_usd": [("group_pooled_g_km_vehicles", "pool_price_usd_per_g_km", 1.0)]}),
    ("zev_compliance", "zev_mandates", ["market", "year"],
     {"penalty_usd": [("credits_missing", "penalty_usd_per_vehicle", 1.0)],
      "credit_trade_usd": [("credits_bought", "credit_price_usd", 1.0),
                           ("credits_sold", "credit_sale_price_usd", -1.0)]}),
    ("production_credit_compliance", "production_credits", ["country", "year"],
     {"credit_trade_usd": [("credits_bought", "credit_price_usd", 1.0),
                           ("credits_sold", "credit_sale_price_usd", -1.0)]}),
)

Tables = Mapping[str, Any]  # table name -> DataFrame, or a mapping of column -> array


def _close(value: Any, bound: Any, scale: Any) -> Any:
    """``value <= bound`` within the tolerance (element-wise on arrays)."""
    return value <= bound + TOLERANCE * np.maximum(1.0, np.abs(scale))


def _column(tables: Tables, table: str, column: str) -> np.ndarray:
    return np.asarray(tables[table][column], dtype=float)


def _pairs(shipments: pd.DataFrame, rules: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """The inner join of the shipments' keys with ``rules`` on ``on``; ``at`` is the
    shipment row of each pair."""
    keys = shipments.assign(at=np.arange(len(shipments)))
    return keys.merge(rules, on=on)


def _sums(code: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sums of ``values`` by ``code`` (NaN counted as 0, as a pandas groupby sum does)."""
    return np.bincount(code, weights=np.nan_to_num(values), minlength=size)[:size]


# The decision quantities each reported table carries: all are nonnegative in the model.
_QUANTITIES = (("fleet_compliance", ("group_excess_g_km_vehicles",
                                     "group_pooled_g_km_vehicles")),
               ("zev_compliance", ("credits_bought", "credits_sold", "credits_banked",
                                   "credits_owed", "credits_missing")),
               ("production_credit_compliance", ("credits_bought", "credits_sold")))


def _negative(tables: Tables) -> list[str]:
    """A negative excess, pooled, bought, sold, banked, owed or missing quantity: each is
    one-signed (a negative debt would be an unrecorded bank, a negative sale a purchase at
    the sale price), so the balances and the money alone would not catch it."""
    problems = []
    for name, columns in _QUANTITIES:
        if name not in tables:
            continue
        for column in columns:
            values = _column(tables, name, column)
            for i in np.flatnonzero(values < -TOLERANCE)[:MAX_LINES]:
                problems.append(f"{name} row {i}: {column} = {values[i]:,.6g} is negative")
    return problems


class ComplianceCheck:
    """The compliance certificate of plans with given keys (see the module docstring).

    Parameters
    ----------
    data : NetworkData
        The inputs the plans are made from.
    tables : mapping
        A plan's result tables; their key columns are read here (the shipments' plant,
        origin, program, powertrain, market and year, the compliance tables' market or
        country, year and averaging group) and joined with ``data``. :meth:`problems` checks
        any plan with the same keys made from the same inputs; it verifies only the row
        counts, so the caller must ensure the rest (a warm model does: its plans' keys are
        its templates').

    Examples
    --------
    >>> import evplan
    >>> from evplan.examples.compliance import two_powertrains
    >>> data = two_powertrains(carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 40}])
    >>> result = evplan.optimize(data)
    >>> ComplianceCheck(data, result.tables).problems(result.tables)
    []
    """

    def __init__(self, data: NetworkData, tables: Tables) -> None:
        keys = plan_keys(tables)  # shipments, then kits (verify/compliance_kits.py)
        self.shipments = len(keys)
        self.sizes = {name: len(tables[name][columns[0]]) for name, columns in _COST_COLUMNS
                      if name in tables}
        self._fleet = self._fleet_of(data, keys, tables)
        self._zev = self._zev_of(data, keys, tables)
        self._credits = self._credits_of(data, keys, tables)
        self._carbon = self._carbon_of(data, keys, tables)
        self._unpriced_carbon = self._unpriced_carbon_of(data, tables)
        self._unpriced_years = (np.asarray(tables["co2_by_year"]["year"], dtype=float)[
            self._unpriced_carbon] if len(self._unpriced_carbon) else np.zeros(0))
        self._money = self._money_of(data, tables)
        self._years = {name: np.asarray(tables[name]["year"], dtype=float)
                       for name, _ in _COST_COLUMNS if name in tables}
        self._repeated = self._repeated_keys(tables)
        self._reported = ReportedCheck(data, tables)

    @staticmethod
    def _repeated_keys(tables: Tables) -> list[str]:
        """Reported tables with two rows for one key (each key is one rule-year)."""
        problems = []
        for name, keys in (("fleet_compliance", ["market", "year"]),
                           ("zev_compliance", ["market", "year"]),
                           ("production_credit_compliance", ["country", "year"]),
                           ("co2_by_year", ["year"])):
            if name not in tables:
                continue
            frame = pd.DataFrame({key: np.asarray(tables[name][key]) for key in keys})
            repeated = frame[frame.duplicated(keep="first")].drop_duplicates()
            for row in repeated.itertuples(index=False):
                problems.append(f"{name} {tuple(row)}: more than one row for this key")
        return problems

    # ---- the joins (once) ----------------------------------------------------------------

    @staticmethod
    def _fleet_of(data: NetworkData, keys: pd.DataFrame, tables: Tables
                  ) -> dict[str, Any] | None:
        targets = data["fleet_targets"]
        if targets.empty:
            return None
        grams = data["program_emissions"].set_index("program")["co2_g_per_km"]
        rows = _pairs(keys, targets[["market", "year", "target_g_per_km", "averaging_group"]],
                      ["market", "year"])
        co2 = rows["program"].map(grams).astype(float)
        co2 = co2.where(co2.notna() | rows["powertrain"].ne("BEV"), 0.0)

        def unit(frame: pd.DataFrame) -> pd.Series:
            group = pd.Series(np.asarray(frame["averaging_group"], dtype=object))
            year = pd.Series(np.asarray(frame["year"])).astype(str)
            return pd.Series(np.where(group.ne(""), "group " + group, "year " + year))

        table = pd.DataFrame({column: tables["fleet_compliance"][column]
                              for column in ("market", "year", "averaging_group")})
        both = pd.concat([
            pd.DataFrame({"market": rows["market"].to_numpy(dtype=object),
                          "unit": unit(rows).to_numpy(dtype=object)}),
            pd.DataFrame({"market": table["market"].to_numpy(dtype=object),
                          "unit": unit(table).to_numpy(dtype=object)})], ignore_index=True)
        codes, units = pd.factorize(pd.MultiIndex.from_frame(both), sort=True)
        prices = targets.drop_duplicates(["market", "year"]).set_index(["market", "year"])
        premium = prices["premium_usd_per_g_km"]
        at = pd.MultiIndex.from_frame(table[["market", "year"]])
        return {"names": [f"{market} {year}" for market, year in at],
                "no_pool": np.isnan(prices["pool_price_usd_per_g_km"].reindex(at).to_numpy(
                    dtype=float)),
                "at": rows["at"].to_numpy(),
                "coefficient": (co2 - rows["target_g_per_km"]).to_numpy(dtype=float),
                "code": codes[:len(rows)], "reported": codes[len(rows):],
                "units": list(units), "premium": premium.reindex(
                    pd.MultiIndex.from_frame(table[["market", "year"]])).to_numpy(dtype=float)}

    @staticmethod
    def _zev_of(data: NetworkData, keys: pd.DataFrame, tables: Tables) -> dict[str, Any] | None:
        mandates = data["zev_mandates"]
        if mandates.empty:
            return None
        settings = mandates.sort_values(["market", "year"], kind="stable").drop_duplicates(
            ["market", "year"]).reset_index(drop=True)
        rows = _pairs(keys, settings.assign(rule=np.arange(len(settings)))[
            ["market", "year", "rule", "zev_share", "bev_credits_per_vehicle",
             "phev_credits_per_vehicle"]], ["market", "year"])
        credit = np.select([rows["powertrain"].eq("BEV"), rows["powertrain"].eq("PHEV")],
                           [rows["bev_credits_per_vehicle"], rows["phev_credits_per_vehicle"]],
                           0.0)
        share = rows["zev_share"].to_numpy(dtype=float)
        market = settings["market"].to_numpy(dtype=object)
        table = pd.DataFrame({"market": tables["zev_compliance"]["market"],
                              "year": tables["zev_compliance"]["year"]})
        return {"at": rows["at"].to_numpy(), "rule": rows["rule"].to_numpy(),
                "net": credit.astype(float) - share, "required": share,
                "settings": settings, "count": len(settings),
                "reported": first_rows(settings, table, ["market", "year"]),
                "first": np.r_[True, market[1:] != market[:-1]] if len(market) else
                np.zeros(0, dtype=bool),
                "last": np.r_[market[1:] != market[:-1], True] if len(market) else
                np.zeros(0, dtype=bool),
                "borrow": settings["borrow_share"].to_numpy(dtype=float),
                "penalty": settings["penalty_usd_per_vehicle"].to_numpy(dtype=float),
                "cover": np.fmin(settings["penalty_usd_per_vehicle"].to_numpy(dtype=float),
                                 settings["credit_price_usd"].to_numpy(dtype=float)),
                "delta": discount_factors(data.scenario.discount_rate,  # as the margin is
                                          settings["year"].to_numpy(dtype=float),
                                          data.scenario.first_year),
                "no_bank": settings["banking"].eq("no").to_numpy(),
                "no_buy": settings["credit_price_usd"].isna().to_numpy(),
                "no_sell": settings["credit_sale_price_usd"].isna().to_numpy()}

    @staticmethod
    def _credits_of(data: NetworkData, keys: pd.DataFrame, tables: Tables
                    ) -> dict[str, Any] | None:
        regimes = data["production_credits"]
        if regimes.empty:
            return None
        rows = _pairs(keys.rename(columns={"origin": "country"}), regimes, ["country", "year"])
        rows = rows[~rows["kit"].to_numpy(dtype=bool)]  # a kit is not a vehicle built there
        earned = np.select([rows["powertrain"].eq("BEV"), rows["powertrain"].eq("PHEV")],
                           [rows["bev_credits_per_vehicle"], rows["phev_credits_per_vehicle"]],
                           0.0)
        required = np.where(rows["powertrain"].isin(["ICE", "HEV"]), rows["requirement_share"],
                            0.0)
        groups = rows[["country", "year"]].drop_duplicates().reset_index(drop=True)
        table = pd.DataFrame({"country": tables["production_credit_compliance"]["country"],
                              "year": tables["production_credit_compliance"]["year"]})
        sale = regimes.drop_duplicates(["country", "year"]).set_index(["country", "year"])[
            "credit_sale_price_usd"].reindex(pd.MultiIndex.from_frame(table)).to_numpy(
            dtype=float)
        return {"at": rows["at"].to_numpy(),
                "coefficient": (earned - required).astype(float),
                "code": first_rows(rows, groups, ["country", "year"]), "count": len(groups),
                "reported": first_rows(table, groups, ["country", "year"]), "table": table,
                "groups": groups, "no_sell": np.isnan(sale)}

    @staticmethod
    def _unpriced_carbon_of(data: NetworkData, tables: Tables) -> np.ndarray:
        """Rows of ``co2_by_year`` whose year has no carbon_prices row: no carbon cost.

        The price check below compares the reported cost of the years with a rule only; a
        year without one (or a plan without carbon_prices) must report 0 USD, or a cost the
        inputs never charge would reach the objective unchecked (within its tolerance).
        """
        if "co2_by_year" not in tables:
            return np.zeros(0, dtype=np.int64)
        years = np.asarray(tables["co2_by_year"]["year"], dtype=float)
        priced = data["carbon_prices"]["year"].to_numpy(dtype=float)
        return np.flatnonzero(~np.isin(years, priced))

    @staticmethod
    def _carbon_of(data: NetworkData, keys: pd.DataFrame, tables: Tables
                   ) -> dict[str, Any] | None:
        prices = data["carbon_prices"]
        if prices.empty:
            return None
        grid = data["grid_intensity"].set_index("country")["grid_g_co2_per_kwh"]
        plants = data["plant_emissions"].merge(data.plants[["plant", "country"]], on="plant")
        plants = plants.set_index("plant")
        battery = data.programs.set_index("program")["battery_kwh"]
        assembly_t = plants["assembly_kwh_per_vehicle"].astype(float) * plants["country"].map(
            grid).astype(float).fillna(0.0) / 1e6
        production = (keys["plant"].map(assembly_t).astype(float).fillna(0.0)
                      + keys["program"].map(battery).astype(float).fillna(0.0)
                      * keys["plant"].map(plants["battery_kg_co2_per_kwh"]).astype(
                          float).fillna(0.0) / 1e3)
        lanes = data["routes"].set_index(["plant", "market"])["co2_kg_per_vehicle"]
        shipping = np.where(keys["kit"].to_numpy(dtype=bool), 0.0, lanes.reindex(
            pd.MultiIndex.from_frame(keys[["plant", "market"]])).to_numpy(dtype=float) / 1e3)
        emissions = data["program_emissions"].set_index("program")
        country = keys["market"].map(data.markets.set_index("market")["country"])
        use = (keys["program"].map(emissions["lifetime_km"]).astype(float).fillna(0.0)
               * (keys["program"].map(emissions["co2_g_per_km"]).astype(float).fillna(0.0)
                  + keys["program"].map(emissions["electricity_kwh_per_100km"]).astype(
                      float).fillna(0.0) / 100 * country.map(grid).astype(float).fillna(0.0))
               / 1e6)
        rules = prices.reset_index(drop=True)
        with_use = keys["year"].map(rules.drop_duplicates("year").set_index("year")[
            "include_use_phase"]).eq("yes").to_numpy()
        table = pd.DataFrame({"year": tables["co2_by_year"]["year"]})
        return {"coefficient": production.to_numpy(dtype=float) + shipping
                + np.where(with_use, use.to_numpy(dtype=float), 0.0),
                "code": first_rows(keys, rules.drop_duplicates("year"), ["year"]),
                "rules": rules, "reported": first_rows(rules, table, ["year"]),
                "by_year": first_rows(rules, rules.drop_duplicates("year"), ["year"])}

    @staticmethod
    def _money_of(data: NetworkData, tables: Tables) -> list[tuple[Any, ...]]:
        checks = []
        for name, rules, keys, columns in _MONEY:
            table = tables.get(name)
            if table is None or len(table["year"]) == 0:
                continue
            prices = data[rules].drop_duplicates(keys).set_index(keys)
            frame = pd.DataFrame({key: table[key] for key in keys})
            at = pd.MultiIndex.from_frame(frame)
            for column, terms in columns.items():
                units = [(quantity, sign, np.nan_to_num(prices[price].reindex(at).to_numpy(
                    dtype=float))) for quantity, price, sign in terms]
                checks.append((name, frame, column, units))
        return checks

    # ---- the sums (per plan) -------------------------------------------------------------

    def problems(self, tables: Tables) -> list[str]:
        """Every violated compliance row of the plan ``tables`` (empty: certified)."""
        shipped = plan_vehicles(tables)
        if len(shipped) != self.shipments or any(
                len(tables[name][columns[0]]) != self.sizes[name]
                for name, columns in _COST_COLUMNS if name in self.sizes):
            raise ValueError("ComplianceCheck: the plan's row counts are not those of the "
                             "plan it was made for")
        positive = shipped > 0
        vehicles = np.where(positive, shipped, 0.0)
        return (list(self._repeated) + _negative(tables)
                + self._fleet_problems(tables, vehicles, positive)
                + self._zev_problems(tables, vehicles)
                + self._credit_problems(tables, vehicles)
                + self._carbon_problems(tables, vehicles)
                + self._unpriced_carbon_problems(tables)
                + self._money_problems(tables)
                + self._reported.problems(tables, vehicles))

    def _unpriced_carbon_problems(self, tables: Tables) -> list[str]:
        rows = self._unpriced_carbon
        if len(rows) == 0:
            return []
        # a warm model's plans carry the cost columns only: the years are the template's
        cost = np.nan_to_num(_column(tables, "co2_by_year", "carbon_cost_usd")[rows])
        years = self._unpriced_years
        return [f"carbon {int(years[k])}: reported carbon cost {cost[k]:,.2f} USD in a year "
                "carbon_prices.csv does not price (0 USD)"
                for k in np.flatnonzero(np.abs(cost) > 1e-3)[:MAX_LINES]]

    def _fleet_problems(self, tables: Tables, vehicles: np.ndarray, positive: np.ndarray
                        ) -> list[str]:
        fleet = self._fleet
        if fleet is None:
            return []
        size = len(fleet["units"])
        at = fleet["at"]
        terms = fleet["coefficient"] * vehicles[at]
        problems = []
        if (np.isnan(fleet["coefficient"]) & positive[at]).any():
            problems.append("fleet target: a program sold has no certified g/km")
        balance = _sums(fleet["code"], terms, size)
        present = np.bincount(fleet["code"], weights=positive[at].astype(float),
                              minlength=size)[:size] > 0
        excess = _column(tables, "fleet_compliance", "group_excess_g_km_vehicles")
        pooled = _column(tables, "fleet_compliance", "group_pooled_g_km_vehicles")
        covered = _sums(fleet["reported"], np.nan_to_num(excess) + np.nan_to_num(pooled), size)
        # Scaled by what was summed: terms of +-1e9 g/km x vehicles cancel to about 0 with a
        # rounding error far above the tolerance of a net 0 (a demand x 1000 case failed).
        scale = _sums(fleet["code"], np.abs(terms), size) + np.abs(covered)
        for k in np.flatnonzero(present & ~_close(balance, covered, scale)):
            market, unit = fleet["units"][k]
            problems.append(f"fleet target {market} {unit}: sum (g/km - target) x vehicles "
                            f"= {balance[k]:,.3f} exceeds excess + pooled = {covered[k]:,.3f}")
        for i in np.flatnonzero(fleet["no_pool"] & (np.abs(pooled) > TOLERANCE))[:MAX_LINES]:
            problems.append(f"fleet target {fleet['names'][i]}: "
                            f"{pooled[i]:,.3f} g/km x vehicles pooled without a pooling price")
        premium = _column(tables, "fleet_compliance", "premium_usd")
        if not np.allclose(excess * fleet["premium"], premium, rtol=1e-9, atol=1e-3):
            problems.append("fleet target: premium_usd is not premium x excess")
        return problems

    def _zev_problems(self, tables: Tables, vehicles: np.ndarray) -> list[str]:
        zev = self._zev
        if zev is None:
            return []
        count, at = zev["count"], zev["at"]
        net = _sums(zev["rule"], zev["net"] * vehicles[at], count)
        required = _sums(zev["rule"], zev["required"] * vehicles[at], count)
        where = zev["reported"]
        got = {}
        for column in ("credits_banked", "credits_owed", "credits_bought", "credits_sold",
                       "credits_missing"):
            values = _column(tables, "zev_compliance", column)
            got[column] = np.where(where >= 0, values[np.maximum(where, 0)], 0.0) if len(
                values) else np.zeros(count)
        carried = np.zeros(count)
        carried[1:] = (got["credits_banked"] - got["credits_owed"])[:-1]
        carried[zev["first"]] = 0.0
        balance = (net + carried - got["credits_banked"] + got["credits_owed"]
                   + got["credits_bought"] - got["credits_sold"] + got["credits_missing"])
        limit = np.where(zev["last"], 0.0, zev["borrow"] * required)
        short = ~_close(0.0, balance, net)
        owed = ~_close(got["credits_owed"], limit, limit)
        banked = zev["no_bank"] & (got["credits_banked"] > TOLERANCE)
        bought = zev["no_buy"] & (got["credits_bought"] > TOLERANCE)
        sold = zev["no_sell"] & (got["credits_sold"] > TOLERANCE)
        missing = where < 0
        problems = []
        settings = zev["settings"]
        problems += self._penalty_banked(got, net)
        for k in np.flatnonzero(short | owed | banked | bought | sold | missing):
            market, year = settings["market"].iloc[k], settings["year"].iloc[k]
            if missing[k]:
                problems.append(f"ZEV mandate {market} {year}: no row in zev_compliance")
            if short[k]:
                problems.append(f"ZEV mandate {market} {year}: credit balance is short by "
                                f"{-balance[k]:,.3f}")
            if owed[k]:
                problems.append(f"ZEV mandate {market} {year}: "
                                f"{got['credits_owed'][k]:,.3f} credits owed, above the limit "
                                f"{limit[k]:,.3f}")
            if banked[k]:
                problems.append(f"ZEV mandate {market} {year}: credits banked without banking")
            for flag, column in ((bought, "credits_bought"), (sold, "credits_sold")):
                if flag[k]:
                    problems.append(f"ZEV mandate {market} {year}: {column} without a price")
        return problems

    def _penalty_banked(self, got: dict[str, np.ndarray], net: np.ndarray) -> list[str]:
        """Markets whose plan banks (or repays debt with) credits it only has as penalties.

        A penalty settles the missing credits of its own year; it gives no credit to carry.
        The balance row counts a missing credit like a held one, so an LP may pay a cheap
        early penalty and bank the "credit" into a year whose penalty is higher. Walk each
        market's years with the bank capped at the credits actually held (earned + carried
        + borrowed + bought - sold - required, before any penalty): the missing credits that
        follow, at each year's penalty and discount factor, must cost no more than the
        plan reports. A credit short there is priced at the cheaper of the year's penalty and
        purchase price, so a plan that ties with the rule's own optimum passes.
        """
        zev = self._zev
        if zev is None:  # no ZEV mandate: nothing to bank
            return []
        settings = zev["settings"]
        penalty, cover, delta = zev["penalty"], zev["cover"], zev["delta"]
        problems = []
        reported = real = 0.0
        bank = 0.0
        for k in range(zev["count"]):
            if zev["first"][k]:
                bank, reported, real = 0.0, 0.0, 0.0
            carried = 0.0 if zev["first"][k] else bank - got["credits_owed"][k - 1]
            held = (net[k] + carried + got["credits_owed"][k] + got["credits_bought"][k]
                    - got["credits_sold"][k])
            bank = min(max(got["credits_banked"][k], 0.0), max(held, 0.0))
            real += cover[k] * delta[k] * max(0.0, bank - held)
            reported += penalty[k] * delta[k] * max(got["credits_missing"][k], 0.0)
            if zev["last"][k] and not _close(real, reported, reported):
                problems.append(
                    f"ZEV mandate {settings['market'].iloc[k]}: credits paid for as penalties "
                    f"are banked into later years (a penalty settles only its own year); "
                    f"with the bank capped at the credits held the discounted penalties are "
                    f"{real:,.2f} USD, the plan reports {reported:,.2f}")
        return problems

    def _credit_problems(self, tables: Tables, vehicles: np.ndarray) -> list[str]:
        credits = self._credits
        if credits is None:
            return []
        net = _sums(credits["code"], credits["coefficient"] * vehicles[credits["at"]],
                    credits["count"])
        where = credits["reported"]
        flows = np.where(where >= 0, net[np.maximum(where, 0)], 0.0) if len(net) else np.zeros(
            len(where))
        balance = (flows + _column(tables, "production_credit_compliance", "credits_bought")
                   - _column(tables, "production_credit_compliance", "credits_sold"))
        table = credits["table"]
        problems = [f"production credits {table['country'].iloc[k]} {table['year'].iloc[k]}: "
                    f"short by {-balance[k]:,.3f}"
                    for k in np.flatnonzero(~_close(0.0, balance, flows))]
        groups = credits["groups"]
        unreported = np.ones(credits["count"], dtype=bool)
        unreported[where[where >= 0]] = False
        problems += [f"production credits {groups['country'].iloc[k]} {groups['year'].iloc[k]}:"
                     " no row in production_credit_compliance" for k in
                     np.flatnonzero(unreported & (np.abs(net) > TOLERANCE))]
        sold = _column(tables, "production_credit_compliance", "credits_sold")
        problems += [f"production credits {table['country'].iloc[k]} {table['year'].iloc[k]}: "
                     "credits_sold without a sale price"
                     for k in np.flatnonzero(credits["no_sell"] & (sold > TOLERANCE))]
        return problems

    def _carbon_problems(self, tables: Tables, vehicles: np.ndarray) -> list[str]:
        carbon = self._carbon
        if carbon is None:
            return []
        rules = carbon["rules"]
        count = int(carbon["by_year"].max()) + 1 if len(rules) else 0
        totals = _sums(carbon["code"][carbon["code"] >= 0],
                       (vehicles * carbon["coefficient"])[carbon["code"] >= 0], count)
        total = totals[carbon["by_year"]]
        reported = _column(tables, "co2_by_year", "carbon_cost_usd")
        where = carbon["reported"]
        cost = np.where(where >= 0, reported[np.maximum(where, 0)], 0.0) if len(
            reported) else np.zeros(len(rules))
        cap = rules["cap_t_co2"].to_numpy(dtype=float)
        price = rules["carbon_price_usd_per_t"].to_numpy(dtype=float)
        over = ~np.isnan(cap) & ~_close(total, cap, total)
        wrong = ~np.isclose(cost, total * price, rtol=1e-6, atol=1e-3)
        problems = []
        for k in np.flatnonzero(over | wrong):
            year = rules["year"].iloc[k]
            if over[k]:
                problems.append(f"carbon cap {year}: {total[k]:,.3f} t above the cap "
                                f"{cap[k]:,.3f} t")
            if wrong[k]:
                problems.append(f"carbon {year}: reported carbon cost {cost[k]:,.2f} USD is not "
                                f"price x {total[k]:,.3f} t")
        return problems

    def _money_problems(self, tables: Tables) -> list[str]:
        """The USD columns the objective sums, re-derived from the quantities and prices."""
        problems = []
        for name, frame, column, units in self._money:
            expected = np.zeros(len(frame))
            for quantity, sign, unit in units:
                expected += sign * _column(tables, name, quantity) * unit
            reported = _column(tables, name, column)
            bad = ~np.isclose(reported, expected, rtol=1e-9, atol=1e-3)
            for i in np.flatnonzero(bad)[:MAX_LINES]:
                problems.append(f"{name} {tuple(frame.iloc[i])}: {column} "
                                f"{reported[i]:,.2f} USD, the input prices give "
                                f"{expected[i]:,.2f}")
        return problems

    def cost_usd(self, data: NetworkData, tables: Tables) -> float:
        """Discounted compliance cost of the plan ``tables`` (:func:`compliance_cost_usd`)."""
        return discounted_cost_usd(data, tables, self._years)


def check_compliance(data: NetworkData, tables: Tables) -> list[str]:
    """Return every violated compliance row of a plan (empty: certified).

    Parameters
    ----------
    data : NetworkData
        The inputs the plan was made from.
    tables : mapping
        The plan's result tables (``shipments`` and the compliance tables of
        :func:`evplan.results.compliance.compliance_tables`).

    Returns
    -------
    list of str
        One sentence per violation.
    """
    return ComplianceCheck(data, tables).problems(tables)
