"""Reference skills the benchmarks measure ours beside; not shipped.

``hello_world`` and ``persistence_sample`` are written the way the ASK SDK's own
samples are, for the cold-start benchmark: complete Lambda handler modules
(``lambda_handler`` at module level), each run in a fresh process with this
folder as its task root (first on the import path, through ``PYTHONPATH``).
They answer the same requests as the real skill so the timings compare like
with like. ``hello_webservice`` is the web-service benchmark's baseline, served
by gunicorn like the real service.
"""
