"""`himari-l3 broker`: run an embedded broker in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

from himari_l3.embedded.broker import EmbeddedBroker, Engine


def run_broker_forever(
    engine: Engine | None = None,
    port: int | None = 9092,
    data_dir: Path | str | None = None,
) -> int:
    """Start the broker, print one `broker ready` line, block until SIGINT/SIGTERM, stop; 0."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers go in before the start so a Ctrl-C during the JVM boot still stops it cleanly.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with EmbeddedBroker(engine, port, data_dir) as broker:
            if stop.is_set():
                return 0
            logs = ", ".join(str(path) for path in broker.log_paths)
            print(
                f"broker ready: {broker.engine} at {broker.bootstrap_servers} "
                f"(pid {broker.pid}, logs: {logs})",
                flush=True,
            )
            while not stop.wait(0.5):
                if not broker.is_running():
                    print(f"broker exited unexpectedly; see {logs}", flush=True)
                    return 1
            print("stopping broker", flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
