"""The recycling defaults against the facts they cite (audit s25, helper-92).

Every expected value is parsed from /work/shared/reference/facts-charging-recycling.md
(sections 3a, 3c, 4a, 4c, 5a and 6) or derived from parsed values by the arithmetic the
shipped ``source`` column states; the shipped tables are read from
``evplan/recycling/data``. A change of either side makes a test fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.audit_s25.test_provenance_reference import (
    find_row,
    first_number,
    markdown_table,
    numbers,
    reference_text,
    row,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "evplan" / "recycling" / "data"
FACTS = "facts-charging-recycling.md"
MATERIAL_COLUMNS = {"lithium": "Li", "nickel": "Ni", "cobalt": "Co", "manganese": "Mn",
                    "graphite": "Graphite", "copper": "Cu", "aluminium": "Al", "phosphorus": "P"}
# evplan's chemistry name -> the row label in the facts' BatPaC tables
BATPAC_ROW = {"NMC811": "NMC811", "NMC622": "NMC622", "NMC532": "NMC532", "NMC111": "NMC111",
              "NCA": "NCA", "NMCA": "NMCA 89:4:4:3", "LFP": "LFP", "LMO": "LMO"}
PACK_ROW = {"NMC811": "NMC811", "NMC622": "NMC622", "NMC111": "NMC111", "NCA": "NCA",
            "NMCA": "NMC 90", "LFP": "LFP", "LMO": "LMO/LTO"}
FE_PER_P = 55.845 / 30.974  # LiFePO4: one Fe per P (the conversion the facts state)


def _shipped(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def _batpac_row(label: str) -> dict[str, str]:
    rows = markdown_table(reference_text(FACTS), "| Chemistry | Li | Ni | Co | Mn |")
    return next(r for r in rows if r["Chemistry"] == label)


def test_material_intensities_are_batpac_51() -> None:
    shipped = _shipped("materials.csv").set_index(["chemistry", "material"])["kg_per_kwh"]
    for chemistry, label in BATPAC_ROW.items():
        facts = _batpac_row(label)
        for material, column in MATERIAL_COLUMNS.items():
            assert shipped[(chemistry, material)] == pytest.approx(
                first_number(facts[column]), abs=5e-5), (chemistry, material)
        steel = first_number(facts["Steel"]) + first_number(facts["Stainless"])
        assert shipped[(chemistry, "steel")] == pytest.approx(steel, abs=5e-5), chemistry
        iron = first_number(facts["P"]) * FE_PER_P
        assert shipped[(chemistry, "iron")] == pytest.approx(iron, abs=5e-4), chemistry


def test_pack_mass_is_batpac_52_per_kwh() -> None:
    rows = markdown_table(reference_text(FACTS), "| Chemistry | pack kg per 100 kWh |")
    shipped = _shipped("packs.csv").set_index("chemistry")["pack_kg_per_kwh"]
    for chemistry, label in PACK_ROW.items():
        kg_per_100_kwh = first_number(row(rows, label)["pack kg per 100 kWh"])
        assert shipped[chemistry] == pytest.approx(kg_per_100_kwh / 100.0), chemistry
    # NMC532 has no row in the facts: the shipped value is stated as lying between 622 and 111
    assert shipped["NMC622"] < shipped["NMC532"] < shipped["NMC111"]


def test_processing_costs_are_ma_2024_converted_at_the_files_rate() -> None:
    text = reference_text(FACTS)
    rate = float(re.search(r"Exchange rate in file: ([\d.]+) CNY/USD", text).group(1))
    rows = markdown_table(text, "| Route | Labour |")
    shipped = _shipped("processes.csv").set_index("process")["processing_usd_per_tonne"]
    for process, label in {"hydro": "Hydrometallurgical", "direct": "Direct",
                           "pyro": "Pyrometallurgical"}.items():
        facts = row(rows, label)
        parts = [first_number(facts[c]) for c in ("Labour", "Disassembly", "Equipment", "Sewage")]
        assert sum(parts) == first_number(facts["Sum (CNY/t cell)"])
        assert shipped[process] == pytest.approx(sum(parts) / rate, abs=0.5), process


def test_recovery_factors_follow_ma_2024_where_they_cite_it() -> None:
    rows = markdown_table(reference_text(FACTS), "| Output | Hydro | Direct | Pyro |")
    cathode = row(rows, "Li2CO3, NiSO4")
    graphite = row(rows, "Graphite")
    collectors = row(rows, "Al, Cu current collectors")
    shipped = _shipped("recovery.csv").set_index(["process", "material"])["recovery"]
    for material in ("lithium", "nickel", "cobalt", "manganese"):
        assert shipped[("hydro", material)] == first_number(cathode["Hydro"]) / 100
    for process, column in (("hydro", "Hydro"), ("direct", "Direct"), ("pyro", "Pyro")):
        assert shipped[(process, "graphite")] == first_number(graphite[column]) / 100
    assert shipped[("hydro", "copper")] == first_number(collectors["Hydro"]) / 100
    assert shipped[("pyro", "copper")] == first_number(collectors["Pyro"]) / 100
    for material in ("nickel", "cobalt"):
        assert shipped[("pyro", material)] == first_number(cathode["Pyro"]) / 100
    # direct recycling regenerates the cathode: "— (cathode regenerated: 90 %)"
    regenerated = numbers(cathode["Direct"])[-1] / 100
    assert shipped[("direct", "lithium")] == regenerated


def test_metal_prices_are_the_2024_facts() -> None:
    rows = markdown_table(reference_text(FACTS), "| Commodity | 2023 | 2024 |")
    shipped = _shipped("prices.csv").set_index("material")["usd_per_tonne"]
    for material, label in (("nickel", "Nickel (LME"), ("copper", "Copper (LME"),
                            ("aluminium", "Aluminium (LME")):
        assert shipped[material] == first_number(row(rows, label)["2024"]), material
    lce = float(re.search(r"LCE = Li × ([\d.]+)", reference_text(FACTS)).group(1))
    lithium_2024 = first_number(row(rows, "Lithium carbonate (Statista")["2024"])
    assert shipped["lithium"] == pytest.approx(lithium_2024 * lce, abs=1.0)
    graphite = numbers(row(rows, "Graphite flake 94")["2024"])[:2]
    assert shipped["graphite"] == pytest.approx(sum(graphite) / 2)
    cobalt = row(rows, "Cobalt, US spot")["2024"]
    assert shipped["cobalt"] == pytest.approx(numbers(cobalt)[-1], rel=1e-3)


def test_eu_battery_regulation_targets() -> None:
    rows = markdown_table(reference_text(FACTS), "| Requirement | Target / date |")
    shipped = _shipped("targets.csv")

    def share(target: str, material: str, year: int) -> float:
        hit = shipped[(shipped.target == target) & (shipped.material == material)
                      & (shipped.from_year == year)]
        assert len(hit) == 1, (target, material, year)
        return float(hit["share"].iloc[0])

    efficiency = numbers(row(rows, "Recycling efficiency, lithium")["Target / date"])
    assert (share("recycling_efficiency", "*", 2025),
            share("recycling_efficiency", "*", 2030)) == (efficiency[0] / 100, efficiency[3] / 100)
    metals = numbers(row(rows, "Material recovery, Co, Cu, Pb, Ni")["Target / date"])
    lithium = numbers(row(rows, "Material recovery, Li")["Target / date"])
    for material in ("cobalt", "nickel", "copper"):
        assert share("material_recovery", material, 2027) == metals[0] / 100
        assert share("material_recovery", material, 2031) == metals[2] / 100
    assert share("material_recovery", "lithium", 2027) == lithium[0] / 100
    assert share("material_recovery", "lithium", 2031) == lithium[2] / 100
    content = row(rows, "Recycled content (Art. 8)")["Target / date"].replace("**", "")
    for year in (2031, 2036):
        clause = re.search(rf"from 18 Aug {year}: ([^;]*)", content).group(1)
        for material, symbol in (("cobalt", "Co"), ("lithium", "Li"), ("nickel", "Ni")):
            facts = float(re.search(rf"{symbol} (\d+) %", clause).group(1)) / 100
            assert share("recycled_content", material, year) == facts, (material, year)


def test_plant_capital_is_neometals_scaled_by_the_six_tenths_rule() -> None:
    neometals = find_row(reference_text(FACTS), "| Item | Value |", "Neometals scoping study")
    tonnes = numbers(neometals["Item"])[-1]
    capital_usd = first_number(neometals["Value"]) * 1e6
    shipped = _shipped("plant_tiers.csv")
    for tier in shipped.itertuples():
        expected = capital_usd * (tier.capacity_tonnes_per_year / tonnes) ** 0.6
        assert tier.capital_usd == pytest.approx(expected, rel=2e-3), tier.tier
        assert tier.fixed_usd_per_year == pytest.approx(0.04 * tier.capital_usd, abs=5e3)
