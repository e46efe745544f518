"""Command line and operations: embedded brokers, publish/tail, demo, schema export."""
