"""(c1) Raw aiokafka passthrough: consume → orjson.loads → orjson.dumps → produce → commit.

usage: raw_passthrough.py BOOTSTRAP IN_TOPIC OUT_TOPIC GROUP FETCH_WAIT_MS LINGER_MS BATCH_MAX
Runs until SIGTERM. At least once, like the worker: a batch's sends are acknowledged before
its offsets are committed.
"""

import asyncio
import signal
import sys

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def main(argv: list[str]) -> None:
    bootstrap, in_topic, out_topic, group = argv[:4]
    fetch_wait, linger, batch_max = (int(a) for a in argv[4:7])
    consumer = AIOKafkaConsumer(
        in_topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_wait,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1500,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=linger, acks="all")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await consumer.start()
    await producer.start()
    print("raw passthrough started", flush=True)
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=batch_max)
            futures = []
            for records in batch.values():
                for r in records:
                    value = orjson.dumps(orjson.loads(r.value))
                    futures.append(await producer.send(out_topic, value, key=r.key))
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
