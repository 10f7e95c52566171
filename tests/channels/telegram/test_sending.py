"""Outbound through the outbox to the fake Bot API: flood limits, retry_after, inline keyboards."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.channels.ratelimit import RateLimiter
from bot.channels.telegram import TelegramChannel
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.harness import EMMA_ID, GROUP, TelegramBot, VirtualTime

OTHER_GROUP = -1001555000111


def queue(tg: TelegramBot, *messages: OutboundMessage) -> None:
    with Session(tg.app.engine) as session:
        for m in messages:
            enqueue(session, m, tg.clock.now())
        session.commit()


def most_in_any_window(times: list[float], width: float) -> int:
    """The largest number of instants inside any half-open window (t - width, t]."""
    times = sorted(times)
    return max((sum(1 for s in times if t - width < s <= t) for t in times), default=0)


def test_a_burst_of_100_to_one_group_keeps_within_the_limits_and_drops_nothing(tmp_path, fake_api):
    from tests.channels.telegram.harness import make_bot

    fake_api.flood_every, fake_api.retry_after = 7, 3  # every 7th request: 429, retry after 3 s
    for tg in make_bot(tmp_path, fake_api):
        texts = [f"message {i:03d}" for i in range(100)]
        queue(tg, *(OutboundMessage("telegram", f"telegram:{GROUP}", t, f"burst:{i}") for i, t in enumerate(texts)))
        assert tg.app.send_outbox() == 100

        delivered = tg.fake.delivered(GROUP)
        assert [s.text for s in delivered] == texts  # each once, in order
        refused = [s for s in tg.fake.sent if s.status == 429]
        assert len(refused) >= 14
        assert tg.fake.early_retries == []  # nobody came back before retry_after had passed
        times = [s.at for s in tg.fake.sent]  # every request counts against the limits, refused ones too
        assert most_in_any_window(times, 60.0) <= 20
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 1.0 - 1e-6
        assert {r["state"] for r in tg.outbox()} == {"sent"}
        # 100 messages at 20 a minute take four minutes at least (of virtual time: nothing waited for real)
        assert times[-1] - times[0] >= 4 * 60


def test_several_chats_share_the_overall_limit_of_25_a_second(tmp_path, fake_api):
    from tests.channels.telegram.harness import make_bot

    for tg in make_bot(tmp_path, fake_api):
        users = [EMMA_ID + i for i in range(60)]
        queue(tg, *(OutboundMessage("telegram", str(u), "hello", f"hello:{u}") for u in users))
        assert tg.app.send_outbox() == 60
        times = [s.at for s in tg.fake.delivered()]
        assert len(times) == 60
        assert most_in_any_window(times, 1.0) <= 25
        assert times[-1] - times[0] >= 2.0  # 60 at 25 a second cannot go in under two seconds


def test_one_chat_on_hold_does_not_hold_up_the_others():
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.now, sleep=vt.sleep)
    limiter.wait(GROUP)
    limiter.hold(GROUP, 30)
    start = vt.now()
    limiter.wait(EMMA_ID)
    assert vt.now() == start
    limiter.wait(GROUP)
    assert vt.now() >= start + 30


def test_the_limiter_spaces_one_chat_by_a_second():
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.now, sleep=vt.sleep)
    sent = [limiter.wait(EMMA_ID) for _ in range(5)]
    assert [round(b - a, 6) for a, b in zip(sent, sent[1:], strict=False)] == [1.0] * 4


def test_choices_go_as_an_inline_keyboard(tg):
    queue(tg, OutboundMessage("telegram", f"telegram:{GROUP}", "Which order is this for?", "prompt:1",
                              buttons=(("PO-1001", "order:PO-1001"), ("PO#2002", "order:PO#2002"))))
    tg.app.send_outbox()
    [sent] = tg.fake.delivered(GROUP)
    assert sent.reply_markup == {"inline_keyboard": [[{"text": "PO-1001", "callback_data": "order:PO-1001"},
                                                      {"text": "PO#2002", "callback_data": "order:PO#2002"}]]}


def test_plain_text_goes_without_a_keyboard_to_a_private_chat_by_user_id(tg):
    queue(tg, OutboundMessage("telegram", str(EMMA_ID), "Digest ready", "digest:1"))
    tg.app.send_outbox()
    [sent] = tg.fake.delivered(EMMA_ID)
    assert (sent.text, sent.reply_markup) == ("Digest ready", None)


def test_send_returns_the_chat_and_message_id_telegram_gave(tg):
    sid = tg.channel.send(OutboundMessage("telegram", f"telegram:{GROUP}", "hi", "x:1"))
    [sent] = tg.fake.delivered(GROUP)
    assert sid == f"{GROUP}:{sent.message_id}"


def test_a_chat_that_stays_flooded_is_left_to_the_outbox_to_retry_later(tmp_path, fake_api):
    from tests.channels.telegram.harness import make_bot

    fake_api.flood_every = 1  # every request refused
    for tg in make_bot(tmp_path, fake_api):
        queue(tg, OutboundMessage("telegram", f"telegram:{GROUP}", "hello", "hello:1"))
        assert tg.app.send_outbox() == 0
        [row] = tg.outbox()
        assert (row["state"], row["attempts"]) == ("pending", 1)
        assert "kept refusing" in row["last_error"]


def test_a_wrong_token_is_an_error_the_outbox_keeps_the_message_for(tmp_path):
    from tests.channels.telegram.harness import make_bot

    with FakeBotApi("123:another-token") as other:
        for tg in make_bot(tmp_path, other):
            queue(tg, OutboundMessage("telegram", f"telegram:{GROUP}", "hello", "hello:1"))
            assert tg.app.send_outbox() == 0
            [row] = tg.outbox()
            assert row["state"] == "pending" and "InvalidToken" in row["last_error"]


@pytest.mark.parametrize("n", [3, 4])
def test_up_to_three_choices_share_a_row_more_get_a_row_each(tg, n):
    buttons = tuple((f"PO-{i}", f"order:PO-{i}") for i in range(n))
    tg.channel.send(OutboundMessage("telegram", f"telegram:{GROUP}", "Which?", "q", buttons=buttons))
    [sent] = tg.fake.delivered(GROUP)
    rows = sent.reply_markup["inline_keyboard"]
    assert [len(r) for r in rows] == ([3] if n == 3 else [1, 1, 1, 1])


def test_the_channel_can_be_built_from_settings_alone(tg):
    channel = TelegramChannel(tg.app.settings.telegram)
    try:
        assert channel.limiter.group_per_minute == 20 and channel.limiter.overall == 25
        assert channel.limiter.chat_gap == 1.0
    finally:
        channel.close()


def test_a_message_to_a_group_that_became_a_supergroup_goes_to_its_new_id(tg):
    old_group, new_group = -4012345678, -1004012345678
    tg.fake.migrated[old_group] = new_group
    sid = tg.channel.send(OutboundMessage("telegram", f"telegram:{old_group}", "hello", "m:1"))
    [sent] = tg.fake.delivered()
    assert (sent.chat_id, sid) == (new_group, f"{new_group}:{sent.message_id}")
