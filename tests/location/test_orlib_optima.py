"""Published OR-Library optima are reproduced (capopt, uncapopt, pmedopt)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.location import capacitated, p_median, read_capacitated, read_pmedian, uncapacitated

CAP_FILES = ["cap41", "cap42", "cap43", "cap44", "cap51"] + [
    f"cap{group}{k}" for group in (6, 7, 8, 9, 10, 11, 12, 13) for k in (1, 2, 3, 4)
]
UFLP_FILES = [f"cap{n}" for n in (71, 72, 73, 74, 101, 102, 103, 104, 131, 132, 133, 134)]
SLOW_PMED = {6, 7}


def _close(found: float, expected: float) -> bool:
    return abs(found - expected) <= max(0.01, 1e-8 * abs(expected))


def test_there_are_37_cap_instances() -> None:
    assert len(CAP_FILES) == 37


@pytest.mark.parametrize("name", CAP_FILES)
def test_capacitated_matches_capopt(orlib_dir: Path, optima: pd.Series, name: str) -> None:
    instance = read_capacitated(orlib_dir / f"{name}.txt")
    result = capacitated(instance.sites, instance.customers, instance.costs)
    assert result.status == "optimal"
    assert _close(result.objective, optima[name]), (result.objective, optima[name])
    served = result.assignment.groupby("customer")["fraction"].sum()
    assert served.round(6).eq(1.0).all()
    load = result.assignment.merge(instance.customers, on="customer")
    load = (load["fraction"] * load["demand"]).groupby(load["site"]).sum()
    capacity = instance.sites.set_index("site")["capacity"]
    assert (load <= capacity[load.index] * (1 + 1e-7)).all()
    assert set(load.index) <= set(result.open_sites)


@pytest.mark.parametrize("name", UFLP_FILES)
def test_uncapacitated_matches_uncapopt(orlib_dir: Path, optima: pd.Series, name: str) -> None:
    instance = read_capacitated(orlib_dir / f"{name}.txt")
    result = uncapacitated(instance.sites, instance.customers, instance.costs)
    assert result.status == "optimal"
    assert _close(result.objective, optima[f"uflp_{name}"])


@pytest.mark.parametrize(
    "number",
    [pytest.param(k, marks=pytest.mark.slow) if k in SLOW_PMED else k for k in range(1, 11)],
)
def test_p_median_matches_pmedopt(orlib_dir: Path, optima: pd.Series, number: int) -> None:
    graph = read_pmedian(orlib_dir / f"pmed{number}.txt")
    result = p_median(graph.sites, graph.customers, graph.distances, graph.medians)
    assert result.status == "optimal"
    assert result.objective == optima[f"pmed{number}"]
    assert len(result.open_sites) == graph.medians
    assert result.assignment["distance"].sum() == optima[f"pmed{number}"]
