"""Certificate of the tables a recycling plan reports beside its decisions.

:func:`evplan.verify.recycling.check_recycling` certifies the decisions (flows, storage,
open plants) against every row of the model and the objective. The tables derived from
them are what users read, so :func:`check_derived_tables` re-derives them from the input
tables and the certified ``flows``, ``plants`` and ``plant_years`` with code of its own:

==========================  ===============================================================
table                       checked
==========================  ===============================================================
``recovered``               per plant, process, year and material: input = flow tonnes x
                            mass share, recovered = input x recovery rate, lost = input -
                            recovered, revenue = recovered x price (a row on one side only
                            must be zeros)
``recovered_by_year``       the sums of ``recovered`` by year and material
``plant_years``             throughput, transport, processing and revenue of each open
                            plant-year are the sums of its flows; utilisation = throughput /
                            capacity
``material_flows``          tonnes of each material in the retired packs (retired tonnes x
                            mass share)
``marginal_costs``          one row per collection point, chemistry and year of ``storage``,
                            with its retired tonnes; the marginal cost (and the shadow prices)
                            where the fixed-network LP pins them (:func:`_check_duals`)
``recycled_content``        demand = new EU batteries' kWh x kg/kWh, required = share x
                            demand, supply = what EU plants recover, shortfall and met
``summary``                 first and last year, retired, processed and recovered tonnes,
                            revenue, cost, net value (and per tonne) and plants opened
``plants``                  each open plant's tier capacity and capital (``plant_tiers``),
                            annual cost (its certified ``plant_years``) and the site's name,
                            region, country, eu, lat and lon (``candidate_plants``)
``economics``               net value = revenue - processing - transport - plant - storage,
                            and per tonne processed (empty when nothing is processed)
``compliance``              share required (the target in force), input and recovered tonnes
                            per EU plant and EU-wide (share, shortfall and met are checked by
                            :func:`~evplan.verify.recycling.check_recycling`)
``collection_points``       the input rows of the collection points with retired packs
==========================  ===============================================================

A row whose keys name a plant, process, year, collection point or chemistry with nothing
behind it (say ``recovered`` for a plant that processes nothing) counts as a mismatch too,
even with zero values: only the materials may be listed beyond what the flows hold.

A mismatch raises :class:`~evplan.errors.VerificationError` (a bug; no plan is returned).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evplan.errors import VerificationError
from evplan.recycling.tables import MATERIALS

if TYPE_CHECKING:
    from evplan.recycling.plan import RecyclingResult
    from evplan.recycling.tables import RecyclingInputs

__all__ = ["check_derived_tables"]

_REL = 1e-6
_ABS = 1e-4  # tonnes or USD
_SHOWN = 5


def _shares(inputs: RecyclingInputs) -> dict[tuple[str, str], float]:
    """(chemistry, material) -> mass share of a tonne of pack; ``other`` closes to one."""
    pack = dict(zip(inputs["packs"]["chemistry"], inputs["packs"]["pack_kg_per_kwh"],
                    strict=True))
    shares: dict[tuple[str, str], float] = {}
    for chemistry, material, kg in inputs["materials"][
            ["chemistry", "material", "kg_per_kwh"]].itertuples(index=False):
        key = (str(chemistry), str(material))
        shares[key] = shares.get(key, 0.0) + float(kg) / float(pack[chemistry])
    for chemistry in pack:
        shares[str(chemistry), "other"] = 1.0 - sum(
            value for (chem, _), value in shares.items() if chem == chemistry)
    return shares


def _compare(found: pd.DataFrame, expected: pd.DataFrame, keys: list[str],
             columns: list[str], what: str, lines: list[str],
             materials: frozenset[str] = frozenset()) -> None:
    """Rows of ``found`` and ``expected`` on ``keys``; a row on one side only counts as
    zeros on the other (the tables list every tracked material, zero or not), but a row of
    ``found`` whose keys other than ``material`` match no row of ``expected``, or whose
    material is none of ``materials``, is reported."""
    merged = found[[*keys, *columns]].merge(expected[[*keys, *columns]], on=keys, how="outer",
                                            suffixes=("", "_expected"), indicator=True)
    if merged[keys].duplicated().any():
        lines.append(f"{what} has repeated rows for the same {', '.join(keys)}.")
    outer = [key for key in keys if key != "material"]
    if outer:
        known = set(expected[outer].astype(str).itertuples(index=False, name=None))
        alone = merged[merged["_merge"] == "left_only"]
        stray = [key for key in alone[outer].astype(str).itertuples(index=False, name=None)
                 if key not in known]
        if "material" in keys:
            stray += [(str(name),) for name in alone["material"].astype(str)
                      if name not in materials]
        for names in stray[:_SHOWN]:
            lines.append(f"{what} has a row for ({', '.join(names)}), which has nothing "
                         "behind it.")
    for column in columns:
        got = merged[column].astype(float).fillna(0.0).to_numpy()
        want = merged[f"{column}_expected"].astype(float).fillna(0.0).to_numpy()
        off = ~np.isclose(got, want, rtol=_REL, atol=_ABS)
        for position in np.flatnonzero(off)[:_SHOWN]:
            key = ", ".join(str(merged[k].iloc[position]) for k in keys)
            lines.append(f"{what} ({key}): {column} reported {got[position]:,.6g}, recomputed "
                         f"{want[position]:,.6g}.")


def _materials(inputs: RecyclingInputs) -> frozenset[str]:
    """Every tracked material, every material an input table names, and ``other``."""
    named = {str(name) for table in ("materials", "recovery", "prices")
             for name in inputs[table]["material"]}
    return frozenset({"other", *MATERIALS} | named)


def _recovered(inputs: RecyclingInputs, flows: pd.DataFrame) -> pd.DataFrame:
    shares = _shares(inputs)
    rate = {(str(p), str(m)): float(r) for p, m, r in inputs["recovery"][
        ["process", "material", "recovery"]].itertuples(index=False)}
    price = {str(m): float(v) for m, v in inputs["prices"][
        ["material", "usd_per_tonne"]].itertuples(index=False)}
    materials = sorted({material for _, material in shares})
    rows = []
    for plant, process, chemistry, year, tonnes in flows[
            ["plant", "process", "chemistry", "year", "tonnes"]].itertuples(index=False):
        for material in materials:
            inflow = float(tonnes) * shares.get((str(chemistry), material), 0.0)
            back = inflow * rate.get((str(process), material), 0.0)
            rows.append((plant, process, int(year), material, inflow, back, inflow - back,
                         back * price.get(material, 0.0)))
    frame = pd.DataFrame(rows, columns=["plant", "process", "year", "material", "input_tonnes",
                                        "recovered_tonnes", "lost_tonnes", "revenue_usd"])
    return frame.groupby(["plant", "process", "year", "material"], as_index=False).sum()


def check_derived_tables(result: RecyclingResult, inputs: RecyclingInputs) -> None:
    """Re-derive the reported tables (see the module docstring); raise on a mismatch.

    Parameters
    ----------
    result : RecyclingResult
        A plan whose decisions :func:`evplan.verify.recycling.check_recycling` certified.
    inputs : RecyclingInputs
        The inputs it was solved from.

    Raises
    ------
    evplan.errors.VerificationError
        Listing every mismatch.
    """
    lines: list[str] = []
    flows = result["flows"].astype({"year": int, "tonnes": float})
    values = ["input_tonnes", "recovered_tonnes", "lost_tonnes", "revenue_usd"]
    known = _materials(inputs)
    recovered = _recovered(inputs, flows)
    _compare(result["recovered"].astype({"year": int}), recovered,
             ["plant", "process", "year", "material"], values, "recovered", lines, known)
    by_year = recovered.groupby(["year", "material"], as_index=False)[values].sum()
    _compare(result["recovered_by_year"].astype({"year": int}), by_year, ["year", "material"],
             values, "recovered_by_year", lines, known)

    plant_years = result["plant_years"].astype({"year": int})
    sums = flows.groupby(["plant", "year"], as_index=False)[
        ["tonnes", "transport_usd", "processing_usd"]].sum().rename(
        columns={"tonnes": "throughput_tonnes"})
    revenue = recovered.groupby(["plant", "year"], as_index=False)["revenue_usd"].sum()
    expected = plant_years[["plant", "year", "capacity_tonnes"]].merge(
        sums, on=["plant", "year"], how="left").merge(revenue, on=["plant", "year"],
                                                     how="left").fillna(0.0)
    expected["utilisation"] = expected["throughput_tonnes"] / expected["capacity_tonnes"]
    _compare(plant_years, expected, ["plant", "year"],
             ["throughput_tonnes", "transport_usd", "processing_usd", "revenue_usd",
              "utilisation"], "plant_years", lines)

    shares = _shares(inputs)
    retired = inputs.retired
    material_rows = [(point, int(year), chemistry, material, float(tonnes) * share)
                     for point, year, chemistry, tonnes in retired[
                         ["collection_point", "year", "chemistry", "tonnes"]].itertuples(
                         index=False)
                     for (chem, material), share in shares.items() if chem == chemistry]
    material_keys = ["collection_point", "year", "chemistry", "material"]
    material_flows = pd.DataFrame(material_rows, columns=[*material_keys, "tonnes"]).groupby(
        material_keys, as_index=False)[["tonnes"]].sum()
    _compare(result["material_flows"].astype({"year": int}), material_flows,
             ["collection_point", "year", "chemistry", "material"], ["tonnes"],
             "material_flows", lines, known)

    storage = result["storage"].astype({"year": int})
    _compare(result["marginal_costs"].astype({"year": int}), storage,
             ["collection_point", "chemistry", "year"], ["supply_tonnes"], "marginal_costs",
             lines)

    _check_content(result, inputs, recovered, lines)
    _check_summary(result, inputs, flows, recovered, lines)
    _check_plants(result, inputs, lines)
    _check_economics(result, lines)
    _check_compliance(result, inputs, recovered, lines)
    _check_collection_points(result, inputs, lines)
    _check_duals(result, inputs, flows, lines)
    if lines:
        raise VerificationError([f"recycling: {line}" for line in lines])


def _check_content(result: RecyclingResult, inputs: RecyclingInputs,
                   recovered: pd.DataFrame, lines: list[str]) -> None:
    content = result["recycled_content"]
    batteries = inputs.new_batteries
    targets = inputs["targets"]
    rows = targets[targets["target"] == "recycled_content"]
    if batteries is None or batteries.empty or rows.empty:
        if len(content):
            lines.append("recycled_content has rows without new batteries or targets.")
        return
    years = sorted(int(y) for y in result["economics"]["year"])
    eu = set(inputs["candidate_plants"].loc[inputs["candidate_plants"]["eu"].astype(bool),
                                            "plant"])
    supply = recovered[recovered["plant"].isin(eu)].groupby(["year", "material"])[
        "recovered_tonnes"].sum()
    kg = inputs["materials"].groupby(["chemistry", "material"])["kg_per_kwh"].sum()
    expected = []
    for material in sorted(set(rows["material"])):
        mine = rows[rows["material"] == material].sort_values("from_year")
        for year in years:
            started = mine[mine["from_year"] <= year]
            if started.empty:
                continue
            share = float(started["share"].iloc[-1])
            new = batteries[batteries["year"] == year]
            demand = float(sum(float(kwh) * float(kg.get((chemistry, material), 0.0)) / 1000.0
                               for chemistry, kwh in new[["chemistry", "kwh"]].itertuples(
                                   index=False)))
            have = float(supply.get((year, material), 0.0))
            short = max(share * demand - have, 0.0)
            expected.append((year, material, share, demand, share * demand, have, short,
                             short <= 1e-9))
    frame = pd.DataFrame(expected, columns=[
        "year", "material", "share_required", "demand_tonnes", "required_tonnes",
        "recycled_supply_tonnes", "shortfall_tonnes", "met"])
    _compare(content.astype({"year": int}), frame, ["year", "material"],
             ["share_required", "demand_tonnes", "required_tonnes", "recycled_supply_tonnes",
              "shortfall_tonnes"], "recycled_content", lines)
    merged = content.astype({"year": int}).merge(frame, on=["year", "material"],
                                                 suffixes=("", "_expected"))
    wrong = merged[merged["met"].astype(bool) != merged["met_expected"].astype(bool)]
    for row in wrong.head(_SHOWN).itertuples():
        lines.append(f"recycled_content {row.year} {row.material}: met {row.met}, "
                     f"recomputed {row.met_expected}.")


def _check_summary(result: RecyclingResult, inputs: RecyclingInputs, flows: pd.DataFrame,
                   recovered: pd.DataFrame, lines: list[str]) -> None:
    summary = result["summary"].iloc[0]
    economics = result["economics"]
    first, last = int(summary["first_year"]), int(summary["last_year"])
    retired = inputs.retired[inputs.retired["year"].between(first, last)]
    cost = float(economics[["processing_usd", "transport_usd", "plant_usd",
                            "storage_usd"]].to_numpy(dtype=float).sum())
    revenue = float(recovered["revenue_usd"].sum())
    expected = {"retired_tonnes": float(retired["tonnes"].sum()),
                "processed_tonnes": float(flows["tonnes"].sum()),
                "recovered_tonnes": float(recovered["recovered_tonnes"].sum()),
                "revenue_usd": revenue, "cost_usd": cost, "net_value_usd": revenue - cost,
                "plants_opened": float(len(result["plants"])),
                "net_value_usd_per_tonne": (revenue - cost) / float(flows["tonnes"].sum())
                if float(flows["tonnes"].sum()) > 0 else float("nan")}
    years = economics["year"].astype(int)
    if len(years) and (first != int(years.min()) or last != int(years.max())):
        lines.append(f"summary years {first}-{last}, economics {int(years.min())}-"
                     f"{int(years.max())}.")
    for name, value in expected.items():
        got = float(summary[name])
        if not np.isclose(got, value, rtol=_REL, atol=_ABS, equal_nan=True):
            lines.append(f"summary {name}: reported {got:,.6g}, recomputed {value:,.6g}.")


def _same(found: object, wanted: object) -> bool:
    """Equal as numbers when both read as numbers, else as text (blank = missing)."""
    if isinstance(found, bool | np.bool_) or isinstance(wanted, bool | np.bool_):
        return bool(found) == bool(wanted)
    try:
        a, b = float(found), float(wanted)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ("" if pd.isna(found) else str(found)) == ("" if pd.isna(wanted)  # type: ignore[call-overload]
                                                         else str(wanted))
    return bool(np.isclose(a, b, rtol=_REL, atol=_ABS, equal_nan=True))


def _check_plants(result: RecyclingResult, inputs: RecyclingInputs, lines: list[str]) -> None:
    """Each open plant's tier figures and site attributes as the inputs give them."""
    tiers = inputs["plant_tiers"].set_index("tier")
    sites = inputs["candidate_plants"].drop_duplicates("plant").set_index("plant")
    yearly = result["plant_years"].sort_values("year").drop_duplicates("plant").set_index(
        "plant")["annual_cost_usd"]
    wrong = 0
    for row in result["plants"].to_dict("records"):
        plant, tier = row["plant"], row["tier"]
        wanted: dict[str, object] = {}
        if tier in tiers.index:
            wanted |= {"capacity_tonnes_per_year": tiers.at[tier, "capacity_tonnes_per_year"],
                       "capital_usd": tiers.at[tier, "capital_usd"]}
        if plant in yearly.index:
            wanted["annual_cost_usd"] = yearly.at[plant]
        if plant in sites.index:
            wanted |= {column: sites.at[plant, column] for column in
                       ("name", "region", "country", "eu", "lat", "lon")
                       if column in sites.columns and column in row}
        for column, value in wanted.items():
            if not _same(row[column], value):
                wrong += 1
                if wrong <= _SHOWN:
                    lines.append(f"plants ({plant}): {column} reported {row[column]!r}, the "
                                 f"inputs give {value!r}.")


def _check_economics(result: RecyclingResult, lines: list[str]) -> None:
    """Net value by year from the (certified) revenue and cost columns."""
    economics = result["economics"]
    cost = economics[["processing_usd", "transport_usd", "plant_usd",
                      "storage_usd"]].to_numpy(dtype=float).sum(axis=1)
    net = economics["revenue_usd"].to_numpy(dtype=float) - cost
    tonnes = economics["tonnes_processed"].to_numpy(dtype=float)
    per = np.divide(net, tonnes, out=np.full_like(net, np.nan), where=tonnes > 0)
    for column, wanted in (("net_value_usd", net), ("net_value_usd_per_tonne", per)):
        got = economics[column].to_numpy(dtype=float)
        off = ~np.isclose(got, wanted, rtol=_REL, atol=_ABS, equal_nan=True)
        for position in np.flatnonzero(off)[:_SHOWN]:
            lines.append(f"economics {column} in {economics['year'].iloc[position]}: reported "
                         f"{got[position]:,.6g}, recomputed {wanted[position]:,.6g}.")


def _check_compliance(result: RecyclingResult, inputs: RecyclingInputs,
                      recovered: pd.DataFrame, lines: list[str]) -> None:
    """Share required, input and recovered tonnes of every compliance row."""
    compliance = result["compliance"]
    if compliance.empty:
        return
    from evplan.verify.recycling import eu_scope_tonnes

    rows = eu_scope_tonnes(inputs, recovered)
    targets = inputs["targets"]
    targets = targets[targets["target"] != "recycled_content"]
    required = []
    for target, material, year in compliance[["target", "material", "year"]].drop_duplicates(
            ).itertuples(index=False):
        started = targets[(targets["target"] == target) & (targets["material"] == material)
                          & (targets["from_year"].astype(int) <= int(year))]
        share = (float(started.sort_values("from_year", kind="stable")["share"].iloc[-1])
                 if len(started) else float("nan"))
        required.append((target, material, int(year), share))
    expected = pd.DataFrame(required, columns=["target", "material", "year", "share_required"]
                            ).merge(rows, on=["year", "material"], how="left").fillna(
        {"input_tonnes": 0.0, "recovered_tonnes": 0.0})
    keys = ["scope", "year", "target", "material"]
    merged = compliance.astype({"year": int}).merge(expected, on=keys, how="left",
                                                    suffixes=("", "_expected"))
    for column in ("share_required", "input_tonnes", "recovered_tonnes"):
        got = merged[column].to_numpy(dtype=float)
        wanted = merged[f"{column}_expected"].to_numpy(dtype=float)
        off = ~np.isclose(got, wanted, rtol=_REL, atol=_ABS)
        for position in np.flatnonzero(off)[:_SHOWN]:
            key = ", ".join(str(merged[k].iloc[position]) for k in keys)
            lines.append(f"compliance ({key}): {column} reported {got[position]:,.6g}, "
                         f"recomputed {wanted[position]:,.6g}.")


def _check_collection_points(result: RecyclingResult, inputs: RecyclingInputs,
                             lines: list[str]) -> None:
    """The collection points with retired packs, as the inputs give them."""
    reported = result.tables.get("collection_points")
    if reported is None:
        return
    points = inputs["collection_points"].drop_duplicates("collection_point").set_index(
        "collection_point")
    with_packs = set(inputs.retired["collection_point"].astype(str))
    listed = reported["collection_point"].astype(str)
    if sorted(listed) != sorted(with_packs & set(points.index.astype(str))):
        lines.append(f"collection_points lists {sorted(listed)}; the collection points with "
                     f"retired packs are {sorted(with_packs)}.")
    wrong = 0
    for row in reported.to_dict("records"):
        point = row["collection_point"]
        if point not in points.index:
            continue
        for column in reported.columns:
            if column in points.columns and not _same(row[column], points.at[point, column]):
                wrong += 1
                if wrong <= _SHOWN:
                    lines.append(f"collection_points ({point}): {column} reported "
                                 f"{row[column]!r}, the inputs give "
                                 f"{points.at[point, column]!r}.")


def _check_duals(result: RecyclingResult, inputs: RecyclingInputs, flows: pd.DataFrame,
                 lines: list[str]) -> None:
    """Marginal costs and shadow prices where the fixed-network LP determines them.

    A flow with tonnes is basic in that LP, so its reduced cost is zero; when its
    plant-year has spare capacity the capacity row's dual is zero too, and the flow's cost
    per tonne (transport + processing - recovered value) equals the marginal cost of its
    collection point, chemistry and year plus, over the plant's EU target rows of the year,
    shadow price x the flow's coefficient in the row (w (r - T), or sum_m w r - T). Stored
    tonnes inside their bounds chain the years (:func:`_check_storage_duals`).
    """
    marginal = result["marginal_costs"].astype({"year": int})
    if flows.empty or marginal.empty:
        return
    shares = _shares(inputs)
    rate = {(str(p), str(m)): float(r) for p, m, r in inputs["recovery"][
        ["process", "material", "recovery"]].itertuples(index=False)}
    price = {str(m): float(v) for m, v in inputs["prices"][
        ["material", "usd_per_tonne"]].itertuples(index=False)}
    plant_years = result["plant_years"].astype({"year": int})
    spare = plant_years.loc[plant_years["throughput_tonnes"].astype(float) < plant_years[
        "capacity_tonnes"].astype(float) * (1 - 1e-6) - 1e-6, ["plant", "year"]]
    chosen = flows[flows["tonnes"] > 1e-6].merge(spare, on=["plant", "year"]).merge(
        marginal, on=["collection_point", "chemistry", "year"], how="left")
    compliance = result["compliance"]
    rows: dict[tuple[str, int], list[tuple[str, str, float, float]]] = {}
    if len(compliance) and "shadow_price_usd_per_tonne" in compliance:
        for scope, year, target, material, share, shadow in compliance.loc[
                compliance["scope"].astype(str) != "EU", ["scope", "year", "target", "material",
                                                          "share_required",
                                                          "shadow_price_usd_per_tonne"]
                ].itertuples(index=False):
            if not pd.isna(shadow):
                rows.setdefault((str(scope), int(year)), []).append(
                    (str(target), str(material), float(share), float(shadow)))
    wrong = _check_storage_duals(result, marginal, lines)
    for flow in chosen.to_dict("records"):
        lam = float(flow["marginal_cost_usd_per_tonne"])
        if np.isnan(lam):
            continue  # a balance row the LP did not price (no dual reported)
        content = {m: w for (c, m), w in shares.items() if c == str(flow["chemistry"])}
        back = {m: w * rate.get((str(flow["process"]), m), 0.0) for m, w in content.items()}
        cost = (float(flow["transport_usd"]) + float(flow["processing_usd"])) / float(
            flow["tonnes"]) - sum(v * price.get(m, 0.0) for m, v in back.items())
        terms = [lam]
        plant, year = str(flow["plant"]), int(flow["year"])
        for target, material, share, shadow in rows.get((plant, year), []):
            coefficient = (sum(back.values()) - share if target == "recycling_efficiency"
                           else back.get(material, 0.0) - content.get(material, 0.0) * share)
            terms.append(shadow * coefficient)
        scale = max(abs(cost), *(abs(term) for term in terms), 1.0)
        if abs(cost - sum(terms)) > 1e-6 * scale + 1e-3:
            wrong += 1
            if wrong <= _SHOWN:
                point, chemistry = flow["collection_point"], flow["chemistry"]
                lines.append(
                    f"marginal_costs ({point}, {chemistry}, {year}): "
                    f"marginal_cost_usd_per_tonne {lam:,.6g} plus the target shadow prices "
                    f"({sum(terms) - lam:,.6g}) should equal {cost:,.6g}, the cost per tonne "
                    f"of its flow to '{plant}' ({flow['process']}), which has spare capacity.")


def _check_storage_duals(result: RecyclingResult, marginal: pd.DataFrame,
                         lines: list[str]) -> int:
    """Packs stored strictly between 0 and the storage window's bound (the tonnes retired
    in the last ``max_storage_years`` years; 0 in the last year for meet_all) are basic, so
    ``marginal(y) delta(y) = storage cost delta(y) + marginal(y + 1) delta(y + 1)`` (the
    next year's term is 0 when it has no balance row). Returns the mismatches found."""
    options = result.options
    storage = result["storage"].astype({"year": int})
    window = int(options.max_storage_years)
    if storage.empty or window <= 0:
        return 0
    years = result["economics"]["year"].astype(int)
    first, last = int(years.min()), int(years.max())
    keys = ["collection_point", "chemistry", "year"]  # repeated keys: reported by _compare
    priced = marginal.drop_duplicates(keys).set_index(keys)[
        "marginal_cost_usd_per_tonne"].astype(float)
    supply = storage.drop_duplicates(keys).set_index(keys)["supply_tonnes"].astype(float)
    rate, cost = float(options.discount_rate), float(options.storage_usd_per_tonne_year)
    wrong = 0
    for point, chemistry, year, stored in storage[
            ["collection_point", "chemistry", "year", "stored_tonnes"]].itertuples(index=False):
        bound = 0.0 if (year == last and options.objective == "meet_all") else sum(
            float(supply.get((point, chemistry, y), 0.0)) for y in range(year - window + 1,
                                                                          year + 1))
        here = float(priced.get((point, chemistry, year), np.nan))
        later = float(priced.get((point, chemistry, year + 1), 0.0))
        if not (1e-6 < stored < bound - 1e-6 * max(bound, 1.0)) or np.isnan(here + later):
            continue
        now, then = (1 + rate) ** -(year - first), (1 + rate) ** -(year + 1 - first)
        scale = max(abs(here) * now, abs(later) * then, cost * now, 1.0)
        if abs(here * now - cost * now - later * then) > 1e-6 * scale + 1e-3:
            wrong += 1
            if wrong <= _SHOWN:
                lines.append(f"marginal_costs ({point}, {chemistry}, {year}): "
                             f"marginal_cost_usd_per_tonne {here:,.6g} should equal the "
                             f"storage cost {cost:,.6g} plus {year + 1}'s {later:,.6g} "
                             "discounted to it, since packs wait there.")
    return wrong
