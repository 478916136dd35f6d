"""The cloud entry points as their platforms call them.

SageMaker: ``python -m cosmo_agent.model.train`` in a laid-out ``/opt/ml`` tree (moved under
``tmp_path`` by the training toolkit's own ``SAGEMAKER_BASE_DIR``), with the environment and
the ``--name value`` arguments the toolkit gives a script, or with nothing but the files and a
``train`` argument (a container without the toolkit). Lambda: ``lambda_handler`` with the
events API Gateway (REST proxy, HTTP API 2.0 and 1.0) and a direct ``Invoke`` send; envelopes
in ``tests/data/lambda`` (provenance in its README).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from test_model_serve import TOOLS  # noqa: E402
from test_model_train import TINY  # noqa: E402

from cosmo_agent.model import corpus as C  # noqa: E402
from cosmo_agent.model import serve as srv  # noqa: E402
from cosmo_agent.model import tokenizer as T  # noqa: E402
from cosmo_agent.model.train import config_from_args, main  # noqa: E402

EVENTS = Path(__file__).parent / "data" / "lambda"
TINY_HPS = {  # a model that trains two steps in seconds on one CPU core
    **TINY,
    "recipe": "cosmo-tiny",
    "num_layers": 1,
    "max_steps": 2,
    "max_train_examples": 16,
    "max_eval_examples": 8,
    "save_steps": 2,
    "eval_steps": 2,
    "group_by_length": False,
    "lora_target_modules": ["q_proj", "v_proj"],  # unused by cosmo-tiny; a list on the wire
}
SDK_HPS: dict[str, Any] = {  # what the SageMaker Python SDK adds to an estimator's
    "sagemaker_program": "cosmo_agent/model/train.py",
    "sagemaker_submit_directory": "s3://bucket/cosmo/source/sourcedir.tar.gz",
    "sagemaker_container_log_level": 20,
    "sagemaker_job_name": "cosmo-tiny-2026-06-10-12-00-00-000",
    "sagemaker_region": "us-east-1",
}


# --------------------------------------------------------------------------------------------
# SageMaker


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_model_train import FakeTeacher

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("sm-corpus")
    C.build_corpus(FakeTeacher(), str(root / "corpus"), n_worlds=2, per_world=32, seed=0,
                   fractions=(0.75, 0.25, 0.0))  # fmt: skip
    T.train_tokenizer_from_corpus(root / "corpus", root / "tok", vocab_size=600)
    return root


def _to_cmd_args(hps: dict[str, Any]) -> list[str]:
    """The training toolkit's ``mapping.to_cmd_args``: sorted ``--name str(value)`` pairs
    (``None`` as an empty argument, a list as Python writes it)."""
    out: list[str] = []
    for key in sorted(hps):
        value = hps[key]
        out += [f"--{key}", "" if value is None else str(value)]
    return out


def _lay_out(base: Path, corpus: Path, hps: dict[str, Any], *, sdk: bool = True) -> None:
    """``/opt/ml`` as SageMaker prepares it before starting the container."""
    data = base / "input" / "data"
    for channel, files in {"train": ["train.jsonl"], "validation": ["validation.jsonl"]}.items():
        (data / channel).mkdir(parents=True)
        for name in files:
            shutil.copy(corpus / "corpus" / name, data / channel / name)
    shutil.copytree(corpus / "tok", data / "tokenizer")
    config = base / "input" / "config"
    config.mkdir(parents=True)
    # The SDK JSON-encodes each value ('"cosmo-tiny"', '2'); CreateTrainingJob by hand
    # sends plain strings ('cosmo-tiny', '2'). Both are strings in the file.
    wire = {k: json.dumps(v) if sdk or isinstance(v, list) else "" if v is None else str(v)
            for k, v in hps.items()}  # fmt: skip
    if sdk:
        wire.update({k: json.dumps(v) for k, v in SDK_HPS.items()})
    (config / "hyperparameters.json").write_text(json.dumps(wire))
    (config / "resourceconfig.json").write_text(json.dumps({
        "current_host": "algo-1", "current_instance_type": "ml.m5.xlarge",
        "current_group_name": "homogeneousCluster", "hosts": ["algo-1"],
        "instance_groups": [{"instance_group_name": "homogeneousCluster",
                             "instance_type": "ml.m5.xlarge", "hosts": ["algo-1"]}],
        "network_interface_name": "eth0"}))  # fmt: skip
    mode = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None"}  # fmt: skip
    channels = ("tokenizer", "train", "validation")
    (config / "inputdataconfig.json").write_text(json.dumps(dict.fromkeys(channels, mode)))
    (base / "model").mkdir()
    (base / "output" / "data").mkdir(parents=True)


def _toolkit_env(base: Path, hps: dict[str, Any]) -> dict[str, str]:
    """The ``SM_*`` variables the SageMaker training toolkit sets for the user's script."""
    channels = ["tokenizer", "train", "validation"]
    env = {
        "SAGEMAKER_BASE_DIR": str(base),  # the toolkit's variable for a root that is not /opt/ml
        "TRAINING_JOB_NAME": SDK_HPS["sagemaker_job_name"],
        "SM_HPS": json.dumps(hps),
        "SM_CHANNELS": json.dumps(channels),
        "SM_MODEL_DIR": str(base / "model"),
        "SM_INPUT_DIR": str(base / "input"),
        "SM_INPUT_CONFIG_DIR": str(base / "input" / "config"),
        "SM_OUTPUT_DIR": str(base / "output"),
        "SM_OUTPUT_DATA_DIR": str(base / "output" / "data"),
        "SM_OUTPUT_INTERMEDIATE_DIR": str(base / "output" / "intermediate"),
        "SM_NUM_GPUS": "0",
        "SM_NUM_CPUS": "1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_CURRENT_HOST": "algo-1",
        "SM_CURRENT_INSTANCE_TYPE": "ml.m5.xlarge",
        "SM_NETWORK_INTERFACE_NAME": "eth0",
        "SM_LOG_LEVEL": "20",
        "SM_MODULE_NAME": "cosmo_agent.model.train",
        "SM_USER_ARGS": json.dumps(_to_cmd_args(hps)),
    }
    for name in channels:
        env[f"SM_CHANNEL_{name.upper()}"] = str(base / "input" / "data" / name)
    return env


def _run_container(env: dict[str, str], argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The entry point in a process of its own, with only the container's variables."""
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")}  # fmt: skip
    threads = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
               "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "cosmo_agent.model.train", *argv],
        env={**keep, **threads, **env}, capture_output=True, text=True, timeout=300,
        cwd=Path(env["SAGEMAKER_BASE_DIR"]).parent,  # the container's working directory is not ours
    )  # fmt: skip


def test_training_job_as_the_toolkit_runs_it(corpus: Path, tmp_path: Path) -> None:
    base = tmp_path / "opt" / "ml"
    _lay_out(base, corpus, TINY_HPS)
    run = _run_container(_toolkit_env(base, TINY_HPS), _to_cmd_args(TINY_HPS))
    assert run.returncode == 0, run.stderr[-3000:]
    assert not (base / "output" / "failure").exists()
    model = base / "model"
    for name in ("config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
                 "tokenizer_config.json", "cosmo_training.json"):  # fmt: skip
        assert (model / name).is_file(), name
    record = json.loads((model / "cosmo_training.json").read_text())["config"]
    assert record["hidden_size"] == 32 and record["num_layers"] == 1
    assert record["train_file"] == str(base / "input" / "data" / "train" / "train.jsonl")
    assert record["tokenizer"] == str(base / "input" / "data" / "tokenizer")
    assert record["save_total_limit"] is None  # None on the wire: an empty argument
    assert record["lora_target_modules"] == ["q_proj", "v_proj"]  # a list: Python's repr
    metrics = json.loads((base / "output" / "data" / "metrics.json").read_text())
    assert metrics["global_step"] == 2 and metrics["train_examples"] == 16
    assert metrics["eval_examples"] > 0 and metrics["eval_loss"] > 0
    assert (base / "output" / "data" / "checkpoints" / "sft" / "checkpoint-2").is_dir()
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["output_dir"] == str(model) and summary["metrics"]["global_step"] == 2
    assert "SageMaker host algo-1 of ['algo-1'], 0 GPU(s)" in run.stderr


def test_container_without_the_toolkit_reads_the_files(corpus: Path, tmp_path: Path) -> None:
    """``docker run <image> train``: hyperparameters.json in plain strings, channels as
    directories, no ``SM_*`` variables."""
    base = tmp_path / "opt" / "ml"
    hps = {**TINY_HPS, "learning_rate": 0.002, "pretrain_text": ["a.jsonl", "b.jsonl"],
           "lora_target_modules": "q_proj,v_proj"}  # fmt: skip
    _lay_out(base, corpus, hps, sdk=False)
    env = {"SAGEMAKER_BASE_DIR": str(base), "TRAINING_JOB_NAME": "byoc"}
    config = config_from_args(["train"], env)
    assert config.recipe == "cosmo-tiny" and config.max_steps == 2
    assert config.learning_rate == 0.002 and config.save_total_limit is None
    assert config.group_by_length is False
    assert config.pretrain_text == ["a.jsonl", "b.jsonl"]  # the JSON list inside the string
    assert config.lora_target_modules == ["q_proj", "v_proj"]  # as --lora-target-modules reads it
    data = base / "input" / "data"
    assert config.train_file == str(data / "train" / "train.jsonl")
    assert config.validation_file == str(data / "validation" / "validation.jsonl")
    assert config.tokenizer == str(data / "tokenizer")
    assert config.output_dir == str(base / "model")
    assert config.metrics_dir == str(base / "output" / "data")
    # one 'training' channel holding a whole corpus directory: the SDK's fit("s3://...")
    shutil.rmtree(data)
    shutil.copytree(corpus / "corpus", data / "training")
    config = config_from_args(["train"], env)
    assert config.train_file == str(data / "training" / "train.jsonl")
    assert config.validation_file == str(data / "training" / "validation.jsonl")
    assert config.tokenizer is None  # no tokenizer channel: cosmo-tiny trains its own


def test_outside_a_container_nothing_is_read(tmp_path: Path) -> None:
    config = config_from_args(["--data", str(tmp_path), "--output-dir", str(tmp_path / "o")], {})
    assert config.output_dir == str(tmp_path / "o") and config.metrics_dir is None


@pytest.mark.parametrize(("name", "value", "why"), [
    ("learning_rate", -1, "hyperparameter learning_rate=-1: Input should be greater than 0"),
    ("epochz", 3, "unknown hyperparameter epochz: not a TrainConfig field"),
    ("recipe", "huge", "unknown recipe 'huge'"),
    ("qlora", "sometimes", "hyperparameter qlora=sometimes: Input should be 'auto', 'on'"),
])  # fmt: skip
def test_a_bad_hyperparameter_fails_the_job_with_the_reason(
    corpus: Path, tmp_path: Path, name: str, value: Any, why: str
) -> None:
    base = tmp_path / "opt" / "ml"
    hps = {**TINY_HPS, name: value}
    _lay_out(base, corpus, hps)
    run = _run_container(_toolkit_env(base, hps), _to_cmd_args(hps))
    assert run.returncode == 2, run.stderr[-2000:]
    failure = (base / "output" / "failure").read_text()
    assert why in failure, failure
    assert len(failure.splitlines()[0]) < 1024  # SageMaker keeps 1024 characters of it
    assert why in run.stderr and "Traceback" not in run.stderr
    assert not (base / "model" / "config.json").exists()
    # the same from the hyperparameters file alone (a container without the toolkit)
    shutil.rmtree(base)
    _lay_out(base, corpus, hps, sdk=False)
    assert main(["train"], {"SAGEMAKER_BASE_DIR": str(base)}) == 2
    assert why in (base / "output" / "failure").read_text()


def test_a_failure_while_training_is_written_and_raised(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = tmp_path / "opt" / "ml"
    _lay_out(base, corpus, TINY_HPS)
    (base / "input" / "data" / "train" / "train.jsonl").write_text("")  # an empty S3 prefix
    env = {**_toolkit_env(base, TINY_HPS), "SM_HOSTS": json.dumps(["algo-1", "algo-2"])}
    with pytest.raises(ValueError, match="no training conversations"):
        main(_to_cmd_args(TINY_HPS), env)
    failure = (base / "output" / "failure").read_text()
    assert failure.startswith("ValueError: no training conversations")
    assert "Traceback" in failure  # the reason first, then where
    assert "2 hosts but no torchrun/accelerate launcher" in caplog.text


# --------------------------------------------------------------------------------------------
# AWS Lambda

REQUEST = {"messages": [{"role": "user", "content": "ISS passes?"}], "tools": TOOLS,
           "tool_choice": "required", "max_tokens": 24}  # fmt: skip


def _rest(method: str, path: str, body: Any = None, *, b64: bool = False) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload 1.0) from the documented envelope."""
    event: dict[str, Any] = json.loads((EVENTS / "apigateway-rest-proxy.json").read_text())
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = path
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    _set_body(event, body, b64)
    return event


def _http(method: str, path: str, body: Any = None, *, b64: bool = False,
          stage: str = "$default") -> dict[str, Any]:  # fmt: skip
    """An HTTP API event (payload 2.0) from the documented envelope; a named stage is the
    first segment of the path, as API Gateway sends it."""
    event: dict[str, Any] = json.loads((EVENTS / "apigateway-http-v2.json").read_text())
    raw = path if stage == "$default" else f"/{stage}{path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = raw
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["stage"] = stage
    if body is None:
        del event["body"]  # an HTTP API sends no body key for a request without one
    _set_body(event, body, b64)
    return event


def _set_body(event: dict[str, Any], body: Any, b64: bool) -> None:
    if body is None:
        return
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    event["body"] = base64.b64encode(text.encode()).decode() if b64 else text
    event["isBase64Encoded"] = b64


def _proxied(out: dict[str, Any], status: int) -> Any:
    """The response as API Gateway wants it; its body parsed."""
    assert set(out) == {"statusCode", "headers", "body", "isBase64Encoded"}, out
    assert out["statusCode"] == status, out
    assert out["isBase64Encoded"] is False and isinstance(out["body"], str)
    assert out["headers"]["Content-Type"] == "application/json"
    assert all(isinstance(v, str) for v in out["headers"].values())
    return json.loads(out["body"])


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Cosmo model directory (real tokenizer, template and Llama weights)."""
    pytest.importorskip("xgrammar")
    from test_model_inference import make_model, make_tokenizer

    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("lambda-model")
    tokenizer = make_tokenizer()
    make_model(tokenizer, 2, std=1.0).save_pretrained(str(path))
    T.save_tokenizer(tokenizer, path)
    return path


class _Loads:
    """A model factory that counts its calls (a cold start's load)."""

    def __init__(self, model_dir: Path, delay_s: float = 0.0) -> None:
        self.model_dir, self.delay_s, self.calls = model_dir, delay_s, 0
        self.chat: Any = None

    def __call__(self) -> Any:
        from cosmo_agent.model.inference import CosmoChatModel

        self.calls += 1
        time.sleep(self.delay_s)
        if self.chat is None:
            self.chat = CosmoChatModel.load(self.model_dir, max_new_tokens=24, max_string_chars=8)
        return self.chat


@pytest.fixture(scope="module")
def warm(tiny_dir: Path) -> _Loads:
    loads = _Loads(tiny_dir)
    loads()
    return loads


def _completion(body: Any) -> None:
    assert body["object"] == "chat.completion" and body["model"]
    choice = body["choices"][0]
    assert choice["finish_reason"] in ("tool_calls", "length")
    for call in choice["message"]["tool_calls"] or []:
        assert call["function"]["name"] in ("fleet_status", "find_passes")
        assert isinstance(call["function"]["arguments"], str)
    assert 0 < body["usage"]["completion_tokens"] <= 24


@pytest.mark.parametrize("event", [
    pytest.param(lambda: _rest("POST", "/v1/chat/completions", REQUEST), id="rest"),
    pytest.param(lambda: _rest("POST", "/v1/chat/completions", REQUEST, b64=True),
                 id="rest-binary-media-type"),
    pytest.param(lambda: _rest("POST", "/", REQUEST), id="rest-root-resource"),
    pytest.param(lambda: _http("POST", "/v1/chat/completions", REQUEST, b64=True), id="http-v2"),
    pytest.param(lambda: _http("POST", "/v1/chat/completions/", REQUEST, stage="prod"),
                 id="http-v2-named-stage"),
    pytest.param(lambda: _http("POST", "/", REQUEST, b64=True), id="function-url"),
    pytest.param(lambda: {**_rest("POST", "/dev/chat/completions", REQUEST), "version": "1.0",
                          "requestContext": {"stage": "dev", "httpMethod": "POST"}},
                 id="http-payload-1.0-named-stage"),
])  # fmt: skip
def test_lambda_answers_each_api_gateway_event_shape(warm: _Loads, event: Any) -> None:
    handler = srv.make_lambda_handler(warm)
    _completion(_proxied(handler(event(), None), 200))


def test_lambda_direct_invoke_answers_the_completion_itself(warm: _Loads) -> None:
    handler = srv.make_lambda_handler(warm)
    out = handler(copy.deepcopy(REQUEST), None)
    assert "statusCode" not in out
    _completion(out)
    out = handler({"messages": [{"role": "user"}]}, None)  # no content
    assert out["statusCode"] == 400 and "needs content" in out["error"]["message"]
    assert out["error"]["type"] == "invalid_request_error"


def test_lambda_models_and_health(warm: _Loads) -> None:
    handler = srv.make_lambda_handler(warm)
    assert _proxied(handler(_rest("GET", "/healthz"), None), 200) == {"status": "ok",
                                                                      "loaded": False}  # fmt: skip
    models = _proxied(handler(_http("GET", "/v1/models", stage="prod"), None), 200)
    assert models["object"] == "list" and models["data"][0]["object"] == "model"
    assert _proxied(handler(_http("GET", "/healthz"), None), 200)["loaded"] is True


@pytest.mark.parametrize(("event", "status", "why"), [
    (_rest("POST", "/v1/chat/completions", "{not json"), 400,
     "the request body is not valid JSON: Expecting property name"),
    (_http("POST", "/v1/chat/completions", '{"messages": [', b64=True), 400,
     "the request body is not valid JSON"),
    ({**_http("POST", "/v1/chat/completions"), "body": "*not base64*", "isBase64Encoded": True},
     400, "the request body is marked isBase64Encoded but is not base64"),
    (_rest("POST", "/v1/chat/completions"), 400, "the request body is empty"),
    (_http("POST", "/v1/chat/completions"), 400, "the request body is empty"),
    (_rest("POST", "/v1/chat/completions", [REQUEST]), 400, "must be a JSON object"),
    (_rest("POST", "/v1/chat/completions", {"tools": TOOLS}), 400, "messages: Field required"),
    (_http("POST", "/v1/chat/completions", {**REQUEST, "tool_choice": "always"}), 400,
     "tool_choice"),
    (_rest("POST", "/v1/completions", REQUEST), 404,
     "no route for POST /v1/completions: this function answers POST /v1/chat/completions, "
     "GET /v1/models, GET /healthz"),
    (_http("POST", "/v2/chat/completions", REQUEST, stage="prod"), 404,
     "no route for POST /v2/chat/completions"),
    (_rest("GET", "/v1/chat/completions"), 405,
     "use POST for /v1/chat/completions, not GET"),
    (_http("DELETE", "/v1/models", stage="prod"), 405, "use GET for /v1/models, not DELETE"),
])  # fmt: skip
def test_lambda_refuses_what_it_cannot_answer_without_loading_the_model(
    tiny_dir: Path, event: dict[str, Any], status: int, why: str
) -> None:
    loads = _Loads(tiny_dir)
    out = srv.make_lambda_handler(loads)(event, None)
    error = _proxied(out, status)["error"]
    assert why in error["message"], error
    assert error["type"] == "invalid_request_error"
    if status == 405:
        assert out["headers"]["Allow"] == ("GET" if "models" in why else "POST")
    assert loads.calls == 0  # refused before the model was needed


def test_lambda_cold_start_loads_the_model_once(tiny_dir: Path) -> None:
    """Several invocations of every shape, four of them arriving together on a cold
    container: one load, and nothing loaded before a request needs the model."""
    loads = _Loads(tiny_dir, delay_s=0.3)
    handler = srv.make_lambda_handler(loads)
    assert loads.calls == 0
    _proxied(handler(_rest("GET", "/healthz"), None), 200)
    _proxied(handler(_rest("POST", "/v1/chat/completions", "{"), None), 400)
    assert loads.calls == 0
    events = [_rest("POST", "/v1/chat/completions", REQUEST),
              _http("POST", "/v1/chat/completions", REQUEST, b64=True),
              _http("GET", "/v1/models"), copy.deepcopy(REQUEST)]  # fmt: skip
    answers: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda e=e: answers.append(handler(e, None)))
               for e in events]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.get("statusCode", 200) for a in answers] == [200] * 4 and loads.calls == 1
    for _ in range(3):  # warm invocations
        _completion(_proxied(handler(_http("POST", "/v1/chat/completions", REQUEST), None), 200))
        _completion(handler(copy.deepcopy(REQUEST), None))
    assert loads.calls == 1


def test_the_deployed_handler_loads_cosmo_model_dir_once_per_process(tiny_dir: Path) -> None:
    """``cosmo_agent.model.serve.lambda_handler`` as the Python runtime calls it: the module
    imported once (the init phase), the handler called per invocation."""
    script = textwrap.dedent("""
        import json, sys
        from cosmo_agent.model import inference

        loads = []
        real = inference.CosmoChatModel.load.__func__

        def counting(cls, *args, **kwargs):
            loads.append(args)
            return real(cls, *args, **kwargs)

        inference.CosmoChatModel.load = classmethod(counting)
        from cosmo_agent.model.serve import lambda_handler  # the configured handler

        statuses = []
        for event in json.loads(sys.stdin.read()):
            out = lambda_handler(event, None)
            statuses.append(out.get("statusCode", 200))
        print(json.dumps({"statuses": statuses, "loads": [list(a) for a in loads]}))
    """)
    request = {**REQUEST, "max_tokens": 4}
    events = [_rest("GET", "/healthz"), _rest("POST", "/v1/chat/completions", request),
              _http("POST", "/api/v1/chat/completions", request, b64=True),
              request, _rest("POST", "/v1/chat/completions", "{oops")]  # fmt: skip
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    run = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(events), capture_output=True, text=True,
        timeout=300, env={**keep, "COSMO_MODEL_DIR": str(tiny_dir), "OMP_NUM_THREADS": "1",
                          "COSMO_LAMBDA_BASE_PATH": "/api", "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200, 200, 200, 200, 400]
    assert report["loads"] == [[str(tiny_dir)]]


def test_the_agents_handler_quotes_what_the_request_writes() -> None:
    """``cosmo_agent.agent.cloud.lambda_handler`` (the handler to deploy): the shipped Cosmo
    with the tools' reading of each request, so "for 7 hours every 45 seconds" reaches the
    call as 7 h and 45 s, as in ``plan`` and ``serve``, through a direct Invoke."""
    from cosmo_agent.agent import cloud
    from cosmo_agent.tools.registry import openai_tools

    request = {
        "model": "cosmo",
        "messages": [{"role": "user",
                      "content": "Propagate every satellite for 7 hours every 45 seconds"}],
        "tools": [t for t in openai_tools() if t["function"]["name"] == "propagate"],
        "tool_choice": {"type": "function", "function": {"name": "propagate"}},
    }  # fmt: skip
    out = cloud.lambda_handler(request, None)
    [call] = out["choices"][0]["message"]["tool_calls"]
    args = json.loads(call["function"]["arguments"])
    assert (args["duration_h"], args["step_s"]) == (7.0, 45.0), args
    assert "start" not in args


def test_the_agents_handler_passes_on_a_satellite_the_mission_lacks() -> None:
    """... and with the tools' reader of names the mission lacks
    (:func:`cosmo_agent.tools.mentions.unknown_names`): "SENTINEL-9" reaches the call as
    written, for the tool to refuse by name, instead of one of the mission's satellites."""
    from cosmo_agent.agent import cloud
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    mission = load_mission(Path(__file__).parents[1] / "missions" / "demo.yaml")
    request = {
        "model": "cosmo",
        "messages": [{"role": "user", "content": "Propagate SENTINEL-9 for 2 hours"}],
        "tools": [t for t in openai_tools(mission) if t["function"]["name"] == "propagate"],
    }  # fmt: skip
    out = cloud.lambda_handler(request, None)
    [call] = out["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"])["satellites"] == ["SENTINEL-9"], call
