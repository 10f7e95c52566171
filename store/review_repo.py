"""What the post-order review reads beyond the risks themselves: queries only, no rules."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from store.models import AttachmentRow

# the attachment kinds that count as proof a risk was dealt with
PROOF_KINDS = ("photo", "document")


def messages_with_files(session: Session, inbound_ids: Iterable[int]) -> set[int]:
    """Those of the given messages that carried a photo or a document whose file was stored."""
    ids = list(set(inbound_ids))
    if not ids:
        return set()
    att = AttachmentRow.__table__.c
    q = (select(att.inbound_id).where(att.inbound_id.in_(ids), att.kind.in_(PROOF_KINDS), att.path.is_not(None))
         .distinct())
    return set(session.connection().execute(q).scalars())
