"""xarray asks about dask on every array; evplan answers without importing it, exactly."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_linopy_model_builds_and_solves_without_importing_dask() -> None:
    out = run("""
import sys
from evplan.examples import single_lane
from evplan.solve import optimize
result = optimize(single_lane(capacity=500))
print(round(result.objective_usd), "dask" in sys.modules, "dask.array" in sys.modules)
""")
    assert out == "4500000 False False"


def test_dask_arrays_are_still_recognised_and_computed() -> None:
    out = run("""
import numpy as np
import xarray as xr
from evplan.lazy_dask import defer_dask_import
from xarray.namedarray.pycompat import array_type, is_chunked_array
from xarray.namedarray.utils import is_dask_collection
assert defer_dask_import()
plain = xr.DataArray(np.arange(6.0), dims="x")
assert not is_dask_collection(plain.data) and not is_chunked_array(plain.data)
import dask.array as da
lazy = xr.DataArray(da.arange(6.0, chunks=2), dims="x")
assert isinstance(lazy.data, array_type("dask")) and is_dask_collection(lazy.data)
assert is_chunked_array(lazy.data) and lazy.chunks == ((2, 2, 2),)
masked = np.ma.masked_array(np.arange(3.0), mask=[0, 1, 0])
wrapped = xr.DataArray(da.from_array(masked, chunks=1), dims="y")
print(float((lazy * 2).sum().compute()), int(np.isnan(wrapped.values).sum()))
""")
    assert out == "30.0 1"


def test_defer_is_a_no_op_once_dask_array_is_loaded() -> None:
    out = run("""
import dask.array
from evplan.lazy_dask import defer_dask_import
print(defer_dask_import())
""")
    assert out == "False"
