"""Start-up and CPU: what the sandbox changes in moto once, before any request (see the package's
docstring): `moto.batch.utils` loaded without its package, one SNS signing key, one model loader,
OpenAPI's validator loaded when first needed, Step Functions' clients kept; and, for fidelity,
queue policies kept by SetQueueAttributes (sqs.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import types

from .lookups import botocore_session
from .sqs import keep_queue_policies


def lighten_moto() -> None:
    """Load `moto.batch.utils` without its package (see the module's docstring), and give every SNS
    subscription the process's one signing key. Idempotent."""
    from moto.sns.models import Subscription

    if "moto.batch.utils" not in sys.modules and "moto.batch" not in sys.modules:
        import moto

        folder = os.path.join(os.path.dirname(moto.__file__), "batch")
        # A bare stand-in for the package while its utils (and their exceptions) load; the real
        # package still imports in full if anything ever asks for `moto.batch` itself.
        stand_in = types.ModuleType("moto.batch")
        stand_in.__path__ = [folder]
        sys.modules["moto.batch"] = stand_in
        try:
            spec = importlib.util.spec_from_file_location("moto.batch.utils", os.path.join(folder, "utils.py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules["moto.batch.utils"] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop("moto.batch.utils", None)
                raise
        finally:
            if sys.modules.get("moto.batch") is stand_in:
                del sys.modules["moto.batch"]
    Subscription.private_key = _shared_private_key
    from .model_loader import share_model_loader
    from .openapi import defer_openapi_validator

    defer_openapi_validator()  # before moto's API Gateway loads (the warm-up's first dear service)
    share_model_loader()
    # Before the interpreter's task modules import it by name (they do, when Step Functions loads).
    from .after_import import after_import

    after_import("moto.stepfunctions.parser.asl.utils.boto_client", _keep_boto_clients)
    keep_queue_policies()  # not lighter: as AWS (sqs.py)


def _keep_boto_clients(boto_client) -> None:
    if not getattr(boto_client.boto_client_for, "kept", False):
        boto_client.boto_client_for = _kept_clients(boto_client.boto_client_for)


def _kept_clients(make):
    """moto's `boto_client_for(region, service, state_credentials)`, one client per region, service
    and endpoint (botocore clients are thread-safe), on moto's botocore session."""
    import boto3
    from moto.settings import moto_server_port

    clients: dict[tuple, object] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials=None):
        key = (region, service, moto_server_port())
        with lock:
            if key not in clients:
                if boto3.DEFAULT_SESSION is None:
                    boto3.DEFAULT_SESSION = boto3.session.Session(botocore_session=botocore_session())
                clients[key] = make(region, service, state_credentials)
            return clients[key]

    boto_client_for.kept, boto_client_for.moto_s = True, make
    return boto_client_for


_signing_key = None
_signing_key_lock = threading.Lock()


def sns_signing_key():
    """The one RSA key this process signs SNS notifications with (made on first use)."""
    global _signing_key
    with _signing_key_lock:
        if _signing_key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            _signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _signing_key


def _shared_private_key(subscription):
    return sns_signing_key()
