"""The SQLite backend of the read side: every SQL string of it is here.

- :mod:`~projections.sqlite.views`: the views and the queries over them;
- :mod:`~projections.sqlite.tracking`: each view's position, replays, resets;
- :mod:`~projections.sqlite.documents`, :mod:`~projections.sqlite.versions`,
  :mod:`~projections.sqlite.search`: what each view stores;
- :mod:`~projections.sqlite.store`: reads of the event store's own table.

Nothing is re-exported: importing one module loads no other.
"""
