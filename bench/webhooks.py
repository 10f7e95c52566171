"""Benchmark: Twilio webhook acknowledgements of `orderproof serve` (SQLite) against a bare starlette endpoint.

    python bench/webhooks.py [--rate 200] [--seconds 10] [--clients 8] [--count 3000] [--mps 80]
                             [--keep DIR] [--profile SECONDS]

In one run it starts, each in its own process on 127.0.0.1:

  (a) `orderproof serve` with a fresh SQLite file, the Twilio secrets and `[server] public_url` set through
      ORDERPROOF_* variables, a small order book and contacts loaded, and `[twilio] api_base_url` pointed at (c);
  (b) a bare starlette endpoint under uvicorn that only answers 200 (the floor: HTTP, uvicorn and this client);
  (c) a minimal Twilio REST stand-in that accepts the worker's outbound replies (so nothing leaves the machine).

From this process it then loads (b) and (a) with signed text-message webhooks over loopback (httpx):

  1. open loop: `--rate` requests per second for `--seconds` seconds, each timed from the moment it was due
     (so a stalled server cannot hide its queue), giving p50/p99 latency;
  2. closed loop: `--clients` concurrent clients posting `--count` requests as fast as acknowledged (for `--limit`
     seconds at most), giving acks/s.

Every message is new (its own MessageSid) and comes from a known contact, so serve's worker really processes and
replies to them while the webhooks are being loaded, as in production. It prints acks/s, p50/p99 and errors for
both, the ratios, the worker's backlog, and whether the targets (p99 <= 50 ms at 200 req/s; >= 500 acks/s) are met.
`--profile S` samples serve with py-spy (if installed) for the first S seconds of its open loop and prints where its
CPU went, thread by thread.

Roles used internally: `--role bare|rest --port N` runs (b) or (c).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

TARGET_P99_MS = 50.0
TARGET_ACKS = 500.0
PUBLIC_URL = "https://bot.example.test"
ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench" + "7" * 27
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

ORDERS = {"orders": [
    {"po": "PO-1001", "buyer": "Hearth & Table Ltd (UK)", "factory": "Yongkang Hengli Cookware", "status": "open",
     "ship_date": "2026-07-10",
     "skus": [{"sku": "RP-24-RED", "description": "enamel pot 24cm red / 红锅", "qty": 1200},
              {"sku": "BP-28-BLU", "description": "enamel pot 28cm blue / 蓝锅", "qty": 800}],
     "milestones": {"po_lock": "2026-05-20", "material_readiness": "2026-06-05", "inline_production": "2026-06-15",
                    "pre_packing": "2026-06-24", "final_inspection": "2026-06-30", "freight_handover": "2026-07-08"}},
    {"po": "PO#2002", "buyer": "Hearth & Table Ltd (UK)", "factory": "Gaoyang Textiles", "status": "open",
     "ship_date": "2026-07-20",
     "skus": [{"sku": "TW-50-WHT", "description": "bath towel 50x100 white / 白毛巾", "qty": 5000}],
     "milestones": {"po_lock": "2026-05-25", "material_readiness": "2026-06-10", "inline_production": "2026-06-20",
                    "pre_packing": "2026-07-01", "final_inspection": "2026-07-08", "freight_handover": "2026-07-15"}},
]}
SENDERS = [("li.qiang", "+86 137 5891 2260", "factory", "zh"), ("zhou.min", "+86 135 0000 1111", "factory", "zh"),
           ("tom.wu", "+86 138 0000 2222", "agent", "en"), ("emma.clarke", "+44 7700 900123", "buyer", "en")]
CONTACTS = {"contacts": [
    {"id": cid, "name": cid, "phone": phone, "role": role, "timezone": "Asia/Shanghai", "language": lang,
     "orders": ["PO-1001", "PO#2002"]} for cid, phone, role, lang in SENDERS]}
TEXTS = ["PO-1001 红锅 {n} 件已上釉", "PO#2002 white towels sewing line {n}", "收到", "ok noted",
         "RP-24-RED inline check {n} pcs", "PO-1001 cartons printed, {n} so far", "好的 明天发照片"]


# ---------------------------------------------------------------- the helper servers (run as child processes)


def run_role(role: str, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def bare(request: Request) -> Response:
        return Response(EMPTY_TWIML, media_type="application/xml")

    async def create_message(request: Request) -> Response:
        form = await request.form()
        sid = "SM" + secrets.token_hex(16)
        return JSONResponse({"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                             "body": form.get("Body", ""), "account_sid": ACCOUNT_SID, "num_media": "0",
                             "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01"},
                            status_code=201)

    routes = ([Route("/webhooks/twilio", bare, methods=["POST"]), Route("/healthz", bare)] if role == "bare" else
              [Route("/2010-04-01/Accounts/{sid}/Messages.json", create_message, methods=["POST"]),
               Route("/healthz", bare)])
    uvicorn.run(Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    import httpx

    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{url}: the process exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        pause.wait(0.05)
    sys.exit(f"{url} did not come up in {timeout:.0f}s")


class Child:
    def __init__(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name, self.port = name, free_port()
        self.log = cwd / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([*args, "--port", str(self.port)], env=env, cwd=cwd, stdout=out,
                                         stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_up(self.url, self.proc, self.log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- load


def payloads(n: int, tag: str) -> list[tuple[bytes, dict[str, str]]]:
    """n distinct, signed text-message webhooks (signed over PUBLIC_URL, as Twilio does behind a proxy)."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    out = []
    for i in range(n):
        _cid, phone, _role, _lang = SENDERS[i % len(SENDERS)]
        e164 = "+" + "".join(ch for ch in phone if ch.isdigit())
        sid = f"SM{tag}{i:024x}"
        form = {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": _cid, "MessageType": "text", "SmsSid": sid,
                "WaId": e164[1:], "SmsStatus": "received", "Body": TEXTS[i % len(TEXTS)].format(n=i + 1),
                "To": "whatsapp:+14155238886", "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
                "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{e164}", "ApiVersion": "2010-04-01"}
        sig = validator.compute_signature(PUBLIC_URL + "/webhooks/twilio", form)
        out.append((urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                               "X-Twilio-Signature": sig}))
    return out


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors: collections.Counter[str] = collections.Counter()
        self.elapsed = 0.0

    @property
    def acks(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000

    @property
    def rate(self) -> float:
        return self.acks / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        errs = ", ".join(f"{k} x{v}" for k, v in self.errors.most_common(3)) or "none"
        return (f"{self.name:<34} {self.acks:6d} acks in {self.elapsed:6.2f}s = {self.rate:7.1f} acks/s   "
                f"p50 {self.pct(50):7.1f} ms   p99 {self.pct(99):7.1f} ms   max {self.pct(100):7.1f} ms   "
                f"errors: {errs}")


async def _post(client: Any, body: bytes, headers: dict[str, str], result: Result, started: float) -> None:
    import httpx

    try:
        resp = await client.post("/webhooks/twilio", content=body, headers=headers)
    except httpx.HTTPError as exc:
        result.errors[type(exc).__name__] += 1
        return
    if resp.status_code == 200:
        result.latencies.append(time.perf_counter() - started)
    else:
        result.errors[f"HTTP {resp.status_code}"] += 1


async def open_loop(url: str, items: list[tuple[bytes, dict[str, str]]], rate: float, name: str) -> Result:
    """Send item i at t0 + i/rate whatever happened before; latency counts from when it was due."""
    import httpx

    result = Result(name)
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        t0 = time.perf_counter() + 0.05
        give_up = t0 + len(items) / rate + 30.0  # bounded: whatever is unanswered 30 s after the last was due

        async def one(i: int) -> None:
            due = t0 + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                await asyncio.wait_for(_post(client, *items[i], result, due), max(0.1, give_up - time.perf_counter()))
            except TimeoutError:
                result.errors["unanswered at the time limit"] += 1

        await asyncio.gather(*(one(i) for i in range(len(items))))
        result.elapsed = time.perf_counter() - t0
    return result


async def closed_loop(url: str, items: list[tuple[bytes, dict[str, str]]], clients: int, name: str,
                      limit: float = 60.0) -> Result:
    """`clients` clients, each posting the next item as soon as its previous one was answered (for `limit` s at
    most: what was not sent by then is left out)."""
    import httpx

    result = Result(name)
    todo = iter(items)
    stop_at = time.perf_counter() + limit

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as client:
            for body, headers in todo:
                if time.perf_counter() > stop_at:
                    result.errors["not sent: time limit"] += 1
                    continue
                await _post(client, body, headers, result, time.perf_counter())

    t0 = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    result.elapsed = time.perf_counter() - t0
    return result


def warm_up(url: str, items: list[tuple[bytes, dict[str, str]]]) -> None:
    asyncio.run(closed_loop(url, items, 4, "warm-up", 30.0))


def pending(url: str) -> int | None:
    import httpx

    try:
        return int(httpx.get(url + "/healthz", timeout=30).json()["pending"])
    except (httpx.HTTPError, ValueError, KeyError):
        return None


# ---------------------------------------------------------------- profiling serve with py-spy


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy")
    if spy is None:
        print("profile: py-spy is not installed (pip install py-spy); skipping")
        return None
    return subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "250", "--threads", "--gil",
                             "-f", "raw", "-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def summarise_profile(path: Path, top: int = 12) -> None:
    """Where serve's threads spent their samples: per thread kind, the functions on the stack most often."""
    if not path.exists():
        print("profile: no samples written")
        return
    per_thread: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    totals: collections.Counter[str] = collections.Counter()
    everything = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n, frames = int(count), stack.split(";")
        kind = frames[0].split(": ", 1)[-1]  # "thread (123): AnyIO worker thread" -> "AnyIO worker thread"
        totals[kind] += n
        everything += n
        for f in set(frames[1:]):
            per_thread[kind][f] += n
    print(f"profile: {everything} samples of serve holding the GIL ({path}): where its CPU went")
    for kind, n in totals.most_common(4):
        print(f"  {kind}: {n / everything:.1%} of the samples")
        for name, k in per_thread[kind].most_common(top):
            if k / n >= 0.05:
                print(f"    {k / n:6.1%}  {name}")


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=200.0, help="open-loop requests per second (200)")
    ap.add_argument("--seconds", type=float, default=10.0, help="open-loop duration (10)")
    ap.add_argument("--clients", type=int, default=8, help="closed-loop concurrent clients (8)")
    ap.add_argument("--count", type=int, default=3000, help="closed-loop requests (3000)")
    ap.add_argument("--limit", type=float, default=60.0, help="time limit of each closed-loop run, seconds (60)")
    ap.add_argument("--mps", type=int, default=80, help="serve's [twilio] messages_per_second for its replies (80)")
    ap.add_argument("--keep", help="keep the database and logs in this folder")
    ap.add_argument("--set", action="append", default=[], metavar="ORDERPROOF_X=V",
                    help="an extra setting for serve (repeatable), e.g. ORDERPROOF_SERVER_WORKER_BATCH=5")
    ap.add_argument("--profile", type=int, default=0, metavar="SECONDS",
                    help="sample serve with py-spy (GIL holders) for the first SECONDS of its open loop")
    ap.add_argument("--role", choices=["bare", "rest"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.role:
        run_role(a.role, a.port)
        return 0

    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERPROOF_")}
    me = [sys.executable, str(Path(__file__).resolve())]
    children: list[Child] = []
    try:
        rest = Child("rest", [*me, "--role", "rest"], env, work)
        children.append(rest)
        db = work / "bench.db"
        for f in work.glob("bench.db*"):
            f.unlink()
        env.update({"ORDERPROOF_DATABASE_URL": f"sqlite:///{db}", "ORDERPROOF_MEDIA_DIR": str(work / "media"),
                    "ORDERPROOF_SERVER_PUBLIC_URL": PUBLIC_URL, "ORDERPROOF_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "ORDERPROOF_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "ORDERPROOF_TWILIO_FROM_NUMBER": "whatsapp:+14155238886",
                    "ORDERPROOF_TWILIO_API_BASE_URL": rest.url, "ORDERPROOF_TWILIO_TEMPLATE_REPLY": "HX" + "0" * 32,
                    "ORDERPROOF_TWILIO_MESSAGES_PER_SECOND": str(a.mps)})
        env.update(kv.split("=", 1) for kv in a.set)
        for what, doc in (("orders", ORDERS), ("contacts", CONTACTS)):
            (work / f"{what}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            done = subprocess.run([sys.executable, "-m", "bot", what, "import", str(work / f"{what}.json")], env=env,
                                  cwd=work, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{what} import failed: {done.stderr}")
        serve = Child("serve", [sys.executable, "-m", "bot", "serve"], env, work)
        children.append(serve)
        bare = Child("bare", [*me, "--role", "bare"], env, work)
        children.append(bare)

        n_open = int(a.rate * a.seconds)
        results: dict[str, tuple[Result, Result]] = {}
        print(f"load: open loop {a.rate:.0f} req/s for {a.seconds:.0f}s ({n_open} requests), then closed loop "
              f"{a.clients} clients x {a.count} requests; work dir {work}")
        for name, target in (("bare starlette", bare), ("orderproof serve (SQLite)", serve)):
            tag = secrets.token_hex(2)
            warm_up(target.url, payloads(100, tag + "00"))
            spy = None
            if a.profile and target is serve:
                spy = profile(serve.proc.pid, a.profile, work / "serve.pyspy.txt")
            opened = asyncio.run(open_loop(target.url, payloads(n_open, tag + "01"), a.rate,
                                           f"{name}: open {a.rate:.0f}/s"))
            if spy is not None:
                spy.wait(timeout=a.profile + 60)
            closed = asyncio.run(closed_loop(target.url, payloads(a.count, tag + "02"), a.clients,
                                             f"{name}: closed x{a.clients}", a.limit))
            results[name] = (opened, closed)
            print(opened.line())
            print(closed.line())

        backlog = pending(serve.url)
        t0 = time.perf_counter()
        deadline = t0 + 60
        pause = threading.Event()
        left = backlog
        while left != 0 and time.perf_counter() < deadline:
            pause.wait(0.2)
            left = pending(serve.url)  # None: /healthz did not answer; keep asking
        drained = time.perf_counter() - t0
        print(f"serve's worker: {backlog} messages pending after the load; "
              + (f"drained in {drained:.1f}s" if left == 0 else f"{left} still pending after {drained:.0f}s"))

        (b_open, b_closed), (s_open, s_closed) = results.values()
        print()
        print(f"{'':26} {'bare':>10} {'serve':>10} {'serve/bare':>11}")
        rows = [("open-loop p50 (ms)", b_open.pct(50), s_open.pct(50)),
                ("open-loop p99 (ms)", b_open.pct(99), s_open.pct(99)),
                ("closed-loop acks/s", b_closed.rate, s_closed.rate),
                ("closed-loop p50 (ms)", b_closed.pct(50), s_closed.pct(50)),
                ("closed-loop p99 (ms)", b_closed.pct(99), s_closed.pct(99))]
        for label, b, s in rows:
            print(f"{label:26} {b:10.1f} {s:10.1f} {s / b if b else float('nan'):10.2f}x")
        errors = sum(s_open.errors.values()) + sum(s_closed.errors.values())
        ok_p99 = s_open.pct(99) <= TARGET_P99_MS and not s_open.errors
        ok_rate = s_closed.rate >= TARGET_ACKS and not s_closed.errors
        print(f"target p99 <= {TARGET_P99_MS:.0f} ms at {a.rate:.0f} req/s: {'met' if ok_p99 else 'MISSED'} "
              f"({s_open.pct(99):.1f} ms); target >= {TARGET_ACKS:.0f} acks/s: {'met' if ok_rate else 'MISSED'} "
              f"({s_closed.rate:.0f}/s); serve errors: {errors}")
        if a.profile:
            summarise_profile(work / "serve.pyspy.txt")
        return 0 if ok_p99 and ok_rate else 1
    finally:
        for child in reversed(children):
            child.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
