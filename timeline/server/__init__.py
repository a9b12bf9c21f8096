"""The timeline as an HTTP service: ``timeline serve``.

The same application service as the CLI, behind a JSON API under ``/v1``
(:mod:`timeline.server.api`), a live stream of recorded events
(:mod:`timeline.server.stream`) and pages that update themselves
(:mod:`timeline.server.pages`). Tokens with roles guard every operation
(:mod:`timeline.server.auth`); errors are RFC 9457 problem documents
(:mod:`timeline.server.problems`). Needs the ``server`` extra:
``pip install 'diplomatic-timeline[server]'``; nothing here is imported by
any other command.
"""
