"""Shared fixtures: the default scenario planned once, its run folder, and a variant to compare."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import evplan
from evplan.data import NetworkData
from evplan.examples import china_export
from evplan.report import with_report_tables, write_run_extras
from evplan.results import Result


@pytest.fixture(scope="session")
def china_data() -> NetworkData:
    return china_export()


@pytest.fixture(scope="session")
def china_result(china_data: NetworkData) -> Result:
    return with_report_tables(evplan.optimize(china_data), china_data)


@pytest.fixture(scope="session")
def run_folder(china_result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder as `evplan run` writes it, with the report and the result workbook."""
    folder = evplan.write_result(china_result, tmp_path_factory.mktemp("runs") / "base")
    write_run_extras(china_result, folder, excel=True)
    return folder


@pytest.fixture(scope="session")
def variant_folder(china_data: NetworkData, run_folder: Path) -> Path:
    """The default scenario with every duty on Chinese-built vehicles raised by 15 points."""
    duties = china_data["duties"].copy()
    from_china = duties["origin"] == "CN"
    duties.loc[from_china, "ad_valorem_rate"] = duties.loc[from_china, "ad_valorem_rate"] + 0.15
    data = china_data.replace(tables=dict(china_data.tables) | {"duties": duties})
    result = with_report_tables(evplan.optimize(data), data)
    return evplan.write_result(result, run_folder.parent / "cn-duties-plus-15")


@pytest.fixture(scope="session")
def shared_run_folder(china_result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run as `evplan run` writes it by default: plotly.js shared in ../_assets."""
    folder = evplan.write_result(china_result, tmp_path_factory.mktemp("shared") / "base")
    write_run_extras(china_result, folder, self_contained=False)
    return folder


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's headless Chromium for the report's browser tests (.ci/run installs it); a
    failure on CI when it is missing, a skip elsewhere."""
    from tests.report.chromium import find_chromium

    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); the report's "
                    "browser tests need it")
    return binary
