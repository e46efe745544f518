"""Create the contract topics and refuse to run on input topics that are not co-partitioned."""

import asyncio
from collections import defaultdict

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from himari_l3.kafka_clients import client_options
from schemas.config import Layer3Config
from schemas.topics import CONTRACT, Topic, full_name
from streams.errors import TopicLayoutError

# Topics that must share one partition count: tables fed by one are read by signals of another.
GROUPS: dict[str, tuple[Topic, ...]] = {
    "symbol": (Topic.ONCHAIN, Topic.REGIME, Topic.SENTIMENT, Topic.TACTICAL, Topic.OUTCOMES),
    "portfolio_id": (Topic.PORTFOLIO, Topic.CONTROL, Topic.SIZED),
}


def check_copartitioned(counts: dict[str, int], cfg: Layer3Config) -> None:
    """Raise TopicLayoutError naming the topics when a group's partition counts differ."""
    for key, topics in GROUPS.items():
        present = {
            full_name(t, cfg.topics.prefix): counts[full_name(t, cfg.topics.prefix)]
            for t in topics
            if full_name(t, cfg.topics.prefix) in counts
        }
        if len(set(present.values())) > 1:
            listing = ", ".join(f"{name}={n}" for name, n in sorted(present.items()))
            raise TopicLayoutError(
                f"topics keyed by {key} must have equal partition counts (co-partitioned), "
                f"but the broker has {listing}; recreate or repartition them before starting"
            )


# Table changelogs follow the partitioning of the inputs that write them.
CHANGELOG_GROUPS = {
    "cascade": "symbol",
    "regime": "symbol",
    "sentiment": "symbol",
    "track_record": "symbol",
    "sized_replies": "symbol",
    "portfolio": "portfolio_id",
    "ensemble": "portfolio_id",
    "weight_history": "portfolio_id",
    "refused_replies": "portfolio_id",
}


def changelog_name(cfg: Layer3Config, table: str) -> str:
    return f"{cfg.worker.app_id}-{table}-changelog"


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
    for table, group in CHANGELOG_GROUPS.items():
        name = changelog_name(cfg, table)
        if name not in existing:
            plan[name] = by_group[group]
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
    names += [changelog_name(cfg, table) for table in CHANGELOG_GROUPS]
    admin = AIOKafkaAdminClient(**client_options(cfg.kafka))
    await admin.start()
    try:
        existing = await partition_counts(admin, names)
        check_copartitioned(existing, cfg)
        plan = planned_counts(existing, cfg)
        if plan:
            new = [
                NewTopic(
                    name, n, cfg.topics.replication_factor, topic_configs=_topic_configs(name, cfg)
                )
                for name, n in plan.items()
            ]
            await admin.create_topics(new)
            await _until_visible(admin, plan)
            await _until_led(cfg, plan)
        return {**existing, **plan}
    finally:
        await admin.close()


async def _until_visible(
    admin: AIOKafkaAdminClient, plan: dict[str, int], timeout_s: float = 30.0
) -> None:
    # A group that joins before the broker shows a subscribed topic leaves it unassigned until the
    # next metadata refresh (minutes): wait until every new topic is visible with all partitions.
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await partition_counts(admin, list(plan)) == plan:
            return
        await asyncio.sleep(0.1)
    raise TopicLayoutError(f"created topics did not become visible within {timeout_s:.0f} s")


def _topic_configs(name: str, cfg: Layer3Config) -> dict[str, str]:
    if name == full_name(Topic.CONFIG, cfg.topics.prefix) or name.endswith("-changelog"):
        return {"cleanup.policy": "compact"}
    return {}


async def _until_led(cfg: Layer3Config, plan: dict[str, int], timeout_s: float = 30.0) -> None:
    # On a fresh KRaft broker a group that starts within a second of topic creation can join,
    # report Ready and fetch nothing: wait until every new partition's leader answers ListOffsets.
    tps = [TopicPartition(name, p) for name, n in plan.items() for p in range(n)]
    consumer = AIOKafkaConsumer(**client_options(cfg.kafka), enable_auto_commit=False)
    await consumer.start()
    deadline = asyncio.get_running_loop().time() + timeout_s
    try:
        while True:
            try:
                await asyncio.wait_for(consumer.end_offsets(tps), 5.0)
                return
            except Exception:
                if asyncio.get_running_loop().time() > deadline:
                    raise TopicLayoutError(
                        f"new partitions had no answering leader within {timeout_s:.0f} s"
                    ) from None
                await asyncio.sleep(0.3)
    finally:
        await consumer.stop()
