"""`himari-l3 reset-kill-switch`: publish an operator's audited reset on the control topic."""

import getpass
import time
import uuid

import orjson
from pydantic import ValidationError

from himari_l3 import kafka_clients
from schemas.config import Layer3Config
from schemas.errors import ContractError
from schemas.messages import KillSwitchReset
from schemas.topics import Topic, full_name


def command(portfolio_id: str, reason: str, operator: str | None = None) -> KillSwitchReset:
    """The validated command; who and why travel with it, the topic keeps it for audits."""
    try:
        return _command(portfolio_id, reason, operator)
    except ValidationError as exc:
        raise ContractError(
            f"invalid reset command: {exc.errors()[0]['msg']} ({exc.errors()[0]['loc']})"
        ) from None


def _command(portfolio_id: str, reason: str, operator: str | None) -> KillSwitchReset:
    return KillSwitchReset(
        timestamp_ns=time.time_ns(),
        correlation_id=f"reset-{uuid.uuid4().hex[:16]}",
        portfolio_id=portfolio_id,
        command="RESET_KILL_SWITCH",
        operator=operator or getpass.getuser(),
        reason=reason,
    )


async def publish(cfg: Layer3Config, cmd: KillSwitchReset) -> str:
    topic = full_name(Topic.CONTROL, cfg.topics.prefix)
    value = orjson.dumps(cmd.model_dump(mode="json", exclude_none=True))
    async with kafka_clients.running(kafka_clients.producer(cfg.kafka)) as producer:
        await (await producer.send(topic, value, key=cmd.portfolio_id.encode()))
    return topic
