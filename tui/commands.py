"""Command-palette providers: searchable things beyond the fixed system commands."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["ThemeCommands"]


class ThemeCommands(Provider):
    """One palette entry per registered theme: "Theme: linkdeck-light"."""

    def _themes(self) -> list[str]:
        return sorted(self.app.available_themes)

    def _use(self, name: str) -> None:
        self.app.theme = name

    async def discover(self) -> Hits:
        current = self.app.theme
        for name in self._themes():
            if name.startswith("linkdeck-") and name != current:
                yield DiscoveryHit(f"Theme: {name}", partial(self._use, name), help="Switch theme")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name in self._themes():
            title = f"Theme: {name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._use, name), help="Switch theme"
                )
