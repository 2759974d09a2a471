"""The figures' JSON in a report page: NaN and inf written as null, values kept as they are."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from evplan.report.figures import Chart
from evplan.report.page import ChartGroup, render_page


def _figures(page: str) -> list[dict]:
    match = re.search(r"var figures = (\[.*?\]);\n", page, re.S)
    assert match is not None, "the page holds no figure list"
    return json.loads(match.group(1))


def _page(values: list) -> str:
    chart = Chart("chart-x", "x", "caption", {"data": [{"type": "bar", "x": ["a", "b", "c"],
                                                         "y": values}],
                                               "layout": {"title": {"text": "t"}}}, 300)
    return render_page(title="t", subtitle="s", groups=[ChartGroup([chart])],
                       plotlyjs_src="_assets/plotly.min.js")


@pytest.mark.parametrize("values", [[1.5, float("nan"), 3.0], [1.5, math.inf, -math.inf],
                                    [np.float64("nan"), np.float64(2.0), np.float64(-np.inf)]])
def test_a_non_finite_value_is_null(values: list) -> None:
    y = _figures(_page(values))[0]["data"][0]["y"]
    assert [v is None or math.isfinite(v) for v in y] == [True] * 3
    assert [v is None for v in y] == [not math.isfinite(float(v)) for v in values]


def test_finite_values_are_written_as_they_are() -> None:
    y = _figures(_page([1.5, np.float64(0.1), 7]))[0]["data"][0]["y"]
    assert y == [1.5, 0.1, 7]
