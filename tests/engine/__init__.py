"""Tests of checker.engine: shells, framing, sessions, the persistent backend."""
