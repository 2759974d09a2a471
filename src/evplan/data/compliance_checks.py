"""Cross-table checks of the CO2 and zero-emission tables (issue 16).

They run after column-level validation with the other cross-table checks
(:func:`evplan.data.checks.check_tables`), append problems and never raise.
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, row_label
from evplan.data.lookalike import difference, folded, shown
from evplan.data.products import product_members
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["check_compliance_tables"]

Tables = dict[str, pd.DataFrame]


def _add(problems: list[Problem], label: str, found: list[Problem]) -> None:
    problems.extend(found[:MAX_ROWS_PER_KIND])
    if len(found) > MAX_ROWS_PER_KIND:
        problems.append(Problem(label, f"... and {len(found) - MAX_ROWS_PER_KIND} more rows with "
                                "the same problem."))


def _sold(tables: Tables) -> pd.DataFrame:
    """(market, program) pairs with demand, with the program's powertrain."""
    members = product_members(tables["programs"])[["product", "program"]]
    sold = tables["demand"][["market", "product"]].drop_duplicates().merge(members, on="product")
    return sold[["market", "program"]].drop_duplicates().merge(
        tables["programs"][["program", "powertrain"]], on="program")


def _missing_emissions(tables: Tables, labels: dict[str, str], problems: list[Problem],
                       sold: pd.DataFrame) -> None:
    """Non-BEV programs sold (``sold``: :func:`_sold`) where a fleet target or use-phase
    carbon counts their g/km."""
    known = set(tables["program_emissions"]["program"])
    sold = sold[sold["powertrain"].ne("BEV") & ~sold["program"].isin(known)]
    targets = tables["fleet_targets"]
    found = []
    for program, group in sold[sold["market"].isin(set(targets["market"]))].groupby("program"):
        markets = ", ".join(sorted(group["market"]))
        found.append(Problem(labels["program_emissions"], f"program '{program}' is sold in "
                             f"{markets}, which have fleet_targets, but has no row in "
                             f"{labels['program_emissions']}. Add its certified co2_g_per_km."))
    use = tables["carbon_prices"]["include_use_phase"].eq("yes").any()
    if use and not found:
        for program in sorted(set(sold["program"])):
            found.append(Problem(labels["program_emissions"], f"program '{program}' has no row "
                                 f"in {labels['program_emissions']} but carbon_prices counts "
                                 "use-phase CO2. Add its co2_g_per_km."))
    _add(problems, labels["program_emissions"], found)


def _missing_grids(tables: Tables, labels: dict[str, str], problems: list[Problem],
                   sold: pd.DataFrame) -> None:
    """Countries whose grid intensity a plant row or a use-phase figure needs (``sold``:
    :func:`_sold`)."""
    grids = set(tables["grid_intensity"]["country"])
    label = labels["grid_intensity"]
    plants = tables["plant_emissions"].merge(tables["plants"][["plant", "country"]], on="plant")
    found = [Problem(labels["plant_emissions"], f"{row_label(TABLES['plant_emissions'], plants, i)}"
                     f": the plant's country '{plants.loc[i, 'country']}' has no row in {label}. "
                     "Add its grid_g_co2_per_kwh.", int(plants.loc[i, "row"]))
             for i in plants.index[~plants["country"].isin(grids)
                                   & (plants["assembly_kwh_per_vehicle"] > 0)]]
    _add(problems, labels["plant_emissions"], found)
    emissions = tables["program_emissions"]
    charged = set(emissions["program"][emissions["electricity_kwh_per_100km"] > 0])
    sold = sold[sold["program"].isin(charged)].merge(
        tables["markets"][["market", "country"]], on="market")
    missing = sold[~sold["country"].isin(grids)]
    found = [Problem(label, f"market '{market}' (country '{group['country'].iloc[0]}') sells "
                     f"{', '.join(sorted(set(group['program'])))}, which draw electricity, but "
                     f"has no row in {label}. Add the country's grid_g_co2_per_kwh.")
             for market, group in missing.groupby("market")]
    _add(problems, label, found)


def _prices(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Sale prices above purchase prices; averaging groups with mixed prices."""
    for name in ("zev_mandates", "production_credits"):
        frame = tables[name]
        bad = frame.index[frame["credit_sale_price_usd"] > frame["credit_price_usd"]]
        _add(problems, labels[name], [
            Problem(labels[name], f"{row_label(TABLES[name], frame, i)}: credit_sale_price_usd "
                    f"{frame.loc[i, 'credit_sale_price_usd']:,.0f} is above credit_price_usd "
                    f"{frame.loc[i, 'credit_price_usd']:,.0f}; buying to resell would pay "
                    "without limit. Lower the sale price.", int(frame.loc[i, "row"]))
            for i in bad])
    targets = tables["fleet_targets"]
    grouped = targets[targets["averaging_group"].ne("")]
    found = []
    for (market, group), rows in grouped.groupby(["market", "averaging_group"]):
        prices = rows[["premium_usd_per_g_km", "pool_price_usd_per_g_km"]].astype(float)
        if prices.nunique(dropna=False).max() > 1:
            found.append(Problem(labels["fleet_targets"], f"rows {', '.join(map(str, rows['row']))}"
                                 f": averaging_group '{group}' of {market} has different premium "
                                 "or pooling prices. The years of a group are assessed "
                                 "together: give them one price.", int(rows["row"].iloc[0])))
    found += _group_spellings(grouped, labels["fleet_targets"])
    _add(problems, labels["fleet_targets"], found)


def _group_spellings(grouped: pd.DataFrame, label: str) -> list[Problem]:
    """A market's averaging_group names that differ only in case, look-alike or invisible
    characters ('eu-2025-2027' beside 'EU-2025-2027'): the years would be assessed as two
    groups, silently. The spelling to write is the first in row order in plain letters."""
    found = []
    for market, rows in grouped.groupby("market", sort=False):
        spellings: dict[str, dict[str, list[int]]] = {}
        for group, row in zip(rows["averaging_group"], rows["row"], strict=True):
            spellings.setdefault(folded(str(group)), {}).setdefault(str(group), []).append(
                int(row))
        for variants in spellings.values():
            first = next((name for name in variants if name.isascii()), next(iter(variants)))
            for other in (name for name in variants if name != first):
                odd = first if other.isascii() and not first.isascii() else other
                why = difference(odd)
                why = "group names are case-sensitive" if why == "they differ in case" else why
                rows_text = ", ".join(map(str, variants[other]))
                found.append(Problem(label, f"row{'s' if len(variants[other]) > 1 else ''} "
                                     f"{rows_text}: "
                                     f"averaging_group '{shown(other)}' of {market} is not "
                                     f"'{shown(first)}' (rows "
                                     f"{', '.join(map(str, variants[first]))}): {why}, so "
                                     "its years would be assessed as another group. "
                                     f"Write '{shown(first)}'.", variants[other][0]))
    return found


def _zev_resale(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """ZEV credits that sell for more than a missing credit's penalty or a banked purchase.

    A missing credit (penalty) counts in the balance like a held one, and a banked credit
    reaches every later year while ``banking`` is yes; a sale price above either lets the plan
    sell credits it never earned without limit (the model is unbounded). The comparison is
    undiscounted, so it holds at every discount rate. Sale prices above the same row's purchase
    price are reported by :func:`_prices`.
    """
    frame = tables["zev_mandates"]
    label = labels["zev_mandates"]
    found = []
    for _, rows in frame.sort_values("year").groupby("market", sort=False):
        banked: tuple[float, str] | None = None   # cheapest credit carried in, and its origin
        for i in rows.index:
            row = frame.loc[i]
            here = [(float(row["penalty_usd_per_vehicle"]), "its penalty_usd_per_vehicle")]
            if pd.notna(row["credit_price_usd"]):
                here.append((float(row["credit_price_usd"]), "its credit_price_usd"))
            cheapest = min([*here, *([banked] if banked else [])])
            sale = row["credit_sale_price_usd"]
            above_own_purchase = pd.notna(row["credit_price_usd"]) and sale > row[
                "credit_price_usd"]
            if pd.notna(sale) and sale > cheapest[0] and not above_own_purchase:
                found.append(Problem(
                    label, f"{row_label(TABLES['zev_mandates'], frame, i)}: "
                    f"credit_sale_price_usd {sale:,.0f} is above {cheapest[1]} "
                    f"{cheapest[0]:,.0f}; credits obtained at that price could be sold "
                    "without limit. Lower the sale price (or raise the penalty or purchase "
                    "price).", int(row["row"])))
            if row["banking"] != "yes":
                banked = None
            elif cheapest[1].startswith("its "):
                banked = (cheapest[0], f"year {int(row['year'])}'s "
                          f"{cheapest[1].removeprefix('its ')} (banked)")
            else:
                banked = cheapest
    _add(problems, label, found)


def _zev_penalty_banked(tables: Tables, labels: dict[str, str],
                        problems: list[Problem]) -> None:
    """ZEV penalties below the cost of a credit in a later year the bank reaches.

    The balance row counts a missing credit like a held one, so the LP could pay a year's
    penalty on more credits than the year lacks and bank them into a later year where a
    credit costs more (a penalty settles only its own year: the plan would be cheaper than
    the rule allows). That pays only while the penalty is below the cheaper of a later
    reachable year's penalty and purchase price (every year between has banking yes). The
    comparison is undiscounted: discounting only makes the earlier penalty dearer, so the
    rule holds at every discount rate, and the LP is then exact.
    """
    frame = tables["zev_mandates"]
    label = labels["zev_mandates"]
    found = []
    for _, rows in frame.sort_values("year").groupby("market", sort=False):
        index = list(rows.index)
        for position, i in enumerate(index):
            penalty = float(frame.loc[i, "penalty_usd_per_vehicle"])
            for later in range(position + 1, len(index)):
                j = index[later]
                if frame.loc[index[later - 1], "banking"] != "yes":
                    break
                cover = float(frame.loc[j, "penalty_usd_per_vehicle"])
                if pd.notna(frame.loc[j, "credit_price_usd"]):
                    cover = min(cover, float(frame.loc[j, "credit_price_usd"]))
                if penalty < cover:
                    year, later = int(frame.loc[i, "year"]), int(frame.loc[j, "year"])
                    found.append(Problem(
                        label, f"{row_label(TABLES['zev_mandates'], frame, i)}: "
                        f"penalty_usd_per_vehicle {penalty:,.0f} is below {cover:,.0f}, the "
                        f"cheapest credit of {later} (its penalty or credit_price_usd), and "
                        f"banking carries {year}'s credits into {later}. The model counts a "
                        f"missing credit like a held one, so it would pay {year}'s penalty "
                        f"on credits it banks into {later}, which the rule does not allow (a "
                        f"penalty settles only its own year). Raise {year}'s penalty to at "
                        f"least {cover:,.0f}, or set banking to no between the two years.",
                        int(frame.loc[i, "row"])))
                    break
    _add(problems, label, found)


def check_compliance_tables(tables: Tables, labels: dict[str, str],
                            problems: list[Problem]) -> None:
    """Run the compliance checks (a no-op when the compliance tables are empty)."""
    sold = _sold(tables)  # read by both checks (about 8 ms for the default demand)
    _missing_emissions(tables, labels, problems, sold)
    _missing_grids(tables, labels, problems, sold)
    _prices(tables, labels, problems)
    _zev_resale(tables, labels, problems)
    _zev_penalty_banked(tables, labels, problems)
