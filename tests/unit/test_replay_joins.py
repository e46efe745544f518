"""A replay joins each sized record with the entries its lineage names, reusing a view while
the lineage does not move."""

from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.single_pass import Joins
from schemas.config import SizingConfig
from schemas.messages import RegimeObservation, SentimentObservation
from sizing.refs import InputRef

T0 = 1_795_000_000_000_000_000
REGIME = InputRef("himari.l2.regime", 0, 0)
FIRST, SECOND = InputRef("himari.l2.sentiment", 0, 0), InputRef("himari.l2.sentiment", 0, 1)


def _entries() -> EntryHistory:
    entries = EntryHistory(SizingConfig())
    entries.apply(RegimeObservation(symbol="BTC-USD", regime="RANGING", timestamp_ns=T0), REGIME)
    for i, (ref, strength) in enumerate(((FIRST, 0.2), (SECOND, 0.9))):
        msg = SentimentObservation(symbol="BTC-USD", trend="BULLISH", strength=strength,
                                   timestamp_ns=T0 + i)  # fmt: skip
        entries.apply(msg, ref)
    return entries


def _tail(sentiment: InputRef) -> dict:
    reads = {"cascade": None, "regime": REGIME.as_dict(), "sentiment": sentiment.as_dict(),
             "posterior": None, "residuals": None}  # fmt: skip
    return {"reads": reads, "config_version": "v"}


def test_a_view_is_reused_while_the_tail_is_the_same_object():
    joins, tail = Joins(_entries()), _tail(FIRST)

    assert joins.view("BTC-USD", "s1", tail) is joins.view("BTC-USD", "s1", tail)


def test_a_new_tail_joins_the_entries_it_names():
    joins = Joins(_entries())

    first = joins.view("BTC-USD", "s1", _tail(FIRST))
    second = joins.view("BTC-USD", "s1", _tail(SECOND))

    assert first.sentiment.strength == 0.2
    assert second.sentiment.strength == 0.9
    assert second.regime is first.regime


def test_an_equal_tail_that_is_another_object_is_joined_again():
    joins = Joins(_entries())

    first = joins.view("BTC-USD", "s1", _tail(FIRST))

    assert joins.view("BTC-USD", "s1", _tail(FIRST)) is not first
    assert joins.view("BTC-USD", "s1", _tail(FIRST)) == first
