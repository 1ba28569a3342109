"""Governance: the audit trail."""
