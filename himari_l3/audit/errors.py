"""Errors of the audit: recorded history the pure core cannot be lined up with."""

from schemas.errors import Layer3Error


class AuditError(Layer3Error):
    """Recorded topics cannot be re-derived as they stand."""


class LineageError(AuditError):
    """A decision's lineage names an input that never changed the entry it says it read."""


class ResetOrderError(AuditError):
    """A decision read a kill-switch reset recorded without the snapshot it followed."""


class WholeValuesNeededError(AuditError):
    """An answer read as a digest and a tail is needed whole (a difference to name, say)."""
