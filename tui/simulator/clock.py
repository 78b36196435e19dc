"""The simulator's clock: frozen for tests, following real time for the demo."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


class SimClock:
    """A clock that can be frozen or follow real time, and be moved forward at will."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = True) -> None:
        self._start = start or DEFAULT_START
        self._frozen = frozen
        self._offset = 0.0
        self._origin = time.monotonic()

    @classmethod
    def fixed(cls, start: datetime | None = None) -> SimClock:
        """A frozen clock at ``start``; only :meth:`advance` moves it."""
        return cls(start, frozen=True)

    @classmethod
    def live(cls, start: datetime | None = None) -> SimClock:
        """A clock that ticks with real time, starting at ``start`` or the real now."""
        return cls(start or datetime.now(UTC), frozen=False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        elapsed = 0.0 if self._frozen else time.monotonic() - self._origin
        return self._start + timedelta(seconds=elapsed + self._offset)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move time forward (never backward) and return the new now."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        return self.now()
