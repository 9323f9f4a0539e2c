"""Root mutation fields, one module per resource; the schema merges these types.

Each resolver converts its input, calls one service function and maps the
result; the transaction extension commits or rolls back the whole request.
"""

from graph_api.graphql.mutations.nodes import ComponentMutation, NodeMutation
from graph_api.graphql.mutations.relationships import RelationshipMutation
from graph_api.graphql.mutations.sessions import SessionMutation

__all__ = ["ComponentMutation", "NodeMutation", "RelationshipMutation", "SessionMutation"]
