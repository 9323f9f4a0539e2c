"""The progress of a REST import, streamed to its uploader as server-sent events.

The client names its import: it makes an id (a UUID, say), opens
`GET /session/{id}/bulk/import/{import_id}/progress` (an EventSource) and sends
the same id as the `import_id` form field of `POST .../bulk/import`. While the
server reads the files it publishes, per file, the rows and bytes read of the
totals (services/csv_progress.py); the stream sends the newest state whenever
it changes (`event: progress`), then `event: end` with `"read"` once the files
are read or `"failed"` if the import stopped with an error, and closes. The
POST's own answer still says how the import ended (committed or rejected).

Either side may come first: whoever comes first makes the channel. The channels
live in this process (a watcher must reach the worker that runs the import:
with several workers, one sticky to the client); one that nobody finishes is
dropped after `_IDLE_S`, one that finished after `_KEEP_S`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from graph_api.errors import BadUserInput, LimitExceeded, SessionNotFound
from graph_api.rest.deps import ReadDb, SessionId
from graph_api.rest.errors import error_responses
from graph_api.services import sessions as session_service
from graph_api.services.csv.progress import ImportProgress, Progress
from graph_api.services.validation import parse_session_id

router = APIRouter(prefix="/session", tags=["bulk"])

IMPORT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_IDLE_S = 600.0  # a watcher waits this long for its import to start or to move on
_KEEP_S = 60.0  # a finished import's last state stays for watchers that come late
_MAX_CHANNELS = 1_000
_HEARTBEAT_S = 15.0  # a comment line now and then keeps proxies from closing the stream


class _Channel:
    """The newest progress of one import; waiters wake on each change."""

    def __init__(self) -> None:
        self.latest: dict[str, Any] | None = None
        self.status: str | None = None  # "read" or "failed" once the import is over
        self.version = 0
        self.touched = time.monotonic()
        self._changed = asyncio.Event()

    def publish(self, *, latest: dict[str, Any] | None = None, status: str | None = None) -> None:
        if latest is not None:
            self.latest = latest
        if status is not None:
            self.status = status
        self.version += 1
        self.touched = time.monotonic()
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def changes(self) -> AsyncIterator[bytes]:
        """The stream's bytes: each new state, then the end."""
        seen = 0
        while True:
            waiting = self._changed
            if self.version != seen:
                seen = self.version
                if self.latest is not None:
                    yield _event("progress", self.latest)
                if self.status is not None:
                    yield _event("end", {"status": self.status})
                    return
                continue
            if time.monotonic() - self.touched > _IDLE_S:
                yield _event("end", {"status": "unknown"})
                return
            try:
                await asyncio.wait_for(waiting.wait(), _HEARTBEAT_S)
            except TimeoutError:
                yield b": waiting\n\n"


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class ImportChannels:
    """Every import someone watches or that reports progress, by (session, import id)."""

    def __init__(self) -> None:
        self._channels: dict[str, _Channel] = {}

    def channel(self, session_id: str, import_id: str) -> _Channel:
        canonical = parse_session_id(session_id)
        if canonical is None:
            raise SessionNotFound(session_id)
        if IMPORT_ID.match(import_id) is None:
            raise BadUserInput(
                "import_id must be 1 to 64 letters, digits, '-' or '_'", field="import_id"
            )
        key = f"{canonical}/{import_id}"
        found = self._channels.get(key)
        if found is not None:
            return found
        self._forget_old()
        if len(self._channels) >= _MAX_CHANNELS:
            raise LimitExceeded("Too many imports are being watched", limit="max_import_watchers")
        made = self._channels[key] = _Channel()
        return made

    @staticmethod
    def hook(channel: _Channel) -> Progress:
        """The import's progress hook: each event becomes the channel's newest state."""

        def tell(event: ImportProgress) -> None:
            channel.publish(latest=asdict(event))

        return tell

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key, channel in list(self._channels.items()):
            limit = _KEEP_S if channel.status is not None else _IDLE_S
            if now - channel.touched > limit:
                del self._channels[key]


def channels_of(request: Request) -> ImportChannels:
    """The app's channels, made on first use (one set per app, never module-wide)."""
    state = request.app.state
    found = getattr(state, "import_channels", None)
    if not isinstance(found, ImportChannels):
        found = state.import_channels = ImportChannels()
    return found


@router.get(
    "/{session_id}/bulk/import/{import_id}/progress",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
        **error_responses(404, 422),
    },
    summary="Watch an import's progress (server-sent events)",
    description="Pass the same `import_id` to `POST .../bulk/import`. Events: `progress` "
    "with `{file, rows, rows_total, bytes_read, bytes_total, done}` (per file), then `end` "
    'with `{"status": "read" | "failed" | "unknown"}`.',
)
async def import_progress(
    session_id: SessionId,
    import_id: Annotated[str, Path(description="The client's name for the import.")],
    request: Request,
    db: ReadDb,
) -> StreamingResponse:
    # Only who may read the session may watch its imports (the access policy decides); the
    # read transaction ends before the stream starts.
    if await session_service.get_session(db=db, session_id=session_id) is None:
        raise SessionNotFound(session_id)
    channel = channels_of(request).channel(session_id, import_id)
    return StreamingResponse(
        channel.changes(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
