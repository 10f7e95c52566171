"""What the bot answers the sender of a tagged message (pure: tags in, text out)."""
from __future__ import annotations

from bot.i18n import say
from parsers.facts import FileFacts, Tags
from parsers.orderbook import ContactInfo

# milestones whose proof depends on when the photo was taken
DATED_MILESTONES = frozenset({"inline_production", "pre_packing", "final_inspection", "freight_handover"})


def reply_for(tags: Tags, contact: ContactInfo | None, files: tuple[FileFacts, ...] = (),
              ask_original: bool = False) -> str | None:
    """The reply to a message, in the sender's language, or None when silence is right (chatter).

    With `ask_original`, a photo that lost its capture date, offered as proof where the date matters, gets a
    request for the camera original ("send as file / 原图")."""
    lang = contact.language if contact else "zh"
    if contact is None:
        return say("en", "unknown_sender") + "\n" + say("zh", "unknown_sender")
    lines = [say(lang, "unreadable", name=f.name, reason=f.error) for f in files if f.error]
    if tags.evidence and tags.order:
        sku = f" · {tags.sku}" if tags.sku else ""
        date = tags.evidence_date.isoformat() if tags.evidence_date else ""
        dated = say(lang, "dated_exif" if tags.date_source == "exif" else "dated_message", date=date)
        if tags.milestone:
            lines.append(say(lang, "recorded", order=tags.order, milestone=say(lang, f"milestone.{tags.milestone}"),
                             sku=sku, dated=dated))
        else:
            lines.append(say(lang, "recorded_no_milestone", order=tags.order, sku=sku, dated=dated))
        if tags.stale and tags.evidence_date:
            lines.append(say(lang, "stale", date=tags.evidence_date.isoformat()))
        if tags.recycled:
            lines.append(say(lang, "recycled"))
        if (ask_original and tags.milestone in DATED_MILESTONES and tags.date_source == "message"
                and any(f.is_image and f.captured is None and not f.error for f in files)):
            lines.append(say(lang, "ask.original"))
    # an ambiguous message gets its "which order?" question from the prompt keeper, with buttons
    return "\n".join(lines) or None
