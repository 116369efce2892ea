"""Synthetic scenarios with exact ground truth and controllable production conditions."""
