"""china-strategic and its scenarios: kits now join the CO2 and ZEV rules, and change nothing.

Its kit sites (TH, ID, MY, BR) have no fleet target or ZEV mandate and its carbon price is 0
with no cap, so every kit row's rule codes are -1 and its carbon cost is 0: the model is the
one built before session 25 (when the combination would have been refused had it applied).
The slow test solves the base and compares the objective with the value recorded on the
code before the change (93,059,484,255.74 USD, helper-91, December 2026).
"""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.examples import china_strategic
from evplan.model.compliance_index import build_compliance_index
from evplan.model.compliance_kits import kit_rows, with_kits
from evplan.model.index import build_index
from evplan.scenarios import apply_scenario, catalog_for

BASE_OBJECTIVE_USD = 93_059_484_255.74324
# Session 26's data decisions (Malaysia's ACFTA 5 % on Chinese BEVs, Brazil's 35 % on ICE kits)
# give 93,057,062,359 at the default gap (helper-103): 2.6e-5 below, inside the tolerance.


def _names() -> list[object]:
    """The base, then every shipped scenario (slow: about 5 s each to index)."""
    catalog = catalog_for(china_strategic())
    return ["base", *(pytest.param(name, marks=pytest.mark.slow)
                      for name in [*catalog.overrides, *catalog.scenarios])]


@pytest.mark.parametrize("name", _names())
def test_no_rule_reaches_a_kit_of_china_strategic(name: str) -> None:
    data = china_strategic()
    if name != "base":
        data = apply_scenario(data, name).data
    index = build_index(data)
    compliance = with_kits(build_compliance_index(data, index), data, index)
    kits = kit_rows(compliance)
    assert len(kits) == len(index.strategic.kits) > 0
    assert (kits["fleet_year"] < 0).all() and (kits["zev_year"] < 0).all()
    assert (kits["credit_year"] < 0).all()
    years = compliance.carbon_years
    price = years["carbon_price_usd_per_t"].to_numpy(dtype=float)
    code = kits["carbon_year"].to_numpy()
    charged = np.where(code >= 0, price[np.maximum(code, 0)], 0.0) * kits["carbon_t"]
    assert not charged.any()
    assert years["cap_t_co2"].isna().all()


@pytest.mark.slow
def test_the_base_objective_is_the_one_before_kits_were_counted() -> None:
    result = evplan.optimize(china_strategic())
    assert result.status == "optimal"
    # Both plans are proven to the default MIP gap (1e-4) of the same optimum, so they may
    # differ by up to twice that (at rel=1e-9 it failed once in the full suite, order-dependent).
    gap = result.metadata.get("mip_gap")
    assert gap is None or gap <= 1e-4
    assert result.objective_usd == pytest.approx(BASE_OBJECTIVE_USD, rel=2e-4)
