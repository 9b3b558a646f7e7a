"""Tests of checker.classroom (roster, probe, grader, gradebook, commands) and its exports."""
