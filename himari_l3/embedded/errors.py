"""Errors raised by the embedded broker engines."""

from __future__ import annotations

from schemas.errors import Layer3Error


class BrokerError(Layer3Error):
    """An embedded broker could not be prepared, started, reached or stopped."""


class ToolMissingError(BrokerError):
    """A program an engine needs (java, mvn, the Tansu binary) is not available."""


class JarResolutionError(BrokerError):
    """Maven failed to resolve the Apache Kafka jars."""


class BrokerNotReadyError(BrokerError):
    """The broker did not answer a metadata request in time."""
