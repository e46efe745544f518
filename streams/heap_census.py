"""With `worker.heap_census_every_s`, the worker logs the heap's object populations and their
growth since the last census: which structure grows when RSS does (bench/soak.py turns it on).
"""

import gc
import logging
from collections import Counter

log = logging.getLogger(__name__)

TOP = 20
_previous: dict[str, Counter[str]] = {"census": Counter()}


def census() -> Counter[str]:
    """Objects the garbage collector tracks (containers and instances), by type."""
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def log_census() -> None:
    now, before = census(), _previous["census"]
    grown = Counter({name: n - before.get(name, 0) for name, n in now.items()})
    rows = [f"{name:<48} {now[name]:>10,} {d:>+10,}" for name, d in grown.most_common(TOP)]
    log.warning(
        "heap census: %d objects; most grown since the last:\n%s", now.total(), "\n".join(rows)
    )
    _previous["census"] = now
