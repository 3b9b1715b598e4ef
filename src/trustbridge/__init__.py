"""Trustbridge: build trust between security providers and the communities they serve."""
