"""`himari-l3 explain`: a recorded decision told to a person, and its waterfall drawn."""

import orjson
import pytest
from factories import CFG, TS, signal, view
from rich.console import Console

from himari_l3 import charts, explain
from schemas.enums import CascadeRecommendation as Rec
from schemas.enums import Reason, Regime
from sizing import portfolio_sizing, records, strategy_sizing
from sizing.refs import InputRef


@pytest.fixture(scope="module")
def decision() -> dict:
    """A SELL that every stage-1 step cuts, sized end to end as the worker records it."""
    sig = signal(action="SELL", symbol="ETH", price=2_500.0, confidence=0.8,
                 expected_return=-0.03, predicted_volatility=0.1)  # fmt: skip
    the_view = view(Regime.HIGH_VOLATILITY, Rec.REDUCE_50, residuals=(0.04,) * 10)
    trigger = InputRef("himari.l2.tactical", 5, 1234)
    s1 = strategy_sizing.size(sig, the_view, CFG)
    sized = orjson.loads(orjson.dumps(records.sized_record(sig, trigger, s1, the_view, "v1")))
    result = portfolio_sizing.size(records.stage1_input(sized), None, None, CFG, trigger)
    doc = records.decision_record(sized, result, None, None, "v1", processed_at_ns=TS + 1)
    return orjson.loads(orjson.dumps(doc))


def told(decision: dict) -> str:
    console = Console(record=True, width=160)
    explain.render(decision, console)
    return console.export_text()


def test_explain_prints_each_waterfall_step_with_its_size_and_multiplier(decision):
    text = told(decision)
    for step in decision["waterfall"]:
        line = next(ln for ln in text.splitlines() if ln.startswith(f"│ {step['step']} "))
        assert f"{step['size_usd']:+,.2f}" in line
    assert "x0.6" in text  # HIGH_VOLATILITY's regime multiplier
    assert f"{decision['target_position_usd']:+,.2f} USD" in text


def test_explain_says_what_each_reason_means(decision):
    text = told(decision)
    for code in decision["reasons"]:
        assert f"{code}: {explain.MEANING[Reason(code)]}" in text


def test_explain_shows_each_stages_diagnostics_and_the_lineage(decision):
    text = told(decision)
    for stage in decision["components"]:
        assert stage in text
    assert "f_star" in text and "lineage" in text and "himari.l2.tactical" in text


def test_every_reason_has_a_meaning_for_people():
    assert set(explain.MEANING) == set(Reason)


def test_an_unknown_reason_is_said_to_be_unknown():
    assert "does not know" in explain.meaning("from_a_newer_version")


def test_the_waterfall_chart_is_a_png(decision, tmp_path):
    out = tmp_path / "waterfall.png"
    charts.plot_waterfall(decision, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 10_000
