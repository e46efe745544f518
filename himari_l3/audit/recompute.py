"""Recompute recorded sized records and decisions with the pure core and compare them.

Stage 1 is recomputed against the entries each sized record's lineage names; stage 2 on books
folded in the order the worker applied the sized records: per sized partition, by offset, the
first copy of each decision (a copy that comes again is fenced by its trigger).
"""

from dataclasses import dataclass

from himari_l3.audit import shares
from himari_l3.audit.comparison import Comparison
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.history import History, read_history
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.selection import EVERYTHING, Selection
from himari_l3.audit.single_pass import Share, ShareSpec, fold_share
from schemas.config import Layer3Config
from schemas.topics import Topic
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef


@dataclass
class Audit:
    sized: Comparison
    decisions: Comparison
    entries: EntryHistory
    books: dict[str, PortfolioBook]  # each portfolio's book at the end (jobs=1 only)
    triggers: dict[str, InputRef]  # decision id → its trigger, for the answers findings name
    signals: int  # valid tactical signals: each is owed a sized record and a decision


def audit(
    inputs: dict[Topic, list[Recorded]],
    sized: list[Recorded],
    decisions: list[Recorded],
    cfg: Layer3Config,
    selection: Selection = EVERYTHING,
    jobs: int = 1,
    progress: shares.Progress | None = None,
) -> Audit:
    """Fold the state inputs, then recompute every recorded sized record and decision, with up
    to `jobs` processes. Only the answers to the signals `selection` picks are compared; all are
    folded. `progress(folded, of)` follows the sized records."""
    history = read_history(inputs, sized, decisions, cfg)

    def work(spec: ShareSpec, tick: shares.Tick) -> Share:
        return fold_share(history, cfg, selection, spec, tick)

    found = shares.run(shares.plan(history, jobs), work, len(history.sized), progress)
    return _merged(history, found)


def _merged(history: History, found: list[Share]) -> Audit:
    result = Audit(Comparison(), Comparison(), history.entries, {}, {}, 0)
    for share in found:
        result.sized.add(share.sized)
        result.decisions.add(share.decisions)
        result.books.update(share.books)
        result.triggers.update(share.triggers)
        result.signals += share.signals
    result.sized.unequal_copies = history.unequal_sized
    result.decisions.unequal_copies = history.unequal_decisions
    result.decisions.extra = sorted(history.decided.keys() - history.sized.keys())
    for c in (result.sized, result.decisions):  # in input order, whatever the shares
        c.different = dict(sorted(c.different.items(), key=lambda kv: _at(kv[0], result)))
        c.missing.sort(key=lambda i: _at(i, result))
        c.after_reset.sort(key=lambda i: _at(i, result))
        c.extra.sort()
    return result


def _at(decision_id: str, result: Audit) -> tuple[int, int, str]:
    ref = result.triggers.get(decision_id)
    return (-1, -1, decision_id) if ref is None else (ref.partition, ref.offset, decision_id)
