"""Create the contract topics and refuse to run on input topics that are not co-partitioned."""

from collections import defaultdict

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from himari_l3.kafka_clients import client_options
from schemas.config import Layer3Config
from schemas.topics import CONTRACT, Topic, full_name
from streams.errors import TopicLayoutError

# Topics that must share one partition count: tables fed by one are read by signals of another.
GROUPS: dict[str, tuple[Topic, ...]] = {
    "symbol": (Topic.ONCHAIN, Topic.REGIME, Topic.SENTIMENT, Topic.TACTICAL, Topic.OUTCOMES),
    "portfolio_id": (Topic.PORTFOLIO, Topic.SIZED),
}


def check_copartitioned(counts: dict[str, int], cfg: Layer3Config) -> None:
    """Raise TopicLayoutError naming the topics when a group's partition counts differ."""
    for key, topics in GROUPS.items():
        present = {full_name(t, cfg.topics.prefix): counts[full_name(t, cfg.topics.prefix)]
                   for t in topics if full_name(t, cfg.topics.prefix) in counts}
        if len(set(present.values())) > 1:
            listing = ", ".join(f"{name}={n}" for name, n in sorted(present.items()))
            raise TopicLayoutError(
                f"topics keyed by {key} must have equal partition counts (co-partitioned), "
                f"but the broker has {listing}; recreate or repartition them before starting"
            )


def planned_counts(existing: dict[str, int], cfg: Layer3Config) -> dict[str, int]:
    """Partition counts for missing topics: the group's existing count, else the configured one."""
    plan: dict[str, int] = {}
    by_group: dict[str, int] = defaultdict(lambda: cfg.topics.partitions)
    for key, topics in GROUPS.items():
        for t in topics:
            name = full_name(t, cfg.topics.prefix)
            if name in existing:
                by_group[key] = existing[name]
    for topic, contract in CONTRACT.items():
        name = full_name(topic, cfg.topics.prefix)
        if name not in existing:
            plan[name] = 1 if topic is Topic.CONFIG else by_group[contract.partitioned_by]
    return plan


async def partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    described = await admin.describe_topics(names)
    return {
        d["topic"]: len(d["partitions"])
        for d in described
        if d.get("error_code", 0) == 0 and d.get("partitions")
    }


async def ensure_topics(cfg: Layer3Config) -> dict[str, int]:
    """Check existing topics, create the missing ones; returns every contract topic's count."""
    names = [full_name(t, cfg.topics.prefix) for t in CONTRACT]
    admin = AIOKafkaAdminClient(**client_options(cfg.kafka))
    await admin.start()
    try:
        existing = await partition_counts(admin, names)
        check_copartitioned(existing, cfg)
        plan = planned_counts(existing, cfg)
        if plan:
            new = [
                NewTopic(name, n, cfg.topics.replication_factor, topic_configs=_topic_configs(name, cfg))
                for name, n in plan.items()
            ]
            await admin.create_topics(new)
        return {**existing, **plan}
    finally:
        await admin.close()


def _topic_configs(name: str, cfg: Layer3Config) -> dict[str, str]:
    if name == full_name(Topic.CONFIG, cfg.topics.prefix):
        return {"cleanup.policy": "compact"}
    return {}
