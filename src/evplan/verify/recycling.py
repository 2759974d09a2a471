r"""Certificate check of a recycling plan, re-evaluated from the input tables.

:func:`evplan.recycling.plan_recycling` calls :func:`check_recycling` before it returns
a :class:`~evplan.recycling.RecyclingResult`. The check reads the
:class:`~evplan.recycling.RecyclingInputs` tables (retired packs, lanes, candidate
plants, tiers, processes, materials, packs, recovery, prices, transport, targets) and
the plan's own tables, and re-derives everything it needs with its own code: the lane
rule that decides each shipment, mass shares, recovered value per tonne, annuities,
discount factors, target shortfalls. It confirms, within :data:`TOLERANCE`:

=====================  ===============================================================
rule                   checked
=====================  ===============================================================
mass balance           per collection point, chemistry and year: shipped + stored now
                       - stored last year = retired (``<=`` for ``max_value``);
                       storage >= 0, within ``max_storage_years`` of supply, nothing
                       left in the last year (``meet_all``); ``supply_tonnes`` as
                       retired
lanes                  every flow on a lane the most specific rule allows; its mode,
                       distance and transport and processing cost as the tables give
plants                 flows only to an open plant running that process; the process
                       allowed at the site; not before its ``first_year``; one tier
                       and process per plant, never closing; opening only in a
                       building year (or the plant's first year); tonnes within the
                       tier's capacity; tier capacity and yearly cost as the tables
                       give
targets                hard targets met; ``compliance`` (share achieved, shortfall,
                       met) as recomputed, per EU plant and for the EU pooled
objective              the discounted net cost recomputed from scratch (transport +
                       processing - recovered value, plant annuity and fixed cost,
                       storage, target shortfall penalty) equals ``objective_usd``;
                       ``economics`` by year as recomputed; ``mip_gap`` >= 0 and
                       within the solver's tolerance when ``status`` is optimal
=====================  ===============================================================

A violation raises :class:`~evplan.errors.VerificationError`: a bug, never a plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evplan.errors import VerificationError

if TYPE_CHECKING:
    from evplan.recycling.plan import RecyclingResult
    from evplan.recycling.tables import RecyclingInputs

__all__ = ["TOLERANCE", "check_recycling", "eu_scope_tonnes"]

TOLERANCE = 1e-6
"""Relative tolerance on rows and the objective (flows under 1e-6 t are not reported)."""

_TONNES = 1e-4  # absolute slack in tonnes (dropped flows, solver feasibility tolerance)
_SHOWN = 5
_GROUP = ["collection_point", "chemistry"]


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of radius 6,371 km (degrees in)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(
        np.radians(lon2 - lon1) / 2) ** 2
    return float(2 * 6371.0 * np.arcsin(np.sqrt(min(max(half, 0.0), 1.0))))


class _Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def rows(self, frame: pd.DataFrame, describe: Any) -> None:
        for row in frame.head(_SHOWN).itertuples(index=False):
            self.lines.append(describe(row))
        if len(frame) > _SHOWN:
            self.lines.append(f"... and {len(frame) - _SHOWN} more of the same kind.")


def _years(inputs: RecyclingInputs, result: RecyclingResult) -> np.ndarray:
    options = result.options
    retired = inputs.retired["year"].astype(int)
    first = int(options.first_year) if options.first_year is not None else int(retired.min())
    last = int(options.last_year) if options.last_year is not None else int(retired.max())
    return np.arange(first, last + 1)


def _slack(*scales: pd.Series | np.ndarray | float) -> np.ndarray:
    largest = np.maximum.reduce([np.abs(np.asarray(scale, dtype=float)) for scale in scales])
    return TOLERANCE * np.maximum(largest, 1.0) + _TONNES


def _mass_shares(inputs: RecyclingInputs) -> pd.DataFrame:
    """Chemistry x material mass share of a tonne of pack; ``other`` closes it to 1."""
    materials = inputs["materials"]
    pack = inputs["packs"].set_index("chemistry")["pack_kg_per_kwh"].astype(float)
    kg = materials.pivot_table(index="chemistry", columns="material", values="kg_per_kwh",
                               aggfunc="sum").reindex(pack.index).fillna(0.0)
    shares = kg.div(pack, axis=0)
    shares["other"] = 1.0 - shares.sum(axis=1)
    return shares


def _recovered_per_tonne(inputs: RecyclingInputs, flows: pd.DataFrame
                         ) -> tuple[np.ndarray, pd.Index]:
    """Flows x materials: tonnes recovered per tonne of pack processed."""
    shares = _mass_shares(inputs)
    rate = inputs["recovery"].pivot_table(index="process", columns="material",
                                          values="recovery", aggfunc="first")
    rate = rate.reindex(index=inputs["processes"]["process"], columns=shares.columns).fillna(0.0)
    content = shares.reindex(flows["chemistry"].to_numpy()).to_numpy()
    recovered = content * rate.reindex(flows["process"].to_numpy()).to_numpy()
    return recovered, shares.columns


def _lane_rules(inputs: RecyclingInputs, flows: pd.DataFrame) -> pd.DataFrame:
    """The deciding lane rule of each distinct (collection point, plant) of the flows.

    The most specific matching rule decides (an id counts 2, a region 1, ``'*'`` 0, summed
    over both ends); on a tie the later row.
    """
    points = inputs["collection_points"].set_index("collection_point")
    plants = inputs["candidate_plants"].set_index("plant")
    where: dict[str, tuple[float, float]] = {
        **{str(k): (float(a), float(b)) for k, a, b in zip(
            points.index, points["lat"], points["lon"], strict=True)},
        **{f"plant:{k}": (float(a), float(b)) for k, a, b in zip(
            plants.index, plants["lat"], plants["lon"], strict=True)}}
    rules = inputs["lanes"].reset_index(drop=True)
    order = rules["row"].to_numpy() if "row" in rules else np.arange(len(rules))
    transport = {str(mode): (float(handling), float(rate), float(circuity))
                 for mode, handling, rate, circuity in inputs["transport"][
                     ["mode", "handling_usd_per_tonne", "usd_per_tonne_km", "circuity"]
                 ].itertuples(index=False)}
    columns = ["collection_point", "plant", "lane_allowed", "lane_mode", "lane_km",
               "lane_usd_per_tonne"]
    out = []
    rule_from = rules["from"].astype(str).to_numpy()
    rule_to = rules["to"].astype(str).to_numpy()
    region = {**{str(k): str(v) for k, v in points["region"].items()},
              **{f"plant:{k}": str(v) for k, v in plants["region"].items()}}
    for point, plant in flows[["collection_point", "plant"]].drop_duplicates().itertuples(
            index=False):
        ends = [(rule_from, str(point), region[str(point)]),
                (rule_to, str(plant), region[f"plant:{plant}"])]
        level = [np.select([end == name, end == region, end == "*"], [2, 1, 0], -1)
                 for end, name, region in ends]
        score = np.where((level[0] >= 0) & (level[1] >= 0), level[0] + level[1], -1)
        if (score < 0).all():
            out.append({"collection_point": point, "plant": plant, "lane_allowed": False})
            continue
        best = int(np.lexsort((order, score))[-1])
        rule = rules.iloc[best]
        mode = str(rule["mode"])
        allowed = bool(rule["allowed"]) and mode in transport
        distance = cost = float("nan")
        if allowed:
            handling, rate, circuity = transport[mode]
            straight = _great_circle_km(*where[str(point)], *where[f"plant:{plant}"])
            given = rule["distance_km"] if "distance_km" in rules else None
            distance = straight * circuity if given is None or pd.isna(given) else float(
                str(given))
            cost = handling + rate * distance
        out.append({"collection_point": point, "plant": plant, "lane_allowed": allowed,
                    "lane_mode": mode, "lane_km": distance, "lane_usd_per_tonne": cost})
    frame = pd.DataFrame(out, columns=columns).fillna({"lane_allowed": False})
    return frame.astype({"lane_allowed": bool, "lane_mode": str, "lane_km": float,
                         "lane_usd_per_tonne": float})


def _check_flows(inputs: RecyclingInputs, flows: pd.DataFrame, lane_rules: pd.DataFrame,
                 years: np.ndarray, report: _Report) -> None:
    report.rows(flows[~np.isfinite(flows["tonnes"]) | (flows["tonnes"] < -_TONNES)],
                lambda r: f"flow {r.collection_point} -> {r.plant} ({r.process}, {r.chemistry},"
                f" {r.year}): tonnes {r.tonnes:g} is negative.")
    lanes = flows.merge(lane_rules, on=["collection_point", "plant"], how="left")
    report.rows(lanes[~lanes["lane_allowed"].astype(bool)],
                lambda r: f"flow {r.collection_point} -> {r.plant} in {r.year}: no lane rule "
                "allows this shipment.")
    allowed = lanes[lanes["lane_allowed"].astype(bool)]
    expected_transport = allowed["tonnes"] * allowed["lane_usd_per_tonne"]
    wrong = (allowed["mode"] != allowed["lane_mode"]) | ~np.isclose(
        allowed["distance_km"], allowed["lane_km"], rtol=1e-9) | ~np.isclose(
        allowed["transport_usd"], expected_transport, rtol=1e-9, atol=1e-6)
    report.rows(allowed[wrong], lambda r: f"flow {r.collection_point} -> {r.plant} in {r.year}:"
                f" mode {r.mode}, {r.distance_km:g} km, USD {r.transport_usd:,.2f}; the lane "
                f"rule gives {r.lane_mode}, {r.lane_km:g} km, USD "
                f"{r.tonnes * r.lane_usd_per_tonne:,.2f}.")
    processing = inputs["processes"].set_index("process")["processing_usd_per_tonne"]
    expected_processing = flows["tonnes"] * flows["process"].map(processing).astype(float)
    report.rows(flows[~np.isclose(flows["processing_usd"], expected_processing, rtol=1e-9,
                                  atol=1e-6)],
                lambda r: f"flow {r.collection_point} -> {r.plant} in {r.year}: processing "
                f"USD {r.processing_usd:,.2f} differs from the processes table.")
    plants = inputs["candidate_plants"].set_index("plant")
    first_year = flows["plant"].map(plants["first_year"]).astype("Float64").fillna(
        int(years[0])).astype(float)
    report.rows(flows[(flows["year"] < first_year) | ~flows["year"].isin(years)],
                lambda r: f"flow to {r.plant} in {r.year}: outside the horizon or before the "
                "plant's first_year.")
    permitted = flows["plant"].map(plants["processes"]).astype(str)
    listed = [process in [name.strip() for name in text.split(";")] or text.strip() == "*"
              for process, text in zip(flows["process"], permitted, strict=True)]
    report.rows(flows[~np.array(listed, dtype=bool)],
                lambda r: f"flow to {r.plant} runs {r.process}, which candidate_plants does "
                "not allow there.")


def _check_balance(inputs: RecyclingInputs, result: RecyclingResult, years: np.ndarray,
                   flows: pd.DataFrame, report: _Report) -> None:
    options = result.options
    retired = inputs.retired[inputs.retired["year"].between(years[0], years[-1])]
    supply = retired.groupby([*_GROUP, "year"])["tonnes"].sum().rename("retired")
    first = retired.groupby(_GROUP)["year"].min().rename("first")
    grid = first.reset_index().merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid[grid["year"] >= grid["first"]].merge(supply.reset_index(), how="left",
                                                     on=[*_GROUP, "year"])
    grid["retired"] = grid["retired"].fillna(0.0)
    shipped = flows.groupby([*_GROUP, "year"])["tonnes"].sum().rename("shipped").reset_index()
    stranded = shipped.merge(grid[[*_GROUP, "year"]], how="left", indicator=True)
    report.rows(stranded[stranded["_merge"] == "left_only"],
                lambda r: f"{r.collection_point} ships {r.chemistry} in {r.year}, when it has "
                "no retired packs yet.")
    stored = result["storage"].rename(columns={"stored_tonnes": "stored"})
    grid = grid.merge(shipped, how="left", on=[*_GROUP, "year"]).merge(
        stored[[*_GROUP, "year", "supply_tonnes", "stored"]], how="left", on=[*_GROUP, "year"])
    grid = grid.fillna({"shipped": 0.0, "stored": 0.0}).sort_values([*_GROUP, "year"])
    report.rows(grid[(grid["supply_tonnes"] - grid["retired"]).abs().gt(_slack(grid["retired"]))
                     | grid["supply_tonnes"].isna()],
                lambda r: f"storage row {r.collection_point}, {r.chemistry}, {r.year}: "
                f"supply_tonnes {r.supply_tonnes} but {r.retired:g} t retired.")
    before = grid.groupby(_GROUP)["stored"].shift(1).fillna(0.0)
    net = grid["shipped"] + grid["stored"] - before
    slack = _slack(grid["retired"], grid["shipped"], grid["stored"])
    broken = (net - grid["retired"] > slack) | (
        (options.objective == "meet_all") & (grid["retired"] - net > slack))
    report.rows(grid.assign(net=net)[broken],
                lambda r: f"mass balance of {r.collection_point}, {r.chemistry}, {r.year}: "
                f"shipped {r.shipped:g} + stored {r.stored:g} - stored before, {r.net:g} t, but "
                f"{r.retired:g} t retired.")
    window = max(int(options.max_storage_years), 0)
    allowed = grid.groupby(_GROUP)["retired"].transform(
        lambda series: series.rolling(window, min_periods=1).sum()) if window else 0.0 * grid[
        "retired"]
    if options.objective == "meet_all":
        allowed = allowed.where(grid["year"] != years[-1], 0.0)
    report.rows(grid.assign(allowed=allowed)[(grid["stored"] < -_TONNES)
                                             | (grid["stored"] - allowed > slack)],
                lambda r: f"storage of {r.collection_point}, {r.chemistry} in {r.year}: "
                f"{r.stored:g} t, allowed 0 to {r.allowed:g} t.")


def _annual_cost(inputs: RecyclingInputs, rate: float) -> pd.DataFrame:
    tiers = inputs["plant_tiers"].set_index("tier")
    life = tiers["life_years"].astype(float)
    factor = 1.0 / life if rate == 0 else rate / (1.0 - (1.0 + rate) ** -life)
    return pd.DataFrame({"tier_capacity": tiers["capacity_tonnes_per_year"].astype(float),
                         "tier_cost": tiers["capital_usd"] * factor
                         + tiers["fixed_usd_per_year"]})


def _check_plants(inputs: RecyclingInputs, result: RecyclingResult, years: np.ndarray,
                  flows: pd.DataFrame, report: _Report) -> pd.DataFrame:
    options = result.options
    open_years = result["plant_years"]
    report.rows(open_years[open_years.duplicated(["plant", "year"], keep=False)],
                lambda r: f"plant {r.plant} runs more than one tier or process in {r.year}.")
    tiers = _annual_cost(inputs, float(options.discount_rate))
    rows = open_years.join(tiers, on="tier")
    report.rows(rows[rows["tier_capacity"].isna()
                     | ~np.isclose(rows["capacity_tonnes"], rows["tier_capacity"], rtol=1e-9)
                     | ~np.isclose(rows["annual_cost_usd"], rows["tier_cost"], rtol=1e-9)],
                lambda r: f"plant {r.plant} in {r.year}: tier {r.tier} with capacity "
                f"{r.capacity_tonnes:g} t and cost {r.annual_cost_usd:,.0f}; plant_tiers gives "
                f"{r.tier_capacity:g} t and {r.tier_cost:,.0f}.")
    step = max(int(options.build_every_years), 1)
    first_years = dict(zip(inputs["candidate_plants"]["plant"], pd.to_numeric(
        inputs["candidate_plants"]["first_year"]).astype(float).fillna(float(years[0])),
        strict=True))
    for plant, group in open_years.sort_values("year").groupby("plant"):
        start = max(int(years[0]), int(first_years.get(plant, years[0])))
        opened = int(group["year"].min())
        expected = list(range(opened, int(years[-1]) + 1))
        if group["year"].tolist() != expected or group[["tier", "process"]].nunique().max() > 1:
            report.lines.append(f"plant {plant} closes or changes tier or process: open in "
                                f"{group['year'].tolist()}.")
        if opened < start or (opened != start and (opened - int(years[0])) % step):
            report.lines.append(f"plant {plant} opens in {opened}, not a building year "
                                f"(every {step} years from {years[0]}) nor its first year "
                                f"{start}.")
    through = flows.groupby(["plant", "process", "year"], as_index=False)["tonnes"].sum()
    merged = through.merge(open_years, on=["plant", "process", "year"], how="left")
    report.rows(merged[merged["capacity_tonnes"].isna() & (merged["tonnes"] > _TONNES)],
                lambda r: f"{r.tonnes:g} t go to {r.plant} ({r.process}) in {r.year}, which "
                "is not open with that process.")
    report.rows(merged[merged["tonnes"] - merged["capacity_tonnes"]
                       > _slack(merged["capacity_tonnes"])],
                lambda r: f"plant {r.plant} processes {r.tonnes:g} t in {r.year}, above its "
                f"capacity {r.capacity_tonnes:g} t.")
    listed = result["plants"].set_index(["plant", "tier", "process"])["opened_year"]
    actual = open_years.groupby(["plant", "tier", "process"])["year"].min()
    if not listed.sort_index().astype(int).equals(actual.sort_index().astype(int)):
        report.lines.append("the plants table does not list each open plant with its first "
                            "open year.")
    return rows


def eu_scope_tonnes(inputs: RecyclingInputs, tonnes: pd.DataFrame) -> pd.DataFrame:
    """Input and recovered tonnes by EU target scope: each EU plant and ``EU`` pooled, by
    year and material, plus ``*`` (all materials) for each scope and year.

    ``tonnes`` has plant, year, material, input_tonnes and recovered_tonnes (any rows; the
    plants outside the EU are left out). Columns: scope, year, material and the two sums.
    """
    plants = inputs["candidate_plants"]
    eu = set(plants.loc[plants["eu"].astype(bool), "plant"])
    sums = ["input_tonnes", "recovered_tonnes"]
    by_plant = tonnes[tonnes["plant"].isin(eu)].groupby(
        ["plant", "year", "material"], as_index=False)[sums].sum().rename(
        columns={"plant": "scope"})
    pooled = by_plant.groupby(["year", "material"], as_index=False)[sums].sum().assign(
        scope="EU")
    rows = pd.concat([by_plant, pooled], ignore_index=True)
    whole = rows.groupby(["scope", "year"], as_index=False)[sums].sum().assign(material="*")
    return pd.concat([rows, whole], ignore_index=True)


def _shortfalls(inputs: RecyclingInputs, result: RecyclingResult, years: np.ndarray,
                flows: pd.DataFrame) -> pd.DataFrame:
    """Per EU plant (and ``EU`` pooled), year and target in force: input, recovered, short."""
    recovered, materials = _recovered_per_tonne(inputs, flows)
    content = _mass_shares(inputs).reindex(flows["chemistry"].to_numpy())[materials].to_numpy()
    tonnes = flows["tonnes"].to_numpy()[:, None]
    long = pd.DataFrame({"plant": np.repeat(flows["plant"].to_numpy(), len(materials)),
                         "year": np.repeat(flows["year"].to_numpy(), len(materials)),
                         "material": np.tile(np.asarray(materials), len(flows)),
                         "input_tonnes": (tonnes * content).ravel(),
                         "recovered_tonnes": (tonnes * recovered).ravel()})
    rows = eu_scope_tonnes(inputs, long)
    targets = inputs["targets"]
    targets = targets.loc[targets["target"] != "recycled_content",
                          ["target", "material", "from_year", "share"]]
    # in force in a year: the row with the latest from_year <= year
    active = targets.merge(pd.DataFrame({"year": years}), how="cross")
    active = active[active["from_year"] <= active["year"]].sort_values("from_year")
    active = active.drop_duplicates(["target", "material", "year"], keep="last")
    out = active.drop(columns="from_year").merge(rows, on=["year", "material"])
    out = out[out["input_tonnes"] > 1e-9]
    out["share_achieved"] = out["recovered_tonnes"] / out["input_tonnes"]
    out["short"] = np.maximum(out["share"] * out["input_tonnes"] - out["recovered_tonnes"], 0.0)
    return out.reset_index(drop=True)


def _check_targets(result: RecyclingResult, shortfalls: pd.DataFrame, report: _Report) -> None:
    options = result.options
    slack = _slack(shortfalls["input_tonnes"])
    if options.eu_targets and options.target_penalty_usd_per_tonne is None:
        report.rows(shortfalls[shortfalls["short"] > slack],
                    lambda r: f"hard EU target {r.target} ({r.material}) of {r.share:.0%} at "
                    f"{r.scope} in {r.year}: achieved {r.share_achieved:.4%}.")
    compliance = result["compliance"]
    merged = shortfalls.merge(compliance, how="outer", indicator=True,
                              on=["scope", "year", "target", "material"])
    report.rows(merged[merged["_merge"] != "both"],
                lambda r: f"compliance row for {r.scope}, {r.year}, {r.target} ({r.material}) "
                "is missing or has no processed tonnes behind it.")
    both = merged[merged["_merge"] == "both"]
    wrong = ((both["share_achieved_x"] - both["share_achieved_y"]).abs() > 1e-6) | (
        (both["shortfall_tonnes"] - both["short"]).abs() > _slack(both["input_tonnes_x"])) | (
        both["met"].astype(bool) != (both["short"] <= _slack(both["input_tonnes_x"])))
    report.rows(both[wrong],
                lambda r: f"compliance of {r.scope}, {r.year}, {r.target} ({r.material}): "
                f"reported share {r.share_achieved_y:.6f}, shortfall {r.shortfall_tonnes:g} t, "
                f"met {r.met}; recomputed {r.share_achieved_x:.6f}, {r.short:g} t.")


def _check_objective(inputs: RecyclingInputs, result: RecyclingResult, years: np.ndarray,
                     flows: pd.DataFrame, lane_rules: pd.DataFrame, plant_rows: pd.DataFrame,
                     shortfalls: pd.DataFrame, report: _Report) -> None:
    options = result.options
    rate = float(options.discount_rate)
    discount = pd.Series((1.0 + rate) ** -(years - years[0]), index=years)
    recovered, materials = _recovered_per_tonne(inputs, flows)
    prices = inputs["prices"].set_index("material")["usd_per_tonne"].reindex(materials).fillna(
        0.0).to_numpy()
    revenue = flows["tonnes"].to_numpy() * (recovered @ prices)
    transport = flows.merge(lane_rules, on=["collection_point", "plant"], how="left")[
        "lane_usd_per_tonne"].fillna(0.0).to_numpy() * flows["tonnes"].to_numpy()
    processing = (flows["tonnes"] * flows["process"].map(inputs["processes"].set_index(
        "process")["processing_usd_per_tonne"]).astype(float)).to_numpy()
    storage = result["storage"]
    yearly = pd.DataFrame({"year": years})
    sums = {
        "tonnes_processed": flows.groupby("year")["tonnes"].sum(),
        "revenue_usd": pd.Series(revenue).groupby(flows["year"].to_numpy()).sum(),
        "processing_usd": pd.Series(processing).groupby(flows["year"].to_numpy()).sum(),
        "transport_usd": pd.Series(transport).groupby(flows["year"].to_numpy()).sum(),
        "plant_usd": plant_rows.groupby("year")["tier_cost"].sum(),
        "storage_usd": storage.groupby("year")["stored_tonnes"].sum()
        * options.storage_usd_per_tonne_year,
    }
    for name, series in sums.items():
        yearly[name] = yearly["year"].map(series).fillna(0.0).astype(float)
    penalty = 0.0
    if options.eu_targets and options.target_penalty_usd_per_tonne is not None:
        per_plant = shortfalls[shortfalls["scope"] != "EU"]
        penalty = float((per_plant["short"] * per_plant["year"].map(discount)).sum()
                        * options.target_penalty_usd_per_tonne)
    weight = yearly["year"].map(discount)
    terms = (yearly[["processing_usd", "transport_usd", "plant_usd", "storage_usd"]].sum(axis=1)
             - yearly["revenue_usd"]) * weight
    objective = float(terms.sum()) + penalty
    scale = float((yearly.drop(columns=["year", "tonnes_processed"]).abs().sum(axis=1)
                   * weight).sum()) + abs(penalty)
    if abs(result.objective_usd - objective) > TOLERANCE * max(scale, 1.0) + 1.0:
        report.lines.append(f"objective_usd {result.objective_usd:,.2f} differs from "
                            f"{objective:,.2f}, recomputed from the input tables.")
    economics = result["economics"]
    repeated = sorted({int(year) for year in economics["year"][economics["year"].duplicated()]})
    extra = sorted({int(year) for year in economics["year"]} - {int(year) for year in years})
    if repeated or extra:  # each plan year is one row: compare nothing else
        report.lines.append("economics has " + "; ".join(
            ([f"more than one row for {', '.join(map(str, repeated[:_SHOWN]))}"]
             if repeated else [])
            + ([f"rows for {', '.join(map(str, extra[:_SHOWN]))}, outside the plan's years"]
               if extra else [])) + ".")
        sums = {}
    reported = economics.drop_duplicates("year").set_index("year")
    for name in sums:
        found = reported[name].reindex(years).fillna(0.0).to_numpy(dtype=float)
        expected = yearly[name].to_numpy()
        off = np.abs(found - expected) > TOLERANCE * np.maximum(np.abs(expected), 1.0) + 1.0
        for position in np.flatnonzero(off)[:_SHOWN]:
            report.lines.append(f"economics {name} in {years[position]}: reported "
                                f"{found[position]:,.2f}, recomputed {expected[position]:,.2f}.")
    gap = result.mip_gap
    tolerance = options.solver.mip_gap
    if not gap >= 0 or (result.status == "optimal" and gap > tolerance * (1 + 1e-6)
                        and gap * abs(result.objective_usd) > 1e-5):
        report.lines.append(f"status {result.status} with mip_gap {gap!r} (tolerance "
                            f"{tolerance:g}).")
    summary = result["summary"].iloc[0]
    if (summary["status"] != result.status
            or not np.isclose(summary["mip_gap"], gap, rtol=1e-12, equal_nan=True)
            or not np.isclose(summary["objective_usd"], result.objective_usd, rtol=1e-12)):
        report.lines.append("the summary's status, objective or gap differ from the result's.")


def _unknown_names(inputs: RecyclingInputs, result: RecyclingResult) -> list[str]:
    """Collection points, plants, chemistries and processes of the plan's flows and storage
    that the inputs do not declare (the other checks look each one up)."""
    known = {"collection_point": set(inputs["collection_points"]["collection_point"].astype(str)),
             "plant": set(inputs["candidate_plants"]["plant"].astype(str)),
             "chemistry": set(inputs["packs"]["chemistry"].astype(str)),
             "process": set(inputs["processes"]["process"].astype(str))}
    lines = []
    for table in ("flows", "storage", "plant_years"):
        frame = result[table]
        for column, names in known.items():
            if column not in frame:
                continue
            unknown = sorted(set(frame[column].astype(str)) - names)
            if unknown:
                lines.append(f"the {table} table names {column} {', '.join(unknown[:_SHOWN])}"
                             f"{' ...' if len(unknown) > _SHOWN else ''}, which the inputs do "
                             "not declare.")
    return lines


def check_recycling(result: RecyclingResult, inputs: RecyclingInputs) -> None:
    """Re-evaluate a recycling plan against its input tables; raise on any broken rule.

    Parameters
    ----------
    result : RecyclingResult
        What :func:`~evplan.recycling.plan_recycling` is about to return (its
        ``options`` are the options it was solved with).
    inputs : RecyclingInputs
        The inputs it was solved from.

    Raises
    ------
    evplan.errors.VerificationError
        Listing every rule the plan breaks.
    """
    unknown = _unknown_names(inputs, result)
    if unknown:  # every later check looks these names up
        raise VerificationError([f"recycling: {line}" for line in unknown])
    report = _Report()
    years = _years(inputs, result)
    flows = result["flows"].astype({"year": int, "tonnes": float, "distance_km": float,
                                    "transport_usd": float, "processing_usd": float})
    lane_rules = _lane_rules(inputs, flows)
    _check_flows(inputs, flows, lane_rules, years, report)
    _check_balance(inputs, result, years, flows, report)
    plant_rows = _check_plants(inputs, result, years, flows, report)
    shortfalls = _shortfalls(inputs, result, years, flows)
    _check_targets(result, shortfalls, report)
    _check_objective(inputs, result, years, flows, lane_rules, plant_rows, shortfalls, report)
    if report.lines:
        raise VerificationError([f"recycling: {line}" for line in report.lines])
