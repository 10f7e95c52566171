"""The HTML digest as a buyer sees it, in Debian's Chromium driven by Playwright (no downloaded browser).

The page is built end to end: order book and contacts imported, a factory chat with a camera photo (EXIF), a
stripped photo (no EXIF) and a defect replayed, then `orderproof digest --format html` written to a file.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from parsers.orderbook import MILESTONES
from tests.fixtures import (
    AGENT,
    BUYER,
    FACTORY,
    Workspace,
    message,
    photo,
    write_chat,
    write_contacts,
    write_order_book,
    write_photo,
)

pytestmark = pytest.mark.browser

AS_OF = "2026-06-12T09:00:00+00:00"  # three days after the chat
DEFECT = "PO-1001 红锅口沿掉瓷，2个，已挑出返工"
# the camera took the picture the evening before it was sent: the caption must give the camera's date
EXIF_PHOTO, EXIF_TAKEN, EXIF_DATE, EXIF_MESSAGE = ("IMG_20260608_174000.jpg", "2026:06:08 17:40:00", "2026-06-08",
                                                   "m-02")
BARE_PHOTO, BARE_SENT, BARE_MESSAGE = "IMG-20260609-WA0002.jpg", "2026-06-09", "m-03"


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Browser:
    """Debian's Chromium, headless, closed (with Playwright's driver) in a finalizer."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it and fails on "
                    "this skip")
    playwright = sync_playwright().start()
    request.addfinalizer(playwright.stop)
    launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--headless=new"])
    request.addfinalizer(launched.close)  # finalizers run last-in first-out: the browser, then the driver
    return launched


def write_digest(ws: Workspace) -> Path:
    """Import the book, replay a factory chat with two photos and a defect, and write the buyer's HTML digest."""
    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0
    folder = ws.root / "factory_group"
    write_photo(folder / EXIF_PHOTO, EXIF_TAKEN, "+08:00", color=(200, 30, 30))
    write_photo(folder / BARE_PHOTO, color=(30, 30, 200))  # as WhatsApp sends it: EXIF stripped
    chat = write_chat(folder / "messages.jsonl", [
        message("m-01", "2026-06-09T09:58:00+08:00", FACTORY, "PO-1001 红锅上釉第二遍"),
        message(EXIF_MESSAGE, "2026-06-09T10:16:05+08:00", FACTORY, "PO-1001 RP-24-RED 上釉",
                photo(EXIF_PHOTO, EXIF_TAKEN, "+08:00", "sc-glaze")),
        message(BARE_MESSAGE, "2026-06-09T10:17:00+08:00", FACTORY, "", photo(BARE_PHOTO, scene_id="sc-line")),
        message("m-04", "2026-06-09T11:02:00+08:00", AGENT, "收到"),
        message("m-05", "2026-06-09T14:20:00+08:00", FACTORY, DEFECT),
    ])
    replayed = ws.run("replay", chat)
    assert replayed.code == 0, replayed.err
    assert "0 failed" in replayed.out, replayed.out

    result = ws.run("digest", "--buyer", BUYER, "--as-of", AS_OF, "--format", "html", "--out", "digest.html")

    assert result.code == 0, result.err
    page = ws.root / "digest.html"
    assert page.is_file()
    return page


@pytest.fixture
def page(browser: Browser, ws: Workspace, request: pytest.FixtureRequest) -> Page:
    """The digest file opened in a fresh page (every image loaded), closed in a finalizer."""
    path = write_digest(ws)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    request.addfinalizer(context.close)
    opened = context.new_page()
    opened.goto(path.resolve().as_uri(), wait_until="load")
    return opened


def box(page: Page, selector: str) -> dict[str, Any]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return found


def test_the_exceptions_come_first_and_the_defect_is_visible(page: Page) -> None:
    exceptions, orders = box(page, "section#exceptions"), box(page, "section#orders")
    assert exceptions["y"] + exceptions["height"] <= orders["y"]

    defect = page.locator('#exceptions .exception[data-kind="defect"]')
    assert defect.count() == 1
    assert defect.is_visible()
    text = defect.inner_text()
    assert "PO-1001" in text and "defect" in text
    assert "掉瓷" in text  # the factory's own words, as sent
    assert box(page, '#exceptions .exception[data-kind="defect"]')["y"] < orders["y"]


def test_every_order_shows_its_six_milestones_in_order(page: Page) -> None:
    headers = page.locator("#orders h2.order")
    tables = page.locator("#orders table")
    assert [h.split(" · ")[0] for h in headers.all_inner_texts()] == ["PO-1001", "PO#2002"]  # her open orders
    assert tables.count() == headers.count()
    for i in range(tables.count()):
        rows = tables.nth(i).locator("tr.milestone")
        assert rows.count() == 6
        assert [r.get_attribute("data-milestone") for r in rows.all()] == list(MILESTONES)
        for r in rows.all():
            assert r.is_visible()


def test_thumbnails_render_and_say_where_their_date_came_from(page: Page) -> None:
    images = page.locator("#orders figure img")
    assert images.count() >= 2
    for img in images.all():
        assert img.is_visible()
        # the data: URI decoded into a real picture (a broken one loads with naturalWidth 0)
        assert img.evaluate("i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0"), \
            img.get_attribute("alt")

    camera = page.locator(f'#orders figure:has(img[alt="{EXIF_MESSAGE}"]) figcaption')
    stripped = page.locator(f'#orders figure:has(img[alt="{BARE_MESSAGE}"]) figcaption')
    assert camera.count() == 1 and stripped.count() == 1
    camera_text, stripped_text = camera.inner_text(), stripped.inner_text()
    assert "camera" in camera_text and EXIF_DATE in camera_text, camera_text
    assert "no camera date" not in camera_text, camera_text
    assert "no camera date" in stripped_text and BARE_SENT in stripped_text, stripped_text


def test_no_percentages_anywhere_on_the_page(page: Page, tmp_path: Path) -> None:
    seen = page.evaluate("() => [document.title, document.body.innerText].join('\\n')")
    assert "PO-1001" in seen  # the page has content at all
    assert "%" not in seen, [ln for ln in seen.splitlines() if "%" in ln]

    shot = tmp_path / "digest.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
