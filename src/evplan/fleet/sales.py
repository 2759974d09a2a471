"""The fleet's input: vehicles sold by market, powertrain, program, origin and year.

Sales come from an evplan plan (a :class:`~evplan.results.Result` or a run folder), from a
CSV of history, or both: history fills the years before the plan's first year. The plan's
``shipments`` table is used because it carries the origin of each vehicle (which sets the
default chemistry); with a strategic plan's ``kit_shipments`` (vehicles assembled in the
market from CKD/SKD kits, with the kit's origin) its totals equal the ``sales`` table's by
market, program and year.
Pack size (``battery_kwh``) comes from the inputs' ``programs`` table, as the run recorded
it (``metadata.battery_kwh_by_program`` of a Result or of a run folder's ``run.json``).

The result is one tidy table with columns ``market``, ``year``, ``powertrain``,
``program``, ``origin``, ``battery_kwh``, ``chemistry`` and ``sales_vehicles``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.data.columns import row_label
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.fleet.params import SALES_HISTORY
from evplan.fleet.tables import (
    TableSource,
    default_table_path,
    read_parameter_table,
    unknown_ids,
)
from evplan.results.run_files import (
    PACK_SIZES_KEY,
    check_volumes,
    read_manifest,
    read_programs,
    read_table_file,
)

__all__ = ["PlanSales", "assign_chemistry", "combine_sales", "plan_sales", "read_run_folder"]

SALES_COLUMNS = ["market", "year", "powertrain", "program", "origin", "battery_kwh",
                 "sales_vehicles"]


class PlanSales:
    """Sales of one plan with its horizon and markets.

    Attributes
    ----------
    sales : pandas.DataFrame
        Columns of :data:`SALES_COLUMNS`.
    first_year, last_year : int
        The plan's horizon.
    markets : list of str
        Markets of the plan (also those with no sales).
    scenario : dict
        The scenario settings of the run.
    shipments : pandas.DataFrame or None
        The plan's shipments (to find export markets).
    pack_sizes : str
        Where the programs' pack sizes came from, in words ('' when not said).
    kits : pandas.DataFrame or None
        A strategic plan's kit shipments (kits are exports to the market's assembly site).
    plan : str
        Which plan, in words ('' when not known; a run folder's says its run and scenario).
    """

    def __init__(self, sales: pd.DataFrame, first_year: int, last_year: int,
                 markets: list[str], scenario: dict[str, Any] | None = None,
                 shipments: pd.DataFrame | None = None, pack_sizes: str = "",
                 kits: pd.DataFrame | None = None) -> None:
        self.sales = sales
        self.first_year = int(first_year)
        self.last_year = int(last_year)
        self.markets = markets
        self.scenario = dict(scenario or {})
        self.shipments = shipments
        self.pack_sizes = pack_sizes
        self.kits = kits
        self.plan = ""

    def export_markets(self, origin: str = "CN") -> list[str]:
        """Markets that receive cross-border shipments of vehicles, or kits, from ``origin``
        in any plan year."""
        markets: set[str] = set()
        if self.shipments is not None:
            shipped = self.shipments[(self.shipments["origin"] == origin)
                                     & self.shipments["export"].astype(bool)
                                     & (self.shipments["shipment_vehicles"] > 0.5)]
            markets |= set(shipped["market"])
        if self.kits is not None and len(self.kits):
            kitted = self.kits[(self.kits["origin"] == origin) & (self.kits["kits"] > 0.5)]
            markets |= set(kitted["market"])
        return sorted(markets)


def _battery_by_program(programs: pd.DataFrame | None) -> dict[str, float]:
    if programs is None or "battery_kwh" not in programs:
        return {}
    return dict(zip(programs["program"].astype(str),
                    pd.to_numeric(programs["battery_kwh"], errors="coerce"), strict=True))


def recorded_pack_sizes(metadata: Any, label: str) -> pd.DataFrame | None:
    """The programs' pack sizes run.json (or a Result's metadata) recorded (None for one
    written before it recorded them); a value that is not a finite number >= 0 is an input
    error naming it."""
    recorded = metadata.get(PACK_SIZES_KEY) if isinstance(metadata, Mapping) else None
    if recorded is None:
        return None
    fix = "Write the folder again with `evplan run -o FOLDER --force`."
    if not isinstance(recorded, Mapping):
        raise InputError([Problem(label, f"it must map each program to its pack size in kWh, "
                                  f"found {type(recorded).__name__}. {fix}")])
    problems = [Problem(label, f"program {program!r}: battery_kwh = {kwh!r} is not a number "
                        f">= 0. {fix}") for program, kwh in recorded.items()
                if isinstance(kwh, bool) or not isinstance(kwh, int | float)
                or not math.isfinite(kwh) or kwh < 0]
    if problems:
        raise InputError(problems)
    return pd.DataFrame({"program": [str(program) for program in recorded],
                         "battery_kwh": [float(kwh) for kwh in recorded.values()]})


def powertrain_battery_kwh() -> dict[str, float]:
    """Default pack size per powertrain (``powertrains.csv``), for rows without one."""
    table = pd.read_csv(default_table_path("fleet", "powertrains.csv"))
    return dict(zip(table["powertrain"], table["battery_kwh"].astype(float), strict=True))


def plan_sales(shipments: pd.DataFrame, programs: pd.DataFrame | None,
               scenario: dict[str, Any], markets: list[str] | None = None,
               kits: pd.DataFrame | None = None) -> PlanSales:
    """Sales of a plan from its ``shipments`` (and ``kit_shipments``) and ``programs`` tables.

    Parameters
    ----------
    shipments : pandas.DataFrame
        The Result's ``shipments``: ``origin``, ``program``, ``powertrain``, ``market``,
        ``year``, ``shipment_vehicles``.
    programs : pandas.DataFrame or None
        ``program`` and ``battery_kwh`` (None: the powertrain defaults).
    scenario : dict
        At least ``first_year`` and ``last_year``.
    markets : list of str, optional
        All markets of the plan (default: those in ``shipments``).
    kits : pandas.DataFrame, optional
        A strategic plan's ``kit_shipments``: ``kits`` of ``origin``, ``program``,
        ``powertrain`` assembled and sold in ``market`` in ``year``; each is a vehicle sold
        there, built with the kit's origin (its pack's, which sets the chemistry).
    """
    keys = ["market", "year", "powertrain", "program", "origin"]
    frames = [shipments[[*keys, "shipment_vehicles"]].rename(
        columns={"shipment_vehicles": "sales_vehicles"})]
    if kits is not None and len(kits):
        frames.append(kits[[*keys, "kits"]].rename(columns={"kits": "sales_vehicles"}))
    sold = pd.DataFrame(pd.concat(frames, ignore_index=True).groupby(
        keys, as_index=False)["sales_vehicles"].sum())
    by_program = _battery_by_program(programs)
    defaults = powertrain_battery_kwh()
    sold["battery_kwh"] = sold["program"].map(by_program).fillna(
        sold["powertrain"].map(defaults)).astype(float)
    sold["year"] = sold["year"].astype(int)
    return PlanSales(sold[SALES_COLUMNS], int(scenario["first_year"]),
                     int(scenario["last_year"]),
                     sorted(markets if markets is not None else set(sold["market"])),
                     scenario, shipments, kits=kits)


def read_run_folder(folder: str | Path, programs: TableSource = None) -> PlanSales:
    """Read a run folder written by ``evplan run``: ``shipments.parquet`` and ``run.json``
    (and a strategic run's ``kit_shipments.parquet``).

    The programs table (pack sizes) is read from ``programs`` when given, else from the
    sizes ``run.json`` recorded (``metadata.battery_kwh_by_program``), else from the input
    folder named in ``run.json`` (``metadata.origin``) when it still exists, else the
    powertrain defaults are used.

    Raises
    ------
    InputError
        When the folder or its files are missing.
    """
    root = Path(folder)
    needed = [root / "shipments.parquet", root / "run.json"]
    missing = [path.name for path in needed if not path.exists()]
    if missing:
        raise InputError([Problem(str(root), f"{root} is not a run folder: "
                                  f"{' and '.join(missing)} missing. Pass the folder that "
                                  "`evplan run -o FOLDER` wrote.")])
    manifest = read_manifest(root)
    shipments = read_table_file(root / "shipments.parquet")
    check_volumes(shipments, {"text": ("origin", "program", "powertrain", "market"),
                              "year": ("year",), "volume": ("shipment_vehicles",)},
                  str(root / "shipments.parquet"))
    program_table: pd.DataFrame | None = None
    metadata = manifest.get("metadata")
    origin = Path(str(metadata.get("origin", "") if isinstance(metadata, dict) else ""))
    if programs is not None:
        label = "programs" if isinstance(programs, pd.DataFrame) else str(programs)
        program_table = read_programs(programs, label)
        source = f"Pack sizes are the programs' battery_kwh in {label}."
    elif (recorded := recorded_pack_sizes(
            metadata, f"{root / 'run.json'}, metadata.{PACK_SIZES_KEY}")) is not None:
        program_table = recorded
        source = "Pack sizes are the programs' battery_kwh of the inputs the run planned."
    elif (origin / "programs.csv").is_file():  # checked as `evplan validate` checks it
        program_table = read_programs(origin / "programs.csv", str(origin / "programs.csv"))
        source = (f"Pack sizes are the programs' battery_kwh in {origin / 'programs.csv'} as "
                  "it is now (this run folder does not record them).")
    else:
        source = ("Pack sizes are the powertrain defaults (this run folder does not record "
                  "the programs' battery_kwh, and its inputs' programs.csv was not found); "
                  "plan it again with `evplan run` to record them.")
    markets = None
    if (root / "margin_by_market.parquet").exists():
        by_market = read_table_file(root / "margin_by_market.parquet")
        if "market" not in by_market.columns:
            raise InputError([Problem(str(root / "margin_by_market.parquet"), "it has no "
                                      "market column. Write the folder again with `evplan "
                                      "run -o FOLDER --force`.")])
        markets = sorted(set(by_market["market"].astype(str)) | set(shipments["market"]))
    kits = None
    kit_file = root / "kit_shipments.parquet"  # a strategic plan's vehicles from kits
    listed = manifest.get("tables")
    if isinstance(listed, list) and "kit_shipments" in listed and not kit_file.exists():
        raise InputError([Problem(str(kit_file), (
            f"{kit_file} is missing, while run.json lists it: the vehicles this strategic "
            "plan assembles from kits would be left out of the fleet. Write the folder again "
            "with `evplan run -o FOLDER --force`."))])
    if kit_file.exists():
        kits = read_table_file(kit_file)
        check_volumes(kits, {"text": ("origin", "program", "powertrain", "market"),
                             "year": ("year",), "volume": ("kits",)}, str(kit_file))
    sales = plan_sales(shipments, program_table, manifest["scenario"], markets, kits)
    sales.pack_sizes = source
    sales.plan = _plan_label(root, manifest)
    return sales


PLAN_LINE = "Sales are those of the plan"
"""How the fleet's assumption naming its plan starts (:func:`_plan_label`)."""
HISTORY_LINE = "Sales history from"
"""How the assumption naming the user's sales history starts."""
OWN_TABLE = "(not the shipped"
"""What an assumption naming a table of the user's own in place of a shipped one holds."""


def own_table_line(what: str, source: str | Path, shipped: str | None) -> str:
    """The assumption naming a table of the user's own: ``Survival curves from s.csv (not
    the shipped survival.csv).``; ``shipped`` None for a table with no shipped default."""
    instead = f" {OWN_TABLE} {shipped})" if shipped else ""
    return f"{what} from {Path(source).name}{instead}."


def names_own_table(line: str) -> bool:
    """Whether a fleet assumption names a table of the user's own (see own_table_line)."""
    return line.startswith(HISTORY_LINE) or OWN_TABLE in line


def names_source(line: str) -> bool:
    """Whether a fleet assumption says where its sales or tables came from: the plan, or
    a table of the user's own (the lines ``evplan recycling`` repeats)."""
    return line.startswith(PLAN_LINE) or names_own_table(line)


def _plan_label(root: Path, manifest: dict[str, Any]) -> str:
    """Which plan a run folder holds, in words: its folder, run id, example and scenario
    (a fleet, charging or recycling table written elsewhere says where it came from)."""
    scenario = manifest.get("scenario")
    scenario = scenario if isinstance(scenario, dict) else {}
    chosen = scenario.get("scenario")
    named = f"{scenario.get('name', '?')}" + (f", scenario {chosen}" if chosen else "")
    return f"{PLAN_LINE} in {root} (run {manifest.get('run_id', '?')}: {named})."


def _rows_without_problems(table: pd.DataFrame, problems: list[Problem]
                           ) -> pd.DataFrame | None:
    """``table`` without the rows a problem names; None after a file-level problem."""
    if any(problem.row is None for problem in problems):
        return None
    return table[~table["row"].isin({problem.row for problem in problems})]


def read_history(source: TableSource, known_markets: list[str] | None,
                 first_plan_year: int | None,
                 known_chemistries: set[str] | None = None) -> pd.DataFrame:
    """Read a sales-history CSV; years must lie before the plan, markets must be known, and
    so must a chemistry a row names (``known_chemistries``: those of battery.csv).

    Raises
    ------
    InputError
        With every problem: bad cells, duplicates, years inside the plan, unknown markets
        and chemistries.
    """
    problems: list[Problem] = []
    label = Path(source).name if isinstance(source, str | Path) else SALES_HISTORY.file
    history = read_parameter_table(SALES_HISTORY, source, Path("sales_history.csv"), problems,
                                   unique_key=False)
    # Each check runs on the rows whose cells parsed, so every problem is listed at once
    # (a bad year in one row no longer hid an unknown market in another).
    clean = _rows_without_problems(history, problems)
    if known_markets is not None and clean is not None:
        problems += unknown_ids(SALES_HISTORY, clean, "market", set(known_markets), label,
                                "a market of the plan",
                                "Use a market id of the run or fix the id.")
    if known_chemistries is not None and clean is not None:
        problems += unknown_ids(SALES_HISTORY, clean, "chemistry", known_chemistries, label,
                                "a chemistry of battery.csv",
                                "Add it to battery.csv, fix the id, or leave it blank (the "
                                "chemistry then comes from chemistry.csv).")
    if first_plan_year is not None and clean is not None:
        inside = clean.index[clean["year"] >= first_plan_year]
        problems += [Problem(label, f"{row_label(SALES_HISTORY, clean, i)}: year "
                             f"{int(clean.loc[i, 'year'])} is not before the plan's first year "
                             f"{first_plan_year}. History covers earlier years; delete the row "
                             "or leave out the plan.", int(clean.loc[i, "row"]))
                     for i in inside[:10]]
        if len(inside) > 10:
            problems.append(Problem(label, f"... and {len(inside) - 10} more rows with a year "
                                    "inside the plan.", count=len(inside) - 10))
    if problems:
        raise InputError(problems)
    defaults = powertrain_battery_kwh()
    history["battery_kwh"] = history["battery_kwh"].fillna(history["powertrain"].map(defaults))
    history["year"] = history["year"].astype(int)
    return history


def combine_sales(plan: PlanSales | None, history: pd.DataFrame | None) -> pd.DataFrame:
    """One sales table from a plan and a history: columns of :data:`SALES_COLUMNS`,
    ``chemistry`` (blank unless the history fixes it) and ``basis`` (history or plan)."""
    frames = []
    if history is not None and len(history):
        frames.append(history[[*SALES_COLUMNS, "chemistry"]].assign(basis="history"))
    if plan is not None:
        frames.append(plan.sales.assign(chemistry="", basis="plan"))
    if not frames:
        raise InputError([Problem("sales", "no sales given: pass a run folder (or Result), a "
                                  "sales-history CSV, or both.")])
    combined = pd.concat(frames, ignore_index=True)
    combined["program"] = combined["program"].fillna("").astype(str)
    combined["origin"] = combined["origin"].fillna("").astype(str)
    combined["chemistry"] = combined["chemistry"].fillna("").astype(str)
    return combined


def assign_chemistry(sales: pd.DataFrame, chemistry: pd.DataFrame) -> pd.DataFrame:
    """Split each sales row across chemistries by the most specific matching rule.

    A rule matches when each of its ``program``, ``origin`` and ``powertrain`` is ``'*'``
    or equal to the row's; specificity is 4 (program) + 2 (origin) + 1 (powertrain); the
    rules with the highest specificity split the row by their ``share``. Rows that already
    name a chemistry keep it.

    Raises
    ------
    InputError
        When a row matches no rule.
    """
    fixed = sales[sales["chemistry"] != ""]
    open_rows = sales[sales["chemistry"] == ""].drop(columns="chemistry").reset_index(drop=True)
    keys = open_rows[["program", "origin", "powertrain"]].drop_duplicates().reset_index(drop=True)
    pairs = keys.assign(_key=1).merge(chemistry.assign(_key=1), on="_key",
                                      suffixes=("", "_rule")).drop(columns="_key")
    matches = pd.Series(True, index=pairs.index)
    specificity = pd.Series(0, index=pairs.index)
    for column, weight in (("program", 4), ("origin", 2), ("powertrain", 1)):
        exact = pairs[f"{column}_rule"] == pairs[column]
        matches &= exact | (pairs[f"{column}_rule"] == "*")
        specificity += weight * exact
    pairs = pairs[matches].assign(specificity=specificity[matches])
    best = pairs.groupby(["program", "origin", "powertrain"])["specificity"].transform("max")
    rules = pairs[pairs["specificity"] == best][["program", "origin", "powertrain", "chemistry",
                                                 "share"]]
    unmatched = keys.merge(rules, how="left", indicator=True)
    unmatched = unmatched[unmatched["_merge"] == "left_only"]
    if len(unmatched):
        source = str(chemistry.attrs.get("file", "chemistry.csv"))  # the file the user gave
        raise InputError([Problem(source, f"program '{row.program}', origin "
                                  f"'{row.origin}', powertrain '{row.powertrain}' matches no "
                                  "chemistry rule. Add a row (or a '*' row) for it.")
                          for row in unmatched.itertuples()])
    split = open_rows.merge(rules, on=["program", "origin", "powertrain"])
    split["sales_vehicles"] = split["sales_vehicles"] * split.pop("share")
    return pd.concat([fixed, split], ignore_index=True)


def check_markets(requested: list[str], known: list[str], label: str = "options",
                  kind: str = "a market of the fleet") -> None:
    """Raise when a requested market is not one of ``known`` (``kind`` says which: the
    fleet's, or the markets a charging plan sized), suggesting the closest."""
    problems = [Problem(label, f"market '{market}' is not {kind}."
                        + (did_you_mean(market, known)
                           or f" Use one of {', '.join(sorted(known))}."))
                for market in requested if market not in known]
    if problems:
        raise InputError(problems)
