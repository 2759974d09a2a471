"""Readers for the OR-Library files and shortest-path distances."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.location import read_capacitated, read_optima, read_pmedian, shortest_path_distances


def test_cap41_tables(orlib_dir: Path) -> None:
    instance = read_capacitated(orlib_dir / "cap41.txt")
    assert instance.name == "cap41"
    assert instance.sites.shape == (16, 3)
    assert instance.customers.shape == (50, 2)
    assert len(instance.costs) == 16 * 50
    assert instance.sites["capacity"].iloc[0] == 5000
    assert instance.sites["fixed_cost"].iloc[0] == 7500
    assert (instance.customers["demand"] > 0).all()


def test_capa_needs_a_capacity(orlib_dir: Path) -> None:
    with pytest.raises(InputError, match="pass capacity=<value>"):
        read_capacitated(orlib_dir / "capa.txt")
    instance = read_capacitated(orlib_dir / "capa.txt", 8000)
    assert instance.name == "capa_8000"
    assert instance.sites.shape == (100, 3)
    assert len(instance.customers) == 1000
    assert (instance.sites["capacity"] == 8000).all()


def test_pmed_last_duplicate_edge_wins(orlib_dir: Path) -> None:
    text = (orlib_dir / "pmed1.txt").read_text().split()
    raw = np.array(text[3:], dtype=float).reshape(-1, 3)
    ends = np.sort(raw[:, :2].astype(int), axis=1)
    table = pd.DataFrame({"tail": ends[:, 0], "head": ends[:, 1], "length": raw[:, 2]})
    duplicated = table[table.duplicated(["tail", "head"], keep=False)]
    assert len(duplicated) >= 2
    last = duplicated.drop_duplicates(["tail", "head"], keep="last")
    instance = read_pmedian(orlib_dir / "pmed1.txt")
    kept = instance.edges.merge(last, on=["tail", "head"], suffixes=("", "_last"))
    assert len(kept) == len(last)
    assert (kept["length"] == kept["length_last"]).all()
    assert instance.medians == 5
    assert len(instance.distances) == 100 * 100


def test_shortest_paths_on_a_small_graph() -> None:
    edges = pd.DataFrame({"tail": [1, 2, 1], "head": [2, 3, 3], "length": [1.0, 2.0, 5.0]})
    distances = shortest_path_distances(edges, 3)
    np.testing.assert_allclose(distances, [[0, 1, 3], [1, 0, 2], [3, 2, 0]])


def test_optima_table(orlib_dir: Path) -> None:
    optima = read_optima(orlib_dir)
    assert optima["cap41"] == pytest.approx(1040444.375)
    assert optima["capb_8000"] == pytest.approx(13082516.496)
    assert optima["pmed40"] == 5128
    assert len(optima) == 104


def test_malformed_files_name_the_file_line_and_value(tmp_path: Path) -> None:
    """Audit 4: a short or garbled file raised a bare ValueError ('cannot reshape array',
    'could not convert string to float'), an edge to vertex 9 of 4 an IndexError."""
    from evplan.errors import InputError

    cases = {
        "short.txt": ("2 1\n10 5\n", read_capacitated,
                      "short.txt ends early: 4 numbers expected for the warehouse lines "
                      "(capacity, fixed cost) from token 3, 2 found. Re-download the file."),
        "garbled.txt": ("2 1\n10 5\ncapacity 6\n3 1 x\n", read_capacitated,
                        "garbled.txt: not a number in the 1 customers (demand, then 2 costs "
                        "each) (line 4: 'x'). Fix those values or re-download the file."),
        "header.txt": ("2.5 1\n", read_capacitated,
                       "header.txt line 1: warehouses = 2.5 must be whole numbers >= 1. Fix "
                       "the first line or re-download the file."),
        "vertex.txt": ("4 2 1\n1 2 5\n3 9 1\n", read_pmedian,
                       "vertex.txt: edges must join vertices 1 to 4 with a length >= 0 (line "
                       "3: 3 9 1). Fix those edges or re-download the file."),
    }
    for name, (text, reader, message) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            reader(tmp_path / name, **({"capacity": 7} if reader is read_capacitated else {}))
        assert [problem.message for problem in caught.value.problems] == [message]


def test_a_disconnected_graph_leaves_unreachable_pairs_out(tmp_path: Path) -> None:
    """Audit 4: unreachable pairs came out as distance inf, which p_median refused as 'not a
    finite number' in rows of a table the user never wrote."""
    from evplan.errors import InfeasibleError
    from evplan.location import p_median

    (tmp_path / "two.txt").write_text("4 2 1\n1 2 5\n3 4 1\n", encoding="utf-8")
    instance = read_pmedian(tmp_path / "two.txt")
    assert len(instance.distances) == 8  # 2 components of 2 vertices: 2 x 2 x 2 pairs
    with pytest.raises(InfeasibleError, match="customers 1, 3 have no allowed site in common"):
        p_median(instance.sites, instance.customers, instance.distances, instance.medians)
    assert p_median(instance.sites, instance.customers, instance.distances, 2).objective == 6.0
