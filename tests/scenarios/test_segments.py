"""Which cases each sweep worker solves next (evplan.scenarios.segments), without solving."""

from __future__ import annotations

import itertools
import random

import pytest

from evplan.scenarios.segments import MAX_CHUNK, Segments


def _drain(segments: Segments, order: list[int]) -> dict[int, list[range]]:
    """Take chunks for the workers in ``order`` (cycled) until every case is handed out."""
    taken: dict[int, list[range]] = {}
    done: set[int] = set()
    for worker in itertools.cycle(order):
        if done >= set(order):
            break
        chunk = segments.take(worker)
        if chunk is None:
            done.add(worker)
            continue
        taken.setdefault(worker, []).append(chunk)
    return taken


@pytest.mark.parametrize(("cases", "workers"), [(480, 2), (24, 2), (7, 3), (1, 4), (100, 1),
                                                (1920, 2), (5, 8)])
def test_every_case_is_handed_out_once_in_shrinking_chunks(cases: int, workers: int) -> None:
    segments = Segments(cases, workers)
    taken = _drain(segments, list(range(workers)))
    positions = [at for chunks in taken.values() for chunk in chunks for at in chunk]
    assert sorted(positions) == list(range(cases)) and segments.left == 0
    assert max((len(chunk) for chunks in taken.values() for chunk in chunks), default=0) <= (
        MAX_CHUNK)


def test_each_worker_walks_its_own_half_and_takes_the_back_half_of_the_rest() -> None:
    segments = Segments(480, 2)
    assert segments.take(0) == range(0, 25) and segments.take(1) == range(240, 265)
    # Worker 1 alone takes chunks: it walks its half in order, sizes guided by what is left
    # (the cases not handed out over twice the workers, at most 25).
    chunks = [segments.take(1) for _ in range(9)]
    assert [chunk.start for chunk in chunks][:2] == [265, 290]
    assert all(previous.stop == chunk.start for previous, chunk in itertools.pairwise(chunks))
    assert chunks[-1].stop == 480
    left = segments.left
    assert left == 480 - 25 - 240
    # Its half is done: it takes the back half of worker 0's stretch (25 .. 240: 215 cases,
    # 108 of them from 132); worker 0 keeps 25 .. 132 and goes on where it was.
    assert segments.take(1) == range(132, 157)
    assert segments.take(0) == range(25, 50)


def test_two_workers_at_the_same_pace_each_walk_one_half_in_order() -> None:
    taken = _drain(Segments(480, 2), [0, 1])
    runs = {worker: 1 + sum(previous.stop != chunk.start
                            for previous, chunk in itertools.pairwise(chunks))
            for worker, chunks in taken.items()}
    # Worker 0 (which took the first, larger chunk) ran out first and took the last four
    # cases of worker 1's stretch: one jump in the whole study.
    assert runs == {0: 2, 1: 1}
    assert taken[0][0].start == 0 and taken[1][0].start == 240
    assert [at for chunk in taken[0][-3:] for at in chunk] == [476, 477, 478, 479]


def test_a_worker_that_left_gives_up_all_of_its_stretch() -> None:
    segments = Segments(100, 2)
    assert segments.take(0) == range(0, 25)
    segments.retire(0)
    segments.take(1)
    while (chunk := segments.take(1)) is not None and chunk.start >= 50:
        pass
    # Worker 1 took the rest of worker 0's stretch whole, from where worker 0 stopped.
    assert chunk is not None and chunk.start == 25
    taken = [chunk, *iter(lambda: segments.take(1), None)]
    assert [at for part in taken for at in part] == list(range(25, 50))


def test_a_worker_that_joins_takes_half_of_the_largest_stretch() -> None:
    segments = Segments(100, 2)
    assert segments.take(0) == range(0, 25) and segments.take(1) == range(50, 69)
    joined = segments.add_worker()
    assert joined == 2 and segments.workers == 3
    # The largest stretch left is worker 1's 69 .. 100 (31 cases; worker 0 has 25 .. 50):
    # the joiner takes its back 16, in a chunk of the 56 cases left over six.
    assert segments.take(joined) == range(84, 94)
    assert segments.take(1) == range(69, 77)


def test_a_fixed_chunk_size_is_kept_beyond_the_guided_cap() -> None:
    segments = Segments(100, 2, chunk_size=40)
    assert segments.take(0) == range(0, 40) and segments.take(0) == range(40, 50)
    assert segments.take(1) == range(50, 90)


def test_random_schedules_hand_out_every_case_once_and_keep_each_stretch_in_order() -> None:
    generator = random.Random(7)
    for _ in range(200):
        cases, workers = generator.randint(0, 300), generator.randint(1, 6)
        segments = Segments(cases, workers, generator.choice([None, 1, 3, 40]))
        active = list(range(workers))
        seen: list[int] = []
        while active:
            worker = generator.choice(active)
            if generator.random() < 0.02 and len(active) > 1:
                segments.retire(worker)
                active.remove(worker)
                continue
            if generator.random() < 0.02:
                active.append(segments.add_worker())
                continue
            chunk = segments.take(worker)
            if chunk is None:
                active.remove(worker)
                continue
            assert len(chunk) >= 1 and chunk.step == 1
            seen.extend(chunk)
        assert sorted(seen) == list(range(cases)) and segments.left == 0
