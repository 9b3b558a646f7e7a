"""The course site, its single-source guides and the lab notebooks."""
