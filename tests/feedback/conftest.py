"""Fixtures shared by the feedback tests."""
