"""The Faust shell: app, topics, tables, codecs, dead-lettering and metrics."""
