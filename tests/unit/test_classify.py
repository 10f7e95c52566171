"""parsers.classify.read_signals: what the vocabulary alone says about a text, before any order is known."""
from __future__ import annotations

import pytest

from parsers.classify import Signals, clauses, read_signals


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_text_tells_nothing(text):
    assert read_signals(text) == Signals()


# -- chatter -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["收到", "好的 👍", "👍", "ok thanks", "收到谢谢", "noted, thanks!"])
def test_a_text_made_only_of_acknowledgements_is_ack_only(text):
    assert read_signals(text).ack_only


@pytest.mark.parametrize("text", ["收到，明天装箱", "ok, packing starts Monday"])
def test_an_acknowledgement_followed_by_news_is_not_ack_only(text):
    assert not read_signals(text).ack_only


@pytest.mark.parametrize("text", ["端午节放假通知：6月19日至21日放假",
                                  "Reminder: factory closed for Dragon Boat festival"])
def test_a_holiday_announcement_is_a_notice(text):
    assert read_signals(text).notice


@pytest.mark.parametrize("text", ["什么时候到？", "any news on the lamps?", "any news?", "黑台灯什么时候到？"])
def test_a_question_for_information_only_asks(text):
    sig = read_signals(text)
    assert sig.question
    assert not sig.status
    assert sig.decision_needed is None


def test_a_statement_followed_by_a_question_is_not_only_a_question():
    sig = read_signals("the lamps are ready, when do you book?")
    assert (sig.question, sig.status) == (False, True)


@pytest.mark.parametrize("text", ["is that photo current?", "wrong photo, sorry", "这张是上个月拍的，发错了"])
def test_a_remark_about_a_photo_is_recognised(text):
    assert read_signals(text).photo_remark


# -- status and milestones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "milestone"), [
    ("黑台灯组装完成", "inline_production"),
    ("assembly done", "inline_production"),
    ("final inspection passed", "final_inspection"),
    ("booking done, container loaded", "freight_handover"),
    ("shipping marks printed", "pre_packing"),
    ("灯罩到了", "material_readiness"),
    ("signed PO attached", "po_lock"),
])
def test_a_status_statement_asserts_its_milestone(text, milestone):
    sig = read_signals(text)
    assert sig.status
    assert sig.milestone == milestone


# -- decisions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "verb"), [
    ("要不要全检？", "sort"),
    ("please confirm release", "release"),
    ("Please approve A or B.", "approve"),
    ("should we hold?", "hold"),
    ("ok to ship?", "ship"),
    ("PO-31007 唛头请确认", "approve"),
])
def test_a_request_for_a_decision_asks_for_that_verb(text, verb):
    sig = read_signals(text)
    assert (sig.decision_needed, sig.decision_given) == (verb, None)


def test_a_specific_verb_wins_over_a_generic_please_confirm():
    assert read_signals("final passed, please confirm release").decision_needed == "release"


@pytest.mark.parametrize(("text", "verb"), [
    ("Option A approved", "approve"),
    ("rework approved", "rework"),
    ("Released. Go ahead.", "release"),
    ("put on hold", "hold"),
    ("黑台灯重做", "rework"),
    ("ok to ship", "ship"),
])
def test_words_that_give_a_decision_give_that_verb(text, verb):
    sig = read_signals(text)
    assert (sig.decision_given, sig.decision_needed) == (verb, None)


@pytest.mark.parametrize("text", ["客户说黑台灯重做", "customer says rework approved", "客户同意改成哑光釉"])
def test_passing_on_the_buyers_words_is_relaying(text):
    assert read_signals(text).relayed


def test_ones_own_words_are_not_relaying():
    assert not read_signals("rework approved").relayed


# -- exceptions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "exception"), [
    ("final inspection delayed to 6/20", "delay"),
    ("组装推迟到6月20日", "delay"),
    ("30 pcs chipped", "defect"),
    ("红杯掉瓷", "defect"),
    ("釉料不够，只到了一半", "material_shortage"),
    ("lamp shades out of stock", "material_shortage"),
    ("packing list doesn't match the invoice", "document_mismatch"),
    ("装箱单和发票数量对不上", "document_mismatch"),
    ("改成哑光釉", "spec_change"),
    ("please add a gift box", "spec_change"),
])
def test_an_exception_cue_names_its_kind(text, exception):
    sig = read_signals(text)
    assert (sig.exception, sig.exception_in_question) == (exception, False)


@pytest.mark.parametrize("text", ["are the red mugs chipped?", "红杯有没有掉瓷？"])
def test_an_exception_that_is_only_asked_about_is_marked_as_in_question(text):
    sig = read_signals(text)
    assert (sig.exception, sig.exception_in_question, sig.question) == ("defect", True, True)


def test_a_status_with_a_question_about_a_defect_keeps_the_defect_in_the_question():
    sig = read_signals("glazing done. any chipped mugs?")
    assert (sig.status, sig.exception_in_question) == (True, True)


@pytest.mark.parametrize(("text", "slipping"), [
    ("final inspection delayed to 6/20 because the lamp shades are late", "final_inspection"),
    ("weaving delayed because the yarn is late", "inline_production"),
    ("组装推迟到6月20日", "inline_production"),
])
def test_the_milestone_next_to_a_delay_cue_is_the_one_that_slips(text, slipping):
    assert read_signals(text).delay_milestone == slipping


def test_a_weak_word_alone_is_a_delay_but_not_a_shortage():
    assert read_signals("lamp shades are late").exception == "delay"


# -- clauses -------------------------------------------------------------------------------------------------


def test_clauses_split_at_chinese_and_english_punctuation():
    text = "红杯上釉完成，有没有掉瓷？ ok. Next"
    assert [text[s:e].strip() for s, e in clauses(text)] == ["红杯上釉完成，", "有没有掉瓷？", "ok.", "Next"]


def test_a_decimal_point_does_not_split_a_clause():
    text = "AQL 2.5 passed"
    assert list(clauses(text)) == [(0, len(text))]
