"""The bundled demo scenario of L1/L2 traffic."""
