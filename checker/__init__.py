"""Kernel to Cloud: the `lab` tool that starts, checks, solves and grades the course's labs."""
