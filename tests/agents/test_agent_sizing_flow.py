"""Tactical signal → sized record → decision, through both handlers of the built app.

Handler-level (see agent_harness): sized records the first handler sends are fed to the
second, as the broker would; numbers are checked against the pure core folded by hand.
"""

import zlib
from collections import Counter
from typing import Any

import orjson
import pytest
from agent_harness import TS0, Shell, onchain, regime, snapshot, tactical

from himari_l3.demo.scenario import build_scenario, stamped
from schemas.config import Layer3Config
from schemas.outputs import SizedSignal, SizingDecision
from schemas.topics import CONTRACT, Topic
from sizing import portfolio_sizing, portfolio_state, records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.strategy_sizing import SymbolView


def ready(shell: Shell, symbol: str = "BTC-USD") -> None:
    shell.feed(Topic.REGIME, regime("TRENDING_UP", symbol))
    shell.feed(Topic.ONCHAIN, onchain(symbol))


def size_and_decide(shell: Shell, doc: Any, **where: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    shell.feed(Topic.TACTICAL, doc, **where)
    sent = shell.deliver()
    shell.pass_sized_on(sent)
    [decision] = [s for s in shell.deliver() if s.topic == "himari.l3.decisions"]
    [sized] = [s for s in sent if s.topic == "himari.l3.sized"]
    assert decision.key == sized.doc()["symbol"].encode()
    return sized.doc(), decision.doc()


def test_tactical_signal_is_sized_into_the_sized_topic_keyed_by_portfolio() -> None:
    shell = Shell()
    ready(shell)
    shell.feed(
        Topic.TACTICAL,
        tactical(portfolio_id="fund-b", correlation_id="c-1"),
        partition=6,
        offset=90,
    )
    shell.feed(Topic.TACTICAL, tactical(), partition=6, offset=91)
    shell.deliver()
    [fund_b, default] = shell.producer.to("himari.l3.sized")
    assert (fund_b.key, default.key) == (b"fund-b", b"default")
    sized = SizedSignal.model_validate_json(fund_b.value)
    trigger = InputRef("himari.l2.tactical", 6, 90)
    assert sized.decision_id == records.decision_id(trigger)
    assert (sized.trigger.topic, sized.trigger.partition, sized.trigger.offset) == (
        "himari.l2.tactical",
        6,
        90,
    )
    assert sized.correlation_id == "c-1"
    assert default.doc()["correlation_id"] == "himari.l2.tactical/6/91"
    assert sized.fraction > 0 and sized.config_version == shell.rt.version


def test_sized_record_becomes_a_decision_keyed_by_symbol() -> None:
    shell = Shell()
    ready(shell, "ETH-USD")
    snap = shell.feed(Topic.PORTFOLIO, snapshot(200_000.0))
    doc = tactical("ETH-USD", action="SELL", price=2_000.0, correlation_id="corr-7")
    sized, decision = size_and_decide(shell, doc, partition=1, offset=12)

    model = SizingDecision.model_validate(decision)
    assert model.decision_id == records.decision_id(InputRef("himari.l2.tactical", 1, 12))
    assert (model.correlation_id, model.symbol, model.timestamp_ns) == ("corr-7", "ETH-USD", TS0)
    assert model.side.value == "SHORT"
    assert model.strategy_size_usd == pytest.approx(sized["fraction"] * 200_000.0)
    assert model.target_position_usd == pytest.approx(-min(sized["fraction"], 0.15) * 200_000.0)
    assert model.target_quantity == pytest.approx(model.target_position_usd / 2_000.0)
    assert model.lineage.trigger.offset == 12
    assert model.lineage.reads["portfolio"].offset == snap.offset
    assert model.components["budgets"]["equity_source"] == "snapshot"
    assert model.config_version == shell.rt.version


def test_decision_id_and_content_repeat_when_the_signal_is_redelivered() -> None:
    shell = Shell()
    ready(shell)
    message = shell.message(Topic.TACTICAL, tactical())
    first = size_and_decide(
        shell, message.value, key=message.key, partition=message.partition, offset=message.offset
    )
    again = size_and_decide(
        shell, message.value, key=message.key, partition=message.partition, offset=message.offset
    )
    assert again[0] == first[0]
    again[1].pop("processed_at_ns")
    first[1].pop("processed_at_ns")
    assert again[1] == first[1]


@pytest.mark.parametrize(
    ("setup", "doc", "reason"),
    [
        ("none", tactical(), "no_regime"),
        ("regime", tactical(), "no_cascade"),
        ("both", tactical(action="HOLD"), "hold"),
        ("both", tactical(), "no_portfolio_snapshot"),
    ],
)
def test_every_valid_signal_yields_a_decision_with_its_reason(setup, doc, reason) -> None:
    shell = Shell()
    if setup in ("regime", "both"):
        shell.feed(Topic.REGIME, regime("RANGING"))
    if setup == "both":
        shell.feed(Topic.ONCHAIN, onchain())
    _, decision = size_and_decide(shell, doc)
    assert reason in decision["reasons"]
    SizingDecision.model_validate(decision)


class CoreFold:
    """The pure core applied to the same inputs, with plain dicts for tables."""

    def __init__(self, cfg: Layer3Config) -> None:
        self.cfg, self.version = cfg.sizing, cfg.config_version
        self.t: dict[str, dict[str, Any]] = {n: {} for n in ("c", "r", "s", "p", "w", "pf", "e")}

    def apply(self, topic: Topic, doc: dict[str, Any], ref: InputRef) -> dict[str, Any] | None:
        msg: Any = CONTRACT[topic].model.model_validate(doc)
        t, cfg = self.t, self.cfg
        if topic is Topic.ONCHAIN:
            t["c"][msg.symbol] = state_updates.on_onchain(msg, cfg, ref)
        elif topic is Topic.REGIME:
            t["r"][msg.symbol] = state_updates.on_regime(msg, t["r"].get(msg.symbol), cfg, ref)
        elif topic is Topic.SENTIMENT:
            t["s"][msg.symbol] = state_updates.on_sentiment(msg, ref)
        elif topic is Topic.PORTFOLIO:
            prev = t["pf"].get(msg.portfolio_id)
            t["pf"][msg.portfolio_id] = portfolio_state.from_snapshot(
                msg, prev, ref, cfg.kill_switch
            )
        elif topic is Topic.CONTROL:
            prev = t["pf"][msg.portfolio_id]
            t["pf"][msg.portfolio_id] = portfolio_state.apply_reset(prev, msg, ref)
        elif topic is Topic.OUTCOMES:
            reg = state_updates.outcome_regime(msg, t["r"].get(msg.symbol))
            pk = (
                None
                if reg is None
                else state_updates.posterior_key(msg.strategy_id, msg.symbol, reg)
            )
            rk = state_updates.residual_key(msg.strategy_id, msg.symbol)
            up = state_updates.on_outcome(msg, reg, t["p"].get(pk), t["w"].get(rk), cfg, ref)
            if pk is not None:
                t["p"][pk] = up.posterior
            t["w"][rk] = up.residuals
        else:
            return self.decide(msg, ref)
        return None

    def decide(self, sig: Any, ref: InputRef) -> dict[str, Any]:
        t, reg = self.t, self.t["r"].get(sig.symbol)
        pk = (
            None
            if reg is None
            else state_updates.posterior_key(sig.strategy_id, sig.symbol, reg.current)
        )
        view = SymbolView(
            t["c"].get(sig.symbol), reg, t["s"].get(sig.symbol), t["p"].get(pk),
            t["w"].get(state_updates.residual_key(sig.strategy_id, sig.symbol)),
        )  # fmt: skip
        result = strategy_sizing.size(sig, view, self.cfg)
        return orjson.loads(
            orjson.dumps(records.sized_record(sig, ref, result, view, self.version))
        )

    def stage2(self, sized: dict[str, Any], ref: InputRef) -> dict[str, Any]:
        pid = sized["portfolio_id"]
        pf, book = self.t["pf"].get(pid), self.t["e"].setdefault(pid, PortfolioBook())
        result = portfolio_sizing.size(records.stage1_input(sized), pf, book, self.cfg, ref)
        decision = records.decision_record(sized, result, pf, book, self.version, 0)
        book.apply(result.update)
        return orjson.loads(orjson.dumps(decision))


def test_demo_scenario_flows_through_both_agents_as_the_core_computes_it() -> None:
    shell = Shell()
    core = CoreFold(shell.cfg)
    sides: Counter[str] = Counter()
    for event in build_scenario():
        doc = stamped(event, TS0)
        message = shell.handle(shell.message(event.topic, doc))
        expected = core.apply(
            event.topic, doc, InputRef(message.topic, message.partition, message.offset)
        )
        sent = shell.deliver()
        if expected is None:
            assert all(s.topic.endswith("-changelog") for s in sent), event
            continue
        shell.pass_sized_on(sent)
        [sized] = [s for s in sent if s.topic == "himari.l3.sized"]
        partition = zlib.crc32(sized.key) % shell.cfg.topics.partitions
        offset = shell.next_offset[(sized.topic, partition)] - 1
        expected = core.stage2(expected, InputRef(sized.topic, partition, offset))
        [decision] = [s.doc() for s in shell.deliver() if s.topic == "himari.l3.decisions"]
        assert decision.pop("processed_at_ns") > 0
        expected.pop("processed_at_ns")
        assert decision == expected
        sides[decision["side"]] += 1
    assert shell.sent_docs(Topic.DEADLETTER) == []
    assert sum(sides.values()) == 412
    assert sides["LONG"] > 0 and sides["SHORT"] > 0 and sides["FLAT"] > 0
    assert len({d["decision_id"] for d in shell.sent_docs(Topic.DECISIONS)}) == 412


def test_signal_redelivered_after_later_state_changes_reproduces_its_decision() -> None:
    shell = Shell()
    ready(shell)
    message = shell.message(Topic.TACTICAL, tactical())
    first, _ = size_and_decide(shell, message.value, key=message.key, offset=message.offset)
    shell.feed(Topic.ONCHAIN, onchain(funding_rate=0.01, oi_change_pct=-0.3))  # same batch, unacked
    again, _ = size_and_decide(shell, message.value, key=message.key, offset=message.offset)
    assert again == first


def test_decision_lineage_records_the_config_version_of_each_stage() -> None:
    from schemas.config import Layer3Config
    from schemas.messages import TacticalSignal
    from sizing import portfolio_sizing, records
    from sizing.refs import InputRef
    from sizing.strategy_sizing import SymbolView, size

    cfg = Layer3Config()
    sig = TacticalSignal.model_validate(
        {
            "timestamp_ns": 1_763_700_000_000_000_000,
            "strategy_id": "s",
            "symbol": "X",
            "action": "HOLD",
            "confidence": 0.5,
            "risk_score": 0.1,
            "price": 1.0,
        }
    )
    view = SymbolView(None, None, None, None, None)
    sized = records.sized_record(
        sig, InputRef("t", 0, 1), size(sig, view, cfg.sizing), view, "stage1-v"
    )
    result = portfolio_sizing.size(records.stage1_input(sized), None, None, cfg.sizing)
    decision = records.decision_record(sized, result, None, None, "stage2-v", 1)
    assert decision["lineage"]["config_versions"] == {"stage1": "stage1-v", "stage2": "stage2-v"}
    assert decision["config_version"] == "stage2-v"
