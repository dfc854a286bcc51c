"""Vendored reference tables (cross sections) with their provenance; see README.md."""
