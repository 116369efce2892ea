"""Workflows: where engines meet the store. The CLI and the Python API both call these."""
