"""Find a product by typing: results follow every keystroke, even over a million SKUs.

Each change of the text submits one search to the worker under the key ``search``, so
only the newest answer is shown and a slow answer to an old prefix never overwrites the
results of what the shopper has typed since. Results sit in a RecycleView, which keeps
a few row widgets however long the list. ``last_latency_ms`` (keystroke to results on
screen) is kept for the benchmarks and tests.
"""
from __future__ import annotations

import time
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from .base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

RESULTS = 40


class SearchScreen(KioskScreen):
    status = StringProperty("")
    keyboard_shown = BooleanProperty(True)
    last_latency_ms = NumericProperty(0)
    searches = NumericProperty(0)

    def open(self, **params) -> None:
        self.keyboard_shown = True
        self.ids.query.focus = True
        self.refresh()

    def refresh(self) -> None:
        self.query_changed(self.ids.query.text)

    def reset(self) -> None:
        self.ids.query.text = ""
        self.ids.results.data = []
        self.status = ""
        self.keyboard_shown = True

    def query_changed(self, text: str) -> None:
        text = text.strip()
        if not text:
            self.ids.results.data = []
            self.status = self.tr("Type a product name, brand or barcode, or scan a barcode at the scanner")
            return
        started = time.perf_counter()
        self.submit(self.services.find, text, self.shell.lang, RESULTS,
                    on_done=lambda rows: self._show(text, rows, started), key="search")

    def _show(self, text: str, rows, started: float) -> None:
        if text != self.ids.query.text.strip():
            return  # typed on since: the newer search will answer
        self.ids.results.data = [self.row_data(r) for r in rows]
        self.ids.results.scroll_y = 1
        self.last_latency_ms = (time.perf_counter() - started) * 1000
        self.searches += 1
        if rows:
            self.status = self.tr("{n} found for «{query}»", n=len(rows), query=text) if len(rows) < RESULTS \
                else self.tr("Best matches for «{query}»", query=text)
        else:
            self.status = self.tr("Nothing found for «{query}». Check the spelling, type fewer letters, "
                                  "or look in the departments", query=text)

    def row_data(self, row) -> dict:
        return {
            "sku": row.sku, "name": row.name, "image": row.image,
            "price_text": self.unit_price_text(row.price, row.unit),
            "was_text": self.was_text(row.price, row.unit),
            "stock_text": self.tr("In stock here") if row.in_stock_here else self.tr("Can be ordered"),
            "in_stock": row.in_stock_here,
            "opener": self.open_product,
        }

    def open_product(self, sku: str) -> None:
        self.shell.show("product", sku=sku)

    def keyboard_done(self) -> None:
        self.keyboard_shown = False
