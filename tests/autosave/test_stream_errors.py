"""Errors of streamed results (subscriptions) get their codes like any other error."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from graph_api.errors import SessionNotFound
from graph_api.events.broker import SubscriberOverflow
from graph_api.graphql.extensions import translate_stream_error


def test_an_error_with_a_code_keeps_it():
    error = translate_stream_error(GraphQLError("gone", original_error=SessionNotFound("x")))
    assert error.extensions == {"code": "SESSION_NOT_FOUND"}
    overflow = translate_stream_error(GraphQLError("slow", original_error=SubscriberOverflow(3)))
    assert overflow.extensions is not None
    assert overflow.extensions["code"] == "LIMIT_EXCEEDED"


def test_an_unexpected_error_in_a_stream_is_masked_and_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="graph_api.graphql"):
        error = translate_stream_error(
            GraphQLError("SELECT secret FROM pg_shadow", original_error=RuntimeError("secret"))
        )
    assert error.extensions == {"code": "INTERNAL_ERROR"}
    assert "secret" not in error.message
    assert "unexpected error in a subscription" in caplog.text
