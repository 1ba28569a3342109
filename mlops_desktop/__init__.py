"""MLOps Desktop: the machine-learning lifecycle on one workstation, offline."""

__version__ = "0.1.0"
