"""Faust agents: read tables, call the core, write tables, send. Nothing else."""
