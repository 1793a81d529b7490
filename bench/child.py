"""What runs inside each fresh benchmark process: import one Lambda handler module and call it.

Started as a plain script (``python -P bench/child.py MODE MODULE ATTR EVENTS``) so
that nothing but the standard library is loaded before the handler module, as in
a Lambda init. The parent puts the code folder on ``PYTHONPATH`` and ``-P`` keeps
bench/ itself off the path, so the handler module is found as Lambda finds it:
the task root first, then the runtime's packages. Modes:

* ``cold``: import, answer one LaunchRequest, print one JSON line (the parent
  times spawn-to-line), then a second line with the peak RSS, and exit.
* ``warm``: import, then time many in-process calls per request kind and
  print the samples (nanoseconds) as one JSON line.
* ``profile``: import, then profile the first LaunchRequest with cProfile and
  print the top functions by cumulative time.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


def _speech_of(result: Any) -> str | None:
    """The output speech of a response envelope, to check each variant really answered."""
    if not isinstance(result, dict):
        return None
    speech = (result.get("response") or {}).get("outputSpeech") or {}
    text = speech.get("ssml") or speech.get("text")
    return text if isinstance(text, str) else None


def _load(module: str, attr: str) -> Handler:
    """The handler named as Lambda's _HANDLER names it: a module on the path and an attribute."""
    handler: Handler = getattr(importlib.import_module(module), attr)
    return handler


def cold(module: str, attr: str, events: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    handler = _load(module, attr)
    imported = time.perf_counter()
    result = handler(events["launch"][0], None)
    answered = time.perf_counter()
    return {
        "import_ms": (imported - started) * 1000,
        "first_ms": (answered - imported) * 1000,
        "speech": _speech_of(result),
    }


def _timed(handler: Handler, raws: list[str], iterations: int, warmup: int) -> list[int]:
    """Call the handler on fresh copies of the envelopes; only the call itself is timed."""
    import gc

    for index in range(warmup):
        handler(json.loads(raws[index % len(raws)]), None)
    gc.collect()
    samples: list[int] = []
    clock = time.perf_counter_ns
    for index in range(iterations):
        event = json.loads(raws[index % len(raws)])  # Lambda hands each call a new dict
        begin = clock()
        handler(event, None)
        samples.append(clock() - begin)
    return samples


def warm(module: str, attr: str, events: dict[str, Any], iterations: int) -> dict[str, Any]:
    handler = _load(module, attr)
    warmup = max(20, iterations // 10)
    result: dict[str, Any] = {}
    speeches: dict[str, str | None] = {}
    raws = [json.dumps(event) for event in events["launch"]]
    speeches["launch"] = _speech_of(handler(json.loads(raws[0]), None))
    result["launch"] = _timed(handler, raws, iterations, warmup)
    # Later turns carry the session attributes this very skill returned on the turn before,
    # as Alexa does: the benefit question follows a launch, "next" follows "start the tour".
    for kind, before in (("benefit", events["launch"][0]), ("next", events["start_tour"])):
        answer = handler(json.loads(json.dumps(before)), None)
        attributes = answer.get("sessionAttributes") or {} if isinstance(answer, dict) else {}
        raws = []
        for event in events[kind]:
            event["session"]["attributes"] = attributes
            raws.append(json.dumps(event))
        speeches[kind] = _speech_of(handler(json.loads(raws[0]), None))
        result[kind] = _timed(handler, raws, iterations, warmup)
    result["speech"] = speeches
    return result


def profile(module: str, attr: str, events: dict[str, Any], top: int) -> Any:
    import cProfile
    import pstats

    handler = _load(module, attr)
    before = set(sys.modules)
    profiler = cProfile.Profile()
    profiler.enable()
    handler(events["launch"][0], None)
    profiler.disable()
    imported = sorted(set(sys.modules) - before)
    packages: dict[str, int] = {}
    for module_name in imported:
        prefix = ".".join(module_name.split(".")[:4])
        packages[prefix] = packages.get(prefix, 0) + 1
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cumulative * 1000, calls, f"{_short(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    busiest = sorted(packages.items(), key=lambda item: item[1], reverse=True)[:6]
    return {
        "total_ms": getattr(stats, "total_tt", 0.0) * 1000,
        "rows": rows[:top],
        "imported": len(imported),
        "packages": busiest,
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lambda/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _peak_rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    mode, module, attr, events_path, *rest = argv
    with open(events_path, encoding="utf-8") as stream:
        events = json.load(stream)
    if mode == "cold":
        out: Any = cold(module, attr, events)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()  # the parent stops its clock here
        # Peak RSS of this address space (VmHWM); getrusage would report the parent's peak
        # too, since Linux carries ru_maxrss across fork and exec.
        sys.stdout.write(json.dumps({"hwm_kib": _peak_rss_kib()}) + "\n")
        return 0
    elif mode == "warm":
        out = warm(module, attr, events, int(rest[0]))
    elif mode == "profile":
        out = profile(module, attr, events, int(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
