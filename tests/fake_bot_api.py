"""A fake Telegram Bot API server on loopback: records calls, injects updates and faults."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    """A scripted failure for the next call(s) of one method."""

    status: int
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class FakeBotApi:
    """State of the fake server: recorded calls, pending updates and scripted faults."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    chat_faults: dict[int, list[Fault]] = field(default_factory=dict)
    sent_times: dict[int, list[float]] = field(default_factory=dict)
    sent_to: dict[int | None, list[dict[str, Any]]] = field(default_factory=lambda: {None: []})
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _messages: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def text_update(self, user: int, text: str, language: str | None = None) -> dict[str, Any]:
        """Return an update carrying a private text message from a user."""
        sender = {"id": user, "is_bot": False, "first_name": "W", "language_code": language}
        message = {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "from": sender,
            "chat": {"id": user, "type": "private"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._ids), "message": message}

    def inject_text(self, user: int, text: str, language: str | None = None) -> None:
        """Queue a private text message from a user."""
        self._push(self.text_update(user, text, language))

    def inject_sticker(self, user: int) -> None:
        """Queue a sticker from a user."""
        sticker = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        self._push(
            {
                "message": {
                    "message_id": next(self._messages),
                    "date": int(time.time()),
                    "from": {"id": user, "is_bot": False, "first_name": "W"},
                    "chat": {"id": user, "type": "private"},
                    "sticker": sticker,
                }
            }
        )

    def button_update(
        self, user: int, data: str, chat: int | None = None, thread: int | None = None
    ) -> dict[str, Any]:
        """Return an update carrying a button press, in a private chat or a group."""
        where = chat if chat is not None else user
        message: dict[str, Any] = {
            "message_id": 1,
            "date": int(time.time()),
            "text": "menu",
            "chat": {"id": where, "type": "private" if where > 0 else "supergroup"},
        }
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        query = {
            "id": str(next(self._messages)),
            "chat_instance": "ci",
            "data": data,
            "from": {"id": user, "is_bot": False, "first_name": "W"},
            "message": message,
        }
        return {"update_id": next(self._ids), "callback_query": query}

    def inject_button(
        self, user: int, data: str, chat: int | None = None, thread: int | None = None
    ) -> None:
        """Queue a button press (callback query) from a user, in a private chat or a group."""
        self._push(self.button_update(user, data, chat, thread))

    def inject_group_text(self, chat: int, user: int, text: str, thread: int | None = None) -> None:
        """Queue a message written by a member of a group (in a forum topic if given)."""
        message: dict[str, Any] = {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "text": text,
            "from": {"id": user, "is_bot": False, "first_name": "C"},
            "chat": {"id": chat, "type": "supergroup", "is_forum": True, "title": "cw"},
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        self._push({"message": message})

    def _push(self, update: dict[str, Any]) -> None:
        """Add an update (numbering it when it has no id yet) and wake long polls."""
        if "update_id" not in update:
            update = {"update_id": next(self._ids), **update}
        self.updates.append(update)
        self._arrived.set()

    def sent(self, chat: int | None = None) -> list[dict[str, Any]]:
        """Return the sendMessage calls, optionally to one chat (indexed: benchmarks ask often)."""
        return list(self.sent_to.get(chat, []) if chat is not None else self.sent_to[None])

    async def wait_for(self, count: int, chat: int | None = None, timeout: float = 30) -> None:
        """Wait until at least `count` messages were sent (to a chat)."""
        deadline = time.monotonic() + timeout
        while len(self.sent(chat)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.sent(chat))} of {count} messages sent")
            await asyncio.sleep(0.05)

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Bot API call."""
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            self.sent_times.setdefault(chat_id, []).append(time.monotonic())
            self.sent_to.setdefault(chat_id, []).append(params)
            self.sent_to[None].append(params)
        chat = params.get("chat_id")
        faults = self.faults.get(method) or (
            self.chat_faults.get(int(chat)) if chat is not None else None
        )
        if faults:
            fault = faults.pop(0)
            await asyncio.sleep(fault.delay)
            if fault.status != 200:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": fault.status,
                    "description": "fault injected",
                }
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return web.json_response(body, status=fault.status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._poll(params)})
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long-poll: return updates from the offset, waiting up to the timeout for one."""
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if self.updates or time.monotonic() >= deadline:
                return list(self.updates)
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                return []

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        """Return a plausible result for a method."""
        if method == "getMe":
            return {
                "id": 1,
                "is_bot": True,
                "first_name": "Saathi",
                "username": "saathi_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "copyMessage":
            return {"message_id": next(self._messages)}
        if method in ("sendMessage", "editMessageText"):
            chat = int(params["chat_id"])
            return {
                "message_id": next(self._messages),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
                "text": params.get("text", ""),
            }
        if method == "createForumTopic":
            return {
                "message_thread_id": next(self._messages),
                "name": params["name"],
                "icon_color": 7322096,
            }
        return True


async def _params(request: web.Request) -> dict[str, Any]:
    """Read a call's parameters from JSON or form data, decoding JSON-encoded values."""
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    decoded: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        decoded[key] = json.loads(text) if text[:1] in "[{" else text
    return decoded


async def start(api: FakeBotApi) -> tuple[web.AppRunner, int]:
    """Serve the fake API on a free loopback port; return the runner and the port."""
    application = web.Application()
    application.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, int(port)
