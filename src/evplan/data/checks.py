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
from evplan.data.lookalike import difference, folded, latin
from evplan.data.network import ScenarioSettings
from evplan.data.products import product_members
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
    cross = routes[known & (routes["country"] != routes["market_country"])]
    built = tables["plant_programs"][["plant", "program"]].merge(
        tables["programs"][["program", "powertrain"]], on="program")
    need = cross.merge(built[["plant", "powertrain"]].drop_duplicates(), on="plant")
    need = expand_years(need, scenario.years).rename(columns={"country": "origin"})
    resolved = resolve_duties(need[["origin", "market", "powertrain", "year"]],
                              tables["duties"], scenario.years)
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


#: Columns that name a country, checked against the countries of plants.csv and markets.csv
#: by :func:`check_country_codes`.
COUNTRY_COLUMNS = (("duties", "origin"), ("countervailing_duties", "origin"),
                   ("transfer_prices", "origin"), ("kit_duties", "origin"),
                   ("exchange_rates", "country"), ("grid_intensity", "country"),
                   ("production_credits", "country"))


def check_country_codes(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """A country code that differs from a plant's or market's country only in case ('Cn').

    A code that matches none at all is allowed (a tariff schedule lists origins where the
    maker has no plant, and such a row never applies). One that matches a known country
    but for case would never apply either, silently (a countervailing duty on 'Cn' is not
    charged on vehicles from 'CN'), so it is an error with the code to write.
    """
    _check_plant_and_market_countries(tables, labels, problems)
    known = _texts(tables["plants"]["country"]) | _texts(tables["markets"]["country"])
    by_fold: dict[str, str] = {}
    for country in sorted(known):
        by_fold.setdefault(folded(country), country)
    for name, column in COUNTRY_COLUMNS:
        frame = tables.get(name)
        if frame is None or frame.empty or column not in frame:
            continue
        codes = frame[column]
        distinct = {code for code in _texts(codes) if code not in known
                    and folded(code) in by_fold}
        if not distinct:
            continue
        table = TABLES[name]
        add_limited(problems, labels[name], [
            Problem(labels[name], f"{row_label(table, frame, i)}: {column} '{codes[i]}' is not "
                    f"the country of any plant or market, but '{by_fold[folded(codes[i])]}' "
                    f"is: {_unseen(_odd(codes[i], by_fold[folded(codes[i])]), 'country codes')}"
                    ", so this row would never apply. "
                    f"Write '{by_fold[folded(codes[i])]}'.", int(frame.loc[i, "row"]))
            for i in frame.index[codes.isin(distinct)]])


def _check_plant_and_market_countries(tables: Tables, labels: dict[str, str],
                                      problems: list[Problem]) -> None:
    """A plant's or market's country spelled another way than the same country elsewhere
    in plants.csv or markets.csv, but for case, look-alike or invisible characters ('cn'
    beside 'CN'): the plant would be foreign to its home market (its sales there pay import
    duty, default_duty_rate if set) and no duty row for 'CN' would apply to its exports,
    silently; so would one holding an invisible character (a zero-width space) beside the
    same code typed plainly in another table. The spelling to write is the markets' (first
    in row order, plain letters first), else the plants', without invisible characters."""
    spellings: dict[str, list[str]] = {}
    for name in ("markets", "plants"):
        for country in tables[name]["country"]:
            if isinstance(country, str) and country:
                spellings.setdefault(folded(country), []).append(country)
    canonical = {fold: next((code for code in codes if code.isascii()), codes[0])
                 for fold, codes in spellings.items() if len(set(codes)) > 1}
    if not canonical and all(code.isascii() for codes in spellings.values() for code in codes):
        return  # the usual case: every country spelled one way, in plain letters
    for name in ("markets", "plants"):
        frame, table = tables[name], TABLES[name]
        found = []
        for i in frame.index:
            code = frame.loc[i, "country"]
            if not isinstance(code, str) or not code:
                continue
            want = canonical.get(folded(code))
            if (want is None or want == code) and any(
                    not char.isascii() and not latin(char) for char in code):
                found.append(Problem(labels[name], f"{row_label(table, frame, i)}: country "
                                     f"'{code}': {difference(code)}, so no row of another "
                                     f"table written '{latin(code)}' (a duty, an exchange rate)"
                                     f" would apply to it. Write '{latin(code)}'.",
                                     int(frame.loc[i, "row"])))
                continue
            if want is None or want == code:
                continue
            odd = _odd(code, want)
            found.append(Problem(labels[name], f"{row_label(table, frame, i)}: country "
                                 f"'{code}' is not '{want}', the country of other plants or "
                                 f"markets: {_unseen(odd, 'country codes')}, so they would be "
                                 "two countries (sales between them pay import duty, and duty "
                                 f"rows for one do not apply to the other). Write '{want}'.",
                                 int(frame.loc[i, "row"])))
        add_limited(problems, labels[name], found)


def _odd(found: str, known: str) -> str:
    """Of two spellings of one code, the one whose odd characters a message names."""
    return known if found.isascii() and not known.isascii() else found


def _texts(column: pd.Series) -> set[str]:
    """The distinct text cells of ``column``: a blank cell (a missing required column's
    NaN, already reported) is none."""
    return {value for value in column if isinstance(value, str)}


def _unseen(found: str, noun: str) -> str:
    """Why ``found`` matches nothing though it reads like a known code (for messages)."""
    why = difference(found)
    return f"{noun} are case-sensitive" if why == "they differ in case" else why


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
    markets = _texts(tables["markets"]["market"])
    label, table = labels["transfer_prices"], TABLES["transfer_prices"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, prices, i)}: market '{prices.loc[i, 'market']}' is "
                f"not in {labels['markets']}, so this row would never apply."
                + (did_you_mean(prices.loc[i, "market"], markets) or " Write a market id, or "
                   "'*' for every market without its own row."), int(prices.loc[i, "row"]))
        for i in prices.index if isinstance(prices.loc[i, "market"], str)
        and prices.loc[i, "market"] not in markets | {"*", ""}])


def check_maker_names(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """A countervailing duty's maker that differs from a program's maker only in case.

    A maker that matches no program is allowed (duty schedules list every investigated
    maker). One that matches a program's maker but for case would never apply, silently,
    so it is an error with the name to write (as :func:`check_country_codes` does).
    """
    duties = tables.get("countervailing_duties")
    if duties is None or duties.empty:
        return
    known = _texts(tables["programs"]["maker"])
    by_fold: dict[str, str] = {}
    for maker in sorted(known):
        by_fold.setdefault(folded(maker), maker)
    makers = duties["maker"]
    table = TABLES["countervailing_duties"]
    label = labels["countervailing_duties"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: maker '{makers[i]}' is not the maker "
                f"of any program, but '{by_fold[folded(makers[i])]}' is: "
                f"{_unseen(makers[i], 'makers')}, so this row would never apply. Write "
                f"'{by_fold[folded(makers[i])]}'.", int(duties.loc[i, "row"]))
        for i in duties.index if isinstance(makers[i], str) and makers[i] not in known
        and makers[i] != "*" and folded(makers[i]) in by_fold])
    # The other way round: a program's maker typed with look-alike letters of another
    # alphabet ('Νissan', Greek Ν) escapes its maker's duty (a case difference is named
    # once, on the duty's row, above).
    named: dict[str, str] = {}
    for maker in sorted(_texts(makers)):
        if maker != "*" and maker.isascii():
            named.setdefault(folded(maker), maker)
    programs = tables["programs"]
    label = labels["programs"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(TABLES['programs'], programs, i)}: maker "
                f"'{programs.loc[i, 'maker']}' is not a maker countervailing_duties names, but "
                f"'{named[folded(programs.loc[i, 'maker'])]}' is: "
                f"{_unseen(programs.loc[i, 'maker'], 'makers')}, so its countervailing duties "
                f"would never apply. Write '{named[folded(programs.loc[i, 'maker'])]}'.",
                int(programs.loc[i, "row"]))
        for i in programs.index if isinstance(programs.loc[i, "maker"], str)
        and not programs.loc[i, "maker"].isascii()
        and folded(programs.loc[i, "maker"]) in named])


def check_tables(
    tables: Tables, labels: dict[str, str], scenario: ScenarioSettings, problems: list[Problem]
) -> None:
    """Run every cross-table check, appending problems."""
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
    check_country_codes(tables, labels, problems)
    check_quota_shares(tables, labels, problems)
    check_transfer_price_markets(tables, labels, problems)
    check_maker_names(tables, labels, problems)
    named = {problem.row for problem in problems if problem.file == labels["programs"]}
    for column, consequence in (("segment", "a demand row for the segment would not pool "
                                 "this program"), ("maker", "a countervailing duty on the "
                                 "maker would not apply to this program")):
        problems += [problem for problem in spelled_two_ways(
            tables["programs"], column, TABLES["programs"], labels["programs"], consequence)
            if problem.row not in named]  # a maker check_maker_names named already
    for name, column in (("plants", "plant"), ("markets", "market"), ("programs", "program")):
        problems += spelled_two_ways(  # two ids that read alike: the user meant one of them
            tables[name], column, TABLES[name], labels[name], f"it reads as the same "
            f"{column}: a row of another file written either way would reach only one of them",
            "Give it a name of its own, or remove the row if it repeats '{first}'.")
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
