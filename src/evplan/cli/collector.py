"""The cyclic garbage collector around a command's imports.

Importing pandas, pyarrow, xarray, linopy (with polars and SciPy), highspy and DuckDB makes
about a million tracked objects (functions, classes, their dicts) that live as long as the
process, and next to no garbage. The cyclic collector scanned them while they were made and
again as they aged: about 0.07 s CPU of ``evplan run``'s 2 s (0.05 s during the imports,
0.02 s in later collections that still scanned them; measured with ``gc.callbacks``).

:class:`ImportsAside` pauses the collector while a command imports, then freezes what is
alive (:func:`gc.freeze`: later collections skip those objects) and resumes it; when the
command ends the objects are unfrozen, so a process that runs commands in-process (a test,
a notebook) collects them as before. When something else has frozen objects already, the
collector is left as it is.

Examples
--------
>>> import gc
>>> gc.enable()
>>> aside = ImportsAside()
>>> gc.isenabled()
False
>>> import json  # a command's imports
>>> aside.imported()
>>> gc.isenabled(), gc.get_freeze_count() > 0
(True, True)
>>> aside.release()
>>> gc.get_freeze_count()
0
"""

from __future__ import annotations

import gc

__all__ = ["ImportsAside"]


class ImportsAside:
    """Pause the cyclic collector now; :meth:`imported` sets aside what the imports made;
    :meth:`release` gives it back (see the module docstring)."""

    def __init__(self) -> None:
        self._enabled = gc.isenabled()
        self._active = self._enabled and gc.get_freeze_count() == 0
        self._frozen = False
        if self._active:
            gc.disable()

    def imported(self) -> None:
        """The command has imported its modules: freeze what is alive, collect again."""
        if self._active and not self._frozen:
            gc.freeze()
            self._frozen = True
            gc.enable()

    def release(self) -> None:
        """The command has ended: unfreeze (later collections may scan them again)."""
        if self._active:
            if self._frozen:
                gc.unfreeze()
                self._frozen = False
            gc.enable()
            self._active = False
