"""diplomatic-timeline: application service, settings, CLI and exporters."""
