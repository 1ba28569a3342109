"""Experiments: training runs, their evaluation, uncertainty and charts."""
