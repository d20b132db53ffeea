"""Progress reporting on stderr for long runs: tqdm when installed, else a periodic line."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

__all__ = ["Progress"]


class Progress:
    """Count work done and show it on stderr (a no-op when ``enabled`` is false).

    Uses a ``tqdm`` bar when it is installed (``pip install catlip[progress]``) and stderr is a
    terminal; otherwise (no tqdm, or a batch job's log file) prints one line every ``interval``
    seconds and a final line.

    Args:
        enabled: Show anything at all.
        unit: What is counted ("captions").
        desc: A prefix for the lines.
        interval: Seconds between plain lines.

    Example:
        >>> with Progress(enabled=False, unit="captions") as bar:
        ...     bar.update(10)
        >>> bar.count
        10
    """

    def __init__(
        self, *, enabled: bool = True, unit: str = "items", desc: str = "", interval: float = 5.0
    ) -> None:
        self.enabled = enabled
        self.unit = unit
        self.desc = desc
        self.interval = interval
        self.count = 0
        self._bar: Any = None
        self._start = time.monotonic()
        self._last = self._start
        # The bar is made on the first update: tqdm starts a monitor thread, and worker
        # processes are best forked before any thread exists.
        self._use_tqdm = enabled and sys.stderr.isatty()

    def _make_bar(self) -> None:
        self._use_tqdm = False
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(
            desc=self.desc or None, unit=f" {self.unit}", unit_scale=True, initial=self.count
        )

    def update(self, n: int) -> None:
        """Record ``n`` more items done."""
        if not self.enabled:
            self.count += n
            return
        if self._use_tqdm:
            self._make_bar()
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._line(now)

    def _line(self, now: float) -> None:
        rate = self.count / max(now - self._start, 1e-9)
        prefix = f"{self.desc}: " if self.desc else ""
        print(f"{prefix}{self.count:,} {self.unit} ({rate:,.0f}/s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Finish the display."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        else:
            self._line(time.monotonic())
        self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
