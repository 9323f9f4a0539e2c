"""The compiled read path: plain read queries answered without per-field execution.

An engine only: plan.py turns the operation into selections (with graphql-core's own
field collection and argument coercion), run.py completes each selection for all its
rows at once, build.py compiles the response objects, extension.py hooks it all in
front of graphql-core's execution. What a field is answered with comes from the types:
a stored column of the type's record (services/records.py), or the batch resolver
registered beside the Strawberry field (registry.py).
"""

from graph_api.graphql.fast.extension import FastReads

__all__ = ["FastReads"]
