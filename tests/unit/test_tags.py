"""parsers.tags.tag_message: the labelling rules of the corpus README, applied to an order book of our own.

The book and its people are in test_order_match.py: a mug factory (wang.fang), a lamp and towel factory (chen.jie),
an agent assigned to every order (lucy.zhao), a UK buyer (oliver.bennett), a US buyer (amy.ross) and an
inspector (sun.wei).
"""
from __future__ import annotations

import datetime as dt

import pytest

from parsers.facts import FileFacts, MessageFacts, Prior, PriorPhoto, TagContext, Tags
from parsers.tags import tag_message
from tests.unit.test_order_match import (
    AGENT,
    BLACK_LAMP,
    BOOK,
    GREY_TOWEL,
    INSPECTOR,
    LAMP_FACTORY,
    LAMPS,
    MUG_FACTORY,
    MUGS,
    OLD_MUGS,
    RED_MUG,
    TOWELS,
    UK_BUYER,
    US_BUYER,
    VASES,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
LONDON_SUMMER = dt.timezone(dt.timedelta(hours=1))
NOON = dt.datetime(2026, 6, 10, 12, 0, tzinfo=SHANGHAI)
TODAY = dt.date(2026, 6, 10)


def tag(text: str = "", sender: str | None = AGENT, at: dt.datetime = NOON, files: tuple[FileFacts, ...] = (),
        previous: Prior | None = None, chat_senders: tuple[str, ...] = (),
        earlier_photos: tuple[PriorPhoto, ...] = ()) -> Tags:
    """The tags of one message in a chat."""
    ctx = TagContext(previous=previous, chat_senders=chat_senders, earlier_photos=earlier_photos)
    return tag_message(MessageFacts("factory", sender, at, text, files), ctx, BOOK)


def camera(wall_time: str) -> dt.datetime:
    """A naive camera wall time, as EXIF writes it."""
    return dt.datetime.fromisoformat(wall_time)


def photo(captured: dt.datetime | None = None, sha256: str = "f1" * 32, phash: int | None = 0x0F0F_3C3C_5A5A_A5A5,
          name: str = "IMG-20260610-WA0001.jpg") -> FileFacts:
    """A picture; `captured` is the camera's EXIF wall time (None when the app stripped it)."""
    return FileFacts("photo", name, "image/jpeg", sha256=sha256, phash=phash, captured=captured)


def document(name: str) -> FileFacts:
    return FileFacts("document", name, "application/pdf")


class Chat:
    """Messages tagged in turn, each given what the pipeline gives it: the same sender's latest evidence."""

    def __init__(self) -> None:
        self.log: list[tuple[MessageFacts, Tags]] = []

    def say(self, sender: str, minute: int, text: str = "", files: tuple[FileFacts, ...] = ()) -> Tags:
        msg = MessageFacts("factory", sender, NOON + dt.timedelta(minutes=minute), text, files)
        mine = [(m, t) for m, t in self.log if m.sender == sender and t.evidence]
        previous = None
        if mine:
            m, t = mine[-1]
            previous = Prior(m.received_at, t.order, t.ambiguous, t.milestone, t.sku, t.candidates, t.focus_sku)
        senders = tuple(sorted({m.sender for m, _ in self.log} | {sender}))
        tags = tag_message(msg, TagContext(previous=previous, chat_senders=senders), BOOK)
        self.log.append((msg, tags))
        return tags


# -- orders by PO --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["PO31007 mugs glazing done", "PO 31007 mugs glazing done",
                                  "31007 mugs glazing done", "PO-31007 mugs glazing done"])
def test_a_status_with_po_31007_in_any_form_is_evidence_for_it(text):
    tags = tag(text)
    assert (tags.evidence, tags.order, tags.ambiguous) == (True, MUGS, False)
    assert tags.milestone == "inline_production"


def test_the_last_five_digits_of_a_ten_digit_po_identify_it_even_when_closed():
    tags = tag("12345 mugs: booking done")
    assert (tags.order, tags.milestone) == (OLD_MUGS, "freight_handover")


def test_a_closed_order_is_still_identified_by_its_full_po():
    assert tag("4500012345 mugs shipped, booking done").order == OLD_MUGS


def test_a_short_form_of_a_lettered_po_identifies_it():
    tags = tag("HX0042 towels sewing started")
    assert (tags.order, tags.sku, tags.milestone) == (TOWELS, GREY_TOWEL, "inline_production")


def test_a_hash_po_identifies_its_order():
    assert tag("PO#8820 lamps assembly started").order == LAMPS


def test_a_one_edit_typo_of_a_po_identifies_it():
    tags = tag("PO 31070 mugs glazing done")
    assert (tags.order, tags.ambiguous) == (MUGS, False)


def test_a_po_typo_one_edit_from_two_orders_identifies_neither():
    tags = tag("PO 31507 glazing done")
    assert tags.evidence
    assert (tags.order, tags.ambiguous, tags.candidates) == (None, True, (MUGS, VASES))


def test_with_two_pos_the_open_order_wins_over_a_closed_one_that_is_only_cited():
    tags = tag("PO-31007 mugs glazing done, same glaze as 4500012345")
    assert (tags.order, tags.ambiguous) == (MUGS, False)


def test_two_open_pos_named_once_each_leave_the_message_ambiguous():
    tags = tag("PO 31007 and PO 31500: cartons packed")
    assert (tags.order, tags.ambiguous, tags.candidates) == (None, True, (MUGS, VASES))


def test_quantities_and_prices_next_to_a_po_do_not_compete_with_it():
    tags = tag("PO-31007 red mugs: 3,000 pcs packed in cartons, USD 380 per carton")
    assert (tags.order, tags.ambiguous, tags.candidates) == (MUGS, False, ())


def test_a_container_number_and_a_colour_code_do_not_identify_an_order():
    tags = tag("container TGHU8812345 loaded, cartons printed in 2955C")
    assert (tags.order, tags.candidates) == (None, ())


# -- orders by product ---------------------------------------------------------------------------------------


def test_an_sku_code_identifies_its_order():
    tags = tag("LMP-BLK-01 assembly started")
    assert (tags.order, tags.sku) == (LAMPS, BLACK_LAMP)


def test_a_chinese_nickname_of_a_product_in_one_open_order_identifies_it():
    tags = tag("黑台灯开始组装了")
    assert (tags.evidence, tags.order, tags.sku) == (True, LAMPS, BLACK_LAMP)


@pytest.mark.parametrize("text", ["the black lamps passed final inspection", "black lamp passed final inspection"])
def test_an_english_phrase_for_a_product_in_one_open_order_identifies_it(text):
    tags = tag(text)
    assert (tags.order, tags.sku, tags.milestone) == (LAMPS, BLACK_LAMP, "final_inspection")


@pytest.mark.parametrize("text", ["red mugs glazing done", "红杯上釉完成"])
def test_a_product_in_one_open_and_one_closed_order_identifies_the_open_one(text):
    tags = tag(text)
    assert (tags.order, tags.sku, tags.ambiguous) == (MUGS, RED_MUG, False)


@pytest.mark.parametrize("text", ["灰毛巾开始车缝了", "grey towels sewing started", "TWL-70-GRY sewing started"])
def test_a_product_in_two_open_orders_is_ambiguous_between_both(text):
    tags = tag(text)  # the agent works on every order and no buyer is in the chat
    assert tags.evidence
    assert (tags.order, tags.ambiguous, tags.candidates) == (None, True, (TOWELS, MUGS))
    assert tags.sku == GREY_TOWEL  # the product is known even when its order is not


@pytest.mark.parametrize(("sender", "order"), [(LAMP_FACTORY, TOWELS), (MUG_FACTORY, MUGS)])
def test_the_senders_assignments_narrow_a_product_in_two_open_orders(sender, order):
    tags = tag("灰毛巾开始车缝了", sender=sender)
    assert (tags.order, tags.ambiguous) == (order, False)


@pytest.mark.parametrize(("buyer", "order"), [(UK_BUYER, MUGS), (US_BUYER, TOWELS)])
def test_the_buyer_taking_part_in_the_chat_narrows_a_product_in_two_open_orders(buyer, order):
    tags = tag("grey towels sewing started", chat_senders=(AGENT, buyer))
    assert (tags.order, tags.ambiguous) == (order, False)


def test_a_buyer_named_in_the_text_narrows_a_product_in_two_open_orders():
    assert tag("the grey towels for Brightway: sewing started").order == TOWELS


def test_two_products_of_two_orders_leave_the_message_ambiguous_with_no_sku():
    tags = tag("mugs and lamps: packing started")
    assert (tags.order, tags.ambiguous, tags.candidates, tags.sku) == (None, True, (LAMPS, MUGS), None)


@pytest.mark.parametrize("name", ["PO31007_packing_list_v2.xlsx", "packing_list_PO31007_v2.pdf"])
def test_a_document_whose_file_name_carries_the_po_identifies_the_order(name):
    tags = tag("", files=(document(name),))
    assert (tags.evidence, tags.order, tags.milestone) == (True, MUGS, "freight_handover")


# -- carry-over ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [1, 15])
def test_a_bare_photo_from_the_same_sender_within_15_minutes_inherits_order_milestone_and_sku(minutes):
    chat = Chat()
    chat.say(MUG_FACTORY, 0, "PO-31007 红杯上釉")
    tags = chat.say(MUG_FACTORY, minutes, files=(photo(),))
    assert (tags.evidence, tags.order, tags.ambiguous) == (True, MUGS, False)
    assert (tags.milestone, tags.sku) == ("inline_production", RED_MUG)


def test_a_bare_photo_16_minutes_later_inherits_nothing_and_is_ambiguous():
    chat = Chat()
    chat.say(MUG_FACTORY, 0, "PO-31007 红杯上釉")
    tags = chat.say(MUG_FACTORY, 16, files=(photo(),))
    assert (tags.evidence, tags.order, tags.ambiguous) == (True, None, True)
    assert (tags.milestone, tags.sku) == (None, None)


def test_a_bare_photo_from_another_sender_does_not_inherit_the_order():
    chat = Chat()
    chat.say(MUG_FACTORY, 0, "PO-31007 红杯上釉")
    tags = chat.say(AGENT, 2, files=(photo(),))
    assert (tags.evidence, tags.order, tags.ambiguous) == (True, None, True)


def test_the_contents_own_milestone_wins_over_the_carried_one():
    chat = Chat()
    chat.say(MUG_FACTORY, 0, "PO-31007 红杯上釉")
    tags = chat.say(MUG_FACTORY, 5, "开始装箱")
    assert (tags.evidence, tags.order, tags.milestone) == (True, MUGS, "pre_packing")


def test_an_ambiguous_message_passes_its_ambiguity_and_candidates_to_the_next_photo():
    chat = Chat()
    chat.say(AGENT, 0, "灰毛巾开始车缝了")
    tags = chat.say(AGENT, 3, files=(photo(),))
    assert (tags.order, tags.ambiguous, tags.candidates) == (None, True, (TOWELS, MUGS))
    assert (tags.milestone, tags.sku) == ("inline_production", GREY_TOWEL)


@pytest.mark.parametrize("text", ["收到", "👍", "ok thanks", "好的"])
def test_chatter_inside_the_window_never_becomes_evidence(text):
    chat = Chat()
    chat.say(MUG_FACTORY, 0, "PO-31007 红杯上釉")
    tags = chat.say(MUG_FACTORY, 1, text)
    assert (tags.evidence, tags.order, tags.milestone, tags.sku) == (False, None, None, None)


# -- chatter and evidence ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["收到", "好的", "👍", "ok thanks", "Good morning all", "Hi Lucy, any update?"])
def test_acknowledgements_and_greetings_are_chatter(text):
    tags = tag(text)
    assert (tags.evidence, tags.order, tags.evidence_date, tags.date_source) == (False, None, None, None)


def test_a_holiday_notice_is_chatter_that_still_reports_its_dates():
    tags = tag("端午节放假通知：6月19日至21日放假", sender=MUG_FACTORY)
    assert not tags.evidence
    assert tags.dates_mentioned == (dt.date(2026, 6, 19), dt.date(2026, 6, 21))


def test_an_english_holiday_reminder_is_chatter():
    assert not tag("Reminder: factory closed for Dragon Boat festival June 19-21").evidence


@pytest.mark.parametrize("text", ["什么时候到？", "黑台灯什么时候到？", "any news on the lamps?",
                                  "any news on PO#8820?"])
def test_a_question_for_information_is_chatter_even_when_it_names_an_order(text):
    assert not tag(text).evidence


def test_a_status_with_an_order_is_evidence():
    tags = tag("PO#8820 黑台灯组装完成", sender=LAMP_FACTORY)
    assert (tags.evidence, tags.order, tags.milestone) == (True, LAMPS, "inline_production")
    assert (tags.evidence_date, tags.date_source) == (TODAY, "message")


@pytest.mark.parametrize("text", ["PO-31007 is that photo current?", "this photo is old, it belongs to PO-31500"])
def test_a_remark_about_a_photo_is_chatter_even_when_it_names_an_order(text):
    assert not tag(text, sender=UK_BUYER).evidence


def test_a_photo_remark_that_also_states_a_status_is_evidence_for_that_status():
    tags = tag("wrong photo, sorry; PO-31007 packing starts Monday", sender=MUG_FACTORY)
    assert (tags.evidence, tags.order, tags.milestone) == (True, MUGS, "pre_packing")
    assert tags.dates_mentioned == (dt.date(2026, 6, 15),)


@pytest.mark.parametrize(("kind", "name"), [("voice", "PTT-20260610-WA0001.opus"),
                                            ("sticker", "STK-20260610-WA0001.webp")])
def test_a_voice_note_or_a_sticker_is_chatter(kind, name):
    assert not tag("", sender=MUG_FACTORY, files=(FileFacts(kind, name),)).evidence


# -- decisions -----------------------------------------------------------------------------------------------


def test_a_question_asking_for_a_full_sort_is_evidence_that_needs_a_decision():
    tags = tag("黑台灯要不要全检？", sender=INSPECTOR)
    assert (tags.evidence, tags.order, tags.decision_needed) == (True, LAMPS, "sort")


def test_a_request_to_confirm_release_is_evidence_that_needs_a_release():
    tags = tag("PO#8820 final inspection passed, please confirm release", sender=INSPECTOR)
    assert (tags.evidence, tags.order, tags.milestone) == (True, LAMPS, "final_inspection")
    assert (tags.decision_needed, tags.decision_given) == ("release", None)


def test_a_decision_question_without_an_order_is_evidence_and_ambiguous():
    tags = tag("要不要全检？", sender=INSPECTOR)
    assert (tags.evidence, tags.ambiguous, tags.decision_needed) == (True, True, "sort")


@pytest.mark.parametrize(("text", "sender", "verb"), [
    ("Option A approved for 31007", UK_BUYER, "approve"),
    ("PO-31007 carton mark approved", UK_BUYER, "approve"),
    ("PO#8820 release approved", US_BUYER, "release"),
    ("PO#8820 rework approved", US_BUYER, "rework"),
    ("PO#8820 put on hold please", US_BUYER, "hold"),
    ("PO#8820 黑台灯重做", US_BUYER, "rework"),
])
def test_a_decision_given_by_a_buyer_is_recorded_and_needs_no_decision(text, sender, verb):
    tags = tag(text, sender=sender)
    assert (tags.evidence, tags.decision_given, tags.decision_needed) == (True, verb, None)


@pytest.mark.parametrize(("text", "sender"), [
    ("Option A approved for 31007", MUG_FACTORY),
    ("PO-31007 carton mark approved", MUG_FACTORY),
    ("PO#8820 rework approved", INSPECTOR),
    ("PO#8820 黑台灯重做", LAMP_FACTORY),
    ("PO#8820 release approved", AGENT),  # an agent's own words, not the buyer's
])
def test_the_same_words_from_anyone_but_a_buyer_give_no_decision(text, sender):
    tags = tag(text, sender=sender)
    assert tags.evidence
    assert tags.decision_given is None


@pytest.mark.parametrize(("text", "verb"), [
    ("客户说 PO#8820 黑台灯重做", "rework"),
    ("客户说 PO#8820 放行", "release"),
    ("customer says option A approved for 31007", "approve"),
])
def test_an_agent_relaying_the_buyers_words_gives_the_decision(text, verb):
    assert tag(text, sender=AGENT).decision_given == verb


def test_a_factory_relaying_the_buyers_words_gives_no_decision():
    assert tag("客户说 PO#8820 黑台灯重做", sender=LAMP_FACTORY).decision_given is None


# -- exceptions ----------------------------------------------------------------------------------------------


def test_an_english_delay_is_labelled_with_the_milestone_that_slips():
    tags = tag("PO#8820 final inspection delayed to 6/20 because the lamp shades are late")
    assert (tags.order, tags.exception, tags.milestone) == (LAMPS, "delay", "final_inspection")
    assert tags.dates_mentioned == (dt.date(2026, 6, 20),)


@pytest.mark.parametrize("text", ["PO#8820 组装推迟到6月20日", "PO#8820 组装延期一周"])
def test_a_chinese_delay_is_labelled_with_the_milestone_that_slips(text):
    tags = tag(text, sender=LAMP_FACTORY)
    assert (tags.order, tags.exception, tags.milestone) == (LAMPS, "delay", "inline_production")


@pytest.mark.parametrize("text", ["PO-31007 red mugs: 30 pcs chipped", "PO-31007 红杯掉瓷，30个"])
def test_a_defect_with_no_stage_named_is_an_inline_production_defect(text):
    tags = tag(text, sender=MUG_FACTORY)
    assert (tags.order, tags.sku, tags.exception, tags.milestone) == (MUGS, RED_MUG, "defect", "inline_production")


def test_a_material_shortage_is_a_material_readiness_exception():
    tags = tag("PO-31007 红杯釉料不够，只到了一半", sender=MUG_FACTORY)
    assert (tags.exception, tags.milestone) == ("material_shortage", "material_readiness")


@pytest.mark.parametrize("text", ["PO-31007 packing list doesn't match the invoice", "PO-31007 装箱单和发票数量对不上"])
def test_a_packing_list_that_disagrees_with_the_invoice_is_a_document_mismatch(text):
    tags = tag(text)
    assert (tags.order, tags.exception, tags.milestone) == (MUGS, "document_mismatch", "freight_handover")


@pytest.mark.parametrize("text", ["PO-31007 红杯改成哑光釉", "PO-31007 please add a gift box",
                                  "PO-31007 switch to matte glaze"])
def test_a_change_request_is_a_spec_change_at_po_lock(text):
    tags = tag(text, sender=UK_BUYER)
    assert (tags.evidence, tags.order, tags.exception, tags.milestone) == (True, MUGS, "spec_change", "po_lock")


@pytest.mark.parametrize("text", ["PO-31007 are the red mugs chipped?", "PO-31007 红杯有没有掉瓷？"])
def test_a_question_about_a_defect_asserts_none(text):
    tags = tag(text)
    assert (tags.evidence, tags.exception) == (False, None)


def test_a_status_followed_by_a_question_about_a_defect_is_evidence_without_the_defect():
    tags = tag("PO-31007 glazing done. any chipped mugs?", sender=MUG_FACTORY)
    assert (tags.evidence, tags.order, tags.exception) == (True, MUGS, None)


# -- dates and provenance ------------------------------------------------------------------------------------


def test_a_photo_with_exif_takes_its_evidence_date_from_the_camera():
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(photo(camera("2026-06-09 18:00")),))
    assert (tags.evidence_date, tags.date_source, tags.stale) == (dt.date(2026, 6, 9), "exif", False)


def test_a_photo_without_exif_takes_the_message_date():
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(photo(None),))
    assert (tags.evidence_date, tags.date_source) == (TODAY, "message")


def test_a_late_evening_message_in_london_is_dated_with_the_london_date():
    late_in_london = dt.datetime(2026, 6, 10, 23, 40, tzinfo=LONDON_SUMMER)  # already 06-11 06:40 in Shanghai
    tags = tag("PO-31007 red mugs glazing done", sender=UK_BUYER, at=late_in_london)
    assert (tags.evidence_date, tags.date_source) == (dt.date(2026, 6, 10), "message")


def test_the_same_instant_from_a_shanghai_sender_is_dated_the_next_day():
    late_in_london = dt.datetime(2026, 6, 10, 23, 40, tzinfo=LONDON_SUMMER)
    assert tag("PO-31007 red mugs glazing done", sender=AGENT, at=late_in_london).evidence_date == dt.date(2026, 6, 11)


@pytest.mark.parametrize(("text", "date"), [("PO-31007 ship date moves to 10/7", dt.date(2026, 7, 10)),
                                            ("PO-31007 ETD 7/8", dt.date(2026, 8, 7)),
                                            ("PO-31007 ETD 7/15", dt.date(2026, 7, 15))])
def test_a_london_buyers_slash_date_is_day_then_month_unless_it_cannot_be(text, date):
    assert tag(text, sender=UK_BUYER).dates_mentioned == (date,)


def test_tomorrow_is_resolved_in_the_senders_own_time_zone():
    late_in_london = dt.datetime(2026, 6, 10, 23, 40, tzinfo=LONDON_SUMMER)
    assert tag("PO-31007 loading tomorrow", sender=UK_BUYER, at=late_in_london).dates_mentioned == (
        dt.date(2026, 6, 11),)
    assert tag("PO-31007 loading tomorrow", sender=AGENT, at=late_in_london).dates_mentioned == (dt.date(2026, 6, 12),)


@pytest.mark.parametrize("text", ["PO-31007 loading tonight", "PO-31007 the mugs ship next week"])
def test_parts_of_a_day_and_vague_spans_add_no_date(text):
    assert tag(text).dates_mentioned == ()


@pytest.mark.parametrize(("captured", "stale"), [
    (camera("2026-06-02 20:00"), True),  # 8 days before the message
    (camera("2026-06-03 08:00"), False),  # exactly 7 days
    (camera("2026-06-03 00:00"), False),
])
def test_a_photo_is_stale_when_its_exif_date_is_more_than_7_days_before_the_message(captured, stale):
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(photo(captured),))
    assert tags.stale is stale
    assert tags.evidence_date == captured.date()


@pytest.mark.parametrize(("captured", "stale"), [
    (camera("2026-05-30 09:00"), True),  # two days before the towel order's PO lock (2026-06-01)
    (camera("2026-06-01 09:00"), False),  # on the day of the lock
])
def test_a_photo_taken_before_the_orders_po_lock_is_stale(captured, stale):
    three_days_later = dt.datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI)
    tags = tag("HX0042 毛巾车缝", sender=LAMP_FACTORY, at=three_days_later, files=(photo(captured),))
    assert tags.order == TOWELS
    assert tags.stale is stale


def test_a_photo_without_exif_is_never_stale():
    months_after_lock = dt.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, at=months_after_lock, files=(photo(None),))
    assert (tags.stale, tags.date_source) == (False, "message")


def earlier(order: str | None, sha256: str | None = None, phash: int | None = None) -> PriorPhoto:
    return PriorPhoto(NOON - dt.timedelta(days=3), sha256, phash, order)


def test_the_same_file_sent_earlier_for_another_order_makes_the_photo_recycled():
    pic, sent_for_vases = photo(sha256="ab" * 32), earlier(VASES, sha256="ab" * 32)
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(pic,), earlier_photos=(sent_for_vases,))
    assert (tags.order, tags.recycled) == (MUGS, True)


def test_a_near_identical_picture_sent_earlier_for_another_order_makes_the_photo_recycled():
    pic = photo(sha256="ab" * 32, phash=0x0F0F_3C3C_5A5A_A5A5)
    resent = earlier(VASES, sha256="cd" * 32, phash=0x0F0F_3C3C_5A5A_A5A5 ^ 0b111)  # 3 bits apart
    assert tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(pic,), earlier_photos=(resent,)).recycled


def test_a_different_picture_sent_earlier_for_another_order_is_not_recycled():
    pic = photo(sha256="ab" * 32, phash=0x0F0F_3C3C_5A5A_A5A5)
    other = earlier(VASES, sha256="cd" * 32, phash=~0x0F0F_3C3C_5A5A_A5A5 & 0xFFFF_FFFF_FFFF_FFFF)
    assert not tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(pic,), earlier_photos=(other,)).recycled


@pytest.mark.parametrize("earlier_order", [MUGS, None])
def test_a_re_send_for_the_same_order_or_after_a_send_without_order_is_not_recycled(earlier_order):
    pic = photo(sha256="ab" * 32)
    tags = tag("PO-31007 红杯上釉", sender=MUG_FACTORY, files=(pic,),
               earlier_photos=(earlier(earlier_order, sha256="ab" * 32),))
    assert (tags.order, tags.recycled) == (MUGS, False)


# -- unknown sender ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["someone.new", None])
def test_a_message_from_an_unknown_sender_is_not_evidence_and_is_flagged(sender):
    tags = tag("PO#8820 lamps arrived", sender=sender)
    assert (tags.evidence, tags.order) == (False, None)
    assert tags.flags == ("unknown_sender",)
