"""A portfolio's book holds a bounded set of strategies: idle ones leave, a full book refuses."""

import pytest
from factories import CFG, TS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_portfolio_stage import s1

from schemas.enums import Action, Reason
from sizing import portfolio_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef

S = 1_000_000_000
IDLE_S = CFG.ensemble.strategy_idle_s
SMALL = CFG.model_copy(update={"ensemble": CFG.ensemble.model_copy(update={"max_strategies": 2})})


def decide(book: PortfolioBook, strategy: str, symbol: str, ts: int, cfg=CFG, n: int = 0):
    sig = s1(strategy, symbol, Action.BUY, 0.05, ts)
    return portfolio_sizing.decide(sig, None, book, cfg, InputRef("sized", 0, n))


def test_strategy_silent_past_strategy_idle_s_leaves_the_book_with_its_views():
    book = PortfolioBook()
    decide(book, "a", "BTC", TS)
    decide(book, "b", "ETH", TS)
    out = decide(book, "b", "BTC", TS + int((IDLE_S + 120) * S))
    assert out.components["ensemble"]["book"]["evicted_idle"] == ["a"]
    assert "a" not in book.strategies() and "a" not in book.weights
    assert book.views.by_symbol["BTC"] == {"b": pytest.approx(0.05)}
    # The symbol is stacked from b's view alone: no ensemble penalty from a stale voice.
    assert out.target_position_usd == pytest.approx(5_000.0)


def test_strategy_heard_within_strategy_idle_s_stays():
    book = PortfolioBook()
    decide(book, "a", "BTC", TS)
    out = decide(book, "b", "BTC", TS + int((IDLE_S - 120) * S))
    assert out.components["ensemble"]["book"]["evicted_idle"] == []
    assert book.strategies() == {"a", "b"}
    assert Reason.ENSEMBLE_PENALTY in out.reasons


def test_full_book_refuses_a_new_strategy_with_book_full_and_keeps_it_out():
    book = PortfolioBook()
    decide(book, "a", "BTC", TS, SMALL)
    before = decide(book, "b", "BTC", TS, SMALL)
    out = decide(book, "c", "BTC", TS + S, SMALL)
    assert Reason.BOOK_FULL in out.reasons
    assert out.components["ensemble"]["book"] == {
        "strategies": 2, "max_strategies": 2, "evicted_idle": [], "full": True
    }  # fmt: skip
    assert book.strategies() == {"a", "b"}
    # The refused view adds nothing and takes nothing away: a's and b's views still stand.
    assert out.target_position_usd == before.target_position_usd > 0.0


def test_refused_strategy_takes_the_place_an_idle_one_leaves():
    book = PortfolioBook()
    decide(book, "a", "BTC", TS, SMALL)
    decide(book, "b", "ETH", TS, SMALL)
    later = TS + int(IDLE_S / 2 * S)
    decide(book, "b", "ETH", later, SMALL)
    assert Reason.BOOK_FULL in decide(book, "c", "SOL", later, SMALL).reasons
    out = decide(book, "c", "SOL", TS + int((IDLE_S + 120) * S), SMALL)
    assert Reason.BOOK_FULL not in out.reasons
    assert book.strategies() == {"b", "c"}


Step = tuple[int, int, int]  # strategy, symbol, minutes after the previous signal


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 90)), max_size=40))
def test_book_stays_within_max_strategies_and_a_recovered_book_decides_the_same(
    steps: list[Step],
):
    book, ts = PortfolioBook(), TS
    for n, (strategy, symbol, minutes) in enumerate(steps):
        ts += minutes * 60 * S
        recovered = PortfolioBook.from_dict(book.as_dict())  # a restart before this decision
        sig = s1(f"s{strategy}", f"SYM{symbol}", Action.BUY, 0.05, ts)
        ref = InputRef("sized", 0, n)
        live = portfolio_sizing.decide(sig, None, book, SMALL, ref)
        again = portfolio_sizing.decide(sig, None, recovered, SMALL, ref)
        assert (live.target_position_usd, live.reasons) == (
            again.target_position_usd,
            again.reasons,
        )
        assert live.components == again.components
        assert recovered.as_dict() == book.as_dict()
        assert len(book.strategies()) <= SMALL.ensemble.max_strategies


def test_book_written_before_packed_samples_still_loads():
    book = PortfolioBook()
    decide(book, "a", "BTC", TS)
    decide(book, "a", "BTC", TS + 120 * S)
    old = book.as_dict()
    old["samples"] = {name: s.as_list() for name, s in book.samples.items()}
    assert PortfolioBook.from_dict(old).as_dict() == book.as_dict()
