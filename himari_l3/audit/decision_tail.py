"""What stage 2's re-run needs from a recorded decision, read from the end of its bytes.

A decision's lineage differs from every other's (its trigger, its ensemble read), so unlike a
sized record's it cannot be parsed once for many: the few fields needed are found in place.
Anything not shaped as the worker writes it is parsed whole instead. A wrong read cannot pass
as identical: the values read go into the recomputed decision, compared byte for byte.
"""

from typing import Any, NamedTuple

import orjson

from himari_l3.audit.recorded import TAIL_BYTES, Recorded

_LINEAGE = b',"lineage":{"trigger":'
_PORTFOLIO = b',"portfolio":'
NO_RESET = b',"kill_switch_reset":null,"ensemble":'
_VERSION = b'}},"config_version":"'
_PROCESSED = b'","processed_at_ns":'
_MEMO_READS = 4_096


class DecisionTail(NamedTuple):  # a tuple: built once per decision, a third of a dataclass's cost
    reads: dict[str, Any]  # lineage.reads: at least the portfolio and kill-switch reset read
    config_version: str
    processed_at_ns: int


def read(rec: Recorded, memo: dict[bytes, Any]) -> DecisionTail:
    """The tail of the decision `rec`; `memo` keeps portfolio reads, which recur."""
    found = _in_place(rec.last(TAIL_BYTES), memo)
    if found is not None:
        return found
    whole = rec.tail("lineage", "config_version", "processed_at_ns")
    return DecisionTail(
        whole["lineage"]["reads"], whole["config_version"], whole["processed_at_ns"]
    )


def _in_place(value: bytes, memo: dict[bytes, Any]) -> DecisionTail | None:
    """The tail of a decision written as the worker writes it, with no kill-switch reset read;
    else None. `value` may be the decision's last bytes only: its lineage must be in them."""
    # Searched backwards, each before the next: only the last few hundred bytes are scanned.
    q = value.rfind(_PROCESSED)
    v = value.rfind(_VERSION, 0, q) if q >= 0 else -1
    k = value.rfind(NO_RESET, 0, v) if v >= 0 else -1
    p = value.rfind(_PORTFOLIO, 0, k) if k >= 0 else -1
    if p < 0 or value.rfind(_LINEAGE, 0, p) < 0 or not value.endswith(b"}"):
        return None
    digits, version = value[q + len(_PROCESSED) : -1], value[v + len(_VERSION) : q]
    if not digits.isdigit() or b'"' in version or b"\\" in version:
        return None
    portfolio = _portfolio_read(value[p + len(_PORTFOLIO) : k], memo)
    if portfolio is False:
        return None
    reads = {"portfolio": portfolio, "kill_switch_reset": None}
    return DecisionTail(reads, version.decode(), int(digits))


def _portfolio_read(raw: bytes, memo: dict[bytes, Any]) -> Any:
    """The read as JSON gives it (None or an object); False when it is neither."""
    found = memo.get(raw, False)
    if found is not False:
        return found
    try:
        found = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    if found is not None and not isinstance(found, dict):
        return False
    if len(memo) >= _MEMO_READS:  # a bound, not a cache policy
        memo.clear()
    memo[raw] = found
    return found
