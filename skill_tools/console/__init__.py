"""The test console: the local dialog in a browser, with what Alexa's console hides.

``make console`` (``python -m skill_tools.console``) serves one page on 127.0.0.1
(docs/console.md). The rooms: ``guard`` (the per-run token and the Origin check),
``nlu`` (a turn's resolution as the NLU pane shows it), ``runtimes`` (who answers:
in-process, awslambdaric, the web service), ``session`` (one console conversation:
turns, state, the stored record, replays), ``speech`` (espeak-ng) and ``app``
(the routes). Nothing here ships: it lives outside lambda/.
"""
