"""Hand the sandbox's own boto3 requests straight to its WSGI front, in process.

Delivery makes several AWS calls per event. Over loopback each one costs a TCP connection, a
server thread and werkzeug's parsing; in process the very same request (same path, headers and
body, same front, same moto API) costs a function call. botocore's documented `before-send`
event lets a handler answer a request instead of sending it.
"""

from __future__ import annotations

import io
import sys
from urllib.parse import unquote_to_bytes, urlsplit

from botocore.awsrequest import AWSResponse


class _Raw(io.BytesIO):
    def stream(self, **kwargs):
        yield self.getvalue()


class InProcessTransport:
    def __init__(self, app):
        self.app = app

    def __call__(self, request, **kwargs) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ = wsgi_environ(request.method, unquote_to_bytes(url.path or "/").decode("latin-1"), url.query,
                           url.netloc, body, scheme=url.scheme or "http")
        for name, value in request.headers.items():
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        status, headers, content = call_wsgi(self.app, environ)
        return AWSResponse(request.url, status, headers, _Raw(content))


# JSON-protocol services the per-event delivery calls use: X-Amz-Target prefix and content type.
_JSON_SERVICES = {"logs": ("Logs_20140328", "application/x-amz-json-1.1"),
                  "sqs": ("AmazonSQS", "application/x-amz-json-1.0")}


class LocalJsonApi:
    """The few JSON-protocol calls delivery makes for every event (SQS SendMessage, Logs
    CreateLogStream and PutLogEvents), written on the wire format directly and handed to the
    front in process. The same requests botocore would send, without its per-call machinery
    (about 40% of a delivery's cost under load). Errors raise botocore's ClientError, as a client would.
    """

    def __init__(self, app, endpoint_url: str, access_key: str = "testing"):
        self.app, self.access_key = app, access_key
        self.host = urlsplit(endpoint_url).netloc

    def call(self, service: str, region: str, operation: str, params: dict) -> dict:
        import json
        from datetime import datetime, timezone

        from botocore.exceptions import ClientError

        prefix, content_type = _JSON_SERVICES[service]
        body = json.dumps(params).encode()
        # moto and our front read the service and region from the SigV4 credential scope; the
        # signature itself is not checked.
        day = datetime.now(timezone.utc).strftime("%Y%m%d")
        environ = wsgi_environ("POST", "/", "", self.host, body)
        environ.update({
            "CONTENT_TYPE": content_type,
            "HTTP_X_AMZ_TARGET": f"{prefix}.{operation}",
            "HTTP_AUTHORIZATION": (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{day}/{region}/{service}/aws4_request, "
                                   "SignedHeaders=host;x-amz-target, Signature=0"),
        })
        status, headers, content = call_wsgi(self.app, environ)
        try:
            document = json.loads(content) if content else {}
        except ValueError:
            document = {"message": content.decode("utf-8", "replace")}
        if status < 300:
            return document
        code = (headers.get("x-amzn-query-error", "").split(";")[0]
                or str(document.get("__type") or headers.get("x-amzn-errortype") or "InternalFailure").split("#")[-1].split(":")[0])
        raise ClientError({"Error": {"Code": code, "Message": document.get("message") or document.get("Message") or ""},
                           "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def wsgi_environ(method: str, path: str, query: str, host: str, body: bytes, scheme: str = "http") -> dict:
    """A WSGI environ for one request to the front (PATH_INFO: the percent-decoded path, as latin-1)."""
    hostname, _, port = host.partition(":")
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": hostname or "127.0.0.1", "SERVER_PORT": port or "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": host,
    }


def call_wsgi(app, environ: dict) -> tuple[int, dict[str, str], bytes]:
    """Run the WSGI app on one request: (status, lower-cased headers, body)."""
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), {k.lower(): v for k, v in headers}
        return lambda data: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer.get("status", 500), answer.get("headers", {}), content
