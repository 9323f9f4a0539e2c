"""What one GraphQL document may cost, measured without expanding its fragments (CONTRACT.md §7).

A document's fields, aliases and depth are counted as if every fragment spread were
expanded, but each fragment is measured once (in dependency order, iteratively) and
its figures are multiplied per spread: thirty fragments that each spread the previous
one twice describe 2^30 fields and are refused in microseconds. Strawberry's
QueryDepthLimiter and MaxAliasesLimiter walk every expanded path (and fail with a
KeyError on an unknown fragment, or a RecursionError on a long chain), so they are
not used; this module replaces them.

Unknown fragments, fragment cycles and chains nested deeper than `MAX_FRAGMENT_NESTING`
are reported here as ordinary validation errors, and graphql-core's own rules (some
of which recurse through fragments) run only on a document that passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from graph_api.config import Limits
from graph_api.errors import LimitExceeded
from graph_api.services.validation import json_values

# graphql-core's validation and execution recurse once per nested spread; a chain far
# below Python's recursion limit keeps them safe. No real client nests fragments this deep.
MAX_FRAGMENT_NESTING = 100


@dataclass(frozen=True)
class Cost:
    """Figures of a selection set with its fragments expanded."""

    fields: int = 0
    aliases: int = 0
    # Strawberry's definition: the number of fields above the deepest field
    # (introspection fields do not count).
    depth: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.fields + other.fields, self.aliases + other.aliases, max(self.depth, other.depth)
        )


@dataclass
class DocumentCost:
    """Each operation's cost (keyed by name; None for an anonymous one) and structural errors."""

    operations: dict[str | None, Cost] = field(default_factory=dict)
    errors: list[GraphQLError] = field(default_factory=list)


def measure(document: DocumentNode) -> DocumentCost:
    """Every operation's expanded cost, in time linear in the document's size."""
    result = DocumentCost()
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
    order = _dependency_order(fragments, result.errors)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for spread in _spreads(definition.selection_set):
                if spread.name.value not in fragments:
                    result.errors.append(_unknown(spread))
    if result.errors:
        return result
    memo: dict[str, Cost] = {}
    for name in order:
        memo[name] = _selection_cost(fragments[name].selection_set, memo)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            op_name = definition.name.value if definition.name else None
            result.operations[op_name] = _selection_cost(definition.selection_set, memo)
    return result


def document_cost(document: DocumentNode) -> Cost:
    """What the per-request limits count in a document: aliases summed over its operations
    (as `check` counts them), fields and depth of its largest operation. A batch sums these
    over its operations (graphql/batch.py).

    Raises GraphQLError for an unknown fragment or a cycle.
    """
    cost = measure(document)
    if cost.errors:
        raise cost.errors[0]
    operations = list(cost.operations.values())
    return Cost(
        fields=max((op.fields for op in operations), default=0),
        aliases=sum(op.aliases for op in operations),
        depth=max((op.depth for op in operations), default=0),
    )


def check(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """Structural errors, or the limits the document's operations exceed (empty when it fits)."""
    cost = measure(document)
    if cost.errors:
        return cost.errors
    errors: list[GraphQLError] = []
    total_aliases = 0
    for name, op in cost.operations.items():
        label = name or "anonymous"
        total_aliases += op.aliases
        if op.depth > limits.max_depth:
            errors.append(
                _limit(
                    f"'{label}' exceeds maximum operation depth of {limits.max_depth}", "max_depth"
                )
            )
        if op.fields > limits.max_fields:
            errors.append(
                _limit(
                    f"'{label}' selects {op.fields} fields after fragment expansion;"
                    f" at most {limits.max_fields} are allowed",
                    "max_fields",
                )
            )
    if total_aliases > limits.max_aliases:
        errors.append(
            _limit(f"{total_aliases} aliases found. Allowed: {limits.max_aliases}", "max_aliases")
        )
    return errors


def check_variables(variables: object, limits: Limits) -> GraphQLError | None:
    """LIMIT_EXCEEDED when the raw variables hold more than `max_input_values` JSON values.

    Counted before graphql-core coerces them: coercion is CPU work on the event loop,
    and a million input objects fit in the body limit. Stops counting at the limit.
    """
    limit = limits.max_input_values
    for count, _ in enumerate(json_values(variables), start=1):
        if count > limit:
            message = f"The variables hold more than {limit} values"
            return _limit(message, "max_input_values")
    return None


def _limit(message: str, limit: str) -> GraphQLError:
    return GraphQLError(message, original_error=LimitExceeded(message, limit=limit))


def _unknown(spread: FragmentSpreadNode) -> GraphQLError:
    return GraphQLError(f"Unknown fragment '{spread.name.value}'.", spread)


def _spreads(selection_set: SelectionSetNode) -> list[FragmentSpreadNode]:
    found: list[FragmentSpreadNode] = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                found.append(selection)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return found


def _dependency_order(
    fragments: dict[str, FragmentDefinitionNode], errors: list[GraphQLError]
) -> list[str]:
    """Fragments ordered so that each comes after those it spreads (an iterative DFS).

    Unknown names, cycles and chains deeper than MAX_FRAGMENT_NESTING go to `errors`.
    """
    children = {name: _spreads(node.selection_set) for name, node in fragments.items()}
    nesting: dict[str, int] = {}
    on_path: set[str] = set()
    order: list[str] = []
    for root in fragments:
        if root in nesting:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        on_path.add(root)
        while stack:
            name, index = stack[-1]
            spreads = children[name]
            if index < len(spreads):
                stack[-1] = (name, index + 1)
                spread = spreads[index]
                child = spread.name.value
                if child not in fragments:
                    errors.append(_unknown(spread))
                elif child in on_path:
                    errors.append(
                        GraphQLError(f"Cannot spread fragment '{child}' within itself.", spread)
                    )
                elif child not in nesting:
                    on_path.add(child)
                    stack.append((child, 0))
                continue
            stack.pop()
            on_path.discard(name)
            nesting[name] = 1 + max((nesting.get(s.name.value, 0) for s in spreads), default=0)
            if nesting[name] > MAX_FRAGMENT_NESTING and not errors:
                errors.append(
                    GraphQLError(
                        f"Fragment '{name}' nests fragment spreads more than"
                        f" {MAX_FRAGMENT_NESTING} deep.",
                        fragments[name],
                    )
                )
            order.append(name)
        if errors:
            break
    return order


def _selection_cost(selection_set: SelectionSetNode, memo: dict[str, Cost]) -> Cost:
    """The expanded cost of a selection set whose spreads are all in `memo`.

    Recursion follows the document's own nesting, which the parser already bounded.
    """
    total = Cost()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = (
                _selection_cost(selection.selection_set, memo)
                if selection.selection_set
                else Cost()
            )
            counted = selection.selection_set and not selection.name.value.startswith("__")
            total = total + Cost(
                1 + inner.fields,
                (1 if selection.alias else 0) + inner.aliases,
                1 + inner.depth if counted else 0,
            )
        elif isinstance(selection, InlineFragmentNode):
            total = total + _selection_cost(selection.selection_set, memo)
        elif isinstance(selection, FragmentSpreadNode):
            total = total + memo[selection.name.value]
    return total
