"""Re-derive recorded decisions from the recorded inputs with the pure core (DESIGN §6)."""
