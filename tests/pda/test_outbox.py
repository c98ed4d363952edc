"""The local outbox and the sync engine, against a scripted HTTP server: order per code,
idempotency keys and bodies that never change, what counts as done, refused or still queued."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pda_client import store as store_mod
from pda_client.api import ApiError, Client
from pda_client.store import Item, Outcome, Store
from pda_client.sync import MAX_SERVER_ERRORS, sync
from schemas import formats
from tests.factories import random_uscc


def code(n: int) -> str:
    return formats.format_code(
        uscc=random_uscc(), waste_code="900-041-49", day=dt.date.today(), seq=n
    )


def item(store: Store, item_id: int) -> Item:
    found = store.item(item_id)
    assert found is not None
    return found


class Stub:
    """A server whose answer per code is scripted; it records every request."""

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self.seen: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.close_after = False
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if self.path.endswith("/sync"):  # a server without the batch endpoint
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                c = self.path.split("/")[4] if "/batches/" in self.path else "register"
                with stub.lock:
                    stub.seen.append(
                        {
                            "path": self.path,
                            "code": c,
                            "key": self.headers.get("Idempotency-Key"),
                            "auth": self.headers.get("Authorization"),
                            "body": body,
                        }
                    )
                    steps = stub.script.get(c) or [(200, {"code": c, "status": "STORED"}, {})]
                    status, answer, headers = steps.pop(0) if len(steps) > 1 else steps[0]
                if status == 0:  # drop the connection without an answer
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                if stub.close_after:  # hang up without saying so, like an idle timeout
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def problem(status: int, code_: str, zh: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"code": code_, "status": status, "message": zh, "message_en": code_}, {}


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub()
    yield s
    s.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "pda.sqlite")
    s.save_account("op", "hwt_token_op", 1, {"username": "op", "enterprise": {"name": "x"}})
    yield s
    s.close()


def queue(store: Store, c: str, action: str = "store", user: str = "op") -> int:
    q = store.enqueue(
        username=user,
        code=c,
        action=action,
        path=f"/batches/{c}/events",
        body={"action": action, "room_id": 1},
    )
    assert not q.duplicate
    return q.item.id


def test_enqueue_keeps_key_and_exact_body_across_reopen(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.sqlite")
    c = code(1)
    item = s.enqueue(
        username="op", code=c, action="store", path="/p", body={"b": "二", "a": 1}
    ).item
    s.close()
    again = Store(tmp_path / "a.sqlite")
    same = again.item(item.id)
    assert same is not None
    assert same.key == item.key and same.body == '{"a":1,"b":"二"}'
    assert 8 <= len(same.key) <= 100 and all(ch.isalnum() or ch in "_.:-" for ch in same.key)
    again.close()


def test_duplicate_scans_are_queued_once(store: Store) -> None:
    c = code(2)
    first = store.enqueue(username="op", code=c, action="store", path="/x", body={})
    dup = store.enqueue(username="op", code=c, action="store", path="/x", body={})
    assert dup.duplicate and dup.item.id == first.item.id
    # another action on the code is not a duplicate, nor the same action after it
    assert not store.enqueue(username="op", code=c, action="unstore", path="/x", body={}).duplicate
    assert not store.enqueue(username="op", code=c, action="store", path="/x", body={}).duplicate
    assert store.queued_count() == 3


def test_duplicate_of_a_just_synced_scan_and_after_a_refusal(store: Store) -> None:
    c = code(3)
    i = queue(store, c)
    store.record([Outcome(i, "done", http_status=200, result="{}")])
    assert store.enqueue(username="op", code=c, action="store", path="/x", body={}).duplicate
    c2 = code(4)
    j = queue(store, c2)
    store.record([Outcome(j, "refused", http_status=409, message_zh="不行")])
    assert not store.enqueue(username="op", code=c2, action="store", path="/x", body={}).duplicate


def test_old_synced_scan_is_not_a_duplicate(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    c = code(5)
    i = queue(store, c)
    store.record([Outcome(i, "done", http_status=200)])
    monkeypatch.setattr(store_mod, "DUPLICATE_WINDOW", dt.timedelta(0))
    assert not store.enqueue(username="op", code=c, action="store", path="/x", body={}).duplicate


def test_registration_takes_reserved_codes_in_order_once(store: Store) -> None:
    codes = sorted(code(n) for n in (7, 8))
    store.add_reserved("op", 2, "2026-11-25", codes, 1)
    got = [
        store.enqueue_register(username="op", profile_id=2, produced_on="2026-11-25", body={})
        for _ in range(3)
    ]
    assert [g.code if g else None for g in got] == [*codes, None]
    assert got[0] is not None and json.loads(got[0].body)["code"] == codes[0]
    assert store.free_codes("op") == {}
    assert (
        store.enqueue_register(username="op", profile_id=3, produced_on="2026-11-25", body={})
        is None
    )


def test_record_changes_only_queued_items(store: Store) -> None:
    i = queue(store, code(9))
    store.record([Outcome(i, "refused", http_status=409, message_zh="拒绝")])
    store.record([Outcome(i, "done", http_status=200)])  # a late answer must not resurrect it
    got = item(store, i)
    assert got.state == "refused" and got.message_zh == "拒绝"
    assert store.requeue(i)
    assert item(store, i).state == "queued"
    assert store.dismiss() == 0
    store.record([Outcome(i, "refused", http_status=409)])
    assert store.dismiss(i) == 1 and store.counts()["dismissed"] == 1


def test_sync_sends_each_key_with_its_user_token_in_order_per_code(
    store: Store, stub: Stub
) -> None:
    store.save_account("op2", "hwt_token_op2", 2, {"username": "op2"})
    codes = [code(10 + n) for n in range(6)]
    ids = []
    for c in codes:
        for action in ("label", "store", "unstore"):
            ids.append(queue(store, c, action, user="op" if c != codes[0] else "op2"))
    report = sync(store, stub.url, workers=4)
    assert report.done == 18 and report.refused == 0 and report.left == 0
    keys = [s["key"] for s in stub.seen]
    assert len(set(keys)) == 18
    for c in codes:
        actions = [json.loads(s["body"])["action"] for s in stub.seen if s["code"] == c]
        assert actions == ["label", "store", "unstore"]
    assert {s["auth"] for s in stub.seen if s["code"] == codes[0]} == {"Bearer hwt_token_op2"}
    assert all(item(store, i).state == "done" for i in ids)


def test_sync_refusal_keeps_server_message_and_goes_on(store: Store, stub: Stub) -> None:
    bad, good = code(20), code(21)
    stub.script[bad] = [problem(409, "storage.capacity", "库房「1号库」容量不足")]
    i, j = queue(store, bad), queue(store, good)
    report = sync(store, stub.url, workers=1)
    assert report.refused == 1 and report.done == 1
    got = item(store, i)
    assert got.state == "refused" and got.error_code == "storage.capacity"
    assert got.message_zh == "库房「1号库」容量不足"
    assert item(store, j).state == "done"


def test_replay_counts_as_done(store: Store, stub: Stub) -> None:
    c = code(22)
    stub.script[c] = [(200, {"code": c, "status": "STORED"}, {"Idempotent-Replayed": "true"})]
    i = queue(store, c)
    report = sync(store, stub.url)
    assert report.done == 1 and report.replayed == 1
    assert item(store, i).replayed == 1


@pytest.mark.parametrize("status", [0, 503, 429])
def test_unavailable_server_leaves_items_queued_and_resends_same_key(
    store: Store, stub: Stub, status: int
) -> None:
    c, later = code(23), code(24)
    stub.script[c] = [problem(status, "busy", "忙") if status else (0, {}, {}), (200, {}, {})]
    i, j = queue(store, c), queue(store, later)
    report = sync(store, stub.url, workers=1)
    assert report.stopped in ("network", "server") and report.left == 2
    assert item(store, i).state == "queued" and item(store, j).state == "queued"
    assert item(store, i).attempts == 1
    first_key = stub.seen[0]["key"]
    report = sync(store, stub.url, workers=1)
    assert report.done == 2 and report.left == 0
    assert stub.seen[1]["key"] == first_key and stub.seen[1]["body"] == stub.seen[0]["body"]


def test_revoked_token_blocks_only_that_user(store: Store, stub: Stub) -> None:
    store.save_account("op2", "hwt_revoked", 2, {"username": "op2"})
    mine, theirs = code(25), code(26)
    stub.script[theirs] = [problem(401, "auth.token_revoked", "令牌已被撤销")]
    i = queue(store, theirs, user="op2")
    queue(store, theirs, "unstore", user="op2")
    j = queue(store, mine)
    report = sync(store, stub.url, workers=1)
    assert report.blocked_users == {"op2"} and report.done == 1 and report.left == 2
    assert item(store, i).state == "queued" and item(store, j).state == "done"
    assert [s["code"] for s in stub.seen].count(theirs) == 1  # the later item was not sent


def test_a_poison_item_is_refused_after_repeated_500s(store: Store, stub: Stub) -> None:
    c = code(27)
    stub.script[c] = [problem(500, "internal", "服务器内部错误")]
    i = queue(store, c)
    for _ in range(MAX_SERVER_ERRORS - 1):
        assert sync(store, stub.url).stopped == "server"
    sync(store, stub.url)
    got = item(store, i)
    assert got.state == "refused" and got.error_code == "internal"


def test_problem_bodies_flat_or_wrapped() -> None:
    flat = ApiError.from_response(
        409, json.dumps({"code": "c", "message": "中", "message_en": "en"}).encode()
    )
    wrapped = ApiError.from_response(
        409, json.dumps({"error": {"code": "c", "message": "中", "message_en": "en"}}).encode()
    )
    for e in (flat, wrapped):
        assert (e.code, e.message_zh, e.message_en) == ("c", "中", "en")
    html = ApiError.from_response(502, b"<html>bad gateway</html>")
    assert html.code == "http.502" and "502" in html.message_zh


def test_client_reconnects_after_the_server_closed_an_idle_connection(stub: Stub) -> None:
    c = code(28)
    stub.close_after = True
    with Client(stub.url) as client:
        for _ in range(3):
            resp = client.request(
                "POST", f"/batches/{c}/events", b"{}", headers={"Idempotency-Key": "k" * 9}
            )
            assert resp.status == 200
    assert len(stub.seen) == 3
