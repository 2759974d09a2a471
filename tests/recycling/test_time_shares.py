"""With --time-limit, the parts of the recycling MILP are solved smallest first, each with the
time left in proportion to its size among the parts still to solve (audit s23: the first
part could use up the whole limit and leave 1 s to the others, which then found no plan:
exit 3 at --time-limit 4, 20 or 45 s on the default inputs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.recycling.test_components import two_regions

from evplan.highs import SolverOptions
from evplan.recycling import RecyclingOptions, components, load_inputs
from evplan.recycling.components import solve_parts, split_index
from evplan.recycling.index import build_index


def test_each_part_gets_its_share_of_the_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    retired, tables = two_regions(np.random.default_rng(1))
    options = RecyclingOptions(discount_rate=0.05, max_storage_years=1, explain_targets=False,
                               build_every_years=2,
                               solver=SolverOptions(time_limit_s=100.0, mip_gap=1e-6))
    index = build_index(load_inputs(retired, **tables), options)
    parts = split_index(index)
    sizes = sorted(len(part.index.flows) + len(part.index.slots) + 1 for part in parts)
    assert sizes[0] < sizes[1]  # so the order matters
    given: list[float] = []
    real_run = components._run

    def recorded(model, limits, absolute_gap=None):  # type: ignore[no-untyped-def]
        given.append(float(limits.time_limit_s))
        return real_run(model, limits, absolute_gap)

    monkeypatch.setattr(components, "_run", recorded)
    solution = solve_parts(index, options)
    assert solution.status == "optimal" and len(given) == len(parts) == 2
    # the smaller part first: its share of the 100 s (less what building it took)
    assert given[0] == pytest.approx(100.0 * sizes[0] / sum(sizes), rel=0.05)
    assert given[0] < 95.0
    # the larger part last: the whole of what is left
    assert given[1] > 100.0 - given[0] - 5.0


def test_without_a_limit_no_part_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    retired, tables = two_regions(np.random.default_rng(2))
    options = RecyclingOptions(discount_rate=0.05, max_storage_years=1, explain_targets=False,
                               build_every_years=2,
                               solver=replace(SolverOptions(), time_limit_s=None))
    index = build_index(load_inputs(retired, **tables), options)
    given: list[object] = []
    real_run = components._run

    def recorded(model, limits, absolute_gap=None):  # type: ignore[no-untyped-def]
        given.append(limits.time_limit_s)
        return real_run(model, limits, absolute_gap)

    monkeypatch.setattr(components, "_run", recorded)
    assert solve_parts(index, options).status == "optimal"
    assert given and all(limit is None for limit in given)
