"""The learner's loop and the offline base image, on the real Docker engine."""
