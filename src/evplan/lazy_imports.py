"""Load on first use the modules linopy and SciPy import but a plan never uses.

Importing linopy costs about 0.1 s of CPU in modules that no evplan run touches:

* ``requests`` (with ``urllib3``, ``http.cookiejar``, ``certifi`` checks): imported by
  ``linopy.remote.oetc`` at the top of a ``try`` that then needs ``google.cloud`` for its
  remote-solve service;
* ``numpy.f2py``, ``numpy.testing`` and ``numpy.polynomial``: SciPy's array-API layer
  (``scipy._lib.array_api_compat.numpy``, reached through ``scipy.sparse``) copies every
  public name of NumPy, and NumPy imports these submodules when they are named.

:func:`defer_unused_imports` puts a finder first on ``sys.meta_path`` that answers only
for these four names, and only when the import comes from those two places (the module
that runs the ``import`` statement, as on the call stack). It returns the usual spec
with its loader wrapped in :class:`importlib.util.LazyLoader`: the module object exists
and is bound where it was asked for, and its code runs the first time one of its
attributes is read. Nothing else changes:

* any other import of these modules (``import requests`` in a notebook, ``from
  numpy.testing import assert_allclose`` in a test) is left to the normal finders, and
  gets a module that has run, unless linopy or SciPy made the lazy one first: that one
  runs on its first attribute read, as it would have at import;
* ``linopy.remote.oetc`` still reads ``requests.RequestException`` inside its ``try``
  when ``google.cloud`` is installed, so a broken ``requests`` still lands in its
  ``except ImportError``;
* when a module is already imported, the finder is never asked.

The finder is installed by ``import evplan`` (it imports nothing and costs microseconds)
because the first ``import linopy`` can come from many evplan modules.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import FrameType, ModuleType

__all__ = ["DEFERRED", "DeferUnusedImports", "defer_unused_imports"]

#: Module -> the importers (module names, innermost first) whose import of it is deferred:
#: the module that runs the ``import``, then the next module up the call stack, and so on
#: (prefix match; frames of ``importlib`` and of ``exec``'d code without a name skipped).
DEFERRED: dict[str, tuple[str, ...]] = {
    "requests": ("linopy.remote.oetc",),
    "numpy.f2py": ("numpy", "scipy._lib.array_api_compat."),
    "numpy.testing": ("numpy", "scipy._lib.array_api_compat."),
    "numpy.polynomial": ("numpy", "scipy._lib.array_api_compat."),
}


def _importers(frame: FrameType | None, count: int) -> list[str]:
    """The first ``count`` module names on the stack from ``frame`` up (importlib skipped)."""
    names: list[str] = []
    while frame is not None and len(names) < count:
        name = frame.f_globals.get("__name__")
        if isinstance(name, str) and name and not name.startswith("importlib."):
            names.append(name)
        frame = frame.f_back
    return names


def _asked_by(importers: Sequence[str], rule: Sequence[str]) -> bool:
    """Whether ``importers`` match ``rule``: the first exactly, the rest by prefix."""
    return (len(importers) == len(rule) and importers[0] == rule[0]
            and all(name.startswith(prefix) for name, prefix in zip(importers[1:], rule[1:],
                                                                     strict=True)))


class DeferUnusedImports:
    """A ``sys.meta_path`` finder: :data:`DEFERRED` modules, asked for by their importers,
    load lazily; every other import goes to the next finder (``find_spec`` returns None)."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        rule = DEFERRED.get(name)
        if rule is None or not _asked_by(_importers(sys._getframe(1), len(rule)), rule):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return None  # not installed, or not loadable lazily: the normal import decides
        spec.loader = importlib.util.LazyLoader(spec.loader)  # type: ignore[arg-type]
        return spec


def defer_unused_imports() -> bool:
    """Put a :class:`DeferUnusedImports` first on ``sys.meta_path``, once per process.

    Returns
    -------
    bool
        Whether this call installed it (False: it already was).
    """
    if any(isinstance(finder, DeferUnusedImports) for finder in sys.meta_path):
        return False
    sys.meta_path.insert(0, DeferUnusedImports())
    return True
