"""`himari-l3 replay` against a real worker's topics: a clean history is re-derived bit for bit,
a selection checks only what it names, and a tampered decision and input are both named."""

import orjson
import pytest

from himari_l3.audit import report
from himari_l3.audit.history import answer_id, signal_id
from himari_l3.audit.recompute import audit
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.whatif import what_if
from himari_l3.bulk_read import read_topics
from schemas.topics import INPUT_TOPICS, Topic
from sizing import records
from tests.chaos.chaos_run import finished_run
from tests.integration.test_cli_round_trip import cli

pytestmark = pytest.mark.integration
SIGNALS = 400


@pytest.fixture(scope="module")
def history(kafka, tmp_path_factory):
    """One worker's topics after SIGNALS signals with state inputs interleaved; then stopped."""
    return finished_run(kafka.bootstrap_servers, tmp_path_factory.mktemp("replay"), SIGNALS)


def replayed(worker, *args: str) -> dict:
    done = cli(worker, "replay", "--json", "-", *args)
    assert done.returncode in (0, 1), done.stderr.decode()
    return orjson.loads(done.stdout)


def test_replay_of_a_clean_history_finds_every_answer_identical(history):
    worker, _ = history
    found = replayed(worker)
    assert found["clean"]
    for stage in ("sized", "decisions"):
        assert (found[stage]["checked"], found[stage]["identical"]) == (SIGNALS, SIGNALS)
        assert found[stage]["identical_pct"] == 100.0


def test_replay_summary_for_people_says_clean_and_exits_zero(history):
    worker, _ = history
    done = cli(worker, "replay")
    assert done.returncode == 0, done.stderr.decode()
    assert b"clean: every answer re-derived bit for bit" in done.stdout


def test_replay_checks_only_the_offsets_it_is_given(history):
    worker, captured = history
    signals = captured[worker.topic(Topic.TACTICAL)]
    busiest = max(
        {r.partition for r in signals}, key=lambda p: sum(r.partition == p for r in signals)
    )
    first, last = (r.offset for r in [r for r in signals if r.partition == busiest][10:20:9])
    found = replayed(
        worker, "--partition", str(busiest), "--from-offset", str(first), "--to-offset", str(last)
    )
    assert found["clean"] and found["decisions"]["checked"] == 10


def test_replay_checks_only_the_event_times_it_is_given(history):
    worker, captured = history
    stamps = sorted(
        orjson.loads(r.value)["timestamp_ns"] for r in captured[worker.topic(Topic.TACTICAL)]
    )
    found = replayed(worker, "--from", str(stamps[100]), "--to", str(stamps[149]))
    assert found["clean"] and found["decisions"]["checked"] == 50


def _tampered(rec: Recorded, **changes: object) -> Recorded:
    doc = {**orjson.loads(rec.value), **changes}
    return Recorded(rec.topic, rec.partition, rec.offset, rec.key, orjson.dumps(doc))


def test_replay_names_a_tampered_decision_and_a_tampered_input(history):
    worker, captured = history
    inputs = {t: list(captured[worker.topic(t)]) for t in INPUT_TOPICS}
    decisions = list(captured[worker.topic(Topic.DECISIONS)])
    signal = next(i for i, r in enumerate(inputs[Topic.TACTICAL]) if b'"BUY"' in r.value)
    tampered_input = inputs[Topic.TACTICAL][signal]
    inputs[Topic.TACTICAL][signal] = _tampered(tampered_input, confidence=0.99)
    doc = orjson.loads(decisions[7].value)
    decisions[7] = _tampered(decisions[7], target_position_usd=doc["target_position_usd"] + 1.0)

    found = report.as_json(
        audit(inputs, captured[worker.topic(Topic.SIZED)], decisions, worker.config)
    )

    assert not found["clean"]
    by_id = {d["decision_id"]: d for d in found["decisions"]["different"]}
    assert by_id[doc["decision_id"]]["fields"] == ["target_position_usd"]
    [sized] = found["sized"]["different"]
    assert sized["decision_id"] == records.decision_id(tampered_input.ref)
    assert sized["trigger"] == tampered_input.ref.as_dict()


def test_replay_in_several_processes_finds_what_one_process_finds(history):
    worker, captured = history
    inputs = {t: captured[worker.topic(t)] for t in INPUT_TOPICS}
    sized, decisions = (list(captured[worker.topic(t)]) for t in (Topic.SIZED, Topic.DECISIONS))
    doc = orjson.loads(decisions[3].value)
    decisions[3] = _tampered(decisions[3], target_position_usd=doc["target_position_usd"] + 1.0)
    seen: list[tuple[int, int]] = []

    one = report.as_json(audit(inputs, sized, decisions, worker.config, jobs=1,
                               progress=lambda done, of: seen.append((done, of))))  # fmt: skip
    three = report.as_json(audit(inputs, sized, decisions, worker.config, jobs=3))

    assert one == three
    assert one["decisions"]["checked"] == SIGNALS
    assert [d["decision_id"] for d in one["decisions"]["different"]] == [doc["decision_id"]]
    assert seen[-1] == (SIGNALS, SIGNALS)


def test_reading_in_several_processes_gives_every_record_once_as_it_is_stored(history):
    worker, captured = history
    names = [worker.topic(t) for t in (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS)]
    signals, sized, decisions = (
        worker.topic(t) for t in (Topic.TACTICAL, Topic.SIZED, Topic.DECISIONS)
    )
    ids = {signals: signal_id, sized: answer_id, decisions: answer_id}
    moved: list[tuple[int, int]] = []

    one = read_topics(worker.config.kafka, names, readers=1, ids=ids)
    three = read_topics(worker.config.kafka, names, lambda *m: moved.append(m), readers=3, ids=ids)

    stored = {name: _rows(captured[name]) for name in names}
    for found in (one, three):
        assert {name: _rows(found[name]) for name in names} == stored
        assert all(_in_partition_order(found[name]) for name in names)
        assert [r.given_id for r in found[signals]] == [
            records.decision_id(r.ref) for r in found[signals]
        ]
        for answers in (found[sized], found[decisions]):
            assert [r.given_id for r in answers] == [
                orjson.loads(r.value)["decision_id"] for r in answers
            ]
    assert moved[-1][0] == sum(map(len, stored.values())) == moved[-1][1]


def _rows(recs: list[Recorded]) -> list[tuple[int, int, bytes | None, bytes]]:
    return sorted((r.partition, r.offset, r.key, r.value) for r in recs)


def _in_partition_order(recs: list[Recorded]) -> bool:
    places = [(r.partition, r.offset) for r in recs]
    return places == sorted(places)


def test_explain_tells_a_recorded_decision_and_draws_its_waterfall(history, tmp_path):
    worker, captured = history
    decision = orjson.loads(captured[worker.topic(Topic.DECISIONS)][5].value)
    chart = tmp_path / "waterfall.png"
    done = cli(worker, "explain", decision["decision_id"], "--plot", str(chart))
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert f"decision {decision['decision_id']}" in text
    assert all(step["step"] in text for step in decision["waterfall"])
    assert chart.read_bytes()[:4] == b"\x89PNG"
    assert cli(worker, "explain", "no-such-decision").returncode == 1


def test_a_what_if_under_the_recorded_config_changes_nothing(history):
    """The what-if path (state folded anew, stage 2 on recomputed sized records) agrees with
    the worker when nothing differs."""
    worker, captured = history
    inputs = {t: captured[worker.topic(t)] for t in INPUT_TOPICS}
    w = what_if(inputs, captured[worker.topic(Topic.SIZED)],
                captured[worker.topic(Topic.DECISIONS)], worker.config)  # fmt: skip
    assert len(w.pairs) == SIGNALS
    assert [
        p for p in w.pairs if p.change_usd != 0.0 or p.what_if_reasons != p.recorded_reasons
    ] == []


def test_replay_with_another_config_reports_what_it_would_have_decided(history, tmp_path):
    worker, _ = history
    other = tmp_path / "other.yaml"
    other.write_text("sizing:\n  budgets:\n    position_pct: 0.02\n")
    chart = tmp_path / "targets.png"
    done = cli(worker, "--config", str(other), "replay", "--json", "-", "--plot", str(chart))
    assert done.returncode == 0, done.stderr.decode()
    found = orjson.loads(done.stdout)
    assert found["mode"] == "what-if"
    assert found["recorded_config_versions"] == [worker.config.config_version]
    overall = found["overall"]
    assert overall["decisions"] == SIGNALS and overall["changed"] > 0
    assert "position_budget" in overall["reasons_appear"]
    assert sum(s["decisions"] for s in found["by_symbol"].values()) == SIGNALS
    assert sum(s["decisions"] for s in found["by_strategy"].values()) == SIGNALS
    assert chart.read_bytes()[:4] == b"\x89PNG"
    shown = cli(worker, "--config", str(other), "replay")
    assert b"what-if" in shown.stdout and b"per symbol" in shown.stdout
