"""Seed 000 §11.3 SentimentAwareSizer: penalty 0.15 × strength on contradiction, floored at 0."""

import pytest
from factories import CFG, TS, signal, view

from schemas.enums import Action, Reason, Trend
from schemas.messages import SentimentObservation
from sizing import sentiment, state_updates, strategy_sizing
from sizing.refs import InputRef
from sizing.sentiment import SentimentReading

B, SB, H, S, SS = Action.BUY, Action.STRONG_BUY, Action.HOLD, Action.SELL, Action.STRONG_SELL
BULL, BEAR, NEUT = Trend.BULLISH, Trend.BEARISH, Trend.NEUTRAL

# action, trend, strength, confidence → adjusted confidence, penalty
TABLE = [
    (B, BEAR, 1.0, 0.7, 0.55, 0.15),
    (SB, BEAR, 0.4, 0.7, 0.64, 0.06),
    (S, BULL, 0.8, 0.5, 0.38, 0.12),
    (SS, BULL, 0.5, 0.9, 0.825, 0.075),
    (SS, BULL, 1.0, 0.1, 0.0, 0.15),  # floored at zero
    (B, BEAR, 0.0, 0.7, 0.7, 0.0),  # zero strength, zero penalty
    (B, BULL, 1.0, 0.7, 0.7, 0.0),  # aligned
    (SB, BULL, 1.0, 0.7, 0.7, 0.0),
    (S, BEAR, 1.0, 0.7, 0.7, 0.0),
    (SS, BEAR, 1.0, 0.7, 0.7, 0.0),
    (B, NEUT, 1.0, 0.7, 0.7, 0.0),  # neutral never contradicts
    (S, NEUT, 1.0, 0.7, 0.7, 0.0),
    (H, BEAR, 1.0, 0.7, 0.7, 0.0),  # HOLD has no direction to contradict
    (H, BULL, 1.0, 0.7, 0.7, 0.0),
]


@pytest.mark.parametrize(("action", "trend", "strength", "conf", "adjusted", "penalty"), TABLE)
def test_penalty_applies_only_when_sentiment_contradicts(
    *, action, trend, strength, conf, adjusted, penalty
):
    reading = SentimentReading(trend, strength, TS, None)
    result = sentiment.adjust(conf, action, reading, "table", CFG.sentiment)
    assert result.penalty == pytest.approx(penalty)
    assert result.confidence == pytest.approx(adjusted)
    assert result.confidence >= 0.0
    assert result.diagnostics["alignment_penalty"] == result.penalty
    assert result.diagnostics["original_confidence"] == conf


def test_no_reading_leaves_confidence_unchanged():
    result = sentiment.adjust(0.7, B, None, "table", CFG.sentiment)
    assert (result.confidence, result.penalty) == (0.7, 0.0)
    assert result.diagnostics == {"sentiment_adjustment": "N/A"}


def test_table_reading_is_built_from_a_sentiment_observation():
    msg = SentimentObservation(timestamp_ns=TS, symbol="BTC", trend="bearish", strength=0.3)
    src = InputRef("himari.l2.sentiment", 1, 5)
    assert state_updates.on_sentiment(msg, src) == SentimentReading(BEAR, 0.3, TS, src)


def stage1(sig, table_reading):
    return strategy_sizing.size(sig, view(sentiment=table_reading), CFG)


def test_table_sentiment_applies_when_the_signal_has_none():
    # c = 0.7 − 0.15 = 0.55 → p = 0.55, f* = 0.1, fraction = 0.25 · 0.1 = 0.025
    result = stage1(signal(confidence=0.7), SentimentReading(BEAR, 1.0, TS, None))
    assert result.components["sentiment"]["origin"] == "table"
    assert result.fraction == pytest.approx(0.025)
    assert Reason.SENTIMENT_CONTRADICTION in result.reasons


def test_signal_sentiment_overrides_an_aligned_table_reading():
    sig = signal(confidence=0.7, sentiment_trend="BEARISH", sentiment_strength=1.0)
    result = stage1(sig, SentimentReading(BULL, 1.0, TS, None))
    assert result.components["sentiment"]["origin"] == "signal"
    assert result.components["sentiment"]["alignment_penalty"] == pytest.approx(0.15)
    assert result.fraction == pytest.approx(0.025)


def test_signal_sentiment_overrides_a_contradicting_table_reading():
    # Own NEUTRAL view: no penalty → p = 0.7, f* = 0.4, fraction = 0.1
    sig = signal(confidence=0.7, sentiment_trend="neutral", sentiment_strength=0.5)
    result = stage1(sig, SentimentReading(BEAR, 1.0, TS, None))
    assert result.components["sentiment"]["origin"] == "signal"
    assert result.components["sentiment"]["alignment_penalty"] == 0.0
    assert result.fraction == pytest.approx(0.1)
    assert Reason.SENTIMENT_CONTRADICTION not in result.reasons


def test_sell_against_bullish_sentiment_is_penalised_end_to_end():
    # c = 0.8 − 0.15·0.6 = 0.71 → p = 0.71, f* = 0.42, fraction = 0.105
    sig = signal(action="SELL", confidence=0.8, sentiment_trend="BULLISH", sentiment_strength=0.6)
    result = stage1(sig, None)
    assert result.fraction == pytest.approx(0.105)


def test_penalty_to_zero_confidence_sizes_zero():
    sig = signal(confidence=0.15, sentiment_trend="BEARISH", sentiment_strength=1.0)
    result = stage1(sig, None)
    assert result.fraction == 0.0
    assert result.reasons == (Reason.ZERO_CONFIDENCE,)
