"""Renderers of a talks view into formats readers use."""

from timeline.exporters.markdown import render_markdown

FORMATS = {"markdown": render_markdown}

__all__ = ["FORMATS", "render_markdown"]
