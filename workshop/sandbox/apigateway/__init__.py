"""A stand-in for API Gateway REST APIs created in moto: it serves their execute-api URLs.

Three ways in, all answered by the sandbox's own HTTP endpoint:
- `{endpoint}/_aws/execute-api/{apiId}/{stage}/{path}` (what `workshop status` shows),
- `{endpoint}/restapis/{apiId}/{stage}/_user_request_/{path}` (the other form emulators share), and
- any request whose Host is `{apiId}.execute-api.{region}.amazonaws.com` (a curl with `-H Host:`),
plus in-process calls from API destinations whose endpoint is such a host.

The API is read live from moto through its public API (get_rest_api, get_resources, get_method,
get_authorizer, get_stage, get_account): moto keeps no deployment snapshots, so the stand-in
serves the API's current definition once a stage exists.

Supported: resource matching (literal, `{param}`, greedy `{proxy+}`) and methods incl. ANY;
CUSTOM authorizers of type REQUEST and TOKEN run through the sandbox's Lambda runner (missing
identity → 401, explicit Deny → 403, no matching Allow → 403, an authorizer that fails → 500,
one that raises "Unauthorized" → 401); MOCK integrations (status from the request template's
`statusCode`, integration response chosen by selection pattern, its response template as the
body); HTTP and HTTP_PROXY integrations; AWS_PROXY (Lambda proxy) integrations.

Execution logs: when the stage's method settings (`*/*` or the method's own) enable logging and
the account has an API Gateway CloudWatch role (`get_account().cloudwatchRoleArn`, as AWS
requires), each request writes the lines API Gateway writes to the log group
`API-Gateway-Execution-Logs_{apiId}/{stage}`. Credentials never reach a log: the Authorization
header, API keys and authorizer identities are masked.

Not modelled: authorizer result caching, usage plans and API keys, request validators, VTL
beyond a literal template, resource policies, Cognito and IAM authorization, binary media types.
"""

from .gateway import ApiGateway

__all__ = ["ApiGateway"]
