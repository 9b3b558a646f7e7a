"""Tests of checker's top-level modules (spec, cli, plugin, report, manifest, guide...)."""
