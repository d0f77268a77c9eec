"""The manager's sync console: "Sync now", progress per feed, errors, the outbox and quarantine.

The till never talks to central itself: "Sync now" writes a request row that the agent
(its own process) picks up within a second, and everything shown here is read from the
status tables the agent writes (``sync.status.read_status``), refreshed twice a second
while this screen is open. Dead letters (events central refused) are listed with the
reason and can be sent again once the cause is fixed; quarantined feed rows show why
they were set aside.
"""
from __future__ import annotations

import time
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from ui.services import duration_text, seconds_text, sync_result_text

from .base import PosScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

REFRESH_S = 0.5


def phase_text(phase: str, tr) -> str:
    """The agent's phase ('idle', 'pulling prices', ...) in the person's language."""
    if phase.startswith("pulling "):
        return tr("pulling {feed}", feed=tr(phase[len("pulling "):]))
    return tr(phase) if phase else ""


class FeedRow(BoxLayout):
    feed = StringProperty("")
    progress = NumericProperty(0)
    rows = StringProperty("")
    when = StringProperty("")
    error = StringProperty("")


class EventRow(ButtonBehavior, BoxLayout):
    key = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    selected = ObjectProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        self.screen.select(self.key)


class SyncConsoleScreen(PosScreen):
    status_line = StringProperty("")
    counts_line = StringProperty("")
    warnings = StringProperty("")
    feeds = ListProperty([])
    tab = StringProperty("pending")
    events = ListProperty([])
    selected = StringProperty("")
    request_line = StringProperty("")
    request_done = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._event = None
        self._request_id = None
        self._counts = None

    def on_pre_enter(self, *_args) -> None:
        self.poll()
        self._event = Clock.schedule_interval(lambda _dt: self.poll(), REFRESH_S)
        self.show_tab(self.tab)

    def on_leave(self, *_args) -> None:
        self._counts = None
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def poll(self) -> None:
        self.run(self._read, on_done=self._show, key="sync-console")

    def _read(self):
        status = self.services.sync_status()
        request = self.services.sync_request(self._request_id) if self._request_id else None
        return status, request

    def _show(self, result) -> None:
        status, request = result
        tr, now = self.tr, time.time()
        state = tr("online") if status.online else tr("offline")
        phase = phase_text(status.phase, tr)
        parts = [f"{tr('Central')}: {state}", f"{tr('Agent')}: {phase}"]
        if status.last_contact_at:
            parts.append(tr("last contact {time} ago", time=duration_text(now - status.last_contact_at, tr)))
        if status.clock_offset_s is not None:
            parts.append(tr("clock offset {seconds} s", seconds=seconds_text(status.clock_offset_s, self.app.lang)))
        self.status_line = "   ·   ".join(parts)
        o = status.outbox
        counts = (o.pending, o.acked, o.dead, status.quarantined)
        if self._counts is not None and counts != self._counts:
            self.show_tab(self.tab, keep_selection=True)  # events moved between the tabs: show the list as it is now
        self._counts = counts
        self.counts_line = tr("Events: {pending} waiting, {acked} delivered, {dead} refused; {quarantined} rows in "
                              "quarantine", pending=o.pending, acked=o.acked, dead=o.dead,
                              quarantined=status.quarantined)
        warnings = list(status.warnings)
        if status.last_error and not status.last_cycle_ok:
            warnings.insert(0, status.last_error)
        self.warnings = "\n".join(warnings)
        rows = []
        for name, feed in status.feeds.items():
            p = status.progress.get(name)
            when = tr("{time} ago", time=duration_text(now - feed.last_success_at, tr)) if feed.last_success_at \
                else tr("never")
            rows.append({"feed": tr(name), "progress": p.fraction if p is not None else (1 if feed.last_success_at else 0),
                         "rows": str(feed.rows), "when": when, "error": feed.last_error or ""})
        self.feeds = rows
        if request is not None:
            self.request_done = bool(request["done_at"])
            if request["done_at"]:
                self.request_line = tr("Sync finished: {result}", result=sync_result_text(request["result"], tr))
            elif request["started_at"]:
                self.request_line = tr("Syncing…")
            else:
                self.request_line = tr("Waiting for the sync agent…")

    def sync_now(self) -> None:
        self.run(self.services.request_sync, self.app.staff_id, on_done=self._requested)

    def _requested(self, request_id: int) -> None:
        self._request_id = request_id
        self.request_done = False
        self.request_line = self.tr("Waiting for the sync agent…")
        self.app.refresh_status()

    # ---------------------------------------------------------------- events and quarantine

    def show_tab(self, tab: str, keep_selection: bool = False) -> None:
        self.tab = tab
        if not keep_selection:
            self.selected = ""
        if tab == "quarantine":
            self.run(self.services.quarantine, on_done=self._quarantine, key="sync-events")
        else:
            self.run(self.services.outbox_rows, tab, on_done=self._events, key="sync-events")

    def _events(self, rows) -> None:
        out = []
        for r in rows:
            amount = f"  {self.app.money(r.amount)}" if r.amount is not None else ""
            detail = r.last_error if r.status != "acked" else ""
            out.append({"key": str(r.seq), "title": f"#{r.seq}  {self.tr(r.kind)}  {r.ref}{amount}",
                        "detail": detail or time.strftime("%d.%m %H:%M", time.localtime(r.created_at)),
                        "selected": str(r.seq) == self.selected, "screen": self})
        self.events = out

    def _quarantine(self, rows) -> None:
        self.events = [{"key": f"q{r.id}", "title": f"{self.tr(r.feed)}: {r.row_key}", "detail": r.reason,
                        "selected": False, "screen": self} for r in rows]

    def select(self, key: str) -> None:
        self.selected = key if key != self.selected else ""
        self.events = [dict(e, selected=e["key"] == self.selected) for e in self.events]

    def retry_dead(self) -> None:
        if self.tab != "dead" or not self.selected:
            self.say(self.tr("Choose a refused event first"), "error")
            return
        seq = int(self.selected)
        self.run(self.services.retry_dead, seq, self.app.staff_id, getattr(self.app, "screen_approval", None),
                 on_done=lambda _r: self._retried(seq))

    def _retried(self, seq: int) -> None:
        self.say(self.tr("Event #{seq} will be sent again", seq=seq), "success")
        self.show_tab("dead")
