"""Tasks run in forked processes that share the parent's memory, with a count of their progress.

A task is a closure set in the parent before the fork, so it is never pickled: only its answer
travels back. It reports how far it has come by calling `moved(count)`.
"""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
Moved = Callable[[int], None]
_POLL_S = 0.2

# Set in the parent before the fork, for the children to inherit: the tasks, and a shared
# array of each one's count.
_inherited: dict[str, Any] = {}


def run(tasks: list[Callable[[Moved], T]], progress: Moved | None = None) -> list[T]:
    """Each task's answer, in order; `progress(sum of the counts)` while they run."""
    context = multiprocessing.get_context("fork")
    counts = context.Array("q", len(tasks), lock=False)
    _inherited.update(tasks=tasks, counts=counts)
    try:
        with ProcessPoolExecutor(len(tasks), mp_context=context) as pool:
            futures = [pool.submit(_task, i) for i in range(len(tasks))]
            while wait(futures, _POLL_S, FIRST_EXCEPTION).not_done:
                if progress is not None:
                    progress(sum(counts))
            return [f.result() for f in futures]
    finally:
        _inherited.clear()


def _task(index: int) -> Any:
    counts = _inherited["counts"]

    def moved(count: int) -> None:
        counts[index] = count

    return _inherited["tasks"][index](moved)
