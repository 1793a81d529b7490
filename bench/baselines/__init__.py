"""Reference skills written the way the ASK SDK's own samples are, for the cold-start benchmark.

Each module is a complete Lambda handler module (``lambda_handler`` at module
level), run by the benchmark in a fresh process with this folder as its task
root (first on the import path, through ``PYTHONPATH``). They answer the same
requests as the real skill so the timings compare like with like; they are
not shipped.
"""
