"""The built zip, unpacked, answers through Lambda's own runtime client exactly as in-process.

awslambdaric (AWS's runtime interface client) runs lambda_function.lambda_handler
behind a local Runtime API with Lambda's environment variables, on Lambda's
Python when this machine has it (said in the output), isolated from the venv.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill_tools import lambda_runtime, lambda_zip
from skill_tools.envelopes import JSON, Listener, Session, Slot

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]


@pytest.fixture(scope="module")
def function(tmp_path_factory: pytest.TempPathFactory) -> Iterator[lambda_runtime.LambdaFunction]:
    python = lambda_runtime.runtime_python()
    print(f"\nawslambdaric runs the zip on {python.describe()}")
    lambda_runtime.install_runtime_client(python)  # a no-op once `make lambda-runtime` ran
    build = lambda_zip.build_lambda_zip(tmp_path_factory.mktemp("dist") / "lambda.zip")
    task_root = lambda_runtime.unpack(build.path, tmp_path_factory.mktemp("task"))
    environment = {"USER_ID_HASH_KEY": "test-only-hash-key"}
    with lambda_runtime.LambdaFunction(task_root, python=python, environment=environment) as fn:
        yield fn


def comparable(response: Any) -> Any:
    """A response without its userAgent, which names the Python version that answered."""
    if isinstance(response, dict):
        response = {k: v for k, v in response.items() if k != "userAgent"}
    return response


def in_process(event: Any, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """lambda_handler in this process, its skill configured from the function's environment.

    (So both sides run as Lambda does: without memory unless a table is configured.)
    """
    from lambda_function import lambda_handler
    from massage_guide import persistence, skill_builder

    skill = skill_builder.build_skill(persistence.adapter_from_environment(environment))
    monkeypatch.setattr(skill_builder, "_skill", skill)
    return lambda_handler(copy.deepcopy(event), None)


def turns() -> list[tuple[str, Any]]:
    """A launch, an intent, a session end and a malformed event, each for a new listener."""
    show = Listener(device="show")
    launch = Session(show).launch()
    posture = Session(Listener(device="show")).intent(
        "BenefitIntent", {"benefit": Slot("posture", "posture", "posture")}, {"benefit": "Benefit"}
    )
    ended = Session(Listener()).session_ended("USER_INITIATED")
    malformed: JSON = {"version": "1.0", "request": {"type": "IntentRequest", "intent": 7}}
    return [("launch", launch), ("intent", posture), ("session end", ended), ("bad", malformed)]


@pytest.mark.parametrize(("what", "event"), turns(), ids=[name for name, _ in turns()])
def test_the_zip_answers_through_awslambdaric_as_in_process(
    function: lambda_runtime.LambdaFunction, what: str, event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    through_lambda = function.invoke(event)
    here = in_process(event, function.environment("unused"), monkeypatch)
    assert comparable(through_lambda) == comparable(here)
    body = through_lambda["response"]
    if what in {"launch", "intent", "bad"}:
        assert body["outputSpeech"]["ssml"].startswith("<speak>")
    if what == "launch":
        assert [d["type"] for d in body["directives"]] == ["Alexa.Presentation.APL.RenderDocument"]
    if what == "intent":
        assert "posture" in body["outputSpeech"]["ssml"].lower()
    if what == "session end":
        assert "outputSpeech" not in body
    # One process served every event: a warm function, as on Lambda.
    assert function.cold_starts == 1


def test_the_function_sees_lambdas_environment(function: lambda_runtime.LambdaFunction) -> None:
    env = function.environment("127.0.0.1:9001")
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == str(function.task_root)
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_python{function.python.version}"
    assert env["PYTHONPATH"].split(":")[0] == str(function.task_root)
    assert "back_massage_guide" not in env["PYTHONPATH"]


def test_a_function_past_its_timeout_is_ended(tmp_path: Path) -> None:
    """Lambda ends a function that runs past its timeout; the next invoke is a cold start."""
    (tmp_path / "lambda_function.py").write_text(
        "import time\n"
        "def lambda_handler(event, context):\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(event['sleep'])\n"
        "    return {'left_ms': context.get_remaining_time_in_millis() > 0, 'echo': event}\n",
        encoding="utf-8",
    )
    with lambda_runtime.LambdaFunction(tmp_path, timeout_s=1.5) as slow:
        assert slow.invoke({"n": 1}) == {"left_ms": True, "echo": {"n": 1}}
        started = time.monotonic()
        with pytest.raises(lambda_runtime.LambdaRuntimeError, match=r"timed out after 1\.50"):
            slow.invoke({"sleep": 30})
        assert time.monotonic() - started < 5
        assert slow.invoke({"n": 2}) == {"left_ms": True, "echo": {"n": 2}}
        assert slow.cold_starts == 2


def test_a_function_error_comes_back_as_lambdas_error(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    raise ValueError('no such thing')\n",
        encoding="utf-8",
    )
    with lambda_runtime.LambdaFunction(tmp_path) as failing:
        with pytest.raises(lambda_runtime.LambdaRuntimeError, match="ValueError: no such thing"):
            failing.invoke({})
        assert failing.cold_starts == 1


def test_a_zip_that_cannot_import_fails_at_init(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text("import not_in_the_zip\n", encoding="utf-8")
    with (
        lambda_runtime.LambdaFunction(tmp_path) as broken,
        pytest.raises(lambda_runtime.LambdaRuntimeError, match="failed to start"),
    ):
        broken.invoke({})
