"""The dashboard (HTTP API and page)."""
