"""Fake Telegram Bot API server that the real python-telegram-bot client can talk to in tests."""

from __future__ import annotations

import html
import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.harness.local_server import LocalServer

__all__ = ["Call", "FakeBotAPI", "HTMLEntityError", "parse_telegram_html"]

BOT_ID = 7000000001
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Waakhond Test",
    "username": "waakhond_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Telegram's limit is on the text after entity parsing, counted in UTF-16 code units.
MAX_MESSAGE_LENGTH = 4096


@dataclass(frozen=True)
class Call:
    """One Bot API call as received; ``status`` is the HTTP status the fake answered with."""

    method: str
    params: dict[str, str]
    status: int = field(default=200, compare=False)
    at: float = field(default=0.0, compare=False)  # time.monotonic() when it was answered


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: str | None = None  # only calls for this chat fail; None: any call
    delay: float = 0.0  # seconds to hold the answer (longer than the client's timeout: a time-out)


class HTMLEntityError(ValueError):
    """Text that Telegram would reject with "can't parse entities" under parse_mode=HTML."""


# The tags Telegram accepts in parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
_ALLOWED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
     "tg-emoji", "code", "pre", "blockquote"}
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")


def parse_telegram_html(text: str) -> str:
    """Plain text of an HTML-formatted message, rejecting what the real API rejects.

    Follows tdlib's parser closely enough to catch the classic alert-bot bug: a headline with a
    bare ``<`` or an unsupported tag sent with parse_mode=HTML. An unknown ``&`` stays literal,
    as it does on Telegram.
    """
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            match = _ENTITY.match(text, i)
            if match is not None:
                named, dec, hexa = match.groups()
                out.append(_NAMED_ENTITIES[named] if named else chr(int(dec or hexa, 16 if hexa else 10)))
                i = match.end()
                continue
            out.append(ch)
            i += 1
            continue
        if ch != "<":
            out.append(ch)
            i += 1
            continue
        offset = len(text[:i].encode("utf-8"))
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                raise HTMLEntityError(f"Unclosed end tag at byte offset {offset}")
            name = text[i + 2 : end].strip().lower()
            if not open_tags:
                raise HTMLEntityError(f"Unexpected end tag at byte offset {offset}")
            if name and name != open_tags[-1]:
                raise HTMLEntityError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_tags[-1]}>", found "</{name}>"'
                )
            open_tags.pop()
        else:
            # Like tdlib, the tag name runs to the first space or '>', so "a < b" names tag "".
            name_match = re.compile(r"[^\s>]*").match(text, i + 1)
            assert name_match is not None
            if name_match.end() == len(text):
                raise HTMLEntityError(f"Unclosed start tag at byte offset {offset}")
            name = name_match.group().lower()
            if name not in _ALLOWED_TAGS:
                raise HTMLEntityError(f'Unsupported start tag "{name}" at byte offset {offset}')
            end = text.find(">", name_match.end())
            if end == -1:
                raise HTMLEntityError(f"Unclosed start tag at byte offset {offset}")
            open_tags.append(name)
        i = end + 1
    if open_tags:
        raise HTMLEntityError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeBotAPI(LocalServer):
    """Speaks getMe and sendMessage of the Bot API at ``{base_url}/bot<token>/<method>``.

    Point the client at it with ``telegram.Bot(token, base_url=f"{api.base_url}/bot")``.
    Method names are case-insensitive and parameters may come as query string, form data,
    multipart or JSON, as on the real API. parse_mode=HTML texts are validated like Telegram does
    (pass ``strict_html=False`` to only strip tags).
    """

    def __init__(self, token: str = "123456:TEST-TOKEN", *, strict_html: bool = True, host: str = "127.0.0.1") -> None:
        self.token = token
        self.strict_html = strict_html
        super().__init__(host)
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._messages: list[dict[str, str]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._next_message_id = 1
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._methods: dict[str, tuple[str, Callable[[dict[str, str]], Any]]] = {
            "getme": ("getMe", self._get_me),
            "sendmessage": ("sendMessage", self._send_message),
            "deletewebhook": ("deleteWebhook", lambda params: True),
            "setmycommands": ("setMyCommands", lambda params: True),
            "getupdates": ("getUpdates", lambda params: []),
        }


    # -- scripting and observation -----------------------------------------------------------

    def fail_next(
        self,
        method: str = "sendMessage",
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: str | int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls (to ``chat_id`` only, when given) of ``method`` fail with a real-shaped Bot API error.

        For 429, ``retry_after`` defaults to 1 and is sent as ``parameters.retry_after`` (PTB
        raises RetryAfter only when it is present); other statuses carry no parameters unless
        ``retry_after`` is given. ``description`` defaults to Telegram's wording for the status.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}").format(retry_after=retry_after)
        with self._cond:
            self._failures.setdefault(method.lower(), []).append(
                _Failure(status, description, retry_after, times, None if chat_id is None else str(chat_id), delay)
            )

    def time_out_next(self, seconds: float, chat_id: str | int | None = None, times: int = 1) -> None:
        """Hold the next ``times`` sendMessage calls (of ``chat_id``) ``seconds`` before answering 504, unsent.

        With ``seconds`` above the client's read timeout the client sees a time-out; the message is
        not delivered (the ambiguous case, delivered but unanswered, is the crash test's).
        """
        self.fail_next("sendMessage", status=504, description="Gateway Timeout", times=times, chat_id=chat_id,
                       delay=seconds)

    def messages_for(self, chat_id: str | int) -> list[dict[str, str]]:
        return [m for m in self.messages if m.get("chat_id") == str(chat_id)]

    def push_update(
        self, chat_id: int, user_id: int, text: str, chat_type: str | None = None, thread_id: int | None = None
    ) -> int:
        """Queue a text message from ``user_id`` in ``chat_id`` (a forum topic's, with ``thread_id``) for getUpdates."""
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            kind = chat_type or ("private" if chat_id > 0 else "supergroup")
            chat: dict[str, Any] = {"id": chat_id, "type": kind}
            chat.update({"first_name": "Tester"} if kind == "private" else {"title": "Test Group"})
            message: dict[str, Any] = {
                "message_id": 100000 + update_id, "date": int(time.time()), "chat": chat, "text": text,
                "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
            }
            if thread_id is not None:
                chat["is_forum"] = True
                message.update(message_thread_id=thread_id, is_topic_message=True)
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            self._updates.append({"update_id": update_id, "message": message})
            self._cond.notify_all()
            return update_id

    def wait_for_call(self, method: str, n: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``method`` was called at least ``n`` times (any outcome)."""
        with self._cond:
            done = self._cond.wait_for(lambda: sum(c.method == method for c in self._calls) >= n, timeout=timeout)
            if not done:
                raise AssertionError(f"expected {n} {method} call(s) within {timeout}s: {[c.method for c in self._calls]}")
            return [c for c in self._calls if c.method == method]

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    @property
    def messages(self) -> list[dict[str, str]]:
        """Parameters of every sendMessage call that succeeded, in arrival order."""
        with self._cond:
            return [dict(m) for m in self._messages]

    def wait_for_messages(self, n: int, timeout: float = 10.0) -> list[dict[str, str]]:
        """Block until at least ``n`` messages were sent; AssertionError (with what came) on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= n, timeout=timeout):
                raise AssertionError(
                    f"expected at least {n} sendMessage call(s) within {timeout}s, got {len(self._messages)}: "
                    f"{[m.get('text') for m in self._messages]!r}; all calls: "
                    f"{[(c.method, c.status) for c in self._calls]!r}"
                )
            return [dict(m) for m in self._messages]

    # -- serving -----------------------------------------------------------------------------

    @staticmethod
    def _params(request: Request) -> dict[str, str]:
        params: dict[str, str] = dict(request.args.items())
        mime = request.mimetype
        if mime == "application/json":
            payload = json.loads(request.get_data(as_text=True) or "{}")
            if not isinstance(payload, dict):
                raise _ApiError(400, "Bad Request: invalid JSON object")
            # Same normalisation as PTB's form encoding: strings as-is, everything else JSON.
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()})
        else:
            params.update(request.form.items())
        return params

    def _handle(self, request: Request) -> Response:
        match = re.fullmatch(r"/bot([^/]+)/([^/]*)", request.path)
        method_name = match.group(2) if match else request.path
        params: dict[str, str] = {}
        try:
            try:
                params = self._params(request)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _ApiError(400, "Bad Request: can't parse JSON object") from exc
            if match is None:
                raise _ApiError(404, "Not Found")
            if match.group(1) != self.token:
                raise _ApiError(401, "Unauthorized")
            known = self._methods.get(method_name.lower())
            if known is None:
                raise _ApiError(404, "Not Found")
            method_name, implementation = known
            self._raise_scripted_failure(method_name, params)
            if method_name == "getUpdates":
                result = self._get_updates(params)
            else:
                with self._cond:
                    result = implementation(params)
            with self._cond:
                self._calls.append(Call(method_name, params, 200, time.monotonic()))
                if method_name == "sendMessage":
                    self._messages.append(params)
                self._cond.notify_all()
            return self._json(200, {"ok": True, "result": result})
        except _ApiError as err:
            with self._cond:
                self._calls.append(Call(method_name, params, err.status, time.monotonic()))
                self._cond.notify_all()
            body: dict[str, Any] = {"ok": False, "error_code": err.status, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else {}
            return self._json(err.status, body, headers)

    def _raise_scripted_failure(self, method_name: str, params: dict[str, str]) -> None:
        with self._cond:
            queue = self._failures.get(method_name.lower())
            chat = params.get("chat_id")
            failure = next((f for f in queue or () if f.chat_id is None or f.chat_id == chat), None)
            if failure is None:
                return
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.remove(failure)  # type: ignore[union-attr]
        if failure.delay:
            # The injected fault itself: an answer that comes too late for the client.
            time.sleep(failure.delay)
        raise _ApiError(failure.status, failure.description, failure.retry_after)

    def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Long polling: the updates after ``offset``, waiting up to ``timeout`` (at most 1 s here) for one."""
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._cond.wait_for(lambda: bool(self._updates), timeout=wait)
            return [dict(u) for u in self._updates]

    @staticmethod
    def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(body, ensure_ascii=False),
            status=status,
            headers=headers or {},
            content_type="application/json",
        )

    # -- methods (called with self._cond held) -----------------------------------------------

    def _get_me(self, params: dict[str, str]) -> dict[str, Any]:
        return dict(BOT_USER)

    def _chat(self, chat_id: str) -> dict[str, Any]:
        chat_id = chat_id.strip()
        if re.fullmatch(r"-?[0-9]+", chat_id):
            numeric = int(chat_id)
            if numeric > 0:
                return {"id": numeric, "type": "private", "first_name": "Test", "username": "waakhond_tester"}
            return {"id": numeric, "type": "supergroup", "title": "Waakhond Test Group"}
        if re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", chat_id):
            # A stable channel id per username, in the -100… range real channels use.
            numeric = -(1000000000000 + zlib.crc32(chat_id.lower().encode()))
            return {"id": numeric, "type": "channel", "title": chat_id[1:], "username": chat_id[1:]}
        raise _ApiError(400, "Bad Request: chat not found")

    def _send_message(self, params: dict[str, str]) -> dict[str, Any]:
        if not params.get("chat_id"):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chat(params["chat_id"])
        raw_text = params.get("text", "")
        if (params.get("parse_mode") or "").lower() == "html":
            try:
                text = parse_telegram_html(raw_text)
            except HTMLEntityError as exc:
                if self.strict_html:
                    raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
                text = html.unescape(re.sub(r"<[^>]*>", "", raw_text))
        else:
            text = raw_text
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        message: dict[str, Any] = {
            "message_id": self._next_message_id,
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = dict(BOT_USER)
        self._next_message_id += 1
        return message
