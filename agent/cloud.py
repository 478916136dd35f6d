"""The agent's cloud entry point: Cosmo on AWS Lambda with the tools' reading of requests.

:data:`lambda_handler` is :func:`cosmo_agent.model.serve.make_lambda_handler` over the model
in ``COSMO_MODEL_DIR`` (default: the embedded Cosmo), loaded on the first request that needs
it, whose decoder quotes the quantities and times each request writes as the tools read them
(:func:`cosmo_agent.tools.registry.spelled_values`), as ``plan``, ``ask`` and ``serve`` do.
The model layer's own ``cosmo_agent.model.serve.lambda_handler`` decodes without that reading
(the model never imports the tools).  ``COSMO_LAMBDA_BASE_PATH``: a custom domain's API
mapping path, taken off request paths.  Set the function's handler to
``cosmo_agent.agent.cloud.lambda_handler``.
"""

from __future__ import annotations

import os
from typing import Any

from cosmo_agent.model.inference import CosmoChatModel
from cosmo_agent.model.serve import make_lambda_handler
from cosmo_agent.tools.mentions import unknown_names
from cosmo_agent.tools.registry import spelled_values

__all__ = ["lambda_handler"]


def _model() -> Any:
    return CosmoChatModel.load(
        os.environ.get("COSMO_MODEL_DIR") or None,
        request_values=spelled_values,
        unknown_names=unknown_names,
    )


lambda_handler = make_lambda_handler(
    _model, base_path=os.environ.get("COSMO_LAMBDA_BASE_PATH", "")
)
"""The AWS Lambda entry point over the shipped Cosmo (see the module)."""
