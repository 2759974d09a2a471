"""Cross-table checks of the strategic (network-design) tables.

Run by :func:`evplan.data.checks.check_tables` after the column checks; each appends
problems and none raises. They check what the model would otherwise get wrong silently: a
plant-program option for a pair no plant_programs row prices, a kit route that can never
ship, a lifecycle cap below the
plants that must build the program, a preferential kit rate with no rules of origin,
and a kit lane no kit duty row covers. Kits into a market with a CO2 or ZEV rule are not
checked here: the rules count vehicles assembled from kits (docs/formulation.md, "Kits";
their programs' certified g/km are checked with the programs sold there,
:mod:`evplan.data.compliance_checks`).
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import add_limited, row_label
from evplan.data.duties import expand_years, year_or
from evplan.data.network import ScenarioSettings
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["OBJECTIVE_BASES", "check_strategic_tables"]

Tables = dict[str, pd.DataFrame]
OBJECTIVE_BASES = ("consolidated", "attributable")


def _pairs_priced(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    priced = set(zip(tables["plant_programs"]["plant"], tables["plant_programs"]["program"],
                     strict=True))
    for name in ("plant_program_options", "steering_variants"):
        frame = tables[name]
        found = [
            Problem(labels[name], f"{row_label(TABLES[name], frame, i)}: plant "
                    f"'{frame.loc[i, 'plant']}' has no plant_programs row for program "
                    f"'{frame.loc[i, 'program']}'. Add one (with the variable cost there) or "
                    "fix the ids.", int(frame.loc[i, "row"]))
            for i in frame.index if (frame.loc[i, "plant"], frame.loc[i, "program"]) not in priced
        ]
        add_limited(problems, labels[name], found)


def _modules(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    frame = tables["plant_strategy"]
    below = frame.index[frame["modules_max"].notna()
                        & (frame["modules_max"] < frame["modules_initial"])]
    add_limited(problems, labels["plant_strategy"], [
        Problem(labels["plant_strategy"], f"{row_label(TABLES['plant_strategy'], frame, i)}: "
                f"modules_max {frame.loc[i, 'modules_max']} is below modules_initial "
                f"{frame.loc[i, 'modules_initial']}. Raise modules_max (removing modules is "
                "a decision the plan makes).", int(frame.loc[i, "row"])) for i in below])


def _max_plants(tables: Tables, labels: dict[str, str], scenario: ScenarioSettings,
                problems: list[Problem]) -> None:
    """Refuse a ``max_plants`` below the plants that must build the program in a year of its
    life: plant_programs pairs without an option row (every year their plant operates) and
    existing option rows before their ``first_year`` (their allocation is frozen)."""
    lifecycle = tables["program_lifecycle"]
    capped = lifecycle[lifecycle["max_plants"].notna()]
    if capped.empty:
        return
    option_rows = tables["plant_program_options"]
    options = set(zip(option_rows["plant"], option_rows["program"], strict=True))
    lanes = tables["plant_programs"]
    operating = expand_years(tables["plants"], scenario.years)[["plant", "year"]]
    fixed = lanes[[(plant, program) not in options for plant, program in
                   zip(lanes["plant"], lanes["program"], strict=True)]][["plant", "program"]]
    fixed = fixed.drop_duplicates().merge(operating, on="plant")
    held = option_rows[option_rows["existing"].eq("yes")][["plant", "program", "first_year"]]
    held = held.merge(operating, on="plant")
    held = held[held["year"].to_numpy() < held["first_year"].astype("Float64").fillna(
        min(scenario.years)).to_numpy(dtype=float)]
    must = pd.concat([fixed.assign(held=0), held[["plant", "program", "year"]].assign(held=1)],
                     ignore_index=True).drop_duplicates(["plant", "program", "year"])
    found = []
    for i in capped.index:
        program = capped.loc[i, "program"]
        start = year_or(capped.loc[i, "first_year"], min(scenario.years))
        end = year_or(capped.loc[i, "last_year"], max(scenario.years))
        rows = must[must["program"].eq(program) & must["year"].between(start, end)]
        if rows.empty:
            continue
        per_year = rows.groupby("year").agg(plants=("plant", "size"), held=("held", "sum"))
        worst = int(per_year["plants"].to_numpy().argmax())
        year = int(per_year.index[worst])
        count = int(per_year["plants"].to_numpy()[worst])
        frozen = int(per_year["held"].to_numpy()[worst])
        if count <= int(capped.loc[i, "max_plants"]):
            continue
        why = (f"the {count} plants that must build {program} in {year} ("
               + (f"{count - frozen} without a plant_program_options row, which build it "
                  "every year their plant operates" if count > frozen else "")
               + ("; " if 0 < frozen < count else "")
               + (f"{frozen} existing option rows whose first_year is later" if frozen else "")
               + ")")
        found.append(Problem(labels["program_lifecycle"],
                             f"{row_label(TABLES['program_lifecycle'], capped, i)}: "
                             f"max_plants {capped.loc[i, 'max_plants']} is below {why}. "
                             "Add or open option rows, or raise max_plants.",
                             int(capped.loc[i, "row"])))
    add_limited(problems, labels["program_lifecycle"], found)


def _kit_duty_rows(tables: Tables, labels: dict[str, str], scenario: ScenarioSettings,
                   problems: list[Problem]) -> None:
    duties = tables["kit_duties"]
    label = labels["kit_duties"]
    table = TABLES["kit_duties"]
    preferential = duties["preferential_rate"].notna()
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: preferential_rate is given but "
                "rvc_threshold is blank. Give the regional value content the preference "
                "needs (0 when it needs none).", int(duties.loc[i, "row"]))
        for i in duties.index[preferential & duties["rvc_threshold"].isna()]])
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: preferential_rate "
                f"{duties.loc[i, 'preferential_rate']:g} is above kit_duty_rate "
                f"{duties.loc[i, 'kit_duty_rate']:g}. A preference lowers the rate; swap them.",
                int(duties.loc[i, "row"]))
        for i in duties.index[preferential & (duties["preferential_rate"]
                                              > duties["kit_duty_rate"])]])
    expanded = expand_years(duties, scenario.years)
    overlap = expanded[expanded.duplicated(["origin", "market", "powertrain", "year"],
                                           keep=False)]
    found = []
    for (origin, market, powertrain), group in overlap.groupby(
            ["origin", "market", "powertrain"]):
        rows = sorted(set(group["row"]))
        found.append(Problem(label, f"rows {', '.join(map(str, rows))}: kit duty rows for "
                             f"{origin}>{market} {powertrain} overlap in {group['year'].min()}"
                             f"-{group['year'].max()}. Make the year ranges disjoint.", rows[0]))
    add_limited(problems, label, found)


def _kit_routes_open(tables: Tables, labels: dict[str, str], scenario: ScenarioSettings,
                     problems: list[Problem]) -> bool:
    """A kit route open in no planning year in which its plant builds vehicles can never
    ship (the model made no kit rows for it without a word). True when every route can."""
    kits, plants = tables["kit_routes"], tables["plants"]
    if kits.empty:
        return True
    operating = expand_years(plants[["plant", "first_year", "last_year"]], scenario.years)
    runs = set(zip(operating["plant"], operating["year"], strict=True))
    open_years = expand_years(kits[["row", "plant", "first_year", "last_year"]],
                              scenario.years)
    shipping = {row for row, plant, year in zip(open_years["row"], open_years["plant"],
                                                open_years["year"], strict=True)
                if (plant, year) in runs}
    known = set(plants["plant"])
    found = []
    for i in kits.index:
        if int(kits.loc[i, "row"]) in shipping or kits.loc[i, "plant"] not in known:
            continue  # an unknown plant is reported as an unknown id
        first, last = (kits.loc[i, name] for name in ("first_year", "last_year"))
        span = ("every year" if pd.isna(first) and pd.isna(last) else f"from {first}"
                if pd.isna(last) else f"until {last}" if pd.isna(first) else f"{first}-{last}")
        found.append(Problem(labels["kit_routes"], f"{row_label(TABLES['kit_routes'], kits, i)}"
                             f": the kit route is open {span}, a span in which plant "
                             f"'{kits.loc[i, 'plant']}' builds nothing in the planning years "
                             f"{scenario.years[0]}-{scenario.years[-1]}, so it can never ship. "
                             "Fix first_year and last_year of the route (or of the plant), or "
                             "remove the row.", int(kits.loc[i, "row"])))
    add_limited(problems, labels["kit_routes"], found)
    return not found


def _kit_duty_coverage(tables: Tables, labels: dict[str, str], scenario: ScenarioSettings,
                       problems: list[Problem]) -> None:
    kits = tables["kit_routes"]
    if kits.empty or scenario.default_duty_rate is not None:
        return
    lanes = kits.merge(tables["plants"][["plant", "country"]], on="plant").merge(
        tables["assembly_sites"][["site", "market"]], on="site").merge(
        tables["markets"][["market", "country"]].rename(columns={"country": "site_country"}),
        on="market")
    lanes = lanes[lanes["country"] != lanes["site_country"]]
    built = tables["plant_programs"][["plant", "program"]].merge(
        tables["programs"][["program", "powertrain"]], on="program")
    need = expand_years(lanes.merge(built[["plant", "powertrain"]].drop_duplicates(),
                                    on="plant"), scenario.years)
    duties = expand_years(tables["kit_duties"], scenario.years)
    have = set(zip(duties["origin"], duties["market"], duties["powertrain"], duties["year"],
                   strict=True))
    covered = [(origin, market, powertrain, year) in have or (origin, market, "*", year) in have
               for origin, market, powertrain, year in zip(
                   need["country"], need["market"], need["powertrain"], need["year"],
                   strict=True)]
    missing = need[[not hit for hit in covered]]
    if missing.empty:  # also when no kit route reaches a site (reported as unknown ids)
        return
    found = []
    for (plant, site, powertrain), group in missing.groupby(["plant", "site", "powertrain"],
                                                           sort=False):
        first = group.iloc[0]
        years = sorted(group["year"])
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"
        found.append(Problem(labels["kit_routes"], f"row {int(first['row'])}, kit route "
                             f"'{plant}>{site}': no kit_duties row covers {first['country']}>"
                             f"{first['market']} {powertrain} in {span}. Add a row to "
                             f"{labels['kit_duties']} (powertrain {powertrain} or '*'), or set "
                             "default_duty_rate in scenario.yaml.", int(first["row"])))
    add_limited(problems, labels["kit_routes"], found)


def check_strategic_tables(tables: Tables, labels: dict[str, str],
                           scenario: ScenarioSettings, problems: list[Problem]) -> None:
    """Run the strategic tables' cross-table checks, appending problems."""
    if scenario.objective_basis not in OBJECTIVE_BASES:
        problems.append(Problem("scenario.yaml", f"objective_basis = "
                                f"'{scenario.objective_basis}' is not one of 'consolidated', "
                                "'attributable'. Use one of them."))
    _pairs_priced(tables, labels, problems)
    _modules(tables, labels, problems)
    _max_plants(tables, labels, scenario, problems)
    _kit_duty_rows(tables, labels, scenario, problems)
    if _kit_routes_open(tables, labels, scenario, problems):  # else: no duty for a dead lane
        _kit_duty_coverage(tables, labels, scenario, problems)
