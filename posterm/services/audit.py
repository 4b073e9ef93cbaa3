"""The append-only audit log, chained by hashes so that an edited or deleted row shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from posterm.data.counters import lock_counter
from posterm.data.fields import utc_now
from posterm.data.models import AuditEvent
from posterm.domain.permissions import Actor

GENESIS_HASH = "0" * 64
_CHAIN_COUNTER = "audit_chain"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    action: str
    entity: str
    entity_id: str
    reason: str
    details: dict[str, Any]
    terminal: str
    approved_by_id: int | None


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    at = event.created_at
    at_text = at.isoformat() if isinstance(at, datetime) else str(at)
    payload = json.dumps(
        [
            prev_hash,
            at_text,
            event.username,
            event.approved_by_id,
            event.action,
            event.entity,
            event.entity_id,
            event.reason,
            event.details,
            event.terminal,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    actor: Actor | None,
    action: str,
    *,
    entity: str = "",
    entity_id: object = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    username: str = "",
    terminal: str = "",
) -> None:
    """Appends one event. Call it inside the transaction of the change it describes."""
    lock_counter(_CHAIN_COUNTER)  # one writer at a time extends the chain
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
    prev_hash = last.hash if last else GENESIS_HASH
    event = AuditEvent(
        created_at=utc_now().replace(microsecond=0),
        user=actor.user_id if actor else None,
        username=(actor.username if actor else username)[:64],
        approved_by=actor.approved_by_id if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        reason=reason,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        terminal=(actor.terminal if actor else terminal)[:32],
        prev_hash=prev_hash,
    )
    event.hash = event_hash(prev_hash, event)
    event.save(force_insert=True)


def recent(limit: int = 50) -> list[AuditEntry]:
    rows = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    return [
        AuditEntry(
            id=row.id,
            at=row.created_at,
            username=row.username,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            reason=row.reason,
            details=json.loads(row.details),
            terminal=row.terminal,
            approved_by_id=row.approved_by_id,
        )
        for row in rows
    ]


def first_broken_link() -> str | None:
    """Walks the chain; names the first event whose hash or link does not hold, or None."""
    prev_hash = GENESIS_HASH
    previous_id = 0
    for event in AuditEvent.select().order_by(AuditEvent.id).iterator():
        if event.prev_hash != prev_hash:
            return (
                f"audit event {event.id} ({event.action}) does not follow event "
                f"{previous_id or 'start'}: an event before it was changed or removed"
            )
        if event_hash(prev_hash, event) != event.hash:
            return f"audit event {event.id} ({event.action}) was changed after it was written"
        prev_hash, previous_id = event.hash, event.id
    return None
