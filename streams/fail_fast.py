"""End the process when it can no longer be trusted to make progress: a supervisor restarts it,
and the offset fences make the restart safe. Staying up half-dead is what loses time and data.
"""

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

EXIT_CODE = 70  # EX_SOFTWARE


def stop_now(why: str, exc: BaseException | None) -> None:
    """Exit at once, without a graceful stop: unacked inputs must come again from the broker."""
    log.critical("%s, exiting so unacknowledged inputs are redelivered: %r", why, exc)
    logging.shutdown()
    os._exit(EXIT_CODE)


async def exit_when_crashed(app: Any) -> None:
    """mode marks the whole service tree crashed when one service (say faust's Fetcher) dies,
    stops the timers, and leaves the process running with nothing consuming: end it instead."""
    await app._crashed.wait()
    stop_now("a faust service crashed", app.crash_reason)
