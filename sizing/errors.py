"""Errors of the sizing core."""

from schemas.errors import Layer3Error


class SizingError(Layer3Error):
    """The core was handed state or input it cannot size from."""
