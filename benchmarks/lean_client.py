"""A lean AWS JSON-protocol client for the benchmarks' hot loops (PutEvents, ReceiveMessage,
DeleteMessageBatch): the same requests boto3 sends (JSON body, X-Amz-Target, a real SigV4
signature), over one kept-alive connection per thread, the answer read with json.loads.

boto3 spends about 1 ms of CPU on each call (validation, serialization, event hooks, signing,
response parsing by shape); on a machine of 2 cores the benchmark's own client then used as
much CPU as the server it measures, and took it from both servers alike. This client costs a
tenth of that, so the figures say more about the servers. It is used for both servers.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
from urllib.parse import urlsplit

PROTOCOLS = {"events": ("AWSEvents", "application/x-amz-json-1.1"),
             "sqs": ("AmazonSQS", "application/x-amz-json-1.0")}


class AwsError(Exception):
    def __init__(self, status: int, body: bytes):
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status


class LeanClient:
    """One service's JSON API: `call("PutEvents", {...})` returns the decoded answer."""

    def __init__(self, endpoint_url: str, service: str, region: str, access_key: str = "testing",
                 secret_key: str = "testing", timeout: float = 60.0):
        parts = urlsplit(endpoint_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = parts.netloc
        self.service, self.region, self.access_key = service, region, access_key
        self.target_prefix, self.content_type = PROTOCOLS[service]
        self.secret = secret_key
        self.timeout = timeout
        self._local = threading.local()
        self._keys: dict[str, bytes] = {}

    def call(self, operation: str, params: dict) -> dict:
        body = json.dumps(params).encode()
        headers = self._signed_headers(operation, body)
        for attempt in (1, 2):  # a kept-alive connection the server closed: one new connection
            connection = self._connection()
            try:
                connection.request("POST", "/", body, headers)
                answer = connection.getresponse()
                data = answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        if answer.status >= 300:
            raise AwsError(answer.status, data)
        return json.loads(data) if data else {}

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return connection

    def _signed_headers(self, operation: str, body: bytes) -> dict:
        """SigV4, as botocore signs a JSON-protocol call (host, x-amz-date, x-amz-target)."""
        now = time.gmtime()
        stamp, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
        target = f"{self.target_prefix}.{operation}"
        payload_hash = hashlib.sha256(body).hexdigest()
        canonical = "\n".join(["POST", "/", "", f"content-type:{self.content_type}", f"host:{self.host_header}",
                               f"x-amz-date:{stamp}", f"x-amz-target:{target}", "",
                               "content-type;host;x-amz-date;x-amz-target", payload_hash])
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return {"Content-Type": self.content_type, "X-Amz-Date": stamp, "X-Amz-Target": target,
                "Authorization": f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                 f"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"}

    def _key(self, day: str) -> bytes:
        key = self._keys.get(day)
        if key is None:
            key = ("AWS4" + self.secret).encode()
            for part in (day, self.region, self.service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._keys[day] = key
        return key
