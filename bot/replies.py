"""What the bot answers the sender of a tagged message (pure: tags in, text out)."""
from __future__ import annotations

from bot.i18n import say
from parsers.facts import FileFacts, Tags
from parsers.orderbook import ContactInfo


def reply_for(tags: Tags, contact: ContactInfo | None, files: tuple[FileFacts, ...] = ()) -> str | None:
    """The reply to a message, in the sender's language, or None when silence is right (chatter)."""
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
    elif tags.evidence and tags.ambiguous:
        lines.append(say(lang, "ambiguous", candidates=" / ".join(tags.candidates)))
    return "\n".join(lines) or None
