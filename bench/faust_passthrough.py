"""(c2) Minimal Faust passthrough: one per-event agent, same app settings as the worker.

usage: faust_passthrough.py IN_TOPIC OUT_TOPIC
The app comes from streams.app.create_app with the config (and env overrides: bootstrap,
app id, data dir, web port) the worker would use: himari:// transport, linger, timeouts.
"""

import sys

import faust

from schemas.config_loading import load_config
from streams.app import create_app


def main(in_name: str, out_name: str) -> None:
    cfg = load_config()
    app = create_app(cfg)
    in_topic = app.topic(in_name, key_serializer="raw", value_serializer="raw")
    out_topic = app.topic(out_name, key_serializer="raw", value_serializer="raw")

    @app.agent(in_topic, name="passthrough")
    async def passthrough(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await out_topic.send(key=event.message.key, value=event.message.value)

    worker = faust.Worker(app, loglevel=cfg.worker.log_level, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
