"""The input tables of :mod:`evplan.recycling`, each declared once, and their loader.

Every table is an :class:`evplan.schema.Table` (columns with dtype, unit, bounds and a
description), read with the core's column checks so that a wrong cell gets the core's
message, e.g. ``row 3, tier 'small': capacity_tonnes_per_year = -5 is below the minimum 0.
Fix the sign or the value.`` :func:`load_inputs` checks every table and the references
between them, collects every problem, and raises one :class:`~evplan.errors.InputError`.

Sourced defaults ship in ``evplan/recycling/data/`` (a source id in every row; ids in
``sources.yaml``). The example collection points and candidate plants there are
*synthetic*: representative points per market and invented sites.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, coerce_table, row_label
from evplan.data.files import load_yaml, read_text_file
from evplan.data.read import read_raw_table
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.fleet.tables import look_alike_ids
from evplan.recycling.target_rows import target_material_problems
from evplan.schema import Column, Table
from evplan.schema.common import source_column

__all__ = [
    "MATERIALS",
    "TABLES",
    "RecyclingInputs",
    "TableSource",
    "default_path",
    "load_inputs",
    "read_table",
    "sources",
]

TableSource = str | Path | pd.DataFrame | None

#: Materials tracked through the mass balance (``other``: the rest of the pack mass:
#: electrolyte, separator, binder, plastics, electronics, cathode oxygen).
MATERIALS = ("lithium", "nickel", "cobalt", "manganese", "graphite", "copper", "aluminium",
             "iron", "phosphorus", "steel", "other")
PROCESSES = ("pyro", "hydro", "direct")
TARGETS = ("recycling_efficiency", "material_recovery", "recycled_content")


def _id(name: str, what: str) -> Column:
    return Column(name, "str", "-", what)


def _fraction(name: str, what: str) -> Column:
    return Column(name, "float", "fraction", what, minimum=0, maximum=1)


RETIRED = Table(
    name="retired_packs",
    description="Packs retired for recycling at a collection point in a year, by chemistry.",
    key=("collection_point", "year", "chemistry"),
    columns=(
        _id("collection_point", "Collection point (a market or region) the packs come from."),
        Column("year", "int", "year", "Year the packs are retired.", minimum=1990, maximum=2200),
        _id("chemistry", "Cell chemistry, as named in packs.csv."),
        Column("kwh", "float", "kWh", "Nominal energy of the retired packs.", minimum=0),
        Column("tonnes", "float", "t", "Pack mass (blank: kwh x pack_kg_per_kwh of packs.csv).",
               required=False, minimum=0),
    ),
)

MATERIAL_TABLE = Table(
    name="materials", description="Mass of one material per kWh of pack of one chemistry.",
    key=("chemistry", "material"),
    columns=(_id("chemistry", "Cell chemistry."),
             Column("material", "str", "-", "Material.", choices=MATERIALS[:-1]),
             Column("kg_per_kwh", "float", "kg/kWh", "Material intensity.", minimum=0,
                    maximum=50),
             source_column()),
)

PACKS = Table(
    name="packs", description="Pack mass per kWh of one chemistry.", key=("chemistry",),
    columns=(_id("chemistry", "Cell chemistry."),
             Column("pack_kg_per_kwh", "float", "kg/kWh", "Pack mass per kWh.", minimum=0.5,
                    maximum=50),
             source_column()),
)

PROCESS_TABLE = Table(
    name="processes", description="A recycling process and its cost per tonne of pack.",
    key=("process",),
    columns=(Column("process", "str", "-", "Process id.", choices=PROCESSES),
             Column("name", "str", "-", "Display name.", required=False, default=""),
             Column("processing_usd_per_tonne", "float", "USD/t", "Processing cost per tonne "
                    "of pack.", minimum=0),
             source_column()),
)

RECOVERY = Table(
    name="recovery", description="Share of a material's input a process recovers.",
    key=("process", "material"),
    columns=(Column("process", "str", "-", "Process id.", choices=PROCESSES),
             Column("material", "str", "-", "Material.", choices=MATERIALS[:-1]),
             _fraction("recovery", "Recovered share of the material's input."),
             source_column()),
)

PRICES = Table(
    name="prices", description="Value of one tonne of a recovered material.",
    key=("material",),
    columns=(Column("material", "str", "-", "Material.", choices=MATERIALS[:-1]),
             Column("usd_per_tonne", "float", "USD/t", "Price per tonne of element.",
                    minimum=0),
             source_column()),
)

TIERS = Table(
    name="plant_tiers", description="A plant size: capacity, capital and fixed cost.",
    key=("tier",),
    columns=(_id("tier", "Tier id."),
             Column("capacity_tonnes_per_year", "float", "t/yr", "Pack input capacity.",
                    minimum=0),
             Column("capital_usd", "float", "USD", "Capital cost.", minimum=0),
             Column("fixed_usd_per_year", "float", "USD/yr", "Fixed operating cost per year "
                    "open.", minimum=0, required=False, default=0.0),
             Column("life_years", "float", "years", "Economic life (annualises capital).",
                    minimum=1, maximum=100, required=False, default=15.0),
             source_column()),
)

POINTS = Table(
    name="collection_points", description="A place retired packs are collected.",
    key=("collection_point",),
    columns=(_id("collection_point", "Collection point id (a market of the plan)."),
             Column("name", "str", "-", "Display name.", required=False, default=""),
             _id("region", "Region the lane rules refer to."),
             Column("eu", "bool", "-", "true if the market is in the EU, so that its new "
                    "batteries count in the recycled-content check; false if not"),
             Column("lat", "float", "degrees", "Latitude.", minimum=-90, maximum=90),
             Column("lon", "float", "degrees", "Longitude.", minimum=-180, maximum=180),
             source_column()),
)

PLANTS = Table(
    name="candidate_plants", description="A site where a recycling plant may open.",
    key=("plant",),
    columns=(_id("plant", "Plant id."),
             Column("name", "str", "-", "Display name.", required=False, default=""),
             _id("region", "Region the lane rules refer to."),
             Column("country", "str", "-", "Country code.", required=False, default=""),
             Column("eu", "bool", "-", "true if the site is in the EU, so that the EU "
                    "Battery Regulation's recycling targets apply to what it processes; false "
                    "if not"),
             Column("lat", "float", "degrees", "Latitude.", minimum=-90, maximum=90),
             Column("lon", "float", "degrees", "Longitude.", minimum=-180, maximum=180),
             Column("first_year", "int", "year", "First year it may run.", required=False,
                    minimum=1990, maximum=2200),
             Column("processes", "str", "-", "Processes it may run, ';'-separated ('*': all).",
                    required=False, default="*"),
             source_column()),
)

LANES = Table(
    name="lanes",
    description="A rule allowing or forbidding shipments from collection points to plants.",
    key=("from", "to"),
    columns=(_id("from", "Collection point id, region, or '*'."),
             _id("to", "Plant id, region, or '*'."),
             Column("allowed", "bool", "-", "true if shipments are allowed, false if they are "
                    "forbidden"),
             Column("mode", "str", "-", "Transport mode (transport.csv).", required=False,
                    default="road"),
             Column("distance_km", "float", "km", "Distance (blank: great circle x circuity).",
                    required=False, minimum=0),
             source_column()),
)

TRANSPORT = Table(
    name="transport", description="Cost of moving one tonne of waste batteries by a mode.",
    key=("mode",),
    columns=(_id("mode", "Mode id."),
             Column("usd_per_tonne_km", "float", "USD/t-km", "Cost per tonne-km.", minimum=0),
             Column("handling_usd_per_tonne", "float", "USD/t", "Fixed cost per tonne.",
                    minimum=0, required=False, default=0.0),
             Column("circuity", "float", "-", "Route length over great-circle distance.",
                    minimum=1, maximum=5, required=False, default=1.0),
             source_column()),
)

TARGET_TABLE = Table(
    name="targets", description="An EU Battery Regulation target from a year on.",
    key=("target", "material", "from_year"),
    columns=(Column("target", "str", "-", "Kind of target.", choices=TARGETS),
             Column("material", "str", "-", "Material ('*' for recycling efficiency).",
                    choices=(*MATERIALS[:-1], "*")),
             Column("from_year", "int", "year", "First year it applies.", minimum=1990,
                    maximum=2200),
             _fraction("share", "Required share."),
             source_column()),
)

#: Tables a study cannot do without rows of (the targets and lanes may be empty).
NEEDS_ROWS = ("materials", "packs", "processes", "recovery", "prices", "plant_tiers",
              "collection_points", "candidate_plants", "transport")

TABLES: dict[str, tuple[Table, str]] = {
    "materials": (MATERIAL_TABLE, "materials.csv"),
    "packs": (PACKS, "packs.csv"),
    "processes": (PROCESS_TABLE, "processes.csv"),
    "recovery": (RECOVERY, "recovery.csv"),
    "prices": (PRICES, "prices.csv"),
    "plant_tiers": (TIERS, "plant_tiers.csv"),
    "collection_points": (POINTS, "synthetic_collection_points.csv"),
    "candidate_plants": (PLANTS, "synthetic_candidate_plants.csv"),
    "lanes": (LANES, "lanes.csv"),
    "transport": (TRANSPORT, "transport.csv"),
    "targets": (TARGET_TABLE, "targets.csv"),
}


def default_path(file: str) -> Path:
    """Path of a default table shipped in ``evplan/recycling/data``."""
    return Path(str(resources.files("evplan.recycling") / "data" / file))


@cache
def sources() -> dict[str, str]:
    """Source ids of the default tables and what each one is."""
    path = default_path("sources.yaml")
    return dict(load_yaml(read_text_file(path, path.name), path.name))


_TRUE = frozenset({"true", "yes", "y", "t", "1", "1.0"})
_FALSE = frozenset({"false", "no", "n", "f", "0", "0.0"})
#: Cells that stand for a missing value (pandas, spreadsheets, databases), lower case.
_MISSING = frozenset({"nan", "<na>", "na", "n/a", "none", "null", "#n/a"})


def _core_view(table: Table, raw: pd.DataFrame) -> tuple[Table, pd.DataFrame]:
    """``table`` with each ``bool`` column declared as optional text without a default, and
    ``raw`` with those columns' cells blank: the core's checks
    (:func:`evplan.data.columns.coerce_table`: unknown and repeated headers, every other
    column) leave these cells to :func:`_booleans`, since the core knows no true or false
    and would read a blank as a default."""
    names = [column.name for column in table.columns if column.dtype == "bool"]
    view = dataclasses.replace(table, columns=tuple(
        dataclasses.replace(column, dtype="str", required=False, default=None)
        if column.dtype == "bool" else column for column in table.columns))
    blanked = raw.copy()
    for position, name in enumerate(raw.columns):
        if name in names:
            blanked.iloc[:, position] = ""
    return view, blanked


def _booleans(table: Table, raw: pd.DataFrame, typed: pd.DataFrame, label: str,
              problems: list[Problem]) -> None:
    """Read the ``bool`` columns of ``raw`` into ``typed`` as True/False; report the rest.

    Every row must say true or false (or yes/no, 1/0, in any case): a ``bool`` column
    decides which rules apply (``eu``: the EU targets; ``allowed``: a lane), so a blank
    cell, a missing value written as text (``nan``) and a missing column are input errors,
    never read as false.
    """
    first = raw.loc[:, ~raw.columns.duplicated()]  # a repeated header: the core reports it
    for column in table.columns:
        if column.dtype != "bool":
            continue
        meaning = column.description.rstrip(".")
        if column.name not in first:
            problems.append(Problem(label, f"column '{column.name}' is missing. Add it and "
                                    f"write true or false in every row ({meaning})."))
            typed[column.name] = False
            continue
        text = first[column.name].astype(str).str.strip()
        lower = text.str.lower()
        blank = lower.eq("")
        bad = ~blank & ~lower.isin(_TRUE | _FALSE)
        for mask, kind in ((blank, "blank"), (bad, "bad")):
            rows = typed.index[mask.to_numpy()]
            for index in rows[:MAX_ROWS_PER_KIND]:
                value = text[index]
                if kind == "blank":
                    said = f"{column.name} is blank"
                elif value.lower() in _MISSING:
                    said = (f"{column.name} = '{value}' is a missing value written as text "
                            "(not read as false)")
                else:
                    said = f"{column.name} = '{value}' is not true or false"
                problems.append(Problem(label, f"{row_label(table, typed, index)}: {said}. "
                                        f"Write true or false ({meaning}).",
                                        int(typed.loc[index, "row"])))
            if len(rows) > MAX_ROWS_PER_KIND:
                more = len(rows) - MAX_ROWS_PER_KIND
                problems.append(Problem(label, f"... and {more} more rows with the same "
                                        "problem.", count=more))
        typed[column.name] = lower.isin(_TRUE).to_numpy()


def _label(table: Table, source: TableSource, default: str | None) -> str:
    """How messages name a table's file: its file name, the default's, or ``<table>.csv``."""
    return Path(source).name if isinstance(source, str | Path) else (
        default if source is None and default is not None else f"{table.name}.csv")


def read_table(table: Table, source: TableSource, default: str | None,
               problems: list[Problem], label: str | None = None) -> pd.DataFrame:
    """Read ``table`` from ``source`` (or the shipped ``default`` file), typed and checked.

    Problems are appended to ``problems`` under ``label`` (default: :func:`_label`); the
    caller raises once for all tables.
    """
    if source is None and default is None:
        raise ValueError(f"{table.name}: no source and no default")
    label = label or _label(table, source, default)
    chosen: str | Path | pd.DataFrame
    if source is None:
        chosen = default_path(str(default))
    else:
        chosen = source
    raw = read_raw_table(chosen, label)
    own: list[Problem] = []
    typed = coerce_table(*_core_view(table, raw), label, own)
    _booleans(table, raw, typed, label, own)
    if table.key and len(typed) and all(column in typed for column in table.key):
        repeated = typed[list(table.key)].astype(str).duplicated(keep=False)
        for _, group in typed[repeated].groupby(list(table.key), sort=False, dropna=False):
            rows = " and ".join(str(row) for row in group["row"])
            ident = row_label(table, typed, group.index[0]).split(", ", 1)[1]
            own.append(Problem(label, f"rows {rows}: duplicate {ident}. Keep one row and "
                               "delete the others.", int(group["row"].iloc[0])))
    problems.extend(own)
    return typed


def _unknown(table: Table, frame: pd.DataFrame, column: str, known: set[str], label: str,
             where: str, fix: str, extra: set[str] | None = None) -> list[Problem]:
    """Rows whose ``column`` is not in ``known`` (nor in ``extra``), in the core's words."""
    values = frame[column].astype(str)
    allowed = known | (extra or set())
    bad = frame.index[~values.isin(allowed) & values.ne("")]
    found = [Problem(label, f"{row_label(table, frame, i)}: {column} '{values[i]}' is not "
                     f"{where}." + (did_you_mean(values[i], known) or f" {fix}"),
                     int(frame.loc[i, "row"])) for i in bad[:MAX_ROWS_PER_KIND]]
    if len(bad) > MAX_ROWS_PER_KIND:
        found.append(Problem(label, f"... and {len(bad) - MAX_ROWS_PER_KIND} more rows with "
                             "the same problem.", count=len(bad) - MAX_ROWS_PER_KIND))
    return found


@dataclass(frozen=True)
class RecyclingInputs:
    """Every table of one recycling study, typed and checked (see the module docstring).

    Attributes
    ----------
    retired : pandas.DataFrame
        ``collection_point``, ``year``, ``chemistry``, ``kwh``, ``tonnes`` (filled).
    tables : Mapping[str, pandas.DataFrame]
        The parameter tables by name (keys of :data:`TABLES`).
    new_batteries : pandas.DataFrame or None
        Batteries put on the EU market (``year``, ``chemistry``, ``kwh``) for the
        recycled-content check; None skips that check.
    assumptions : tuple of str
        Plain-language statements carried into the result.
    """

    retired: pd.DataFrame
    tables: Mapping[str, pd.DataFrame]
    new_batteries: pd.DataFrame | None = None
    assumptions: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _retired_references(retired: pd.DataFrame, tables: dict[str, pd.DataFrame],
                        labels: dict[str, str], clean: set[str]) -> list[Problem]:
    """Retired rows naming a chemistry or collection point the tables do not have (rows
    whose cell could not be read are left to that cell's own problem; so is a reference
    into a table that is not ``clean``)."""
    problems: list[Problem] = []
    for column, table, where, fix in (
            ("chemistry", "packs", "in packs.csv",
             "Add a row to packs.csv and materials.csv for it."),
            ("collection_point", "collection_points", "a collection point",
             "Add it to collection_points.csv.")):
        if column in retired and table in clean:
            known = set(tables[table][column])
            problems += _unknown(RETIRED, retired[retired[column].notna()], column, known,
                                 labels["retired"], where, fix)
    return problems


def _check_references(retired: pd.DataFrame, tables: dict[str, pd.DataFrame],
                      labels: dict[str, str], clean: set[str]) -> list[Problem]:
    """Every reference between tables whose cells are all readable (``clean`` names them,
    ``retired`` among them): a table with a bad cell, a missing column or no rows is left to
    its own problems, and every other pair is still checked, in the same report."""
    def ready(*names: str) -> bool:
        return all(name in clean for name in names)

    problems: list[Problem] = []
    problems += _retired_references(retired, tables, labels, clean)
    if ready("materials", "packs"):
        chemistries = set(tables["packs"]["chemistry"])
        with_materials = set(tables["materials"]["chemistry"])
        problems += _unknown(MATERIAL_TABLE, tables["materials"], "chemistry", chemistries,
                             labels["materials"], "in packs.csv", "Add a row to packs.csv for it.")
        for chemistry in sorted(chemistries - with_materials):
            problems.append(Problem(labels["materials"], f"chemistry '{chemistry}' of packs.csv "
                                    "has no rows in materials. Add its kg_per_kwh per "
                                    "material."))
    if ready("materials", "prices"):
        priced = set(tables["prices"]["material"])
        for material in sorted(set(tables["materials"]["material"]) - priced):
            problems.append(Problem(labels["prices"], f"material '{material}' of materials has "
                                    f"no row in {labels['prices']}, so its recovered tonnes "
                                    "would be worth nothing. Add its usd_per_tonne (0 if it "
                                    "sells for nothing)."))
    if ready("recovery", "processes"):
        problems += _unknown(RECOVERY, tables["recovery"], "process",
                             set(tables["processes"]["process"]), labels["recovery"],
                             "in processes.csv", "Add it to processes.csv.")
    if ready("materials", "packs"):
        # mass: the tracked materials of a chemistry must fit into its pack mass
        per_kwh = tables["materials"].groupby("chemistry")["kg_per_kwh"].sum()
        for index, record in tables["packs"].iterrows():
            tracked = float(per_kwh.get(record["chemistry"], 0.0))
            if tracked > float(record["pack_kg_per_kwh"]) + 1e-9:
                problems.append(Problem(labels["packs"],
                                        f"{row_label(PACKS, tables['packs'], index)}: "
                                        f"pack_kg_per_kwh = {record['pack_kg_per_kwh']:g} is "
                                        f"below the {tracked:.4g} kg/kWh of materials in "
                                        "materials. Raise the pack mass or lower the "
                                        "intensities.", int(record["row"])))
    if ready("retired", "materials", "packs"):
        per_kwh = tables["materials"].groupby("chemistry")["kg_per_kwh"].sum()
        packs = tables["packs"].set_index("chemistry")
        given = retired["tonnes"].notna() & retired["chemistry"].isin(packs.index)
        minimum = retired["kwh"] * retired["chemistry"].map(per_kwh).astype(float).fillna(
            0.0) / 1000.0
        # above the heaviest pack (pack_kg_per_kwh's maximum): kg typed as tonnes
        heaviest = retired["kwh"] * float(PACKS.column("pack_kg_per_kwh").maximum or 0) / 1e3
        odd = retired.index[given & ((retired["tonnes"] < minimum - 1e-6) | (
            (retired["kwh"] > 0) & (retired["tonnes"] > heaviest * (1 + 1e-9))))]
        for index in odd[:MAX_ROWS_PER_KIND]:
            tonnes, kwh = retired.loc[index, "tonnes"], retired.loc[index, "kwh"]
            bound = (f"below the {minimum[index]:.4g} t of materials" if tonnes < minimum[index]
                     else f"above the {heaviest[index]:.4g} t the heaviest pack weighs")
            problems.append(Problem(labels["retired"], f"{row_label(RETIRED, retired, index)}: "
                                    f"tonnes = {tonnes:g} is {bound} in {kwh:g} kWh. Check the "
                                    "unit (tonnes, not kg) or leave it blank.",
                                    int(retired.loc[index, "row"])))
    plants = tables["candidate_plants"]
    if ready("candidate_plants", "processes"):
        known_processes = set(tables["processes"]["process"])
        for index, record in plants.iterrows():
            for name in str(record["processes"]).split(";"):
                name = name.strip()
                if name and name != "*" and name not in known_processes:
                    fix = did_you_mean(name, known_processes) or (
                        " Use one of " + ", ".join(sorted(known_processes)) + ".")
                    problems.append(Problem(labels["candidate_plants"],
                                            f"{row_label(PLANTS, plants, index)}: process "
                                            f"'{name}' is not in processes.csv.{fix}",
                                            int(record["row"])))
    lanes = tables["lanes"]
    if ready("lanes", "collection_points"):
        points = tables["collection_points"]
        problems += _unknown(LANES, lanes, "from", set(points["collection_point"])
                             | set(points["region"]), labels["lanes"],
                             "a collection point or region", "Use an id, a region or '*'.", {"*"})
    if ready("lanes", "candidate_plants"):
        problems += _unknown(LANES, lanes, "to", set(plants["plant"]) | set(plants["region"]),
                             labels["lanes"], "a plant or region", "Use an id, a region or '*'.",
                             {"*"})
    if ready("lanes", "transport"):
        problems += _unknown(LANES, lanes, "mode", set(tables["transport"]["mode"]),
                             labels["lanes"], "in transport.csv", "Add the mode to transport.csv.")
    if ready("targets"):
        problems += target_material_problems(TARGET_TABLE, tables["targets"],
                                             labels["targets"])
    return problems + _look_alikes(tables, labels, clean)


def _look_alikes(tables: dict[str, pd.DataFrame], labels: dict[str, str],
                 clean: set[str]) -> list[Problem]:
    """Regions and ids of collection points and candidate plants typed with look-alike
    letters of a name in Latin letters that the lane rules or another row use (``'ΕU'``,
    Greek Ε): the lane rules for that name would silently not apply to the row."""
    problems: list[Problem] = []
    for name, table, id_column, side in (("collection_points", POINTS, "collection_point",
                                          "from"), ("candidate_plants", PLANTS, "plant", "to")):
        if not {name, "lanes"} <= clean:
            continue
        frame = tables[name]
        names = {str(value) for value in (*tables["lanes"][side], *frame["region"],
                                          *frame[id_column]) if str(value).isascii()}
        for column in ("region", id_column):
            problems += look_alike_ids(table, frame, column, names - {"*"}, labels[name],
                                       "the lane rules for '{id}' do not apply to it")
    return problems


def _labels(sources: dict[str, TableSource]) -> dict[str, str]:
    """Each input's label for messages: its file name; where two inputs share a name
    (``--retired packs.csv`` beside the ``packs.csv`` table) each says which it is: the
    path (absolute when the name alone was given), evplan's default, or a DataFrame."""
    tables = {**TABLES, "retired": (RETIRED, None)}
    names = {name: _label(tables[name][0], source, tables[name][1])
             for name, source in sources.items()}
    counts = Counter(names.values())
    labels = dict(names)
    for name, source in sources.items():
        if counts[names[name]] < 2:
            continue
        if isinstance(source, str | Path):
            given = str(source)
            labels[name] = given if given != names[name] else str(Path(source).absolute())
        else:
            labels[name] = names[name] + (" (evplan's default)" if source is None
                                          else " (a DataFrame)")
    return labels


def load_inputs(retired: TableSource, **tables: TableSource) -> RecyclingInputs:
    """Read and check every table of a recycling study; raise once with every problem.

    Parameters
    ----------
    retired : CSV path or DataFrame
        Retired packs (columns of the ``retired_packs`` table).
    **tables : CSV path, DataFrame or None
        Any of :data:`TABLES` (``materials``, ``packs``, ``processes``, ``recovery``,
        ``prices``, ``plant_tiers``, ``collection_points``, ``candidate_plants``, ``lanes``,
        ``transport``, ``targets``); left out: the shipped default.

    Returns
    -------
    RecyclingInputs
        Without ``new_batteries``; add them with ``dataclasses.replace`` (see
        :func:`evplan.recycling.scenario.inputs_from_fleet`).

    Examples
    --------
    >>> import pandas as pd
    >>> retired = pd.DataFrame({"collection_point": ["EU"], "year": [2035],
    ...                         "chemistry": ["LFP"], "kwh": [1.0e6]})
    >>> round(load_inputs(retired).retired["tonnes"].iloc[0])
    6660
    """
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise InputError([Problem("options", f"table '{name}' is not a recycling table."
                                  + (did_you_mean(name, TABLES) or " Use one of "
                                     + ", ".join(TABLES) + ".")) for name in unknown])
    if retired is None:
        raise InputError([Problem("retired_packs.csv", "no retired packs given. Pass a CSV or "
                                  "DataFrame with collection_point, year, chemistry, kwh.")])
    sources: dict[str, TableSource] = {name: tables.get(name) for name in TABLES}
    sources["retired"] = retired
    labels = _labels(sources)
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for name, (table, default) in TABLES.items():
        typed[name] = read_table(table, sources[name], default, problems, labels[name])
    retired_typed = read_table(RETIRED, retired, None, problems, labels["retired"])
    for name in NEEDS_ROWS:  # a header alone: every later check would blame another table
        if name in typed and typed[name].empty and not any(
                problem.file == labels[name] for problem in problems):
            problems.append(Problem(labels[name], f"{labels[name]} has a header but no rows. "
                                    "Add its rows, or leave the file out to use evplan's "
                                    "default."))
    dirty = {problem.file for problem in problems}
    clean = {name for name, label in labels.items() if label not in dirty}
    problems += _check_references(retired_typed, typed, labels, clean)
    # a pack weighs kwh x pack_kg_per_kwh (>= 0.5), so it has mass exactly when kwh > 0
    if "retired" in clean and not (
            (retired_typed["tonnes"] > 0)
            | (retired_typed["tonnes"].isna() & (retired_typed["kwh"] > 0))).any():
        problems.append(Problem(labels["retired"], f"{labels['retired']} holds no pack to "
                                "recycle (no row, or every kwh and tonnes is 0). Give at least "
                                "one row with kwh above 0."))
    if problems:
        raise InputError(problems)
    mass = retired_typed["chemistry"].map(typed["packs"].set_index("chemistry")[
        "pack_kg_per_kwh"]).astype(float)
    retired_typed["tonnes"] = retired_typed["tonnes"].fillna(retired_typed["kwh"] * mass / 1000.0)
    retired_typed = retired_typed[retired_typed["tonnes"] > 0].reset_index(drop=True)
    return RecyclingInputs(retired=retired_typed, tables=typed)
