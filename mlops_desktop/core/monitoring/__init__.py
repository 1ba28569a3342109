"""Monitoring: drift and data quality, performance, trends, labels and retraining."""
