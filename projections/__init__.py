"""Read side: views built from the events, and the queries over them.

Views are plain JSON-shaped data: reading one needs neither pydantic nor the
event models, which load only when new events must be applied.
"""

from projections.actors import ActorView
from projections.catchup import catch_up
from projections.talks import TalksView, current, evolve, rebuild, standing

__all__ = [
    "ActorView",
    "TalksView",
    "catch_up",
    "current",
    "evolve",
    "rebuild",
    "standing",
]
