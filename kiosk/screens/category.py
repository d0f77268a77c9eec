"""Browse the catalogue by department: tiles for the categories, then the products page by page.

The path from the top (``trail``) is shown as buttons to step back. Products come from
``catalogue.browse`` a page at a time; scrolling to the end of the list asks for the
next page, so a department of 100 000 products costs one page per scroll.
"""
from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PAGE = 40
TILES_PER_FRAME = 3


class CategoryScreen(KioskScreen):
    trail = ListProperty([])        # [(id, name)] from the top
    has_children = BooleanProperty(False)
    status = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._offset = 0
        self._more = False
        self._loading = False
        self._names: dict[str, str] = {}
        self._pending: list = []

    @property
    def category_id(self) -> str | None:
        return self.trail[-1][0] if self.trail else None

    def open(self, category_id: str | None = None, **params) -> None:
        if category_id is None and params.get("keep", False):
            self.refresh()
            return
        self.trail = [] if category_id is None else self.trail
        self.refresh()

    def reset(self) -> None:
        self.trail = []
        self.ids.products.data = []
        self.ids.tiles.clear_widgets()

    def refresh(self) -> None:
        cid = self.category_id
        self.submit(self.services.category_tiles, cid, self.shell.lang, on_done=self._children,
                    key="category-children")
        self._offset, self._more = 0, False
        self.ids.products.data = []
        if cid is not None:
            self._load_page()
        else:
            self.status = self.tr("Choose a department")

    def _children(self, children) -> None:
        tiles = self.ids.tiles
        shown = [(t.key, t.caption, t.image) for t in reversed(tiles.children)]
        if shown == [(t.id, t.name, t.image) for t in children]:
            self.has_children = bool(children)
            return  # the same tiles as before (coming back to a department): keep the widgets
        tiles.clear_widgets()
        self._names = {tile.id: tile.name for tile in children}
        self.has_children = bool(children)
        self._pending = list(children)
        self._add_tiles()

    def _add_tiles(self, _dt=None) -> None:
        """A few tiles a frame: building a dozen picture tiles at once would hold one frame up."""
        from kiosk.widgets import Tile

        batch, self._pending = self._pending[:TILES_PER_FRAME], self._pending[TILES_PER_FRAME:]
        for tile in batch:
            self.ids.tiles.add_widget(Tile(key=tile.id, caption=tile.name, image=tile.image, opener=self.enter))
        if self._pending:
            Clock.schedule_once(self._add_tiles, 0)

    def enter(self, category_id: str) -> None:
        self.trail = self.trail + [(category_id, self._names.get(category_id, category_id))]
        self.refresh()

    def up_to(self, depth: int) -> None:
        self.trail = self.trail[:depth]
        self.refresh()

    def _load_page(self) -> None:
        cid = self.category_id
        if cid is None or self._loading:
            return
        self._loading = True
        self.submit(self.services.browse_rows, cid, self.shell.lang, self._offset, PAGE,
                    on_done=lambda rows: self._page(cid, rows), on_error=self._failed, key="category-page")

    def _failed(self, exc) -> None:
        self._loading = False
        self.shell.show_error(exc)

    def _page(self, cid, rows) -> None:
        self._loading = False
        if cid != self.category_id:
            return
        search = self.shell.screens["search"]
        self.ids.products.data = list(self.ids.products.data) + [search.row_data(r) for r in rows]
        self._offset += len(rows)
        self._more = len(rows) == PAGE
        count = len(self.ids.products.data)
        self.status = self.tr("{n} products", n=count) if not self._more else self.tr("{n}+ products", n=count)
        if not count:
            self.status = self.tr("No products here yet")

    def scrolled(self, scroll_y: float) -> None:
        if self._more and scroll_y <= 0.02:
            self._load_page()
