"""The regions the sandbox serves: the ones botocore's endpoint data lists (moto has a backend for
each). A request signed for any other region is refused at the door, before any part of the
sandbox records the region: one bad request must never leave the sandbox broken for the next."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    from .moto_backends import botocore_session

    # moto's own loader: the endpoint data (over a megabyte of JSON) is read once for both
    partitions = botocore_session().get_component("data_loader").load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def is_known(region: str) -> bool:
    return region in known_regions()
