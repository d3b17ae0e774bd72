"""moto's backends, used directly where its HTTP surface is too slow for per-event work, and
what the sandbox changes in moto to start and run lighter.

The one package of the sandbox that touches moto past its HTTP API: its backend classes
(documented per service as `<service>_backends[account][region]`) and the few module-level names
it changes. tests/sandbox/test_moto_backends.py and test_moto_lightening.py fail if a moto upgrade
changes what it relies on. Everything else goes through moto's HTTP API. Its modules: `sqs.py`
(the per-message SQS calls), `lookups.py` (reads of moto's backends), `lightening.py` (the
changes made once at start, with `model_loader.py`, `openapi.py` and `after_import.py`).

SQS (`SqsBackend`): moto's ReceiveMessage re-reads every queue attribute, counting every
message, for each message it hands out, and its SendMessage and DeleteMessage scan the queue
too, so a queue with a backlog gets slower with every message (and a consumer's long poll
slowed the sandbox's whole delivery). Here:
- `send()` puts a delivery's message on a standard queue in constant time;
- ReceiveMessage, DeleteMessage and DeleteMessageBatch on standard queues (JSON protocol, what
  every current SDK speaks) are answered in one pass over the queue, long polls waiting on the
  queue's own condition, without holding anything delivery needs.
Everything else, FIFO and dead-letter (redrive) queues, odd parameters and every error, goes to
moto, which answers as before; both paths share moto's queue objects, so they agree.

EventBridge (`bus_rules`): the router reads a bus's rules and their targets in one step, where
the API needs a ListTargetsByRule call per rule (seconds for a bus of 300 rules).

botocore (`botocore_session`): moto reads each service's model through one botocore session of
its own (`AccountSpecificBackend.get_session()`) when it first builds that service's backend; the
sandbox's own clients are made from that same session, so each model is parsed once, not twice
(half a second of the sandbox's start here).

A queue's policy (`keep_queue_policies`, by `lighten_moto`): moto replaces it with whatever a
SetQueueAttributes call gives, nothing included; AWS keeps it, so EventBridge may still send.

SNS (`filter_with`): moto fans a message out to a topic's subscriptions but decides their filter
policies with its own matcher, which departs from SNS; each subscription gets ours instead.

Start-up and CPU (`lighten_moto`, once, before any request): moto's Step Functions interpreter
imports `moto.batch.utils` for one enum, and with it the `moto.batch` package, whose models load
EC2's instance types and region data (over a second of CPU the sandbox never needs): that one
module is loaded on its own. moto's SNS makes a 2048-bit RSA key for each subscription to sign
its notifications (`Subscription.private_key`, a tenth of a second to a second each); AWS signs
with one certificate per region, so every subscription here shares one key per process
(`sns_signing_key`, made by the warm-up before the first publish). The interpreter also builds
a new boto3 client (on boto3's default session, reading every model again) for each task it
runs: its clients are kept per region and service, on the session moto reads its models with
(changed as its module is first imported, `after_import.py`, so `sandbox start` does not pay for
it). moto reads each service model through one loader (`model_loader.py`), and its API Gateway
loads OpenAPI's validator only when a document must be checked (`openapi.py`).
"""

from .lightening import lighten_moto, sns_signing_key
from .lookups import botocore_session, bus_rules, filter_with, region_backend, running_executions
from .sqs import SqsBackend, SqsError, keep_queue_policies

__all__ = ["SqsBackend", "SqsError", "botocore_session", "bus_rules", "filter_with", "keep_queue_policies",
           "lighten_moto", "region_backend", "running_executions", "sns_signing_key"]
