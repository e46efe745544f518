"""A faust service that crashes takes the process down (streams.fail_fast), not just itself."""

import asyncio

import pytest
from agent_harness import config

from streams import fail_fast
from streams.worker import build


def test_a_crashed_fetcher_ends_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[tuple[str, BaseException | None]] = []
    monkeypatch.setattr(fail_fast, "stop_now", lambda why, exc: exits.append((why, exc)))
    app, _ = build(config())
    reason = KeyError("it.himari.l2.tactical/6")

    async def scenario() -> None:
        # faust's Fetcher hangs under the app's tree once started: attach it as start would.
        await app.add_runtime_dependency(app._fetcher)
        watch = asyncio.create_task(fail_fast.exit_when_crashed(app))
        await asyncio.sleep(0.05)
        assert exits == [] and not watch.done()
        await app._fetcher.crash(reason)
        await asyncio.wait_for(watch, 5)

    asyncio.run(scenario())
    assert exits == [("a faust service crashed", reason)]
