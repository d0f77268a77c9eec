"""Feed pages into the local store: the row checks (:mod:`retail.feeds.rows`) and the
one way feed data is written, a page and its cursor in one transaction
(:mod:`retail.feeds.apply`).

The agent applies the pages it pulls from central with these; central builds a store's
snapshot (a first load in one download, see central.snapshots) with the same code, so a
snapshot holds exactly what the pages would have left.
"""
