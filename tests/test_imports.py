"""Start-up: what ``evplan --help`` and a plain ``evplan run`` import (no timing, modules).

Each check runs in a fresh interpreter, because this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import evplan

HEAVY = ("pandas", "linopy", "scipy", "dask", "distributed", "duckdb", "xarray", "openpyxl",
         "plotly", "polars", "pyarrow", "highspy", "numpy")

SHOW_LOADED = """
import atexit, json, sys
def _show():
    loaded = sorted({name for name in sys.modules} & set(%r))
    sys.stderr.write("\\nLOADED " + json.dumps(loaded) + "\\n")
atexit.register(_show)
"""


def loaded_after(code: str, cwd: Path | None = None) -> tuple[list[str], str]:
    """Run ``code`` in a new interpreter; return the watched modules it loaded, and stdout."""
    watched = [*HEAVY, "scipy.stats", "dask.array", "openpyxl", "evplan.charging.erlang",
               "evplan.location"]
    done = subprocess.run([sys.executable, "-c", SHOW_LOADED % (watched,) + code],
                          capture_output=True, text=True, timeout=600, cwd=cwd)
    marker = done.stderr.rsplit("LOADED ", 1)
    assert len(marker) == 2, done.stderr
    return json.loads(marker[1]), done.stdout


def test_help_of_every_command_imports_no_heavy_library() -> None:
    code = """
import typer
from evplan.cli import app
from evplan.cli.app import app as registered
names = [command.name or command.callback.__name__ for command in registered.registered_commands]
print(json.dumps(names))
for argv in [["--help"]] + [[name, "--help"] for name in names]:
    try:
        app(argv, standalone_mode=False)
    except SystemExit:
        pass
"""
    loaded, stdout = loaded_after(code)
    commands = json.loads(stdout.splitlines()[0])
    assert {"run", "sweep", "report", "recycling"} <= set(commands)
    assert "Usage: " in stdout
    assert stdout.count("--self-contained") >= 2 and "--verbose" in stdout  # run, report
    assert loaded == []


def test_import_evplan_is_light_and_its_api_is_complete() -> None:
    loaded, _ = loaded_after("import evplan; evplan.__version__; evplan.InputError")
    assert loaded == []
    assert set(evplan.__all__) <= set(dir(evplan))
    for name in evplan.__all__:
        assert getattr(evplan, name) is not None
    assert evplan.optimize.__module__ == "evplan.solve"


def test_a_plain_run_loads_neither_scipy_stats_nor_openpyxl_nor_dask(tmp_path: Path) -> None:
    code = """
import sys
from evplan.cli import main
sys.argv = ["evplan", "run", "-o", "out/run", "--verbose"]
main()
"""
    loaded, stdout = loaded_after(code, cwd=tmp_path)
    assert "Report: " in stdout and (tmp_path / "out" / "run" / "report.html").exists()
    for stage in ("start-up", "imports", "load", "validate", "build", "solve", "results",
                  "write tables", "report", "record", "total", "HiGHS itself"):
        assert stage in stdout, stage
    assert {"linopy", "highspy", "pandas", "duckdb"} <= set(loaded)  # it did plan and record
    for module in ("scipy.stats", "openpyxl", "dask", "dask.array", "distributed",
                   "evplan.charging.erlang", "evplan.location"):
        assert module not in loaded, f"a plain run imported {module}"


def test_excel_loads_openpyxl(tmp_path: Path) -> None:
    code = """
import sys
from evplan.cli import main
sys.argv = ["evplan", "run", "-o", "out/run", "--excel", "--no-report", "--no-record"]
main()
"""
    loaded, _ = loaded_after(code, cwd=tmp_path)
    assert "openpyxl" in loaded and (tmp_path / "out" / "run" / "results.xlsx").exists()


def test_stopwatch_laps_and_parts() -> None:
    from evplan.timing import Stopwatch

    watch = Stopwatch()
    watch.lap("first")
    with watch.stage("second"):
        sum(range(10_000))
    watch.lap_parts({"inner": {"wall_s": 0.0, "cpu_s": 0.0}}, rest="other")
    names = [name for name, _, _ in watch.rows()]
    assert names[:3] == ["first", "second", "inner"]
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in watch.rows())
    assert set(watch.as_dict()) == set(names)


DEFERRED_RUN = """
import json, sys
import pytest

import evplan
import linopy
names = ("requests", "numpy.f2py", "numpy.testing", "numpy.polynomial")
print(json.dumps({name: type(sys.modules[name]).__name__ for name in names}))
print(json.dumps({name: name in sys.modules for name in ("urllib3",
                                                         "numpy.f2py.crackfortran")}))
import numpy
print(numpy.polynomial.Polynomial([1, 2])(3))
from numpy.testing import assert_allclose
assert_allclose(1.0, 1.0)
import requests
print(requests.RequestException.__name__, "urllib3" in sys.modules)
"""


def test_linopy_and_scipy_leave_what_a_plan_never_uses_unrun_until_it_is_used() -> None:
    import importlib.util

    if importlib.util.find_spec("requests") is None:  # pragma: no cover - linopy's extra
        pytest.skip("requests is not installed")
    done = subprocess.run([sys.executable, "-c", DEFERRED_RUN], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[0]) == dict.fromkeys(
        ("requests", "numpy.f2py", "numpy.testing", "numpy.polynomial"), "_LazyModule")
    assert json.loads(lines[1]) == {"urllib3": False, "numpy.f2py.crackfortran": False}
    assert lines[2] == "7.0"  # the lazy module ran on first use and works
    assert lines[3] == "RequestException True"


def test_other_imports_of_those_modules_run_at_once() -> None:
    code = ("import sys, evplan, numpy.testing\n"
            "print(type(sys.modules['numpy.testing']).__name__, 'unittest' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert done.stdout.split() == ["module", "True"], done.stderr


def test_the_finder_answers_only_for_its_modules_and_importers() -> None:
    from evplan.lazy_imports import DeferUnusedImports, _asked_by, defer_unused_imports

    assert _asked_by(["linopy.remote.oetc"], ("linopy.remote.oetc",))
    assert not _asked_by(["linopy.remote"], ("linopy.remote.oetc",))
    assert _asked_by(["numpy", "scipy._lib.array_api_compat._internal"],
                     ("numpy", "scipy._lib.array_api_compat."))
    assert not _asked_by(["numpy", "__main__"], ("numpy", "scipy._lib.array_api_compat."))
    assert not _asked_by(["numpy"], ("numpy", "scipy._lib.array_api_compat."))
    finder = DeferUnusedImports()
    assert finder.find_spec("pandas") is None
    assert finder.find_spec("requests") is None  # asked by this test, not by linopy
    assert defer_unused_imports() is False  # `import evplan` installed it already
    assert sum(isinstance(f, DeferUnusedImports) for f in sys.meta_path) == 1
