"""Event selections and analysis variables over the flat event tables (docs/analysis.md)."""
