"""Read side: views built from the events, and the queries over them."""

from projections.actors import ActorView
from projections.catchup import catch_up
from projections.talks import TalksView, evolve, rebuild

__all__ = ["ActorView", "TalksView", "catch_up", "evolve", "rebuild"]
