"""boto3 clients the sandbox uses to talk to itself: delivery goes through moto's public API."""

from __future__ import annotations

import threading


class SelfClients:
    def __init__(self, endpoint_url: str, app=None):
        self.endpoint_url = endpoint_url
        self.app = app  # the front's WSGI app: requests go to it in process instead of over loopback
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], object] = {}
        self._session = None

    def __call__(self, service: str, region: str):
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    import boto3
                    from botocore.config import Config

                    if self._session is None:
                        from .moto_backends import botocore_session

                        # moto's own session: the service models it has read are not read again
                        self._session = boto3.session.Session(botocore_session=botocore_session())
                    client = self._session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32,
                                      connect_timeout=5, read_timeout=60),
                    )
                    if self.app is not None:
                        from .inprocess import InProcessTransport

                        client.meta.events.register("before-send", InProcessTransport(self.app))
                    self._clients[key] = client
        return client
