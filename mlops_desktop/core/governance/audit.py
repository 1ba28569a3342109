"""Append-only audit events: every change anyone makes, recorded in the change's own transaction."""

import getpass
from typing import Any

from sqlalchemy.orm import Session

from mlops_desktop.core.store.models import AuditEvent


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def record(session: Session, action: str, entity: str, **details: Any) -> None:
    session.add(AuditEvent(user=current_user(), action=action, entity=entity, details=details))
