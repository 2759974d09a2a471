"""Keep xarray from importing dask when no dask object is in sight.

Dask is a hard dependency of evplan (sweeps run on a Dask cluster), so it is always
installed, and xarray asks about it on every array linopy makes:

* ``isinstance(data, array_type("dask"))`` when it wraps data in a ``Variable``:
  ``array_type`` imports ``dask.array`` to answer (about 0.5 s of CPU);
* ``is_dask_collection(x)`` in ``apply_ufunc`` and friends: it imports ``dask`` (about
  0.1 s) and calls ``dask.base.is_dask_collection``.

:func:`defer_dask_import` answers both without importing dask, exactly:

* a stand-in in xarray's cache of duck-array modules whose type check is "is it a
  ``dask.array.Array``" only once ``dask.array`` is imported (before that, no object can be
  one); anything else xarray asks of the entry (module, version) imports dask then, as
  xarray would have;
* a wrapper of ``is_dask_collection`` that first applies dask's own first test (an object
  without a callable ``__dask_graph__``, or a class, is not a collection) and hands
  everything else to xarray's function, which imports dask.

The Dask path (a ``LocalCluster``, ``--scheduler``, dask-backed arrays) is unchanged. Both
hooks touch private parts of xarray; when they are not shaped as this module expects,
nothing is changed and xarray behaves as it always did.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["defer_dask_import"]


class _DaskArrayCheck(type):
    """Metaclass whose ``isinstance`` asks ``dask.array`` only when it is already loaded."""

    def __instancecheck__(cls, instance: object) -> bool:
        module = sys.modules.get("dask.array")
        array = getattr(module, "Array", None)
        return isinstance(array, type) and isinstance(instance, array)

    def __subclasscheck__(cls, subclass: type) -> bool:
        module = sys.modules.get("dask.array")
        array = getattr(module, "Array", None)
        return isinstance(array, type) and issubclass(subclass, array)


class DaskArrayIfLoaded(metaclass=_DaskArrayCheck):
    """``isinstance(x, DaskArrayIfLoaded)`` is ``isinstance(x, dask.array.Array)``, lazily."""


class _DeferredDask:
    """Stands in for xarray's ``DuckArrayModule("dask")`` until more than a type is asked."""

    type = (DaskArrayIfLoaded,)

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        # module, version, available: what xarray's own entry holds, made on first use.
        if name.startswith("__") or name in ("_factory", "_real"):
            raise AttributeError(name)
        if self._real is None:
            self._real = self._factory("dask")
        return getattr(self._real, name)


def _wrap_is_dask_collection(original: Any) -> Any:
    def is_dask_collection(x: object) -> bool:
        # dask.base.is_dask_collection starts with this same test and returns False.
        if isinstance(x, type) or not callable(getattr(x, "__dask_graph__", None)):
            return False
        return bool(original(x))

    is_dask_collection.evplan_wrapped = original  # type: ignore[attr-defined]
    is_dask_collection.__doc__ = original.__doc__
    return is_dask_collection


def defer_dask_import() -> bool:
    """Install both hooks in xarray, once per process.

    Returns
    -------
    bool
        Whether the ``array_type("dask")`` stand-in is in place (False when ``dask.array``
        is already imported, when xarray already cached the real entry, or when xarray's
        internals differ).
    """
    try:
        from xarray.namedarray import pycompat
        from xarray.namedarray import utils as namedarray_utils
    except ImportError:  # pragma: no cover - xarray is a dependency
        return False
    original = getattr(namedarray_utils, "is_dask_collection", None)
    if callable(original) and not hasattr(original, "evplan_wrapped"):
        namedarray_utils.is_dask_collection = _wrap_is_dask_collection(original)
    if "dask.array" in sys.modules:
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    factory = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or factory is None:
        return False
    current = cache.get("dask")
    if isinstance(current, _DeferredDask):
        return True
    if current is not None:
        return False
    cache["dask"] = _DeferredDask(factory)
    return True
