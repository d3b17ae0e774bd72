"""REQUEST authorizer of the REST API eventbridge-api-destination.

Allows a request only when its Authorization header carries the workshop's Basic credentials and
denies everything else (API Gateway answers 403). The credentials are not in this file: only a
salted SHA-256 digest of "Basic <base64(user:password)>" is, filled in when the tool packages it.
Nothing here logs the header.
"""

import hashlib
import hmac

SALT = b"eventbridge-workshop-api-authorizer"
EXPECTED_DIGEST = "__BASIC_AUTH_SHA256__"


def _header(event, name):
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value or ""
    return ""


def _allowed(authorization):
    digest = hashlib.sha256(SALT + authorization.strip().encode("utf-8")).hexdigest()
    return hmac.compare_digest(digest, EXPECTED_DIGEST)


def handler(event, context):
    allowed = _allowed(_header(event, "Authorization"))
    print("authorization " + ("allowed" if allowed else "denied"))
    return {
        "principalId": "workshop-user" if allowed else "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow" if allowed else "Deny",
                "Resource": event.get("methodArn", "*"),
            }],
        },
    }
