"""Stage 2 re-run: portfolio books folded over the sized records in the worker's order."""

from collections.abc import Callable
from typing import Any

from himari_l3.audit import decision_tail
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.errors import ResetOrderError
from himari_l3.audit.recorded import Recorded
from schemas.config import Layer3Config
from sizing import portfolio_capacity, portfolio_sizing, records
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef

Visit = Callable[[str, Recorded | None, dict[str, Any] | None], None]


def fold_books(
    stage1: dict[str, Recorded],
    decided: dict[str, Recorded],
    entries: EntryHistory,
    books: dict[str, PortfolioBook],
    cfg: Layer3Config,
    sized_doc: Callable[[Recorded], dict[str, Any]],
    config_version: str | None,
    visit: Visit,
) -> None:
    """Stage 2 over the sized records in the order the worker applied them: per sized partition,
    by offset, which is the order of `stage1` (as `history.first_copies` gives it).
    `visit(id, recorded decision or None, recomputed or None)` sees each in turn.

    A sized record with no recorded decision is not folded: the worker never applied it. Past
    a reset recorded without its place among the snapshots (before that was recorded), a
    portfolio's decisions are visited with None for the recomputed one.
    `config_version`: what the recomputed decisions say (None: what the recorded ones say)."""
    unknown: set[str] = set()  # portfolios past a reset whose place is not recorded
    memo: dict[bytes, Any] = {}
    for rec in stage1.values():
        sized = sized_doc(rec)
        found = decided.get(sized["decision_id"])
        if found is None:
            visit(sized["decision_id"], None, None)
            continue
        expected = None
        if sized["portfolio_id"] not in unknown:
            try:
                tail = decision_tail.read(found, memo)
                expected = _decide(sized, rec.ref, found, tail, entries, books, cfg, config_version)
            except ResetOrderError:
                unknown.add(sized["portfolio_id"])  # and its book with it, from now on
        visit(sized["decision_id"], found, expected)


def _decide(
    sized: dict[str, Any],
    ref: InputRef,
    recorded: Recorded,
    tail: decision_tail.DecisionTail,
    entries: EntryHistory,
    books: dict[str, PortfolioBook],
    cfg: Layer3Config,
    config_version: str | None,
) -> dict[str, Any]:
    """The decision the core makes of `sized`, against the state the recorded one read."""
    pid, reads = sized["portfolio_id"], tail.reads
    version = tail.config_version if config_version is None else config_version
    # Only a decision after a kill-switch reset needs its diagnostics (which name the snapshot
    # the reset followed), and only then is the whole record parsed.
    kill = None if reads.get("kill_switch_reset") is None else _kill_switch(recorded.doc)
    portfolio = entries.portfolio(pid, reads, kill)
    s1, cap = records.stage1_input(sized), cfg.sizing.max_portfolios_per_partition
    book = None
    if portfolio_capacity.has_room(books, pid, ref, cap):
        book = books.get(pid)
        if book is None:  # not `setdefault`, which builds a book (about 2 µs) for every signal
            book = books[pid] = PortfolioBook()
        size = portfolio_sizing.size(s1, portfolio, book, cfg.sizing, ref)
    else:
        size = portfolio_sizing.refuse(s1, portfolio, cfg.sizing, ref)
    expected = records.decision_record(sized, size, portfolio, book, version, tail.processed_at_ns)
    if book is not None:
        book.apply(size.update)
    return expected


def _kill_switch(decision: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = decision["components"].get("risk", {}).get("kill_switch")
    return found
