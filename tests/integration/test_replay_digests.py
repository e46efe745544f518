"""`himari-l3 replay` reads the answers as digests and tails first, and reads them whole only
when a finding needs them: against a real worker's topics, on a real broker.

The tests run in file order: each one appends copies of recorded decisions, and the first
needs a history with no tampered copy yet.
"""

import orjson
import pytest
from confluent_kafka import Producer

from himari_l3.audit.digested import DigestRecorded, kept_decision, kept_sized
from himari_l3.audit.history import answer_id, signal_id
from himari_l3.audit.recorded import by_offset
from himari_l3.bulk_read import librdkafka_options, read_topics
from schemas.topics import INPUT_TOPICS, Topic
from tests.chaos.chaos_run import finished_run
from tests.integration.test_cli_round_trip import cli

pytestmark = pytest.mark.integration
SIGNALS = 60
READ_AGAIN = b"reading the answers again, whole"


@pytest.fixture(scope="module")
def history(kafka, tmp_path_factory):
    """One worker's topics after SIGNALS signals; then stopped."""
    return finished_run(kafka.bootstrap_servers, tmp_path_factory.mktemp("digests"), SIGNALS)


def _append_copy(worker, decision, **changes: object) -> None:
    """A later copy of `decision` on its own partition, as a worker retrying it would write."""
    doc = {**orjson.loads(decision.value), **changes}
    producer = Producer(librdkafka_options(worker.config.kafka))
    producer.produce(decision.topic, orjson.dumps(doc), decision.key, decision.partition)
    assert producer.flush(30) == 0


def _replayed(worker) -> tuple[dict, bytes]:
    done = cli(worker, "replay", "--json", "-")
    assert done.returncode in (0, 1), done.stderr.decode()
    return orjson.loads(done.stdout), done.stderr


def test_answers_are_read_as_a_digest_and_their_tail_which_match_what_was_recorded(history):
    worker, captured = history
    names = {t: worker.topic(t) for t in (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS)}
    ids = {names[Topic.TACTICAL]: signal_id, names[Topic.SIZED]: answer_id,
           names[Topic.DECISIONS]: answer_id}  # fmt: skip
    marks = {names[Topic.SIZED]: kept_sized, names[Topic.DECISIONS]: kept_decision}

    found = read_topics(worker.config.kafka, list(names.values()), readers=2, ids=ids,
                        digests=marks)  # fmt: skip

    for topic in (Topic.SIZED, Topic.DECISIONS):
        recorded = by_offset(captured[names[topic]])
        read = found[names[topic]]
        assert len(read) == len(recorded) >= SIGNALS
        for digest, whole in zip(read, recorded, strict=True):
            assert isinstance(digest, DigestRecorded)
            assert digest.same(whole.value) and not digest.same(whole.value + b" ")
            assert whole.value.endswith(digest.last(len(whole.value)))
            assert digest.decision_id == whole.decision_id
            assert len(digest.kept) < len(whole.value) / 2
    assert not any(isinstance(r, DigestRecorded) for r in found[names[Topic.TACTICAL]])


def test_a_clean_history_is_audited_from_the_digests_alone(history):
    worker, _ = history
    found, stderr = _replayed(worker)
    assert found["clean"] and found["decisions"]["identical"] == SIGNALS
    assert READ_AGAIN not in stderr


def test_a_what_if_reads_the_answers_whole_from_the_start(history, tmp_path):
    worker, _ = history
    other = tmp_path / "other.yaml"
    other.write_text("sizing:\n  budgets:\n    position_pct: 0.02\n")

    done = cli(worker, "--config", str(other), "replay", "--json", "-")

    assert done.returncode == 0, done.stderr.decode()
    assert orjson.loads(done.stdout)["overall"]["decisions"] == SIGNALS
    assert READ_AGAIN not in done.stderr


def test_a_copy_that_differs_only_in_its_clock_is_told_equal_from_its_tail(history):
    worker, captured = history
    first = captured[worker.topic(Topic.DECISIONS)][0]
    _append_copy(worker, first, processed_at_ns=orjson.loads(first.value)["processed_at_ns"] + 7)

    found, stderr = _replayed(worker)

    assert found["clean"] and found["decisions"]["unequal_copies"] == []
    assert READ_AGAIN not in stderr


def test_a_tampered_copy_makes_the_replay_read_the_answers_whole_and_name_it(history):
    worker, captured = history
    second = captured[worker.topic(Topic.DECISIONS)][1]
    target = orjson.loads(second.value)["target_position_usd"]
    _append_copy(worker, second, target_position_usd=target + 1.0)

    found, stderr = _replayed(worker)

    assert READ_AGAIN in stderr and b"was read as a digest" in stderr
    assert not found["clean"]
    assert found["decisions"]["unequal_copies"] == [second.decision_id]
    assert found["decisions"]["identical"] == SIGNALS
