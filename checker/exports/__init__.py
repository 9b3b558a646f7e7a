"""Exporters: turn reports into the formats other tools read."""
