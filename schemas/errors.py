"""The project's one root exception and the contract-level subclasses."""


class Layer3Error(Exception):
    """Root of every error this project raises on purpose."""


class ContractError(Layer3Error):
    """A message does not meet the public contract."""


class ConfigError(Layer3Error):
    """A config document is missing, unreadable or invalid."""
