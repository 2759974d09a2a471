r"""Fleet stock model: vehicles in use by vintage, retirements, and retired battery packs.

Vehicles in use are a convolution of sales with survival. With :math:`q_{g,v}` vehicles of
group :math:`g` (market, powertrain, chemistry) sold in year :math:`v` and the market's
survival curve :math:`S_g`, evaluated at mid-year ages (see :mod:`evplan.fleet.survival`):

.. math::
    N_{g,y,v} = q_{g,v}\, S_g(y - v + \tfrac12), \qquad
    R_{g,y,v} = q_{g,v}\,\big(S_g(y - v - \tfrac12) - S_g(y - v + \tfrac12)\big)

with :math:`S_g(t) = 1` for :math:`t < 0`, so that :math:`N_{g,y} = N_{g,y-1} + q_{g,y} -
R_{g,y}` holds exactly. A pack leaves its vehicle when the vehicle is scrapped or when its
state of health falls to the retirement value, whichever comes first (independent risks):

.. math::
    P_g(t) = S_g(t)\, B_c(t), \qquad B_c = \text{logistic}\Big(\mu_c =
    \frac{1 - h_c}{f_c},\ \sigma_c\Big)

where :math:`f_c` is the capacity fade per year and :math:`h_c` the retirement state of
health of chemistry :math:`c` (2 %/yr and 70 % give 15 years, the pack life of Busch et
al.). Retired packs younger than the second-life age limit go to second life with the
chemistry's share; the rest go to recycling. kWh are nominal (as built); tonnes are kWh
times the chemistry's pack mass per kWh.

Everything is computed on arrays of shape (group, year, vintage) with one lag-indexed
gather (a lower-triangular Toeplitz operator): no Python loop over vintages.

====================  =====================================  ============================
symbol                code                                   meaning
====================  =====================================  ============================
:math:`q_{g,v}`       ``sales_vehicles``                     vehicles sold
:math:`S_g`           :func:`~evplan.fleet.survival.survival` vehicle survival
:math:`N_{g,y,v}`     ``vehicles_in_use``                    vehicles on the road
:math:`R_{g,y,v}`     ``retired_vehicles``                   vehicles scrapped in year y
:math:`B_c`           ``battery.csv``                        pack survival (fade)
====================  =====================================  ============================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.fleet.survival import survival

__all__ = ["FleetOptions", "FleetResult", "stock_model"]

GROUP = ["market", "powertrain", "chemistry"]


@dataclass(frozen=True)
class FleetOptions:
    """How far and how the fleet is projected.

    Attributes
    ----------
    years_after_plan : int
        Years projected after the plan's last year (default 20: 2030 -> 2050).
    after_plan : {"flat", "zero"}
        Sales after the plan: held at the plan's last-year level (``"flat"``, default) or
        stopped (``"zero"``). An assumption either way; the result records it.
    """

    years_after_plan: int = 20
    after_plan: Literal["flat", "zero"] = "flat"

    def __post_init__(self) -> None:
        problems = []
        if self.after_plan not in ("flat", "zero"):
            problems.append(Problem("options", f"after_plan = {self.after_plan!r} is not 'flat' "
                                    "or 'zero'." + (did_you_mean(str(self.after_plan),
                                                                 ("flat", "zero"))
                                                    or " Use one of them.")))
        if isinstance(self.years_after_plan, bool) or not isinstance(
                self.years_after_plan, int) or not 0 <= self.years_after_plan <= 200:
            problems.append(Problem("options", f"years_after_plan = {self.years_after_plan!r} "
                                    "is not a whole number of years in [0, 200]."))
        if problems:
            raise InputError(problems)


@dataclass(frozen=True)
class FleetResult:
    """Vehicles in use, retirements and retired packs.

    Attributes
    ----------
    tables : Mapping[str, pandas.DataFrame]
        ``fleet`` (market, powertrain, year: sales_vehicles, vehicles_in_use,
        retired_vehicles); ``fleet_by_vintage`` (market, powertrain, vintage, year,
        vehicles_in_use, retired_vehicles); ``packs_retired`` (market, year, chemistry,
        packs, kwh, tonnes); ``pack_end_of_life`` (the same by ``route``:
        ``second_life`` or ``recycling``); ``packs_in_use`` (market, year, chemistry, packs,
        kwh); ``fleet_sales`` (the sales given, with ``basis``: history or plan;
        the sales after the plan are in ``fleet``'s ``sales_vehicles``).
    first_year, last_year : int
        Years projected.
    plan_first_year, plan_last_year : int or None
        The plan's horizon (None without a plan).
    assumptions : tuple of str
        Plain-language statements of the assumptions used.
    export_markets : tuple of str
        Markets the plan exports to from China (empty without a plan).
    """

    tables: Any
    first_year: int
    last_year: int
    plan_first_year: int | None = None
    plan_last_year: int | None = None
    assumptions: tuple[str, ...] = ()
    export_markets: tuple[str, ...] = ()
    options: FleetOptions = field(default_factory=FleetOptions)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    @property
    def markets(self) -> list[str]:
        """Markets with vehicles in the fleet."""
        return sorted(set(self.tables["fleet"]["market"]))


def _curves_for(markets: pd.Series, curves: pd.DataFrame) -> pd.DataFrame:
    """One survival row per market (``'*'`` where the market has no row of its own)."""
    by_market = curves.set_index("market")
    known = list(by_market.index)
    missing = sorted(set(markets) - set(known))
    if missing and "*" not in by_market.index:
        raise InputError([Problem(str(curves.attrs.get("file", "survival.csv")),
                                  f"market '{market}' has no survival curve."
                                  + (did_you_mean(market, known)
                                     or " Add a row for it, or a '*' row for every other "
                                     "market.")) for market in missing])
    return by_market.reindex(markets.where(markets.isin(known), "*").to_numpy())


def _battery_curves(chemistries: pd.Series, battery: pd.DataFrame) -> pd.DataFrame:
    table = battery.set_index("chemistry").reindex(chemistries.to_numpy())
    life = (1.0 - table["retirement_state_of_health"]) / table["capacity_fade_per_year"]
    return pd.DataFrame({"curve": "logistic", "mean_years": life.to_numpy(),
                         "sd_years": table["life_sd_years"].to_numpy(),
                         "scale_years": np.nan, "shape": np.nan, "max_age_years": np.nan})


def _extend(sales: pd.DataFrame, years: np.ndarray, plan_last: int, after: str
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Group sales into (group x year) arrays of vehicles, kWh and vehicles with a traction
    pack (``battery_kwh`` > 0), extended after the plan."""
    sales = sales.assign(kwh=sales["sales_vehicles"] * sales["battery_kwh"],
                         with_pack=sales["sales_vehicles"].where(sales["battery_kwh"] > 0, 0.0))
    grouped = sales.groupby([*GROUP, "year"])[["sales_vehicles", "kwh", "with_pack"]].sum()
    frames = []
    for column in ("sales_vehicles", "kwh", "with_pack"):
        frame = grouped[column].unstack("year").reindex(columns=years, fill_value=0.0)
        frame = frame.fillna(0.0)
        later = years > plan_last
        if later.any():
            held = (frame[plan_last] if after == "flat" and plan_last in frame
                    else 0.0 * frame.iloc[:, 0])
            frame.loc[:, later] = np.repeat(np.asarray(held)[:, None], later.sum(), axis=1)
        frames.append(frame)
    return frames[0], frames[1], frames[2]


def _flows(curve_values: np.ndarray, lag: np.ndarray, amount: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """In use and retired, (group, year, vintage), from survival at mid-year ages.

    ``curve_values[:, k]`` holds ``S(k - 1/2)`` for k = 0..Y (so index k+1 is
    ``S(k + 1/2)``); ``lag`` is year - vintage.
    """
    valid = lag >= 0
    index = np.where(valid, lag, 0)
    before = curve_values[:, index]          # S(lag - 1/2)
    after = curve_values[:, index + 1]       # S(lag + 1/2)
    in_use = np.where(valid, after, 0.0) * amount[:, None, :]
    retired = np.where(valid, before - after, 0.0) * amount[:, None, :]
    return in_use, retired


def stock_model(
    sales: pd.DataFrame,
    survival_curves: pd.DataFrame,
    battery: pd.DataFrame,
    *,
    plan_last_year: int,
    last_year: int,
    after_plan: str = "flat",
) -> dict[str, pd.DataFrame]:
    """Project vehicles in use, retirements and packs from sales (the maths is above).

    Parameters
    ----------
    sales : pandas.DataFrame
        ``market``, ``year``, ``powertrain``, ``chemistry``, ``battery_kwh``,
        ``sales_vehicles`` (see :func:`evplan.fleet.sales.assign_chemistry`).
    survival_curves, battery : pandas.DataFrame
        :func:`~evplan.fleet.load_survival` and :func:`~evplan.fleet.load_battery`.
    plan_last_year : int
        Last year with given sales; later years follow ``after_plan``.
    last_year : int
        Last year projected.
    after_plan : {"flat", "zero"}
        Sales after ``plan_last_year``.

    Returns
    -------
    dict of str to DataFrame
        The tables described in :class:`FleetResult`.
    """
    first_year = int(sales["year"].min())
    years = np.arange(first_year, last_year + 1)
    vehicles, kwh, with_pack = _extend(sales, years, plan_last_year, after_plan)
    groups = vehicles.index.to_frame(index=False)
    span = len(years)
    lag = years[:, None] - years[None, :]
    mid_ages = np.arange(span + 1) - 0.5     # S(-1/2), S(1/2), ..., S(Y - 1/2)

    vehicle_curve = survival(_curves_for(groups["market"], survival_curves), mid_ages)
    chem = battery.set_index("chemistry").reindex(groups["chemistry"].to_numpy())
    if chem["pack_kg_per_kwh"].isna().any():
        unknown = sorted(set(groups["chemistry"][chem["pack_kg_per_kwh"].isna().to_numpy()]))
        raise InputError([Problem("battery.csv", f"chemistry '{name}' is not in battery.csv."
                                  + (did_you_mean(name, battery["chemistry"])
                                     or " Add a row for it.")) for name in unknown])
    pack_curve = vehicle_curve * survival(_battery_curves(groups["chemistry"], battery), mid_ages)

    in_use, retired = _flows(vehicle_curve, lag, vehicles.to_numpy())
    # packs: only vehicles sold with one (a 0 kWh row of a group-year has none)
    packs_in_use, packs_retired = _flows(pack_curve, lag, with_pack.to_numpy())
    kwh_in_use, kwh_retired = _flows(pack_curve, lag, kwh.to_numpy())
    eligible = lag[None, :, :] <= chem["second_life_max_age_years"].to_numpy()[:, None, None]
    second_share = chem["second_life_share"].to_numpy()[:, None]
    kg_per_kwh = chem["pack_kg_per_kwh"].to_numpy()[:, None]

    def long(values: np.ndarray, name: str) -> pd.DataFrame:
        frame = pd.DataFrame(values, index=vehicles.index, columns=years)
        frame.columns.name = "year"
        return frame.stack().rename(name).reset_index()  # type: ignore[call-overload]

    by_group = long(vehicles.to_numpy(), "sales_vehicles")
    by_group["vehicles_in_use"] = long(in_use.sum(axis=2), "v")["v"]
    by_group["retired_vehicles"] = long(retired.sum(axis=2), "v")["v"]
    fleet = by_group.groupby(["market", "powertrain", "year"], as_index=False)[
        ["sales_vehicles", "vehicles_in_use", "retired_vehicles"]].sum()

    vintage_index = pd.MultiIndex.from_product(
        [range(len(groups)), years, years], names=["group", "year", "vintage"])
    vintage = pd.DataFrame({"vehicles_in_use": in_use.ravel(),
                            "retired_vehicles": retired.ravel()}, index=vintage_index)
    vintage = vintage[(vintage["vehicles_in_use"] > 1e-9) | (vintage["retired_vehicles"] > 1e-9)]
    vintage = vintage.reset_index()
    vintage = pd.concat([groups.iloc[vintage["group"]].reset_index(drop=True),
                         vintage.drop(columns="group")], axis=1)
    fleet_by_vintage = vintage.groupby(["market", "powertrain", "vintage", "year"],
                                       as_index=False)[["vehicles_in_use",
                                                        "retired_vehicles"]].sum()

    packs = long(packs_retired.sum(axis=2), "packs")
    packs["kwh"] = long(kwh_retired.sum(axis=2), "v")["v"]
    packs["tonnes"] = long(kwh_retired.sum(axis=2) * kg_per_kwh / 1000.0, "v")["v"]
    second_packs = (packs_retired * eligible).sum(axis=2) * second_share
    second_kwh = (kwh_retired * eligible).sum(axis=2) * second_share
    routes = []
    for route, packs_part, kwh_part in (
            ("second_life", second_packs, second_kwh),
            ("recycling", packs_retired.sum(axis=2) - second_packs,
             kwh_retired.sum(axis=2) - second_kwh)):
        part = long(packs_part, "packs")
        part["kwh"] = long(kwh_part, "v")["v"]
        part["tonnes"] = long(kwh_part * kg_per_kwh / 1000.0, "v")["v"]
        routes.append(part.assign(route=route))
    in_use_packs = long(packs_in_use.sum(axis=2), "packs")
    in_use_packs["kwh"] = long(kwh_in_use.sum(axis=2), "v")["v"]

    def by_chemistry(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
        out = frame.groupby(keys, as_index=False)[values].sum()
        return out[out["packs"] > 1e-9].reset_index(drop=True)

    return {
        "fleet": fleet,
        "fleet_by_vintage": fleet_by_vintage,
        "packs_retired": by_chemistry(packs, ["market", "year", "chemistry"],
                                      ["packs", "kwh", "tonnes"]),
        "pack_end_of_life": by_chemistry(pd.concat(routes, ignore_index=True),
                                         ["market", "year", "chemistry", "route"],
                                         ["packs", "kwh", "tonnes"]),
        "packs_in_use": by_chemistry(in_use_packs, ["market", "year", "chemistry"],
                                     ["packs", "kwh"]),
    }
