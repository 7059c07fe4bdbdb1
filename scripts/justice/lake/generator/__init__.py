"""Simulate the raw lake's world (filled in below)."""
