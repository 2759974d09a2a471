"""plan_charging against an independent re-derivation (tests/charging/sizing_oracle.py) on
random fleets, with wait-probability and mean-wait targets: energy, AFIR and benchmark ports,
queueing stations and ports, capital cost and the summary."""

from __future__ import annotations

import pytest

from tests.charging.sizing_oracle import check_case


@pytest.mark.parametrize("seed", range(8))
def test_ports_match_an_independent_erlang_and_ratio_sizing(seed: int) -> None:
    rows, disagreements = check_case(seed)
    assert rows > 0
    assert disagreements == []
