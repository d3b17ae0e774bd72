"""The prerequisites tests drive the CLI with a longer verify deadline: their checks invoke Lambda
functions and run a state machine, which a loaded machine can slow down."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def ws(cli, sandbox):
    return cli.with_env(COLUMNS="250", WORKSHOP_VERIFY_TIMEOUT="20")
