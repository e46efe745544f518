"""The public contract: message models, enums and the validated config."""
