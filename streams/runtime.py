"""What the shell's handlers share: the config in force, topic names, tables."""

from dataclasses import dataclass, field

import faust

from schemas.config import Layer3Config, SizingConfig
from schemas.topics import Topic, full_name
from streams.tables import Tables


@dataclass
class Runtime:
    """The config in force (replaced whole on a hot reload) and where things live."""

    config: Layer3Config
    app: faust.App
    tables: Tables
    version: str = field(init=False)
    names: dict[Topic, str] = field(init=False)
    topics: dict[str, Topic] = field(init=False)

    def __post_init__(self) -> None:
        self.apply(self.config)
        self.names = {t: full_name(t, self.config.topics.prefix) for t in Topic}
        self.topics = {name: t for t, name in self.names.items()}

    @property
    def sizing(self) -> SizingConfig:
        return self.config.sizing

    def apply(self, config: Layer3Config) -> None:
        self.config = config
        self.version = config.config_version
