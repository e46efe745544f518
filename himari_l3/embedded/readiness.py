"""Ask a starting broker for its metadata until it lists itself; pick free loopback ports."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from himari_l3.embedded.errors import BrokerError, BrokerNotReadyError

POLL_INTERVAL_S = 0.2
PROBE_TIMEOUT_S = 5.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(paths: Sequence[Path], lines: int = 40) -> str:
    """The last `lines` lines of each existing, non-empty file, under a header naming it."""
    parts = []
    for path in paths:
        if path.is_file() and path.stat().st_size:
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- last {len(text)} lines of {path} ---\n" + "\n".join(text))
    return "\n".join(parts) or "(no broker log output)"


def wait_until_ready(
    bootstrap: str,
    timeout_s: float = 60.0,
    *,
    process: subprocess.Popen[bytes] | None = None,
    logs: Sequence[Path] = (),
) -> None:
    """Block until a metadata request to `bootstrap` lists a broker, else raise BrokerError."""
    # A private thread and loop, so this also works when called from inside a running loop.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="broker-ready") as pool:
        pool.submit(asyncio.run, _await_ready(bootstrap, timeout_s, process, logs)).result()


async def _await_ready(
    bootstrap: str,
    timeout_s: float,
    process: subprocess.Popen[bytes] | None,
    logs: Sequence[Path],
) -> None:
    deadline = time.monotonic() + timeout_s
    last_error = "nothing listening yet"
    while True:
        if process is not None and process.poll() is not None:
            raise BrokerError(
                f"broker at {bootstrap} exited with code {process.returncode} before it was "
                f"ready\n{log_tail(logs)}"
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrokerNotReadyError(
                f"broker at {bootstrap} not ready after {timeout_s:.0f} s ({last_error})\n"
                f"{log_tail(logs)}"
            )
        try:
            brokers = await asyncio.wait_for(_probe(bootstrap), min(remaining, PROBE_TIMEOUT_S))
        except Exception as exc:  # refused, timed out, or aiokafka's own errors while booting
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            if brokers:
                return
            last_error = "metadata lists no broker yet"
        await asyncio.sleep(POLL_INTERVAL_S)


async def _probe(bootstrap: str) -> int:
    """Number of brokers in a metadata answer; a plain TCP check first keeps aiokafka quiet."""
    host, _, port = bootstrap.rpartition(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.close()
    await writer.wait_closed()

    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415  (heavy; needed only here)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return len(cluster.get("brokers", []))
    finally:
        await admin.close()
