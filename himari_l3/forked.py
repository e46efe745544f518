"""Tasks run in forked processes that share the parent's memory, with a count of their progress.

A task is a closure set in the parent before the fork, so it is never pickled: only its answer
travels back. It reports how far it has come by calling `moved(count)`, and when another task
has failed, that call stops it (so a failure is known without waiting for the rest to finish).
"""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
Moved = Callable[[int], None]
_POLL_S = 0.2

# Set in the parent before the fork, for the children to inherit: the tasks, and a shared
# array of each one's count, then a flag that tells them to stop.
_inherited: dict[str, Any] = {}


class StoppedError(Exception):
    """Raised in a task, at its next report, once another task has failed."""


def run(tasks: list[Callable[[Moved], T]], progress: Moved | None = None) -> list[T]:
    """Each task's answer, in order; `progress(sum of the counts)` while they run. When a task
    fails, the others stop at their next report, and its error is raised here."""
    context = multiprocessing.get_context("fork")
    shared = context.Array("q", len(tasks) + 1, lock=False)
    _inherited.update(tasks=tasks, shared=shared)
    try:
        with ProcessPoolExecutor(len(tasks), mp_context=context) as pool:
            futures = [pool.submit(_task, i) for i in range(len(tasks))]
            while True:
                done, running = wait(futures, _POLL_S, FIRST_EXCEPTION)
                if progress is not None:
                    progress(sum(shared[: len(tasks)]))
                if not running:
                    break
                if any(f.exception() is not None for f in done):
                    shared[len(tasks)] = 1
                    break
    finally:
        _inherited.clear()
    failed = [e for f in futures if (e := f.exception()) is not None]
    if failed:
        raise min(failed, key=lambda e: isinstance(e, StoppedError))  # the first not a stop
    return [f.result() for f in futures]


def _task(index: int) -> Any:
    shared = _inherited["shared"]
    stop = len(shared) - 1

    def moved(count: int) -> None:
        if shared[stop]:
            raise StoppedError("another task failed")
        shared[index] = count

    return _inherited["tasks"][index](moved)
