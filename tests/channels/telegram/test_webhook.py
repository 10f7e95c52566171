"""POST /webhooks/telegram end to end: secret, storage, dedupe, media through getFile, albums, button presses."""
from __future__ import annotations

import json

from tests.channels.telegram.fake_bot_api import MAX_GETFILE
from tests.channels.telegram.harness import GROUP, LI_ID, TelegramBot, jpeg, load, serve_photos


def count(tg: TelegramBot, table: str = "inbound_messages") -> int:
    return tg.value(f"SELECT count(*) FROM {table}")


def test_a_wrong_secret_gets_403_and_leaves_no_row(tg):
    resp = tg.post(load("text.json"), secret="wh-s3cret_T0ken-for-tests-not")
    assert resp.status_code == 403
    assert count(tg) == 0


def test_a_missing_secret_gets_403_and_leaves_no_row(tg):
    assert tg.post(load("text.json"), secret=None).status_code == 403
    assert tg.post(load("text.json"), secret="").status_code == 403
    assert count(tg) == 0


def test_without_a_configured_secret_every_post_is_refused(tmp_path, fake_api):
    from tests.channels.telegram.harness import make_bot

    for bot in make_bot(tmp_path, fake_api, webhook_secret=""):
        assert bot.post(load("text.json"), secret="").status_code == 403
        assert bot.post(load("text.json"), secret=None).status_code == 403
        assert count(bot) == 0


def test_an_update_delivered_five_times_leaves_one_row(tg):
    for _ in range(5):
        assert tg.post(load("text.json")).status_code == 200
    assert count(tg) == 1
    row = tg.inbound(f"{GROUP}:101")
    assert (row["channel"], row["chat"], row["sender"]) == ("telegram", f"telegram:{GROUP}", str(LI_ID))
    assert json.loads(row["raw"])["payload"]["update_id"] == 870000001


def test_a_stored_message_is_tagged_for_the_contact_with_that_telegram_user_id(tg):
    tg.deliver(load("text.json"))
    assert tg.work() == 1
    row = tg.inbound(f"{GROUP}:101")
    assert (row["contact_id"], row["state"], row["ev_order"]) == ("li.qiang", "processed", "PO-1001")


def test_a_captioned_photo_is_fetched_in_its_largest_size_only(tg):
    update = load("photo_caption.json")
    serve_photos(tg.fake, update, seed=3)
    tg.deliver(update)
    tg.work()
    [att] = tg.attachments(f"{GROUP}:102")
    assert att["error"] is None and att["mime"] == "image/jpeg" and att["phash"]
    assert [p["file_id"] for p in tg.fake.params_of("getFile")] == ["AgACAgUAAxkBAAIBZmZmZmZmPhotoCaption-1280"]
    assert tg.fake.downloads == [tg.fake.files["AgACAgUAAxkBAAIBZmZmZmZmPhotoCaption-1280"].file_path]
    row = tg.inbound(f"{GROUP}:102")
    assert (row["text"], row["ev_order"], row["ev_sku"]) == ("PO-1001 RP-24-RED 上釉", "PO-1001", "RP-24-RED")


def test_an_image_sent_as_a_file_keeps_its_exif_and_is_dated_by_the_camera(tg):
    update = load("document_exif.json")
    data = jpeg(5, exif_datetime="2026:06:09 10:15:22", exif_offset="+08:00")
    tg.fake.add_file(update["message"]["document"]["file_id"], data, "AgADdocexif", kind="documents")
    tg.deliver(update)
    tg.work()
    [att] = tg.attachments(f"{GROUP}:103")
    assert (att["kind"], att["original_name"], att["captured_local"], att["captured_offset_min"]) == (
        "photo", "IMG_20260609_101522.jpg", "2026-06-09 10:15:22", 480)
    assert att["size"] == len(data)
    row = tg.inbound(f"{GROUP}:103")
    assert (row["ev_date_source"], row["ev_date"]) == ("exif", "2026-06-09")


def test_a_file_over_the_bot_api_limit_is_recorded_as_unreadable_not_a_crash(tg):
    update = load("document_exif.json")
    tg.fake.add_file(update["message"]["document"]["file_id"], b"\xff\xd8 not really", "AgADdocexif",
                     kind="documents", size=MAX_GETFILE + 1)
    tg.deliver(update)
    tg.work()
    [att] = tg.attachments(f"{GROUP}:103")
    assert "too big" in att["error"] or "too large" in att["error"]
    assert tg.inbound(f"{GROUP}:103")["state"] == "processed"


def test_an_album_of_four_photos_gives_four_tagged_messages_and_one_reply(tg):
    album = load("album.json")
    for i, update in enumerate(album):
        serve_photos(tg.fake, update, seed=10 + i)
    tg.deliver(*album)
    assert tg.work() == 4
    ids = [f"{GROUP}:{n}" for n in (110, 111, 112, 113)]
    tagged = [tg.inbound(i) for i in ids]
    assert [(r["ev_evidence"], r["ev_order"]) for r in tagged] == [(1, "PO-1001")] * 4
    assert len(tg.attachments(ids[3])) == 1
    # the reply waits a moment for the rest of the album, then goes once
    assert tg.fake.delivered() == []
    tg.clock.advance(seconds=3)
    tg.work()
    [reply] = tg.fake.delivered(GROUP)
    assert "PO-1001" in reply.text
    assert [r["state"] for r in tg.outbox()] == ["sent"]


def test_an_album_redelivered_and_processed_again_still_gets_one_reply(tg):
    album = load("album.json")
    for i, update in enumerate(album):
        serve_photos(tg.fake, update, seed=20 + i)
    tg.deliver(*album[:2])
    tg.work()
    tg.clock.advance(seconds=3)
    tg.work()
    tg.deliver(*album)  # the last two come late; the first two again
    tg.work()
    tg.clock.advance(seconds=3)
    tg.work()
    assert count(tg) == 4
    assert len(tg.fake.delivered(GROUP)) == 1


def test_separate_photos_get_a_reply_each(tg):
    first, second = load("photo_caption.json"), load("album.json")[0]
    del second["message"]["media_group_id"]
    serve_photos(tg.fake, first, seed=30)
    serve_photos(tg.fake, second, seed=31)
    tg.deliver(first, second)
    tg.work()
    assert len(tg.fake.delivered(GROUP)) == 2


def test_a_button_press_is_stored_and_answered(tg):
    update = load("callback_query.json")
    for _ in range(3):
        tg.deliver(update)
    assert count(tg) == 1
    row = tg.inbound(f"{GROUP}:cb:2465039187231740301")
    assert (row["text"], row["sender"]) == ("order:PO-1001", str(LI_ID))
    tg.work()
    assert [a["callback_query_id"] for a in tg.fake.answered] == ["2465039187231740301"]


def test_edits_and_member_notices_are_acknowledged_and_not_stored(tg):
    assert tg.post(load("edited_message.json")).status_code == 200
    assert tg.post(load("new_member.json")).status_code == 200
    assert count(tg) == 0


def test_an_unreadable_body_with_the_right_secret_is_kept_in_quarantine(tg):
    assert tg.post(None, body=b"{not json").status_code == 200
    assert tg.post({"update_id": 5, "message": {"text": "no chat"}}).status_code == 200
    assert tg.value("SELECT count(*) FROM inbound_messages WHERE state = 'quarantined'") == 2
    assert tg.value("SELECT count(*) FROM inbound_messages WHERE state = 'pending'") == 0


def test_a_message_from_an_unknown_telegram_user_is_kept_and_quarantined(tg):
    update = load("text.json")
    update["message"]["from"]["id"] = 5999000111
    tg.deliver(update)
    tg.work()
    assert tg.inbound(f"{GROUP}:101")["state"] == "quarantined"


def test_a_new_message_wakes_the_worker_and_a_repeat_does_not(tg):
    import threading

    from bot.web import make_web
    from tests.channels.telegram.harness import SECRET, TestClient

    woken = threading.Event()
    with TestClient(make_web(tg.app, wake=woken.set)) as client:
        def post() -> int:
            return client.post("/webhooks/telegram", content=json.dumps(load("text.json")).encode(),
                               headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code

        assert post() == 200 and woken.is_set()
        woken.clear()
        assert post() == 200 and not woken.is_set()


def test_a_download_that_fails_for_a_passing_reason_is_tried_again_later(tg):
    update = load("photo_caption.json")
    serve_photos(tg.fake, update, seed=40)
    tg.fake.getfile_outages = 1
    tg.deliver(update)
    tg.work()
    assert tg.inbound(f"{GROUP}:102")["state"] == "retry"
    assert tg.attachments(f"{GROUP}:102") == []
    tg.clock.advance(minutes=2)
    tg.work()
    assert tg.inbound(f"{GROUP}:102")["state"] == "processed"
    [att] = tg.attachments(f"{GROUP}:102")
    assert att["error"] is None and att["phash"]


def test_an_album_nobody_can_place_gets_one_question_not_four(tg):
    album = load("album.json")
    del album[0]["message"]["caption"]
    for i, update in enumerate(album):
        serve_photos(tg.fake, update, seed=50 + i)
    tg.deliver(*album)
    tg.work()
    tg.clock.advance(seconds=3)
    tg.work()
    assert tg.value("SELECT count(*) FROM evidence") == 4
    [question] = tg.fake.delivered(GROUP)
    assert "哪个订单" in question.text  # li.qiang writes Chinese: "which order?"
