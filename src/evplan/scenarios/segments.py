"""Which cases a sweep's worker solves next: a contiguous stretch of the list each.

A warm case starts from the basis of the nearest case its process solved before (by the
cases' parameters), so a process that walks neighbouring cases needs fewer simplex
iterations than one that jumps. Handing out chunks from the front of one list, as a single
queue does, makes every process jump over the chunks the others took: on the 480-case
benchmark grid two processes that took alternate chunks of 25 needed 28,034 iterations
where one process walking the list needed 23,389, and two walking one half each 22,918.

:class:`Segments` gives each worker one contiguous stretch of the list (the list split into
equal parts) and hands it chunks from the front of its own stretch. A worker whose stretch
is done takes the back half of the largest stretch left (all of it when that stretch's
worker has left the study): range splitting, as parallel loops do, so the workers still
finish close together. Chunk sizes are guided: the cases not yet handed out divided by
twice the workers, at most :data:`MAX_CHUNK`, so the last chunks are short.
"""

from __future__ import annotations

import math

__all__ = ["MAX_CHUNK", "Segments"]

MAX_CHUNK = 25


class Segments:
    """Chunks of the case positions ``0 .. count - 1`` for ``workers`` workers.

    Parameters
    ----------
    count : int
        Cases in the study.
    workers : int
        Workers at the start (more may join: :meth:`add_worker`).
    chunk_size : int, optional
        Cases per chunk (default: guided, see the module docstring).

    Examples
    --------
    >>> segments = Segments(10, 2)
    >>> segments.take(0), segments.take(1), segments.take(1), segments.take(1)
    (range(0, 3), range(5, 7), range(7, 9), range(9, 10))
    >>> segments.take(1)  # its stretch is done: the back half of worker 0's
    range(4, 5)
    >>> segments.take(0), segments.take(0), segments.left
    (range(3, 4), None, 0)
    """

    def __init__(self, count: int, workers: int, chunk_size: int | None = None) -> None:
        if workers < 1:
            raise ValueError("a study needs at least one worker")
        bounds = [round(part * count / workers) for part in range(workers + 1)]
        self._stretches = [[bounds[part], bounds[part + 1]] for part in range(workers)]
        self._active = set(range(workers))
        self._chunk_size = chunk_size
        self.left = count  # cases not yet handed out

    @property
    def workers(self) -> int:
        """Workers the study has had (active or not)."""
        return len(self._stretches)

    def add_worker(self) -> int:
        """A worker that joined: its number (it takes a stretch at its first :meth:`take`)."""
        self._stretches.append([0, 0])
        self._active.add(len(self._stretches) - 1)
        return len(self._stretches) - 1

    def retire(self, worker: int) -> None:
        """``worker`` has left: the rest of its stretch goes whole to the next taker."""
        self._active.discard(worker)

    def take(self, worker: int) -> range | None:
        """The next chunk of case positions for ``worker``, or None when all are handed out."""
        stretch = self._stretches[worker]
        if stretch[0] >= stretch[1] and not self._split_for(worker):
            return None
        stretch = self._stretches[worker]
        size = self._chunk_size or math.ceil(self.left / (2 * max(1, len(self._active))))
        size = max(1, min(size if self._chunk_size else min(size, MAX_CHUNK),
                          stretch[1] - stretch[0]))
        chunk = range(stretch[0], stretch[0] + size)
        stretch[0] += size
        self.left -= size
        return chunk

    def _split_for(self, thief: int) -> bool:
        """Give ``thief`` the back half of the largest stretch left; False when none is."""
        victim = max(range(len(self._stretches)),
                     key=lambda worker: (self._stretches[worker][1] - self._stretches[worker][0],
                                         worker not in self._active, -worker))
        start, end = self._stretches[victim]
        if end <= start:
            return False
        cut = start if victim not in self._active else end - math.ceil((end - start) / 2)
        self._stretches[thief] = [cut, end]
        self._stretches[victim][1] = cut
        return True
