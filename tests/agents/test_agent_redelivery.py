"""Redelivered triggers (DESIGN §6): never applied twice, answered again only identically.

A worker killed after its batch's changelog records landed but before its inputs were
committed sees those inputs again; `Shell.restore` stands in for faust's table recovery.
"""

from agent_harness import Sent, Shell, onchain, regime, snapshot, tactical

from schemas.topics import Topic


def ready(shell: Shell) -> None:
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())
    shell.feed(Topic.PORTFOLIO, snapshot(200_000.0))


def only(sent: list[Sent], topic: str) -> list[bytes]:
    return [s.value for s in sent if s.topic == topic]


def test_signal_redelivered_after_a_restart_gets_its_first_sized_record_byte_for_byte() -> None:
    crashed = Shell()
    ready(crashed)
    signal = crashed.feed(Topic.TACTICAL, tactical())
    changelog = crashed.deliver()
    crashed.feed(Topic.ONCHAIN, onchain(funding_rate=0.01, oi_change_pct=-0.3))
    changelog += crashed.deliver()  # a later batch changed the cascade the signal read

    restarted = Shell()
    restarted.restore(changelog)
    restarted.handle(signal)
    again = restarted.deliver()
    assert only(again, "himari.l3.sized") == only(changelog, "himari.l3.sized")


def test_signal_whose_batch_was_followed_by_a_delivered_one_is_not_answered_again() -> None:
    shell = Shell()
    ready(shell)
    first = shell.feed(Topic.TACTICAL, tactical(), partition=3, offset=40)
    shell.deliver()
    second = shell.feed(Topic.TACTICAL, tactical(), partition=3, offset=41)
    sent = shell.deliver()
    shell.handle(first)
    assert shell.deliver() == []
    shell.handle(second)
    assert only(shell.deliver(), "himari.l3.sized") == only(sent, "himari.l3.sized")


def test_a_sized_record_that_comes_twice_is_applied_once_and_decided_identically() -> None:
    shell = Shell()
    ready(shell)
    shell.feed(Topic.TACTICAL, tactical())
    sized = shell.deliver()
    shell.pass_sized_on(sized)
    first = shell.deliver()
    book = shell.rt.tables.ensemble.data["default"]
    shell.pass_sized_on(sized)  # stage 1 answered again: the copy has an offset of its own
    again = shell.deliver()
    assert book.snapshots == 1
    [decision] = only(first, "himari.l3.decisions")
    assert only(again, "himari.l3.decisions") == [decision]


def test_decision_recovered_with_the_book_is_sent_again_byte_for_byte() -> None:
    crashed = Shell()
    ready(crashed)
    crashed.feed(Topic.TACTICAL, tactical())
    sized = crashed.deliver()
    crashed.pass_sized_on(sized)
    [sized_message] = [m for m in crashed.fed if m.topic == "himari.l3.sized"]
    changelog = sized + crashed.deliver()

    restarted = Shell()
    restarted.restore(changelog)
    restarted.handle(sized_message)
    again = restarted.deliver()
    assert only(again, "himari.l3.decisions") == only(changelog, "himari.l3.decisions")
    assert restarted.rt.tables.ensemble.data["default"].snapshots == 1
