"""How an API destination's request is put together from the target's and the connection's HTTP
parameters (path `*` values, query string, JSON body parameters), and how a URL is shown safely.
"""

from __future__ import annotations

import json
import urllib.parse


def pairs(parameters) -> dict:
    """[{Key, Value, IsValueSecret}] (connection parameters) -> {Key: Value}."""
    out = {}
    for item in parameters or []:
        if isinstance(item, dict) and item.get("Key"):
            out[item["Key"]] = item.get("Value", "")
    return out


def fill_path(url: str, values: list) -> str:
    parsed = urllib.parse.urlsplit(url)
    path = parsed.path
    for value in values:
        if "*" not in path:
            break
        path = path.replace("*", urllib.parse.quote(str(value), safe=""), 1)
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, parsed.query, parsed.fragment))


def add_query(url: str, params: dict) -> str:
    if not params:
        return url
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k not in params] + [(k, str(v)) for k, v in params.items()]
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, urllib.parse.urlencode(query),
                                    parsed.fragment))


def add_body_parameters(payload: str, params: dict) -> str:
    """Connection BodyParameters join a JSON-object body; other bodies go as they are."""
    if not params:
        return payload
    try:
        document = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(document, dict):
        return payload
    document.update(params)
    return json.dumps(document)


def safe_url(url: str) -> str:
    """The URL without its query (a connection's query parameters may be secret)."""
    parsed = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, "", ""))
