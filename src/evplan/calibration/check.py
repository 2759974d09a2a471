"""Re-derive every number a calibration or backtest reports before it is returned or written.

:func:`verify_backtest` recomputes each cell of the backtest table (calibrated, predicted,
actual, error, error %, persistence, persistence error) from the plan's own ``sales``,
``production``, ``utilisation`` and ``shipments`` tables and from ``actuals.csv``, by a
route of its own (group sums, not the KPI table the backtest reads), and
:func:`verify_calibration` recomputes the calibration's wedges, its base-year tier prices
from the demand curve and its per-market fit, and insists on the identity (every residual
zero). A cell that differs is evplan's bug, raised as :class:`~evplan.errors.VerificationError`
naming the row, the column and both values; nothing is written.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import VerificationError
from evplan.results import Result

if TYPE_CHECKING:
    from evplan.calibration.calibrate import Calibration

__all__ = ["recheck_calibration", "verify_backtest", "verify_calibration", "verify_markdown"]

#: Relative and absolute tolerance of a re-derived cell (vehicles, USD or a fraction).
RTOL, ATOL = 1e-9, 1e-6
#: Largest residual (vehicles) of a calibrated base year that still counts as the identity.
RESIDUAL_TOLERANCE_VEHICLES = 1e-3


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator and not math.isnan(denominator) else math.nan


def _same(reported: object, derived: float) -> bool:
    value = float(reported)  # type: ignore[arg-type]
    if math.isnan(derived) or math.isnan(value):
        return math.isnan(derived) and math.isnan(value)
    return math.isclose(value, derived, rel_tol=RTOL, abs_tol=ATOL)


def _expected_rows(data: NetworkData, result: Result, actuals: pd.DataFrame, y0: int,
                   y1: int, focus: str) -> dict[str, tuple[float, float, float, float]]:
    """Per row label: (calibrated, predicted, actual, persistence), from the plan's tables."""
    sold = result["sales"].groupby(["market", "year"])["sales_vehicles"].sum()
    world = result["sales"].groupby("year")["sales_vehicles"].sum()
    built = result["production"].groupby(["country", "year"])["production_vehicles"].sum()
    capacity = result["utilisation"].groupby(["country", "year"])[
        "capacity_vehicles_per_year"].sum()
    country_of = data.markets.set_index("market")["country"]
    shipments = result["shipments"]
    crossing = shipments[shipments["origin"] != shipments["market"].map(country_of)]
    exported = crossing.groupby(["origin", "year"])["shipment_vehicles"].sum()
    figures = {(str(k), str(key), int(y)): float(v) for k, key, y, v in zip(
        actuals["kpi"], actuals["key"], actuals["year"], actuals["value"], strict=True)}

    def fact(kpi: str, key: str, year: int) -> float:
        return figures.get((kpi, key, year), math.nan)

    def s(market: str, year: int) -> float:
        return float(sold.get((market, year), 0.0))

    def g(year: int) -> float:
        return float(world.get(year, 0.0))

    def p(country: str, year: int) -> float:
        return float(built.get((country, year), 0.0))

    def x(country: str, year: int) -> float:
        return float(exported.get((country, year), 0.0))

    listed = [key for (kpi, key, year) in figures if kpi == "sales" and year == y1]
    rows = {f"sales {m}": (s(m, y0), s(m, y1), fact("sales", m, y1), fact("sales", m, y0))
            for m in listed}
    rows[f"sales rest of world (not {', '.join(listed)})"] = (
        g(y0) - sum(s(m, y0) for m in listed), g(y1) - sum(s(m, y1) for m in listed),
        fact("global_sales", "all", y1) - sum(fact("sales", m, y1) for m in listed),
        fact("global_sales", "all", y0) - sum(fact("sales", m, y0) for m in listed))
    rows["global sales"] = (g(y0), g(y1), fact("global_sales", "all", y1),
                            fact("global_sales", "all", y0))
    if focus in set(data.markets["market"]):  # else no share row (a network without it)
        rows[f"{focus} share of global sales"] = (
            _ratio(s(focus, y0), g(y0)), _ratio(s(focus, y1), g(y1)),
            _ratio(fact("sales", focus, y1), fact("global_sales", "all", y1)),
            _ratio(fact("sales", focus, y0), fact("global_sales", "all", y0)))
    for country in [key for (kpi, key, year) in figures if kpi == "production" and year == y1]:
        rows[f"production {country}"] = (p(country, y0), p(country, y1),
                                         fact("production", country, y1),
                                         fact("production", country, y0))
    if focus in set(data.plants["country"]):  # else no utilisation or focus exports rows
        cap1 = float(capacity.get((focus, y1), 0.0))
        rows[f"utilisation {focus}"] = (
            _ratio(p(focus, y0), float(capacity.get((focus, y0), 0.0))),
            _ratio(p(focus, y1), cap1), _ratio(fact("production", focus, y1), cap1),
            _ratio(fact("production", focus, y0), cap1))
        rows[f"exports from {focus}"] = (x(focus, y0), x(focus, y1), fact("exports", focus, y1),
                                         fact("exports", focus, y0))
    for country in [key for (kpi, key, year) in figures if kpi == "exports" and year == y1]:
        if country != focus:
            rows[f"exports from {country}"] = (x(country, y0), x(country, y1),
                                               fact("exports", country, y1),
                                               fact("exports", country, y0))
    return rows


def verify_backtest(table: pd.DataFrame, data: NetworkData, result: Result,
                    actuals: pd.DataFrame, base_year: int, target_year: int,
                    focus: str = "CN") -> None:
    """Raise unless every cell of the backtest ``table`` re-derives from its plan and actuals.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`evplan.calibration.Backtest.table`.
    data : NetworkData
        The calibrated inputs the plan was solved from (for each market's country).
    result : Result
        The solved two-year plan.
    actuals : pandas.DataFrame
        ``actuals.csv`` as read (``kpi, key, year, value``).
    base_year, target_year : int
        The calibrated and the predicted year.
    focus : str
        The market and plant country of the share, utilisation and exports rows.

    Raises
    ------
    VerificationError
        Naming every row and column whose reported value differs from the re-derived one,
        a missing or extra row, or a row out of the plan's order.
    """
    y0, y1 = base_year, target_year
    expected = _expected_rows(data, result, actuals, y0, y1, focus)
    problems = []
    labels = [str(label) for label in table["row"]]
    if labels != list(expected):
        problems.append(f"backtest rows {labels} are not the rows the actuals call for "
                        f"{list(expected)}")
    for _, reported in table.iterrows():
        label = str(reported["row"])
        if label not in expected:
            continue
        base, predicted, actual, persistence = expected[label]
        fraction = label.startswith((f"{focus} share", "utilisation"))
        cells = {f"calibrated_{y0}": base, f"predicted_{y1}": predicted,
                 f"actual_{y1}": actual, "error": predicted - actual,
                 "error_pct": math.nan if fraction else _ratio(predicted - actual, actual),
                 f"persistence_{y1}": persistence, "persistence_error": persistence - actual}
        if str(reported["unit"]) != ("fraction" if fraction else "vehicles"):
            problems.append(f"backtest row {label!r}: unit {reported['unit']!r} is not "
                            f"{'fraction' if fraction else 'vehicles'}")
        for column, derived in cells.items():
            if column not in table or not _same(reported[column], derived):
                problems.append(f"backtest row {label!r}, {column}: reported "
                                f"{reported.get(column)!r}, re-derived {derived!r}")
    if problems:
        raise VerificationError(problems)


def verify_calibration(observed: pd.DataFrame, pools: pd.DataFrame, demand: pd.DataFrame,
                       fit: pd.DataFrame, base_year: int,
                       points: np.ndarray) -> None:
    """Raise unless the calibration's wedges, base-year tiers and fit re-derive and the
    identity holds.

    Parameters
    ----------
    observed : pandas.DataFrame
        The base year's ``base_demand`` rows (``market, product, volume_vehicles,
        price_usd_per_vehicle``).
    pools, demand, fit : pandas.DataFrame
        :class:`evplan.calibration.Calibration`'s tables.
    base_year : int
        The year fitted.
    points : numpy.ndarray
        The tier ends as fractions of the base volume, from 0.

    Raises
    ------
    VerificationError
        Naming every pool, tier or market whose reported figure differs.
    """
    problems = []
    eps = pools["elasticity"].to_numpy(float)
    price = pools["price_usd_per_vehicle"].to_numpy(float)
    volume = pools["volume_vehicles"].to_numpy(float)
    wedge = pools["marginal_cost_usd_per_vehicle"].to_numpy(float) - (1 - 1 / eps) * price
    stated = observed.set_index(["market", "product"])[["volume_vehicles",
                                                         "price_usd_per_vehicle"]]
    for i, (market, product) in enumerate(zip(pools["market"], pools["product"], strict=True)):
        for column, derived in (("marginal_revenue_usd_per_vehicle", (1 - 1 / eps[i]) * price[i]),
                                ("volume_vehicles", float(stated.loc[(market, product)].iloc[0])
                                 if (market, product) in stated.index else math.nan),
                                ("price_usd_per_vehicle", float(stated.loc[(market, product)]
                                                                .iloc[1])
                                 if (market, product) in stated.index else math.nan)):
            if not _same(pools[column].iloc[i], derived):
                problems.append(f"calibration pool {market} {product}: {column} "
                                f"{pools[column].iloc[i]!r}, re-derived {derived!r}")
        if not _same(pools["wedge_usd_per_vehicle"].iloc[i], float(wedge[i])):
            problems.append(f"calibration pool {market} {product}: wedge "
                            f"{pools['wedge_usd_per_vehicle'].iloc[i]!r}, re-derived "
                            f"c0 - (1 - 1/e) P0 = {wedge[i]!r}")
        revenue = [price[i] * (f * volume[i]) ** (1 - 1 / eps[i]) * volume[i] ** (1 / eps[i])
                   if f > 0 else 0.0 for f in points]
        tiers = [(round((b - a) * volume[i], 3), (revenue[k + 1] - revenue[k])
                  / ((b - a) * volume[i]) + wedge[i])
                 for k, (a, b) in enumerate(itertools.pairwise(points))]
        tiers = [(v, round(pr, 2)) for v, pr in tiers if round(pr, 2) > 0 and v > 0]
        rows = demand[(demand["market"] == market) & (demand["product"] == product)
                      & (demand["year"] == base_year)].sort_values("tier")
        got = list(zip(rows["volume_vehicles"], rows["price_usd_per_vehicle"], strict=True))
        if len(got) != len(tiers) or not np.allclose(np.asarray(got, float).reshape(-1, 2),
                                                     np.asarray(tiers, float).reshape(-1, 2),
                                                     rtol=0, atol=0.011):
            problems.append(f"calibration tiers {market} {product} {base_year}: demand.csv "
                            f"has {got}, the curve gives {tiers}")
    frame = observed.groupby("market")["volume_vehicles"].sum()
    weighted = pools.assign(wq=pools["wedge_usd_per_vehicle"] * volume, pq=price * volume,
                            q=volume).groupby("market")[["wq", "pq", "q"]].sum()
    for _, row in fit.iterrows():
        market = row["market"]
        if market in weighted.index:
            w = weighted.loc[market]
            for column, derived in (("wedge_usd_per_vehicle", _ratio(w["wq"], w["q"])),
                                    ("wedge_share_of_price", _ratio(w["wq"], w["pq"]))):
                if not _same(row[column], derived):
                    problems.append(f"calibration fit {market}: {column} {row[column]!r}, "
                                    f"re-derived from the pools {derived!r}")
        if not _same(row["observed_vehicles"], float(frame.get(market, math.nan))):
            problems.append(f"calibration fit {market}: observed {row['observed_vehicles']!r}, "
                            f"base_demand.csv gives {float(frame.get(market, math.nan))!r}")
        residual = float(row["solved_vehicles"]) - float(row["observed_vehicles"])
        if not _same(row["residual_vehicles"], residual):
            problems.append(f"calibration fit {market}: residual {row['residual_vehicles']!r}, "
                            f"solved - observed = {residual!r}")
        if abs(residual) > RESIDUAL_TOLERANCE_VEHICLES:
            problems.append(f"calibration fit {market}: the calibrated base year sells "
                            f"{row['solved_vehicles']:,.3f}, not the observed "
                            f"{row['observed_vehicles']:,.3f} (the identity fails)")
    if set(fit["market"]) != set(frame.index):
        problems.append(f"calibration fit markets {sorted(fit['market'])} are not the observed "
                        f"{sorted(frame.index)}")
    if problems:
        raise VerificationError(problems)


def recheck_calibration(calibration: Calibration, base_demand: pd.DataFrame,
                        points: np.ndarray | None = None) -> None:
    """:func:`verify_calibration` of a finished :class:`~evplan.calibration.Calibration`
    (``evplan calibrate`` runs it again just before writing its files).

    Parameters
    ----------
    calibration : Calibration
        What :func:`evplan.calibration.calibrate` returned.
    base_demand : pandas.DataFrame
        The ``base_demand`` it was calibrated from.
    points : numpy.ndarray, optional
        Tier ends (default: those of :class:`~evplan.calibration.CalibrationOptions`).
    """
    from evplan.calibration.calibrate import CalibrationOptions
    from evplan.calibration.curve import tier_breakpoints

    if points is None:
        options = CalibrationOptions()
        points = tier_breakpoints(options.below, options.above)
    year = calibration.base_year
    observed = base_demand[(base_demand["year"] == year) & (base_demand["volume_vehicles"] > 0)]
    verify_calibration(observed, calibration.pools, calibration.demand, calibration.fit, year,
                       points)


def _parsed(text: str) -> tuple[float, str]:
    """A backtest cell as written (``1,234``, ``+2.1 pts``, ``-6.5%``, ``n/a``, blank): its
    number and its kind (``count``, ``pts``, ``pct`` or ``none``)."""
    text = text.strip().replace("\u2212", "-")
    if text in ("", "n/a"):
        return math.nan, "none"
    if text.endswith(" pts"):
        return float(text[:-4]) / 100, "pts"
    if text.endswith("%"):
        return float(text[:-1].replace(",", "")) / 100, "pct"
    return float(text.replace(",", "")), "count"


def verify_markdown(markdown: str, table: pd.DataFrame, base_year: int,
                    target_year: int) -> None:
    """Raise unless every cell of ``backtest.md`` reads back as its (verified) table's value,
    to the shown rounding: the text a reader sees is checked, not only the CSV.

    Raises
    ------
    VerificationError
        Naming the row, the column and the text that differs.
    """
    y0, y1 = base_year, target_year
    lines = [line for line in markdown.splitlines()[2:] if line.startswith("|")]
    problems = []
    if len(lines) != len(table):
        problems.append(f"backtest.md has {len(lines)} rows, the table {len(table)}")
    names = ("calibrated", "predicted", "actual", "error", "error %", "persistence error")
    for line, (_, row) in zip(lines, table.iterrows(), strict=False):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        fraction = str(row["unit"]) == "fraction"
        actual = float(row[f"actual_{y1}"])
        persistence = float(row["persistence_error"])
        wanted = (float(row[f"calibrated_{y0}"]), float(row[f"predicted_{y1}"]), actual,
                  float(row["error"]), float(row["error_pct"]),
                  persistence if fraction or math.isnan(persistence)
                  else (_ratio(persistence, actual) if actual else persistence))
        if cells[0] != str(row["row"]):
            problems.append(f"backtest.md row {cells[0]!r} is not {row['row']!r}")
        for name, text, value in zip(names, cells[1:], wanted, strict=False):
            shown, kind = _parsed(text)
            step = 0.0005 if kind in ("pts", "pct") else 0.5
            if math.isnan(value) or math.isnan(shown):
                same = math.isnan(value) and math.isnan(shown)
            else:
                same = abs(shown - value) <= step + 1e-12 * abs(value)
            if not same:
                problems.append(f"backtest.md row {row['row']!r}, {name}: shows {text!r}, "
                                f"the table holds {value!r}")
    if problems:
        raise VerificationError(problems)
