"""The export LP rebuilt from the input tables, for the certificate: lanes, duties, rows.

Everything here is derived from :class:`~evplan.data.NetworkData` alone, with its own
enumeration and its own duty lookup (nothing from :mod:`evplan.model` or
:mod:`evplan.data.duties`), following the rules of docs/formulation.md:

* a *lane-year* is a ``plant_programs`` row x a ``routes`` row of the same plant x a
  planning year in which both the plant and the route are open; it is *sellable* when a
  demand tier of its market and year names its program (directly, by segment or by
  powertrain);
* the duty row is the exact powertrain's row for the year, else the ``'*'`` row, else
  ``default_duty_rate``; the countervailing rate is the maker's own (its powertrain, then
  ``'*'``), then the all-others rate (``'*'`` maker: the powertrain, then ``'*'``); only
  cross-border lanes pay either;
* a quota belongs to its duty row, or to its ``quota_group`` name, in each year.

Names become integer codes once (:class:`~evplan.verify.keys.Vocabulary`), so every
lookup below is a NumPy sort or search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array, float_column, stored_array
from evplan.verify.keys import (
    YEAR_RADIX,
    Finder,
    KeptNames,
    Vocabulary,
    as_objects,
    combine,
    discount_factors,
    expand_rows,
    find,
    join,
    years_of,
)

__all__ = ["Memo", "NameCodes", "NetworkTables", "build_tables", "encode"]

Columns = dict[str, np.ndarray]

# Name columns of the plan and of the dual frames, by kind of name.
PLAN_NAMES = {"shipments": {"plant": "plant", "program": "program", "market": "market"},
              "sales": {"market": "market", "product": "product", "program": "program"}}
DUAL_NAMES = {"market_balance": {"program": "program", "market": "market"},
              "quota_share": {"plant": "plant", "program": "program", "market": "market"},
              "quota": {"quota_key": "quota"}}


@dataclass(frozen=True)
class NetworkTables:
    """Lane-years, plant-years, demand rows and commitments as arrays of codes and numbers.

    Attributes
    ----------
    vocabulary : Vocabulary
        The codes of every name.
    lanes : dict of numpy.ndarray
        One entry per lane-year: ``plant``, ``program``, ``market``, ``year``,
        ``variable``, ``freight``, ``full_duty``, ``quota_duty``, ``quota``, ``quota_key``
        (code of ``group:<name>`` / ``row:<duties row>``; -1 without quota),
        ``duty_row``, ``duty_known``, ``route_row``, ``route_capacity``, ``plant_year``,
        ``sellable``, ``discount``, ``key`` (plant, program, market, year) and
        ``balance`` (program, market, year).
    plant_years : dict of numpy.ndarray
        Open plant-years: ``plant``, ``year``, ``capacity``, ``floor``, ``fixed``,
        ``row``, ``discount``.
    demand, committed : dict of numpy.ndarray
        The tables' codes and numbers, with ``discount``.
    members : dict of numpy.ndarray
        ``product`` -> ``program`` pairs (program id, segment, powertrain).
    penalty : float or None
        Shortfall penalty per committed vehicle.
    """

    vocabulary: Vocabulary
    lanes: Columns
    plant_years: Columns
    demand: Columns
    committed: Columns
    members: Columns
    penalty: float | None

    def size(self, kind: str) -> int:
        """Number of codes of a kind of name."""
        return self.vocabulary.size(kind)

    def balance_key(self, program: np.ndarray, market: np.ndarray, year: np.ndarray
                    ) -> np.ndarray:
        """Key of (program, market, year)."""
        return _balance_key(self.vocabulary, program, market, year)

    def committed_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(commitment, balance key) for every program a commitment's product names."""
        at, member_at = join(self.committed["product"], self.members["product"])
        return at, self.balance_key(self.members["program"][member_at],
                                    self.committed["market"][at], self.committed["year"][at])


def _balance_key(vocabulary: Vocabulary, program: np.ndarray, market: np.ndarray,
                 year: np.ndarray) -> np.ndarray:
    return combine((program, vocabulary.size("program")), (market, vocabulary.size("market")),
                   (year, YEAR_RADIX))


def _quota_names(duties: pd.DataFrame) -> np.ndarray:
    """``group:<quota_group>`` or ``row:<duties row>`` of each duty row with a quota, else ''."""
    quota = float_column(duties, "quota_vehicles_per_year")
    names = np.full(len(duties), "", dtype=object)
    if np.isnan(quota).all():
        return names
    group = duties["quota_group"].fillna("").to_numpy(dtype=object).astype(str)
    row = column_array(duties, "row").astype(str)
    named = np.where(group != "", np.char.add("group:", group), np.char.add("row:", row))
    names[~np.isnan(quota)] = named[~np.isnan(quota)]
    return names


class NameCodes:
    """The vocabulary of one set of name columns, kept for the next plan with the same names.

    A warm model certifies every case on inputs that differ from its base only in value
    columns, with plans whose name columns come from the same templates: their names and
    years, and so their codes and the positions the certificate's joins find
    (:attr:`memo`), are the base's; encoding and joining them again was most of each case's
    certificate. The caller vouches for the inputs' names (the warm model checks every
    non-value column against the base before it re-solves a case warm), never for the
    plan's: both are made again whenever the planning years change, a table, the plan or
    the dual frames have another number of rows, or a name column of the plan holds other
    names than the kept one (a plan that puts its vehicles on other plants was passed).
    Every number is still read from each case's inputs and plan.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> import evplan
    >>> data = single_lane(capacity=500)
    >>> plan = evplan.optimize(data)
    >>> codes = NameCodes()
    >>> codes.of(data, plan.tables, None) is codes.of(data, plan.tables, None)
    True
    """

    def __init__(self) -> None:
        self._vocabulary: Vocabulary | None = None
        self._shape: tuple[Any, ...] = ()
        self._plan_names: list[KeptNames] = []
        self.memo = Memo()

    def of(self, data: NetworkData, plan: dict[str, pd.DataFrame],
           duals: dict[str, Any] | None) -> Vocabulary:
        """The vocabulary of ``data``, ``plan`` and ``duals`` (the kept one when it fits);
        :attr:`memo` holds the positions :func:`build_tables` found with it.

        The plan is what is certified, so its name columns are never vouched for: each is
        compared with the kept one (the same Arrow buffers, or equal names), and the
        vocabulary is made again when one differs.
        """
        shape = _shape(data, plan, duals)
        names = [stored_array(plan[table], column) for table, columns in PLAN_NAMES.items()
                 for column in columns]
        if (self._vocabulary is None or shape != self._shape
                or not all(kept.holds(now)
                           for now, kept in zip(names, self._plan_names, strict=True))):
            self._vocabulary, self._shape = encode(data, plan, duals), shape
            self._plan_names = [KeptNames(column) for column in names]
            self.memo = Memo()
        return self._vocabulary


def _shape(data: NetworkData, plan: dict[str, pd.DataFrame], duals: dict[str, Any] | None
           ) -> tuple[Any, ...]:
    """Rows of every table the names come from, and the planning years."""
    return (tuple(data.years), tuple((name, len(frame)) for name, frame in data.tables.items()),
            tuple(len(plan[table]) for table in PLAN_NAMES),
            None if duals is None else tuple(
                (family, len(duals[family].column(column)))
                for family, columns in DUAL_NAMES.items() for column in columns))


def encode(data: NetworkData, plan: dict[str, pd.DataFrame],
           duals: dict[str, Any] | None) -> Vocabulary:
    """One vocabulary for the names of the inputs, the plan and the dual frames."""
    plants, programs, markets = data.plants, data.programs, data.markets
    duties, cvd = data["duties"], data["countervailing_duties"]
    program_ids = as_objects(programs["program"])
    powertrains = as_objects(programs["powertrain"])
    kinds: dict[str, dict[str, Any]] = {
        "plant": {"plants": plants["plant"], "plant_programs.plant": data["plant_programs"][
            "plant"], "routes.plant": data["routes"]["plant"]},
        "program": {"programs": program_ids,
                    "plant_programs.program": data["plant_programs"]["program"]},
        "market": {"markets": markets["market"], "routes.market": data["routes"]["market"],
                   "star.market": ["*"],
                   "transfer_prices.market": data["transfer_prices"]["market"],
                   "demand.market": data["demand"]["market"],
                   "committed.market": data["committed_sales"]["market"],
                   "duties.market": duties["market"], "cvd.market": cvd["market"]},
        "country": {"plants.country": plants["country"], "markets.country": markets["country"],
                    "duties.origin": duties["origin"], "cvd.origin": cvd["origin"],
                    "exchange_rates.country": data["exchange_rates"]["country"],
                    "transfer_prices.origin": data["transfer_prices"]["origin"]},
        "powertrain": {"star.powertrain": ["*"], "programs.powertrain": powertrains,
                       "duties.powertrain": duties["powertrain"],
                       "cvd.powertrain": cvd["powertrain"]},
        "maker": {"star.maker": ["*"], "programs.maker": programs["maker"],
                  "cvd.maker": cvd["maker"]},
        "product": {"members.program": program_ids,
                    "members.segment": programs["segment"],
                    "members.powertrain": powertrains,
                    "demand.product": data["demand"]["product"],
                    "committed.product": data["committed_sales"]["product"]},
        "quota": {"duties.quota": _quota_names(duties)},
    }
    for table, names in PLAN_NAMES.items():
        for column, kind in names.items():
            kinds[kind][f"{table}.{column}"] = plan[table][column]
    for family, columns in DUAL_NAMES.items():
        if duals is None:
            continue
        for column, kind in columns.items():
            kinds[kind][f"duals.{family}.{column}"] = duals[family].column(column)
    return Vocabulary(kinds)


class Memo:
    """Positions that depend on names and years only, kept with a :class:`NameCodes`.

    Every lookup of :func:`build_tables` is a join of codes and years; the numbers are then
    gathered at the positions it found. For plans on inputs whose names and years are the
    same (a warm model's cases) the positions are the same too, so a ``Memo`` keeps them;
    :func:`build_tables` without one finds them again. Kept arrays are read-only.
    """

    def __init__(self) -> None:
        self._kept: dict[str, Any] = {}

    def __call__(self, key: str, make: Any) -> Any:
        """``make()``, or what it returned the first time ``key`` was asked for."""
        if key not in self._kept:
            made = make()
            parts = made.values() if isinstance(made, dict) else (
                made if isinstance(made, tuple) else (made,))
            for array in parts:
                if isinstance(array, np.ndarray):
                    array.setflags(write=False)
            self._kept[key] = made
        return self._kept[key]


def _discount(data: NetworkData, years: np.ndarray) -> np.ndarray:
    scenario = data.scenario
    return discount_factors(scenario.discount_rate, years, scenario.first_year)


def _fx(data: NetworkData, vocabulary: Vocabulary, memo: Memo, key: str,
        country: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Base-year USD -> year-``y`` USD of a local amount: rate(first year) / rate(y); 1 for a
    country (or a year) without an ``exchange_rates`` row."""
    rates = data["exchange_rates"]
    if rates.empty:
        return np.ones(len(year))

    def positions() -> tuple[np.ndarray, np.ndarray]:
        size = vocabulary.size("country")
        finder = Finder(combine((vocabulary.codes("exchange_rates.country"), size),
                                (years_of(rates["year"]), YEAR_RADIX)))
        first = np.full(len(year), data.scenario.first_year, dtype=np.int64)
        return (finder(combine((country, size), (first, YEAR_RADIX))),
                finder(combine((country, size), (year, YEAR_RADIX))))

    at_first, at_year = memo(f"fx:{key}", positions)
    values = float_column(rates, "local_per_usd")

    def rate(at: np.ndarray) -> np.ndarray:
        return np.where(at >= 0, values[np.maximum(at, 0)], np.nan)

    factor = rate(at_first) / rate(at_year)
    return np.where(np.isnan(factor), 1.0, factor)


def _plant_years(data: NetworkData, vocabulary: Vocabulary, memo: Memo) -> Columns:
    plants = data.plants
    rows, years = memo("plant_years", lambda: expand_rows(
        plants["first_year"], plants["last_year"], data.years))
    capacity = column_array(plants, "capacity_vehicles_per_year", float)
    fx = _fx(data, vocabulary, memo, "plants", vocabulary.codes("plants.country")[rows], years)
    return {"plant": vocabulary.codes("plants")[rows], "year": years,
            "capacity": capacity[rows],
            "floor": (column_array(plants, "min_utilisation", float) * capacity)[rows],
            "fixed": column_array(plants, "fixed_cost_usd_per_year", float)[rows] * fx,
            "row": column_array(plants, "row")[rows], "discount": _discount(data, years)}


def _lane_positions(data: NetworkData, vocabulary: Vocabulary) -> tuple[np.ndarray, ...]:
    """(plant_programs row, routes row, plants row, year, program position, market
    position) of every lane-year: plant_programs x routes of the same plant x years both
    are open."""
    plants, routes = data.plants, data["routes"]
    pair_lane, pair_route = join(vocabulary.codes("plant_programs.plant"),
                                 vocabulary.codes("routes.plant"))
    plant_of_code = np.full(vocabulary.size("plant") + 1, -1, dtype=np.int64)
    plant_of_code[vocabulary.codes("plants")] = np.arange(len(plants))
    plant_at = plant_of_code[vocabulary.codes("routes.plant")[pair_route]]
    first = np.fmax(float_column(routes, "first_year")[pair_route],
                    float_column(plants, "first_year")[plant_at])
    last = np.fmin(float_column(routes, "last_year")[pair_route],
                   float_column(plants, "last_year")[plant_at])
    rows, years = expand_rows(first, last, data.years)
    lane, route = pair_lane[rows], pair_route[rows]
    program_at = find(vocabulary.codes("programs"),
                      vocabulary.codes("plant_programs.program")[lane])
    market_at = find(vocabulary.codes("markets"), vocabulary.codes("routes.market")[route])
    return lane, route, plant_at[rows], years, program_at, market_at


def _lanes(data: NetworkData, vocabulary: Vocabulary, memo: Memo) -> Columns:
    """Lane-years (see :func:`_lane_positions`) with their costs and terms."""
    routes, lanes_table = data["routes"], data["plant_programs"]
    lane, route, plant, years, program_at, market_at = memo(
        "lanes", lambda: _lane_positions(data, vocabulary))
    basis = column_array(data.markets, "customs_basis", dtype=object)
    origin = vocabulary.codes("plants.country")[plant]
    return {
        "plant": vocabulary.codes("routes.plant")[route],
        "program": vocabulary.codes("plant_programs.program")[lane],
        "market": vocabulary.codes("routes.market")[route],
        "year": years, "plant_position": plant,
        "variable": column_array(lanes_table, "variable_cost_usd_per_vehicle", float)[lane] * _fx(
            data, vocabulary, memo, "lanes", origin, years),
        "transit_days": float_column(routes, "transit_days")[route],
        "freight": column_array(routes, "freight_usd_per_vehicle", float)[route],
        "route_capacity": float_column(routes, "capacity_vehicles_per_year")[route],
        "route_row": column_array(routes, "row")[route],
        "origin": origin,
        "market_country": vocabulary.codes("markets.country")[market_at],
        "cif": basis[market_at] == "CIF",
        "powertrain": vocabulary.codes("programs.powertrain")[program_at],
        "maker": vocabulary.codes("programs.maker")[program_at],
    }


def _duty_positions(data: NetworkData, vocabulary: Vocabulary, lanes: Columns
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(found, duties row) of each lane-year: its powertrain's row for the year, else the
    ``'*'`` row."""
    duties = data["duties"]
    sizes = [vocabulary.size(kind) for kind in ("country", "market", "powertrain")]
    rows, years = expand_rows(duties["first_year"], duties["last_year"], data.years)

    def key(origin: np.ndarray, market: np.ndarray, powertrain: np.ndarray,
            year: np.ndarray) -> np.ndarray:
        return combine((origin, sizes[0]), (market, sizes[1]), (powertrain, sizes[2]),
                       (year, YEAR_RADIX))

    finder = Finder(key(vocabulary.codes("duties.origin")[rows],
                        vocabulary.codes("duties.market")[rows],
                        vocabulary.codes("duties.powertrain")[rows], years))
    star = np.full(len(lanes["year"]), vocabulary.codes("star.powertrain")[0])
    at = finder(key(lanes["origin"], lanes["market"], lanes["powertrain"], lanes["year"]))
    at = np.where(at >= 0, at, finder(key(lanes["origin"], lanes["market"], star,
                                          lanes["year"])))
    found = at >= 0
    return found, np.where(found, rows[np.maximum(at, 0)] if len(rows) else -1, -1)


def _duties(data: NetworkData, vocabulary: Vocabulary, lanes: Columns, memo: Memo) -> None:
    """Add the duty per vehicle (full and in-quota) and the quota of each lane-year."""
    scenario = data.scenario
    duties = data["duties"]
    value = lanes["transfer"] + np.where(lanes["cif"], lanes["freight"], 0.0)
    cross = lanes["origin"] != lanes["market_country"]
    found, source = memo("duties", lambda: _duty_positions(data, vocabulary, lanes))

    def pick(column: str) -> np.ndarray:
        values = float_column(duties, column)
        return np.where(found, values[np.maximum(source, 0)] if len(values) else np.nan, np.nan)

    default = np.nan if scenario.default_duty_rate is None else scenario.default_duty_rate
    rate = np.where(found, pick("ad_valorem_rate"), default)
    quota = np.where(cross, pick("quota_vehicles_per_year"), np.nan) * _quota_share(
        data, source, found)
    cvd = _countervailing(data, vocabulary, lanes, memo)
    full = (np.maximum(rate * value, np.nan_to_num(pick("minimum_usd_per_vehicle")))
            + cvd * value + np.nan_to_num(pick("specific_usd_per_vehicle")))
    inside = (np.nan_to_num(pick("in_quota_rate")) * value + cvd * value
              + np.nan_to_num(pick("specific_usd_per_vehicle")))
    has_quota = ~np.isnan(quota)
    lanes["cross_border"] = cross
    lanes["duty_known"] = ~cross | ~np.isnan(rate)
    lanes["full_duty"] = np.where(cross, np.nan_to_num(full), 0.0)
    lanes["quota"] = quota
    lanes["quota_duty"] = np.where(has_quota, inside, lanes["full_duty"])
    quota_codes = vocabulary.codes("duties.quota")
    lanes["quota_key"] = np.where(has_quota, quota_codes[np.maximum(source, 0)]
                                  if len(quota_codes) else -1, -1)
    lanes["duty_row"] = np.where(found & cross, column_array(duties, "row")[np.maximum(source, 0)]
                                 if len(duties) else -1, -1)


def _quota_share(data: NetworkData, source: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Share of its duty row's quota the maker may use (``quota_shares`` by quota_group)."""
    shares = data["quota_shares"]
    if shares.empty or not len(data["duties"]):
        return np.ones(len(source))
    share_of = {str(group): float(share) for group, share in
                zip(shares["quota_group"], shares["share_of_quota"], strict=True)}
    groups = column_array(data["duties"], "quota_group", dtype=object)
    per_row = np.array([share_of.get(str(group), 1.0) if isinstance(group, str) else 1.0
                        for group in groups])
    return np.where(found, per_row[np.maximum(source, 0)], 1.0)


def _transfer(data: NetworkData, vocabulary: Vocabulary, lanes: Columns,
              plant_years: Columns, memo: Memo) -> None:
    """Declared transfer price and in-transit inventory cost of each lane-year.

    The (origin, market) markup on full cost beats the (origin, '*') one; a lane without
    either declares its variable cost times 1 + ``transfer_price_markup``.
    """
    scenario = data.scenario
    default = lanes["variable"] * (1 + scenario.transfer_price_markup)
    table = data["transfer_prices"]
    transfer = default
    if not table.empty:
        def positions() -> np.ndarray:
            sizes = (vocabulary.size("country"), vocabulary.size("market"))
            finder = Finder(combine((vocabulary.codes("transfer_prices.origin"), sizes[0]),
                                    (vocabulary.codes("transfer_prices.market"), sizes[1])))
            star = np.full(len(default), vocabulary.codes("star.market")[0])
            at = finder(combine((lanes["origin"], sizes[0]), (lanes["market"], sizes[1])))
            return np.where(at >= 0, at, finder(combine((lanes["origin"], sizes[0]),
                                                        (star, sizes[1]))))

        at = memo("transfer", positions)
        markups = float_column(table, "markup_on_full_cost")
        capacity = plant_years["capacity"][lanes["plant_year"]]
        fixed = plant_years["fixed"][lanes["plant_year"]]
        per_vehicle = np.divide(fixed, capacity, out=np.zeros(len(fixed)), where=capacity > 0)
        declared = (lanes["variable"] + per_vehicle) * (1 + markups[np.maximum(at, 0)]
                                                        if len(markups) else 1.0)
        transfer = np.where(at >= 0, declared, default)
    lanes["transfer"] = transfer
    lanes["inventory"] = transfer * scenario.inventory_carrying_rate * np.nan_to_num(
        lanes["transit_days"]) / 365.0


def _cvd_positions(data: NetworkData, vocabulary: Vocabulary, lanes: Columns
                   ) -> tuple[np.ndarray, ...]:
    """(expanded cvd rows, then their position for each lane-year under each of the four
    probes: maker and powertrain, maker and '*', '*' and powertrain, '*' and '*')."""
    cvd = data["countervailing_duties"]
    sizes = [vocabulary.size(kind) for kind in ("country", "market", "powertrain", "maker")]
    rows, years = expand_rows(cvd["first_year"], cvd["last_year"], data.years)

    def key(origin: np.ndarray, market: np.ndarray, powertrain: np.ndarray, maker: np.ndarray,
            year: np.ndarray) -> np.ndarray:
        return combine((origin, sizes[0]), (market, sizes[1]), (powertrain, sizes[2]),
                       (maker, sizes[3]), (year, YEAR_RADIX))

    finder = Finder(key(vocabulary.codes("cvd.origin")[rows], vocabulary.codes("cvd.market")[rows],
                        vocabulary.codes("cvd.powertrain")[rows],
                        vocabulary.codes("cvd.maker")[rows], years))
    any_powertrain = np.full(len(lanes["year"]), vocabulary.codes("star.powertrain")[0])
    any_maker = np.full(len(lanes["year"]), vocabulary.codes("star.maker")[0])
    return rows, *(finder(key(lanes["origin"], lanes["market"], powertrain, maker,
                              lanes["year"]))
                   for powertrain, maker in ((lanes["powertrain"], lanes["maker"]),
                                             (any_powertrain, lanes["maker"]),
                                             (lanes["powertrain"], any_maker),
                                             (any_powertrain, any_maker)))


def _countervailing(data: NetworkData, vocabulary: Vocabulary, lanes: Columns, memo: Memo
                    ) -> np.ndarray:
    """The maker's own rate first, then the all-others ('*' maker) rate; 0 where none."""
    cvd = data["countervailing_duties"]
    if cvd.empty:
        return np.zeros(len(lanes["year"]))
    rows, *probes = memo("cvd", lambda: _cvd_positions(data, vocabulary, lanes))
    values = column_array(cvd, "cvd_rate", float)[rows]
    if not len(values):  # no row covers a planning year
        return np.zeros(len(lanes["year"]))
    rate = np.full(len(lanes["year"]), np.nan)
    for at in probes:
        rate = np.where(np.isnan(rate) & (at >= 0), values[np.maximum(at, 0)], rate)
    return np.nan_to_num(rate)


def _keys(data: NetworkData, vocabulary: Vocabulary, lanes: Columns,
          plant_years: Columns) -> dict[str, np.ndarray]:
    """Positions and keys of the lane-years, demand rows and commitments, and which
    lane-years a demand row can buy from."""
    plant_count = vocabulary.size("plant")
    demand_table = data["demand"]
    members_product = np.concatenate([vocabulary.codes(f"members.{level}")
                                      for level in ("program", "segment", "powertrain")])
    members_program = np.tile(vocabulary.codes("programs"), 3)
    demand_market, demand_year = vocabulary.codes("demand.market"), years_of(demand_table["year"])
    balance = _balance_key(vocabulary, lanes["program"], lanes["market"], lanes["year"])
    tier_at, member_at = join(vocabulary.codes("demand.product"), members_product)
    sellable = _balance_key(vocabulary, members_program[member_at], demand_market[tier_at],
                            demand_year[tier_at])
    return {
        "plant_year": find(combine((plant_years["plant"], plant_count),
                                   (plant_years["year"], YEAR_RADIX)),
                           combine((lanes["plant"], plant_count), (lanes["year"], YEAR_RADIX))),
        "members.product": members_product, "members.program": members_program,
        "demand.year": demand_year, "demand.tier": years_of(demand_table["tier"]),
        "demand.market_at": find(vocabulary.codes("markets"), demand_market),
        "committed.year": years_of(data["committed_sales"]["year"]),
        "key": combine((lanes["plant"], plant_count), (lanes["program"],
                                                       vocabulary.size("program")),
                       (lanes["market"], vocabulary.size("market")),
                       (lanes["year"], YEAR_RADIX)),
        "balance": balance, "sellable": find(sellable, balance) >= 0,
    }


def build_tables(data: NetworkData, vocabulary: Vocabulary, memo: Memo | None = None
                 ) -> NetworkTables:
    """Rebuild the lane-years, plant-years, demand and commitments of ``data``.

    ``memo`` keeps the positions the joins found for the next inputs with the same names and
    years (see :class:`Memo`); without one every join is made here.
    """
    memo = memo if memo is not None else Memo()
    plant_years = _plant_years(data, vocabulary, memo)
    lanes = _lanes(data, vocabulary, memo)
    found = memo("keys", lambda: _keys(data, vocabulary, lanes, plant_years))
    lanes["plant_year"] = found["plant_year"]
    _transfer(data, vocabulary, lanes, plant_years, memo)
    _duties(data, vocabulary, lanes, memo)
    lanes["discount"] = _discount(data, lanes["year"])
    members = {"product": found["members.product"], "program": found["members.program"]}
    demand_table = data["demand"]
    demand = {"market": vocabulary.codes("demand.market"),
              "year": found["demand.year"],
              "product": vocabulary.codes("demand.product"),
              "tier": found["demand.tier"],
              "volume": column_array(demand_table, "volume_vehicles", float),
              "price": column_array(demand_table, "price_usd_per_vehicle", float),
              "row": column_array(demand_table, "row")}
    market_at = found["demand.market_at"]
    demand["price"] = demand["price"] * _fx(
        data, vocabulary, memo, "demand",
        vocabulary.codes("markets.country")[np.maximum(market_at, 0)], demand["year"])
    demand["discount"] = _discount(data, demand["year"])
    committed_table = data["committed_sales"]
    committed = {"market": vocabulary.codes("committed.market"),
                 "year": found["committed.year"],
                 "product": vocabulary.codes("committed.product"),
                 "minimum": column_array(committed_table, "min_vehicles", float),
                 "row": column_array(committed_table, "row")}
    committed["discount"] = _discount(data, committed["year"])
    tables = NetworkTables(vocabulary=vocabulary, lanes=lanes, plant_years=plant_years,
                           demand=demand, committed=committed, members=members,
                           penalty=data.scenario.unmet_committed_penalty_usd_per_vehicle)
    for name in ("key", "balance", "sellable"):
        lanes[name] = found[name]
    return tables
