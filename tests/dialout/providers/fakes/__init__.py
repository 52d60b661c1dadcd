"""Fake provider servers built from the seed documents, served on loopback in tests."""
