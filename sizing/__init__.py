"""The pure sizing core: no Faust, no Kafka, no clock, no I/O."""
