"""Table value codecs: core state objects in memory, orjson on the changelog."""

from typing import Any, Protocol

import orjson
from faust.serializers import codecs

from sizing import entry_expiry


class StateEntry(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class StateCodec(codecs.Codec):
    """Serialises one core state class; recovery decodes straight back into that class."""

    def __init__(self, state_cls: Any, **kwargs: Any) -> None:
        self.state_cls = state_cls
        super().__init__(**kwargs)

    def _dumps(self, obj: Any) -> bytes:
        return encode_state(obj)

    def _loads(self, s: bytes) -> Any:
        return entry_expiry.decode(orjson.loads(s), self.state_cls)


def encode_state(obj: StateEntry) -> bytes:
    return orjson.dumps(obj.as_dict())
