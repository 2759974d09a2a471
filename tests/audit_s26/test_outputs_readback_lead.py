"""A result CSV reads back as its Parquet: marked headers too (helper-102's leftover, s26).

``write_csv`` writes a formula-like header (a sweep parameter named ``=x``) as ``'=x``; the
run-folder reader dropped the mark from text cells only, so the column came back as ``'=x``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evplan.outputs.files import write_csv
from evplan.results.run_files import read_table_file


def test_a_marked_header_and_cells_read_back_as_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"market": ["NA", "07"], "=x": ["+1", "@a"], "value": [1.5, 2.0]})
    path = write_csv(frame, tmp_path / "table.csv")
    assert "'=x" in path.read_text(encoding="utf-8").splitlines()[0]
    back = read_table_file(path)
    assert list(back.columns) == ["market", "=x", "value"]
    assert back["=x"].tolist() == ["+1", "@a"]
    assert back["market"].tolist() == ["NA", "07"]
    assert back["value"].tolist() == [1.5, 2.0]
