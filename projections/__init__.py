"""Read side: views built from the events, and the queries over them.

Views are plain JSON-shaped data: reading one needs neither pydantic nor the
event models, which load only when new events must be applied. Import from
the modules themselves (:mod:`projections.talks`, :mod:`projections.catchup`,
...): a command that only records loads none of them but the event records.
"""
