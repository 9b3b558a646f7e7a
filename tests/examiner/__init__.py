"""Tests of checker.examiner: lying tools planted in an environment earn nothing from lab grade."""
