"""The module tests' one setup: a test file names its MODULE, and `deployed` runs that module on an
emptied sandbox once for the file (the report of that run)."""

from __future__ import annotations

import pytest

from tests.support import run_fresh


@pytest.fixture(scope="module")
def deployed(cli, sandbox, request):
    return run_fresh(cli, request.module.MODULE)
