"""The PostgreSQL backend of the read side: every SQL string of it is here.

- :mod:`~projections.postgres.connect`: a store's schema, and its views
  opened without the application;
- :mod:`~projections.postgres.views`: the views and the queries over them;
- :mod:`~projections.postgres.tracking`: each view's position, replays, resets;
- :mod:`~projections.postgres.documents`, :mod:`~projections.postgres.versions`,
  :mod:`~projections.postgres.search`: what each view stores;
- :mod:`~projections.postgres.store`: reads of the event store's own table;
- :mod:`~projections.postgres.dialect`: what PostgreSQL says differently
  from SQLite, in one place.

Nothing is re-exported: importing one module loads no other.
"""
