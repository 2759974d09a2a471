"""FrameMaker (results/frames.py): frames from blocks equal frames filled column by column,
and editing one frame changes no other frame and not the template."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.examples import china_export
from evplan.results import frames as frames_module
from evplan.results.frames import FrameMaker
from evplan.scenarios import WarmModel, apply_patches, catalog_for


@pytest.fixture(scope="module")
def warm() -> WarmModel:
    data = china_export()
    warm = WarmModel(data)
    warm.solve(data)  # makes and checks the result templates
    return warm


def _skeleton() -> pd.DataFrame:
    return pd.DataFrame({
        "plant": pd.array(["P1", "P2", "P3"], dtype="str"),
        "year": np.array([2025, 2026, 2027], dtype=np.int64),
        "tier": pd.array([1, None, 2], dtype="Int64"),
        "export": np.array([True, False, True]),
        "vehicles": np.zeros(3), "price_usd": np.zeros(3)})


def test_blocks_and_columns_make_equal_frames_of_every_result_table(warm: WarmModel) -> None:
    data = warm.base
    changed = apply_patches(data, catalog_for(data).parameter("freight").bind(1.6)).data
    for tables in (warm.solve(data).tables, warm.solve(changed).tables):
        templates = warm.result_templates
        assert templates is not None
        for name, skeleton in templates.skeletons.items():
            numbers = {column: tables[name][column].to_numpy(dtype=float)
                       for column in skeleton.columns
                       if pd.api.types.is_float_dtype(skeleton[column])}
            fast = FrameMaker(skeleton, numbers)
            assert fast.fast, name
            made = fast.frame(numbers)
            pd.testing.assert_frame_equal(made, FrameMaker(skeleton, numbers,
                                                           fast=False).frame(numbers))
            pd.testing.assert_frame_equal(made, tables[name])


@pytest.mark.parametrize("fast", [True, False])
def test_editing_a_frame_changes_no_other_frame_nor_the_template(fast: bool) -> None:
    skeleton = _skeleton()
    before = skeleton.copy()
    maker = FrameMaker(skeleton, ["vehicles", "price_usd"], fast=fast)
    assert maker.fast is fast
    numbers = {"vehicles": np.array([1.0, 2.0, 3.0]), "price_usd": np.array([9.0, 8.0, 7.0])}
    first, second = maker.frame(numbers), maker.frame(numbers)
    first.loc[0, "plant"] = "XX"
    first.loc[1, "year"] = 1999
    first.loc[1, "tier"] = 7
    first.loc[0, "export"] = False
    first.loc[2, "vehicles"] = -1.0
    first["price_usd"] *= 2
    pd.testing.assert_frame_equal(skeleton, before)
    pd.testing.assert_frame_equal(second, maker.frame(numbers))
    assert numbers["vehicles"].tolist() == [1.0, 2.0, 3.0]  # the caller's arrays are copied
    assert second["plant"].tolist() == ["P1", "P2", "P3"]
    first.index.name = "row"
    first.columns.name = "column"
    assert second.index.name is None and maker.frame(numbers).index.name is None
    assert skeleton.index.name is None and skeleton.columns.name is None


@pytest.mark.parametrize("fast", [True, False])
def test_key_columns_keep_their_dtypes(fast: bool) -> None:
    skeleton = _skeleton()
    skeleton["plant"] = pd.array(["P1", "P2", None], dtype=pd.StringDtype("python"))
    skeleton["name"] = pd.array(["a", "b", "c"], dtype=pd.StringDtype("pyarrow"))
    skeleton["kind"] = pd.Categorical(["x", "y", "x"])
    made = FrameMaker(skeleton, ["vehicles", "price_usd"], fast=fast).frame(
        {"vehicles": np.ones(3), "price_usd": np.zeros(3)})
    assert made.dtypes.to_dict() == skeleton.dtypes.to_dict()
    assert made["plant"].tolist()[:2] == ["P1", "P2"] and made["plant"].isna().tolist()[2]


def test_numbers_that_are_not_float_arrays_are_set_column_by_column() -> None:
    skeleton = _skeleton()
    maker = FrameMaker(skeleton, ["vehicles", "price_usd"])
    made = maker.frame({"vehicles": np.array([1, 2, 3]), "price_usd": [1.5, 2.5, 3.5]})
    assert made["vehicles"].dtype == np.int64
    assert made["price_usd"].tolist() == [1.5, 2.5, 3.5]
    assert made["plant"].tolist() == ["P1", "P2", "P3"]


def test_without_pandas_blocks_the_frames_are_filled_column_by_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames_module, "create_dataframe_from_blocks", None)
    skeleton = _skeleton()
    maker = FrameMaker(skeleton, ["vehicles"])
    assert not maker.fast
    made = maker.frame({"vehicles": np.array([4.0, 5.0, 6.0])})
    expected = skeleton.copy()
    expected["vehicles"] = [4.0, 5.0, 6.0]
    pd.testing.assert_frame_equal(made, expected)


def test_compliance_frames_from_blocks_equal_the_first_ones_made_from_a_dict(
        warm: WarmModel) -> None:
    import copy

    rules = warm._rules
    assert rules is not None and rules.layout is not None
    numbers, _ = warm.numbers_for(warm.base)
    assert numbers is not None
    found = rules.numbers(lambda: warm.linopy_model, warm._run(), numbers.discount)
    layout = copy.copy(rules.layout)
    layout._makers = {}
    first = layout.frames(found)  # from a dict; keeps a maker per table
    again = layout.frames(found)  # from blocks
    assert len(layout._makers) == len(first) > 0
    assert all(maker.fast for maker in layout._makers.values())
    for name, frame in first.items():
        pd.testing.assert_frame_equal(again[name], frame)
