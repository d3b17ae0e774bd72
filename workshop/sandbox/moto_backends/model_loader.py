"""moto reads each service's model through one botocore loader, not a new one per model.

moto's `core.utils._load_service_model` makes a new loader for every model it reads (each
service's model, then its paginators), and a new loader first lists every service botocore knows,
looking for each one's files on disk: a few hundred directories and a thousand file checks per
model, a fifth of a second of the sandbox's warm-up here. One loader lists them once; each model is
still read once, as moto caches what it builds from it (`get_service_model`, `get_pagination_model`).
"""

from __future__ import annotations

import threading


def share_model_loader() -> None:
    """Make moto read its models through one loader. Idempotent."""
    from moto.core import utils
    from moto.core.loaders import create_loader

    if getattr(utils._load_service_model, "shared", False):
        return
    loader = create_loader()
    lock = threading.Lock()  # the loader's caches are plain dicts: one reader at a time

    def load(service_name: str, model_name: str) -> dict:
        with lock:
            return loader.load_service_model(service_name, model_name)

    load.shared = True
    utils._load_service_model = load
