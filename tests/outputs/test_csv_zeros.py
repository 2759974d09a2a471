"""CSV files hold 0.0 where a solver left -0.0 (helper-72, audit s21: recycling CSVs showed
-0.0 tonnes); the Parquet files keep the raw values, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evplan.outputs import write_csv, write_table


def test_negative_zero_is_written_as_zero(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["=A1", "B"], "tonnes": [-0.0, -2.5], "count": [0, -1],
                          "share": pd.array([None, -0.0], dtype="Float64")})
    write_csv(frame, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["id,tonnes,count,share", "'=A1,0.0,0,", "B,-2.5,-1,0.0"]
    # the frame given is not changed
    assert np.signbit(frame["tonnes"].to_numpy()).tolist() == [True, True]


def test_parquet_keeps_the_raw_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({"tonnes": [-0.0, 1.0]})
    write_table(frame, tmp_path, "t")
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert np.signbit(back["tonnes"].to_numpy()).tolist() == [True, False]
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines() == [
        "tonnes", "0.0", "1.0"]
