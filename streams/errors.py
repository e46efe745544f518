"""Errors of the stream shell."""

from schemas.errors import Layer3Error


class StreamError(Layer3Error):
    """The stream shell cannot run as configured."""


class TopicLayoutError(StreamError):
    """Existing topics are not laid out as the contract needs (e.g. not co-partitioned)."""
