"""Cross-table checks: keys, references, horizon, products, tiers and duty coverage.

Each check takes the typed tables and appends problems; none raises. They run after
column-level validation, on the rows whose cells were readable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data.columns import add_limited, row_label
from evplan.data.compliance_checks import check_compliance_tables
from evplan.data.duties import expand_years, quota_groups, resolve_duties
from evplan.data.horizon_checks import check_horizon
from evplan.data.network import ScenarioSettings
from evplan.data.products import product_members
from evplan.data.spelling_checks import canonical_countries, check_spellings, texts
from evplan.data.spellings import spelled_two_ways
from evplan.data.strategic_checks import check_strategic_tables
from evplan.data.suggest import did_you_mean
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["check_tables"]

Tables = dict[str, pd.DataFrame]


def _cell_key(value: object) -> object:
    """A key cell as :func:`_plainly_distinct` compares it: every missing value is one."""
    return None if value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and value != value) else str(value)


def _plainly_distinct(frame: pd.DataFrame, key: list[str], required: list[str]) -> bool:
    """True when ``frame`` has no blank required key cell and no two rows share a key.

    Plain Python over the columns' lists: most tables are a few dozen rows, where pandas'
    per-call overhead (about 1.4 ms a table for the blank test, ``astype`` and
    ``duplicated``) is most of the cost. False sends the table to the pandas path, which
    finds the blank cells and the repeated rows.
    """
    columns = {column: frame[column].tolist() for column in key}
    if any(_cell_key(value) in (None, "") for column in required for value in columns[column]):
        return False
    rows = list(zip(*([_cell_key(value) for value in columns[column]] for column in key),
                    strict=True))
    return len(set(rows)) == len(rows)


def check_duplicate_keys(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Rows of a table whose key columns repeat another row's."""
    for name, frame in tables.items():
        table = TABLES[name]
        key = list(table.key)
        # A required key cell that is blank (or a required key column that is missing) is
        # reported by the column checks; rows without it are no one's duplicates.
        required = [column.name for column in table.columns
                    if column.name in key and column.required]
        if len(frame) < 2 or _plainly_distinct(frame, key, required):
            continue  # the usual case
        blank = (frame[required].isna() | (frame[required].astype(object) == "")).any(axis=1)
        if blank.any():
            frame = frame[~blank]
        if len(frame) < 2:
            continue
        keyed = frame[key].astype(str)
        repeated = keyed.duplicated(keep=False)
        if not repeated.any():
            continue
        found: list[Problem] = []
        for _, group in frame[repeated].groupby(key, sort=False, dropna=False):
            rows = group["row"].tolist()
            rows_text = " and ".join(str(row) for row in rows) if len(rows) == 2 else ", ".join(
                str(row) for row in rows)
            ident = row_label(table, frame, group.index[0]).split(", ", 1)[1]
            found.append(Problem(labels[name], f"rows {rows_text}: duplicate {ident}. Keep one "
                                 "row and delete the others.", rows[0]))
        add_limited(problems, labels[name], found)


def check_references(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Ids that name a plant, program or market that does not exist."""
    for name, frame in tables.items():
        table = TABLES[name]
        for column in table.columns:
            if column.references is None or column.name not in frame:
                continue
            target_table, target_column = column.references.split(".")
            if target_table not in tables:
                continue
            valid = set(tables[target_table][target_column].astype(str))
            values = frame[column.name].astype(str)
            if valid.issuperset(values.tolist()):
                continue  # every id known, checked without pandas' isin
            # A blank cell (or a missing column) is reported by the column checks.
            unknown = frame.index[~values.isin(valid) & values.ne("")
                                  & frame[column.name].notna()]
            found = [
                Problem(labels[name], f"{row_label(table, frame, i)}: {column.name} "
                        f"'{values[i]}' is not in {labels[target_table]}."
                        + (did_you_mean(values[i], valid) or f" Add it to {labels[target_table]}"
                           " or fix the id."), int(frame.loc[i, "row"]))
                for i in unknown
            ]
            add_limited(problems, labels[name], found)


def check_year_ranges(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem]
) -> None:
    """first_year after last_year; yearly rows outside the planning horizon."""
    for name, frame in tables.items():
        table = TABLES[name]
        if "first_year" in frame and "last_year" in frame:
            both = frame["first_year"].notna() & frame["last_year"].notna()
            reversed_rows = frame.index[both & (frame["first_year"] > frame["last_year"])]
            add_limited(problems, labels[name], [
                Problem(labels[name], f"{row_label(table, frame, i)}: first_year "
                        f"{frame.loc[i, 'first_year']} is after last_year "
                        f"{frame.loc[i, 'last_year']}. Swap them.", int(frame.loc[i, "row"]))
                for i in reversed_rows])
        if "year" in frame:
            years = frame["year"]
            outside = frame.index[years.notna() & ((years < scenario.first_year)
                                                   | (years > scenario.last_year))]
            add_limited(problems, labels[name], [
                Problem(labels[name], f"{row_label(table, frame, i)}: year {years[i]} is outside "
                        f"the horizon {scenario.first_year}-{scenario.last_year}. Delete the row "
                        "or widen first_year/last_year in scenario.yaml.", int(frame.loc[i, "row"]))
                for i in outside])


def check_products(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Unknown or ambiguous product names; a program in two products in one market-year."""
    members = product_members(tables["programs"])
    levels = members.drop_duplicates(["product", "level"])
    ambiguous = levels[levels.duplicated("product", keep=False)]
    for product, group in ambiguous.groupby("product"):
        problems.append(Problem(labels["programs"], f"'{product}' is both a "
                                f"{' and a '.join(group['level'])}, so demand for it is "
                                "ambiguous. Rename the segment or the program."))
    known = set(members["product"])
    for name in ("demand", "committed_sales"):
        if name not in tables:
            continue
        frame = tables[name]
        table = TABLES[name]
        unknown = frame.index[~frame["product"].isin(known) & frame["product"].ne("")]
        add_limited(problems, labels[name], [
            Problem(labels[name], f"{row_label(table, frame, i)}: product "
                    f"'{frame.loc[i, 'product']}' is not a program, segment or powertrain."
                    + (did_you_mean(frame.loc[i, "product"], known)
                       or " Use a program id from programs.csv, a segment or a powertrain."),
                    int(frame.loc[i, "row"])) for i in unknown])
    demand = tables["demand"]
    pools = demand[["market", "year", "product", "row"]].drop_duplicates(
        ["market", "year", "product"])
    covered = pools.merge(members[["product", "program"]], on="product")
    clash = covered[covered.duplicated(["market", "year", "program"], keep=False)]
    found = []
    for (market, year, program), group in clash.groupby(["market", "year", "program"]):
        products = " and ".join(f"'{product}'" for product in group["product"])
        found.append(Problem(labels["demand"], f"rows {', '.join(map(str, group['row']))}: "
                             f"program '{program}' in {market} {year} is sold under both "
                             f"{products}, so its demand would count twice. Give each program "
                             "one product per market and year.", int(group["row"].iloc[0])))
    add_limited(problems, labels["demand"], found)


def check_tiers(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Prices that do not fall from one tier to the next (a revenue curve that is not concave)."""
    demand = tables["demand"].dropna(subset=["tier", "price_usd_per_vehicle"])
    ordered = demand.sort_values(["market", "year", "product", "tier"])
    same_pool = ordered[["market", "year", "product"]].eq(
        ordered[["market", "year", "product"]].shift()).all(axis=1)
    previous_price = ordered["price_usd_per_vehicle"].shift()
    previous_tier = ordered["tier"].shift()
    previous_row = ordered["row"].shift()
    bad = ordered.index[same_pool & (ordered["price_usd_per_vehicle"] >= previous_price)]
    table = TABLES["demand"]
    add_limited(problems, labels["demand"], [
        Problem(labels["demand"], f"{row_label(table, demand, i)}: tier {ordered.loc[i, 'tier']} "
                f"price {ordered.loc[i, 'price_usd_per_vehicle']:,.0f} is not below tier "
                f"{int(previous_tier[i])} price {previous_price[i]:,.0f} (row "
                f"{int(previous_row[i])}); the tier list is not concave. Lower prices tier by "
                "tier (tier 1 is the best price).", int(ordered.loc[i, "row"])) for i in bad])


def _year_overlaps(expanded: pd.DataFrame, key: list[str], label: str, noun: str
                   ) -> list[Problem]:
    """Rows with the same ``key`` whose year ranges overlap (``expanded``: one row per year).

    Used for every dated schedule (duties, countervailing duties): two rows for the
    same key in one year would leave the rate to file order.
    """
    # A row repeating another's whole key (its first_year too) is reported once, by
    # check_duplicate_keys ("duplicate duty ..."): its years are not an overlap as well.
    repeat = expanded[[*key, "first_year", "year"]].astype(str).duplicated(keep="first")
    expanded = expanded[~repeat.to_numpy()]
    overlap = expanded[expanded.duplicated([*key, "year"], keep=False)]
    found = []
    for values, group in overlap.groupby(key):
        rows = sorted(set(group["row"]))
        years = sorted(set(group["year"]))
        parts = [str(value) for value in values]
        ident = f"{parts[0]}>{parts[1]} {parts[2]}" + (
            f", maker {parts[3]}," if len(parts) > 3 else "")
        found.append(Problem(label, f"rows {', '.join(map(str, rows))}: {noun} for "
                             f"{ident} overlap in {years[0]}"
                             + (f"-{years[-1]}" if len(years) > 1 else "")
                             + ". Make the first_year/last_year ranges disjoint.", rows[0]))
    return found


def check_countervailing(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem]
) -> None:
    """Countervailing-duty rows for one origin, market, powertrain and maker that overlap."""
    cvd = tables.get("countervailing_duties")
    if cvd is None or cvd.empty:
        return
    expanded = expand_years(cvd.dropna(subset=["cvd_rate"]), scenario.years)
    label = labels["countervailing_duties"]
    add_limited(problems, label, _year_overlaps(
        expanded, ["origin", "market", "powertrain", "maker"], label,
        "countervailing duty rows"))


def check_duties(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem]
) -> None:
    """Overlapping duty years, quotas without an in-quota rate, and routes with no duty."""
    duties = tables["duties"]
    table = TABLES["duties"]
    label = labels["duties"]
    expanded = expand_years(duties.dropna(subset=["ad_valorem_rate"]), scenario.years)
    add_limited(problems, label, _year_overlaps(expanded, ["origin", "market", "powertrain"],
                                             label, "duty rows"))
    quota = duties["quota_vehicles_per_year"].notna()
    no_rate = duties.index[quota & duties["in_quota_rate"].isna()]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: quota_vehicles_per_year is given but "
                "in_quota_rate is blank. Give the rate that applies inside the quota.",
                int(duties.loc[i, "row"])) for i in no_rate])
    above = duties.index[quota & (duties["in_quota_rate"] > duties["ad_valorem_rate"])]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: in_quota_rate "
                f"{duties.loc[i, 'in_quota_rate']:g} is above ad_valorem_rate "
                f"{duties.loc[i, 'ad_valorem_rate']:g}. A quota lowers the rate; swap the values.",
                int(duties.loc[i, "row"])) for i in above])
    grouped = expanded[expanded["quota_group"].ne("")
                       & expanded["quota_vehicles_per_year"].notna()]
    disagree = grouped.groupby(["quota_group", "year"])["quota_vehicles_per_year"].nunique()
    found = []
    for group, year in disagree[disagree > 1].index:
        rows = sorted(set(grouped[(grouped["quota_group"] == group)
                                  & (grouped["year"] == year)]["row"]))
        found.append(Problem(label, f"rows {', '.join(map(str, rows))}: quota_group '{group}' "
                             f"has different quota_vehicles_per_year in {year}. Rows that share "
                             "a quota must give the same volume.", rows[0]))
    add_limited(problems, label, found)
    _check_quota_groups(duties, label, problems)
    if scenario.default_duty_rate is None:
        _check_route_duty_coverage(tables, labels, scenario, problems)


def _check_quota_groups(duties: pd.DataFrame, label: str, problems: list[Problem]) -> None:
    """quota_group names are global: one group is one market's quota; a group needs a quota."""
    named = duties[duties["quota_group"].ne("")]
    found = []
    for group, rows in named[named["quota_vehicles_per_year"].notna()].groupby("quota_group"):
        markets = sorted(set(rows["market"]))
        if len(markets) > 1:
            found.append(Problem(label, f"rows {', '.join(map(str, sorted(rows['row'])))}: "
                                 f"quota_group '{group}' is used in markets "
                                 f"{' and '.join(markets)}. A quota is opened by one market; "
                                 "give each market's quota its own quota_group name.",
                                 int(rows["row"].min())))
    found += spelled_two_ways(named, "quota_group", TABLES["duties"], label,
                              "it would be another quota with its own volume",
                              case_noun="quota groups")
    without = named[named["quota_vehicles_per_year"].isna()]
    table = TABLES["duties"]
    found += [Problem(label, f"{row_label(table, duties, i)}: quota_group "
                      f"'{duties.loc[i, 'quota_group']}' is set but quota_vehicles_per_year is "
                      "blank, so the row has no quota to share. Give the quota or clear "
                      "quota_group.", int(duties.loc[i, "row"])) for i in without.index]
    add_limited(problems, label, found)


def _check_route_duty_coverage(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem]
) -> None:
    routes = tables["routes"].merge(
        tables["plants"][["plant", "country"]], on="plant").merge(
        tables["markets"][["market", "country"]].rename(columns={"country": "market_country"}),
        on="market")
    # A blank country is its own problem: its routes would each ask for a duty row of
    # origin '' (40 lines of a fix that does not apply), so they are left out here.
    known = routes["country"].fillna("").ne("") & routes["market_country"].fillna("").ne("")
    # A country spelled another way ('cn' beside 'CN', a duty origin 'Cn') is named on its
    # own row (check_spellings); read through it, a route is uncovered only if it stays so
    # once that spelling is fixed (20 lines "no duty row covers cn>..." followed from one).
    canonical = canonical_countries(tables)
    duties = tables["duties"]
    if canonical:
        for column in ("country", "market_country"):
            routes[column] = routes[column].replace(canonical)
        duties = duties.assign(origin=duties["origin"].replace(canonical))
    cross = routes[known & (routes["country"] != routes["market_country"])]
    built = tables["plant_programs"][["plant", "program"]].merge(
        tables["programs"][["program", "powertrain"]], on="program")
    need = cross.merge(built[["plant", "powertrain"]].drop_duplicates(), on="plant")
    need = expand_years(need, scenario.years).rename(columns={"country": "origin"})
    resolved = resolve_duties(need[["origin", "market", "powertrain", "year"]],
                              duties, scenario.years)
    missing = need[~resolved["matched"].to_numpy()]
    found = []
    for (plant, market, powertrain), group in missing.groupby(
            ["plant", "market", "powertrain"], sort=False):
        years = sorted(group["year"])
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"
        first = group.iloc[0]
        found.append(Problem(labels["routes"], f"row {int(first['row'])}, route "
                             f"'{plant}>{market}': no duty row covers {first['origin']}>{market} "
                             f"{powertrain} in {span}. Add a row to {labels['duties']} (origin "
                             f"{first['origin']}, market {market}, powertrain {powertrain} or "
                             "'*'), or set default_duty_rate in scenario.yaml.",
                             int(first["row"])))
    add_limited(problems, labels["routes"], found)


def check_exchange_rate_years(tables: Tables, labels: dict[str, str],
                              scenario: ScenarioSettings, problems: list[Problem]) -> None:
    """A country in exchange_rates needs a rate for every planning year (docs/inputs.md)."""
    rates = tables.get("exchange_rates")
    if rates is None or rates.empty:
        return
    horizon = set(range(scenario.first_year, scenario.last_year + 1))
    found = []
    for country, group in rates.groupby("country", sort=False, dropna=False):
        missing = sorted(horizon - set(group["year"].dropna().astype(int)))
        if missing:
            years = ", ".join(str(year) for year in missing[:8]) + (
                f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            found.append(Problem(
                labels["exchange_rates"], f"country '{country}' (first at row "
                f"{int(group['row'].iloc[0])}) has no rate for {years}: a country listed "
                f"needs local_per_usd for every planning year "
                f"({scenario.first_year}-{scenario.last_year}), the first being the base of "
                "the conversion. Add those rows, or delete the country's rows to price it in "
                "US dollars.", int(group["row"].iloc[0])))
    add_limited(problems, labels["exchange_rates"], found)



def check_quota_shares(tables: Tables, labels: dict[str, str], problems: list[Problem]
                       ) -> None:
    """A quota_shares row must name a quota_group of duties.csv that has a quota: any other
    row would never apply, and the quota would stay the maker's in full, silently."""
    shares = tables.get("quota_shares")
    if shares is None or shares.empty:
        return
    duties = tables["duties"]
    groups = sorted(quota_groups(duties))
    table = TABLES["quota_shares"]
    label = labels["quota_shares"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, shares, i)}: no duties.csv row with a quota has "
                "this quota_group, so the share would never apply."
                + (did_you_mean(str(shares.loc[i, "quota_group"]), groups)
                   or (f" The quota groups are {', '.join(groups)}." if groups else
                       " duties.csv names no quota group."))
                + " Write the group's name as duties.csv does, or delete the row.",
                int(shares.loc[i, "row"]))
        for i in shares.index if shares.loc[i, "quota_group"] not in groups])


def check_transfer_price_markets(tables: Tables, labels: dict[str, str],
                                 problems: list[Problem]) -> None:
    """A transfer_prices market must be '*' or a market of markets.csv: a row for 'eu' or
    a market that does not exist would never apply, silently (its flows would keep the
    '*' row's or scenario.yaml's markup)."""
    prices = tables.get("transfer_prices")
    if prices is None or prices.empty or "market" not in prices:
        return
    markets = texts(tables["markets"]["market"])
    label, table = labels["transfer_prices"], TABLES["transfer_prices"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, prices, i)}: market '{prices.loc[i, 'market']}' is "
                f"not in {labels['markets']}, so this row would never apply."
                + (did_you_mean(prices.loc[i, "market"], markets) or " Write a market id, or "
                   "'*' for every market without its own row."), int(prices.loc[i, "row"]))
        for i in prices.index if isinstance(prices.loc[i, "market"], str)
        and prices.loc[i, "market"] not in markets | {"*", ""}])



def check_tables(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem],
    closed_plants_fail: bool = True,
) -> int:
    """Run every cross-table check, appending problems; return how many of them, the
    first ones, are names spelled another way (:func:`check_spellings`): the root causes
    that other problems may follow from. ``closed_plants_fail``: a plant closing before
    the horizon is an error (else a note; :mod:`evplan.data.horizon_checks`)."""
    before = len(problems)
    check_spellings(tables, labels, problems)
    roots = len(problems) - before
    check_duplicate_keys(tables, labels, problems)
    check_references(tables, labels, problems)
    check_year_ranges(tables, labels, scenario, problems)
    check_products(tables, labels, problems)
    check_tiers(tables, labels, problems)
    check_duties(tables, labels, scenario, problems)
    check_countervailing(tables, labels, scenario, problems)
    check_compliance_tables(tables, labels, problems)
    check_strategic_tables(tables, labels, scenario, problems)
    check_exchange_rate_years(tables, labels, scenario, problems)
    check_quota_shares(tables, labels, problems)
    check_transfer_price_markets(tables, labels, problems)
    plants = tables["plants"]
    fractional = plants.index[(plants["capacity_vehicles_per_year"] > 0)
                              & (plants["capacity_vehicles_per_year"] < 1)]
    add_limited(problems, labels["plants"], [
        Problem(labels["plants"], f"{row_label(TABLES['plants'], plants, i)}: "
                f"capacity_vehicles_per_year {plants.loc[i, 'capacity_vehicles_per_year']:g} "
                "is less than one vehicle a year. Write 0 for a plant without capacity, or its "
                "capacity in vehicles per year.", int(plants.loc[i, "row"]))
        for i in fractional])
    no_capacity = plants.index[np.isclose(plants["capacity_vehicles_per_year"].fillna(1), 0)
                               & (plants["min_utilisation"] > 0)]
    add_limited(problems, labels["plants"], [
        Problem(labels["plants"], f"{row_label(TABLES['plants'], plants, i)}: min_utilisation "
                "is set but capacity_vehicles_per_year is 0. Clear min_utilisation.",
                int(plants.loc[i, "row"])) for i in no_capacity])
    check_horizon(tables, labels, scenario, problems, closed_plants_fail)
    return roots
