"""The compiled read path: plain read queries answered without per-field execution.

plan.py turns the operation into selections (with graphql-core's own field
collection and argument coercion), run.py completes each selection for all its rows
at once, objects.py and connections.py hold the batch resolvers, columns.py maps
fields to columns, extension.py hooks it all in front of graphql-core's execution.
"""

from graph_api.graphql.fast.extension import FastReads

__all__ = ["FastReads"]
