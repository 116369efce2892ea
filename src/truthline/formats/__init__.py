"""Annotation formats: lossless conversion between files and domain types."""
