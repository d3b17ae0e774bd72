"""InventoryFunction: the workshop's inventory service.

Invoked (asynchronously) by the OrderProcessingRule with an "Order Processed" event. It returns
the event's detail, which an on-success destination forwards to the Inventory bus. When the
order carries a truthy "force-error", it fails instead, so the error-handling module can watch
the on-failure destination (InventoryFunctionDLQ) receive the record.
"""

import json


class InventoryError(Exception):
    """The order asked for a failure ("force-error"): Lambda reports it as the function's error."""


def handler(event, context):
    print(json.dumps({"received": event.get("id"), "detail-type": event.get("detail-type")}))
    detail = event.get("detail") or {}
    order = detail.get("OrderDetails") if isinstance(detail, dict) else None
    if isinstance(order, dict) and order.get("force-error"):
        raise InventoryError("force-error is set on this order: failing on purpose")
    return event["detail"]
