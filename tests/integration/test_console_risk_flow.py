"""End to end through `orderproof console`: a defect becomes a risk, its owner is asked in Chinese, words alone do
not close it, a photo does, the digest shows it closed, and the buyer's hold blocks shipping until it is lifted."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from tests.fixtures import AGENT, BUYER, FACTORY, CliResult, Workspace, write_contacts, write_order_book, write_photo


def console(ws: Workspace, monkeypatch: pytest.MonkeyPatch, who: str, *lines: str) -> CliResult:
    """One `orderproof console --as WHO` session that types the lines, then /quit."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join([*lines, "/quit"]) + "\n"))
    result = ws.run("console", "--as", who)
    assert result.code == 0, result.err
    return result


def bot_lines(result: CliResult) -> str:
    return "\n".join(ln for ln in result.out.splitlines() if ln.startswith(("bot", "     ")))


def test_a_defect_is_owned_prompted_in_chinese_closed_only_by_proof_and_the_hold_blocks_ship(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.run("orders", "import", write_order_book(ws.root / "orders.json"))
    ws.run("contacts", "import", write_contacts(ws.root / "contacts.json"))
    # the console stamps messages with the real clock: the photos are taken "today" so they are not stale
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    taken = today.strftime("%Y:%m:%d %H:%M:%S")
    defect = write_photo(ws.root / "defect.jpg", taken, "+08:00", color=(200, 40, 40))
    fixed = write_photo(ws.root / "fixed.jpg", taken, "+08:00", color=(40, 160, 40))

    # 1. a photo and a defect note, from the agent's QC
    reported = console(ws, monkeypatch, AGENT, f"/photo {defect} PO-1001 inline QC: 红锅口沿掉瓷 2 pcs, chipped rim")

    # 2. a risk opens with an owner (the factory, by CONTRACT's rule) and a deadline
    (risk,) = json.loads(ws.run("risks", "--format", "json").out)
    assert (risk["kind"], risk["order"], risk["owner"], risk["owner_role"]) == (
        "defect", "PO-1001", FACTORY, "factory")
    assert risk["deadline"] and risk["state"] == "open"

    # 3. the prompt to the owner goes out in Chinese (the console shows who each message is for)
    prompt = next(ln for ln in reported.out.splitlines() if ln.startswith(f"bot → {FACTORY}> "))
    assert risk["id"] in prompt and "质量问题" in prompt  # "quality problem"
    assert f"请在 {risk['deadline']} 前发返工后的产品照片" in reported.out  # "send a photo of the reworked item by"

    # 4. an answer without proof is refused and says what is missing; an answer with a photo closes the risk
    words = console(ws, monkeypatch, FACTORY, "PO-1001 红锅返工好了", f"/close {risk['id']}")
    assert "还不能关闭" in bot_lines(words) and "返工后的产品照片" in bot_lines(words)
    assert json.loads(ws.run("risks", "--format", "json").out)[0]["state"] == "open"
    console(ws, monkeypatch, FACTORY, f"/photo {fixed} PO-1001 红锅返工好了")
    (closed,) = json.loads(ws.run("risks", "--state", "all", "--format", "json").out)
    assert closed["state"] == "closed" and closed["closed_by"]

    # 5. the digest shows it closed: no longer an exception, no open risk on the milestone
    digest = json.loads(ws.run("digest", "--buyer", BUYER, "--format", "json").out)
    assert not [e for e in digest["exceptions"] if e["risk"] == risk["id"]]
    po = next(o for o in digest["orders"] if o["order"] == "PO-1001")
    assert all(risk["id"] not in m["open_risks"] for m in po["milestones"])

    # 6. the buyer's hold blocks ship until it is lifted
    held = console(ws, monkeypatch, BUYER, "/hold PO-1001", "/ship PO-1001")
    assert "on hold" in bot_lines(held)
    console(ws, monkeypatch, BUYER, "/lift PO-1001", "/ship PO-1001")
    decisions = json.loads(ws.run("decisions", "--order", "PO-1001", "--format", "json").out)
    assert [(d["verb"], d["state"]) for d in decisions] == [
        ("hold", "given"), ("ship", "refused"), ("hold", "lift"), ("ship", "given")]
    assert all(d["by"] == BUYER for d in decisions)
