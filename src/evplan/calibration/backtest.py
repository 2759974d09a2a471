r"""Backtest: calibrate on one year, predict the next, compare with what happened.

The prediction for the target year :math:`y_1` uses only what was known to change
between the base year :math:`y_0` and :math:`y_1`:

* the duty schedules, exchange rates, plant capacities and openings/closures, lanes and
  costs of :math:`y_1` as the inputs state them (announced before or during the year);
* programs new in :math:`y_1` (``base_demand.csv`` rows of :math:`y_1` for a product and
  market with no :math:`y_0` row, or a :math:`y_0` row of volume 0), with the volume and
  price those rows state;

and *not* the demand of :math:`y_1`: every product and market keeps its calibrated
:math:`y_0` curve (volume, local-currency price, elasticity, wedge). Whatever the markets
did that the inputs do not describe (a price war, a model change, a lost dealer network)
shows up as error. Nothing in the prediction is tuned to the ``actuals.csv`` figures of
:math:`y_1`, which are read only to be compared with.

It is a *conditional* (ex-post) forecast, not one made before :math:`y_1`: the inputs of
:math:`y_1` may hold what was only known during or after it (china-export's 2024 exchange
rates are April-June 2024 averages, its 2024 duties and the Changzhou closure were
announced in 2024). A new program's :math:`y_1` row enters as given: in a backtest it must
be the launch plan known before :math:`y_1`, not the volume it went on to sell, or the
actual leaks into the prediction.

Each row also carries the benchmark a forecast has to beat, *persistence*: the
:math:`y_0` figure of ``actuals.csv`` taken as the :math:`y_1` forecast
(``persistence_<y1>``, ``persistence_error``; NaN where :math:`y_0` has no actual).

The comparison, per region and for the headline KPIs (``actuals.csv``):

==================  ==========================================================
row                 predicted vs actual
==================  ==========================================================
sales <market>      vehicles sold in the market (CN, JP, US, MX, ...)
sales rest of world global sales minus the markets with their own actual row
global sales        every market
China share         sales in CN / global sales
production <c>      vehicles built in country c
utilisation CN      production in CN / the model's Chinese capacity of y1
exports from CN     vehicles shipped from Chinese plants across a border
exports from <c>    the same from country c, for every other ``exports`` actual
==================  ==========================================================

A plan is used only when it is proven optimal (a SolverLimitError otherwise), and a
scenario with strategic tables (a MILP, without shadow prices) is refused as an input
error before any solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evplan.calibration.calibrate import (
    Calibration,
    CalibrationOptions,
    calibrate,
    input_problems,
    proven_optimal,
    restrict_years,
    strategic_problems,
)
from evplan.calibration.check import verify_backtest
from evplan.calibration.inputs import CalibrationInputs, cell_problems, numbered
from evplan.data import NetworkData
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.solve import optimize

__all__ = ["Backtest", "backtest", "backtest_base_demand"]

FOCUS = "CN"


@dataclass(frozen=True)
class Backtest:
    """What :func:`backtest` returns.

    Attributes
    ----------
    base_year, target_year : int
        Calibrated on ``base_year``; ``target_year`` is predicted.
    table : pandas.DataFrame
        ``row, unit, calibrated_<base>, predicted_<target>, actual_<target>, error,
        error_pct, actual_source, persistence_<target>, persistence_error``; ``error`` =
        predicted - actual; ``persistence_<target>`` is the base year's actual (the
        no-change forecast) and ``persistence_error`` its error.
    calibration : Calibration
        The base-year calibration (an identity: its figures are not predictions).
    result : Result
        The solved two-year plan.
    """

    base_year: int
    target_year: int
    table: pd.DataFrame
    calibration: Calibration
    result: Result


def backtest_base_demand(base_demand: pd.DataFrame, base_year: int, target_year: int,
                         programs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Base rows of the backtest: y0 as observed and, in every later year up to y1, y0 again
    (demand persists) plus that year's rows of programs new since y0.

    A year between y0 and y1 (a backtest over two or more years) is planned too; before,
    it had no demand at all and sold nothing, so a rule spanning years (a plant's minimum
    utilisation, banked compliance credits) saw an empty year.

    A y0 row of volume 0 (nothing sold, so no curve) leaves its product new in a later
    year, as a product without a y0 row is: before, its later rows were dropped and the
    backtest predicted 0 for a program ``evplan run`` sells.

    With ``programs`` (programs.csv), a later row whose product pools only programs that a
    y0 row already pools in that market (a program's row under a y0 segment row) is not
    new either: those programs keep their y0 curve. Before, both were kept and the demand
    made of them was refused naming rows of a demand.csv the user never saw.
    """
    from evplan.data.products import product_members

    base = base_demand[base_demand["year"] == base_year]
    sold = base[pd.to_numeric(base["volume_vehicles"], errors="coerce") > 0]
    known = set(zip(sold["market"], sold["product"], strict=True))
    members = (product_members(programs).groupby("product")["program"].agg(frozenset)
               if programs is not None else pd.Series(dtype=object))
    carried = {(market, program) for market, product in known
               for program in members.get(product, ())}

    def new(market: str, product: str) -> bool:
        pooled = members.get(product, frozenset())
        return (market, product) not in known and not (
            pooled and all((market, program) in carried for program in pooled))

    frames = [base]
    for year in range(base_year + 1, target_year + 1):
        frames.append(sold.assign(year=year))  # a 0 row would repeat a new row's key
        later = base_demand[base_demand["year"] == year]
        frames.append(later[[new(market, product) for market, product
                             in zip(later["market"], later["product"], strict=True)]])
    return pd.concat(frames, ignore_index=True)


def _actual(actuals: pd.DataFrame, kpi: str, key: str, year: int) -> tuple[float, str]:
    rows = actuals[(actuals["kpi"] == kpi) & (actuals["key"] == key) & (actuals["year"] == year)]
    if rows.empty:
        return float("nan"), ""
    return float(rows["value"].iloc[0]), str(rows["source"].iloc[0])


def _share(part: float, whole: float) -> float:
    """``part / whole``; NaN when ``whole`` is 0 or unknown (an actual of 0, a country with
    no capacity): a share of nothing is not a number, never a ZeroDivisionError."""
    return part / whole if whole and not np.isnan(whole) else float("nan")


def _kpi(result: Result, name: str, year: int, key: str = "all") -> float:
    return result.kpi(name, year, key)


def _sales(result: Result, market: str, year: int) -> float:
    sales = result["sales"]
    return float(sales.loc[(sales["market"] == market) & (sales["year"] == year),
                           "sales_vehicles"].sum())


def _production(result: Result, country: str, year: int) -> float:
    production = result["production"]
    return float(production.loc[(production["country"] == country) & (production["year"] == year),
                                "production_vehicles"].sum())


def _capacity(result: Result, country: str, year: int) -> float:
    utilisation = result["utilisation"]
    return float(utilisation.loc[(utilisation["country"] == country)
                                 & (utilisation["year"] == year),
                                 "capacity_vehicles_per_year"].sum())


def focus_rows(data: NetworkData, focus: str) -> tuple[bool, bool]:
    """Whether ``focus`` is a market (its share row) and a plant country (its utilisation
    and exports rows) of ``data``: a network without it gets none of those rows."""
    return (focus in set(data.markets["market"]), focus in set(data.plants["country"]))


def _table(result: Result, actuals: pd.DataFrame, y0: int, y1: int,
           focus: tuple[bool, bool] = (True, True)) -> pd.DataFrame:
    """The backtest rows; ``focus`` says whether :data:`FOCUS` is a market and a plant
    country of the scenario (:func:`focus_rows`): its share, utilisation and exports
    rows are left out when it is not, rather than compared with a KPI it has no key for."""
    rows: list[dict[str, object]] = []
    naive: list[float] = []

    def add(label: str, unit: str, base: float, predicted: float, actual: float,
            source: str, persistence: float = float("nan")) -> None:
        rows.append({"row": label, "unit": unit, f"calibrated_{y0}": base,
                     f"predicted_{y1}": predicted, f"actual_{y1}": actual,
                     "actual_source": source})
        naive.append(persistence)

    def before(kpi: str, key: str) -> float:
        return _actual(actuals, kpi, key, y0)[0]

    markets = [key for key in dict.fromkeys(actuals.loc[(actuals["kpi"] == "sales")
                                                        & (actuals["year"] == y1), "key"])]
    for market in markets:
        actual, source = _actual(actuals, "sales", market, y1)
        add(f"sales {market}", "vehicles", _sales(result, market, y0),
            _sales(result, market, y1), actual, source, before("sales", market))
    global_actual, global_source = _actual(actuals, "global_sales", "all", y1)
    listed = [market for market in markets]
    rest = [float(sum(_sales(result, m, y) for m in listed)) for y in (y0, y1)]
    listed_actual = sum(_actual(actuals, "sales", m, y1)[0] for m in listed)
    add(f"sales rest of world (not {', '.join(listed)})", "vehicles",
        _kpi(result, "global_sales", y0) - rest[0], _kpi(result, "global_sales", y1) - rest[1],
        global_actual - listed_actual, f"derived: global {global_source} minus the rows above",
        before("global_sales", "all") - sum(before("sales", m) for m in listed))
    add("global sales", "vehicles", _kpi(result, "global_sales", y0),
        _kpi(result, "global_sales", y1), global_actual, global_source,
        before("global_sales", "all"))
    is_market, is_country = focus
    if is_market:
        china_actual, china_source = _actual(actuals, "sales", FOCUS, y1)
        add(f"{FOCUS} share of global sales", "fraction",
            _kpi(result, "sales_share_by_market", y0, FOCUS),
            _kpi(result, "sales_share_by_market", y1, FOCUS),
            _share(china_actual, global_actual), f"derived: {china_source} / {global_source}",
            _share(before("sales", FOCUS), before("global_sales", "all")))
    for country in dict.fromkeys(actuals.loc[(actuals["kpi"] == "production")
                                             & (actuals["year"] == y1), "key"]):
        actual, source = _actual(actuals, "production", country, y1)
        add(f"production {country}", "vehicles", _production(result, country, y0),
            _production(result, country, y1), actual, source, before("production", country))
    if is_country:
        produced, source = _actual(actuals, "production", FOCUS, y1)
        capacity = _capacity(result, FOCUS, y1)
        add(f"utilisation {FOCUS}", "fraction",
            _kpi(result, "utilisation_by_country", y0, FOCUS),
            _kpi(result, "utilisation_by_country", y1, FOCUS), _share(produced, capacity),
            f"derived: {source} / the model's {FOCUS} capacity {capacity:,.0f}",
            _share(before("production", FOCUS), capacity))
        exports, source = _actual(actuals, "exports", FOCUS, y1)
        add(f"exports from {FOCUS}", "vehicles", _kpi(result, "exports_by_origin", y0, FOCUS),
            _kpi(result, "exports_by_origin", y1, FOCUS), exports,
            source or "not published (Nissan reports exports from Japan only)",
            before("exports", FOCUS))
    # Every other exporting country with an actual of y1 is compared too (it was read,
    # checked against the plant countries, and then left out without a word).
    for country in dict.fromkeys(actuals.loc[(actuals["kpi"] == "exports")
                                             & (actuals["year"] == y1), "key"]):
        if country != FOCUS:
            exports, source = _actual(actuals, "exports", country, y1)
            add(f"exports from {country}", "vehicles",
                _kpi(result, "exports_by_origin", y0, country),
                _kpi(result, "exports_by_origin", y1, country), exports, source,
                before("exports", country))
    table = pd.DataFrame(rows)
    table["error"] = table[f"predicted_{y1}"] - table[f"actual_{y1}"]
    figures = table[f"actual_{y1}"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):  # an actual of 0 has no error %
        table["error_pct"] = np.where((table["unit"] == "fraction") | (figures == 0), np.nan,
                                      table["error"].to_numpy(float) / figures)
    # The benchmark a forecast must beat: "y1 as y0", the base year's own actual (no model).
    table[f"persistence_{y1}"] = naive
    table["persistence_error"] = table[f"persistence_{y1}"] - table[f"actual_{y1}"]
    return table


def actual_key_problems(data: NetworkData, actuals: pd.DataFrame) -> list[Problem]:
    """Actuals whose key names nothing of the scenario: a market for ``sales``, a plant
    country for ``production`` and ``exports``, ``all`` for ``global_sales``. Such a row
    would be compared with a prediction of 0 (a -100 % error) and, for sales, taken out of
    the rest of the world's figure. A year outside the scenario's horizon is one too."""
    markets = sorted(set(data.markets["market"]))
    countries = sorted(set(data.plants["country"]))
    allowed = {"sales": markets, "global_sales": ["all"], "production": countries,
               "exports": countries}
    nouns = {"sales": "a market of markets.csv", "global_sales": "'all'",
             "production": "a plant country of plants.csv",
             "exports": "a plant country of plants.csv"}
    problems = []
    first, last = data.scenario.first_year, data.scenario.last_year
    for _, record in actuals.iterrows():
        kpi, key = str(record["kpi"]), str(record["key"])
        year = pd.to_numeric(pd.Series([record["year"]]), errors="coerce").iloc[0]
        if 1900 <= year <= 2200 and not first <= year <= last:  # else its cell's problem
            problems.append(Problem("actuals.csv", f"row {record['row']}, year = {year:g} is "
                                    f"outside the scenario's horizon {first}-{last} "
                                    "(scenario.yaml): no prediction can be compared with it. "
                                    "Delete the row, or widen first_year/last_year.",
                                    int(record["row"])))
        if kpi in allowed and key not in allowed[kpi]:
            problems.append(Problem("actuals.csv", f"row {record['row']}, {kpi} key = {key!r} "
                                    f"is not {nouns[kpi]}."
                                    + (did_you_mean(key, allowed[kpi])
                                       or f" Use one of {', '.join(allowed[kpi])}."),
                                    int(record["row"])))
    return problems + _global_problems(actuals)


def _global_problems(actuals: pd.DataFrame) -> list[Problem]:
    """A ``global_sales`` figure below the sum of that year's ``sales`` rows: the rest of the
    world would be compared with a negative number of vehicles."""
    values = pd.to_numeric(actuals["value"], errors="coerce")
    finite = pd.Series(np.isfinite(values.to_numpy(float)), index=actuals.index)
    problems = []
    for position in actuals.index[(actuals["kpi"] == "global_sales") & finite]:
        year = actuals.loc[position, "year"]
        markets = (actuals["kpi"] == "sales") & (actuals["year"] == year)
        listed = float(values[markets].sum())
        if finite[markets].all() and values[position] < listed:  # else a cell's problem
            problems.append(Problem("actuals.csv", f"row {actuals.loc[position, 'row']}, "
                                    f"global_sales value = {values[position]:,.0f} is below the "
                                    f"sum of the {year} sales rows, {listed:,.0f} (rows "
                                    f"{', '.join(str(r) for r in actuals.loc[markets, 'row'])})."
                                    " Check both: global sales count every market.",
                                    int(actuals.loc[position, "row"])))
    return problems


def backtest(data: NetworkData, inputs: CalibrationInputs, base_year: int, target_year: int,
             options: CalibrationOptions | None = None, solver: SolverOptions | None = None
             ) -> Backtest:
    """Calibrate on ``base_year``, predict ``target_year``, compare with ``inputs.actuals``.

    Parameters
    ----------
    data : NetworkData
        The scenario; its horizon must cover both years.
    inputs : CalibrationInputs
        ``base_demand`` (only its base-year rows and new programs of the target year are
        used), ``elasticities`` and ``actuals``.
    base_year, target_year : int
        E.g. 2023 and 2024.

    Returns
    -------
    Backtest

    Raises
    ------
    InputError
        When the years are outside the horizon or no actual of the target year exists.
    VerificationError
        When a cell of the table does not re-derive from the plan and the actuals
        (:func:`evplan.calibration.check.verify_backtest`): evplan's bug.
    """
    scenario = data.scenario
    inputs = CalibrationInputs(numbered(inputs.base_demand), numbered(inputs.elasticities),
                               numbered(inputs.actuals))
    problems = []
    in_horizon = scenario.first_year <= base_year < target_year <= scenario.last_year
    if not in_horizon:
        problems.append(Problem("scenario.yaml", f"backtest years {base_year} -> {target_year} "
                                f"must lie in the horizon {scenario.first_year}-"
                                f"{scenario.last_year}, base year first (--base-year, "
                                "--target-year)."))
    # the actuals of a year the plan does not cover are beside the point
    elif inputs.actuals.empty or not (inputs.actuals["year"] == target_year).any():
        none = ("actuals.csv is missing or empty: " if inputs.actuals.empty else "")
        problems.append(Problem("actuals.csv", f"{none}no actual figures for {target_year}. "
                                "Add rows kpi,key,year,value,source (see docs/validation.md)."))
    problems += cell_problems("actuals", inputs.actuals) + actual_key_problems(data,
                                                                             inputs.actuals)
    # The whole file against the whole scenario: the window below keeps only two years of it.
    problems += input_problems(data, inputs.base_demand, inputs.elasticities)
    problems += strategic_problems(data)
    if problems:
        raise InputError(problems)
    window = restrict_years(data, base_year, target_year)
    base = backtest_base_demand(inputs.base_demand, base_year, target_year, data.programs)
    calibration = calibrate(window, base, inputs.elasticities, base_year, options, solver)
    result = proven_optimal(optimize(calibration.data, solver),
                            f"the backtest's plan of {base_year}-{target_year}")
    table = _table(result, inputs.actuals, base_year, target_year,
                   focus_rows(calibration.data, FOCUS))
    verify_backtest(table, calibration.data, result, inputs.actuals, base_year, target_year,
                    FOCUS)
    return Backtest(base_year, target_year, table, calibration, result)
