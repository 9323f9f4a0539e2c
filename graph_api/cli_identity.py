"""`graph-api users`, `graph-api tokens` and `graph-api sessions assign` (CONTRACT.md §11).

Administration on the database itself (no caller: the policy lets the CLI do anything).
A token is printed once, when it is created; the database keeps only its hash.
Exit codes: 0 done, 1 rejected input.
"""

from __future__ import annotations

from typing import Annotated

import typer

from graph_api.cli_db import run_write
from graph_api.cli_help import DatabaseUrl, example

users_app = typer.Typer(help="Users who sign in with API tokens.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="API tokens: create (shown once), list, revoke.", no_args_is_help=True
)
sessions_app = typer.Typer(help="Sessions' ownership.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(sessions_app, name="sessions")


@users_app.command("add", epilog=example("graph-api users add ann"))
def users_add(
    name: Annotated[str, typer.Argument(help="The user's id (as it appears in userId).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user (then give them a token with `graph-api tokens create NAME`)."""
    from graph_api.services.identity import tokens

    created = run_write(database_url, lambda db: tokens.add_user(db=db, user_id=name))
    typer.echo(f"user {name} {'added' if created else 'exists already'}")


@tokens_app.command(
    "create",
    epilog=example("graph-api tokens create ann", "graph-api tokens create ann --expires 90"),
)
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token signs in as.")],
    expires: Annotated[
        int | None, typer.Option("--expires", help="Days until it expires [default: never]")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token and print it once (only its hash is kept)."""
    from graph_api.services.identity import tokens

    token, info = run_write(
        database_url,
        lambda db: tokens.create_token(db=db, user_id=name, expires_in_days=expires),
    )
    typer.echo(token)
    until = info.expires_at.isoformat() if info.expires_at else "never"
    typer.echo(f"token id {info.id} for {name}, expires {until}; it is not shown again", err=True)


@tokens_app.command("list", epilog=example("graph-api tokens list ann"))
def tokens_list(
    name: Annotated[str, typer.Argument(help="The user.")],
    database_url: DatabaseUrl = None,
) -> None:
    """List a user's tokens: id, created, expires, revoked (never the tokens themselves)."""
    from graph_api.services.identity import tokens

    infos = run_write(database_url, lambda db: tokens.list_tokens(db=db, user_id=name))
    typer.echo("id\tcreated\texpires\trevoked")
    for info in infos:
        expires = info.expires_at.isoformat() if info.expires_at else "never"
        revoked = info.revoked_at.isoformat() if info.revoked_at else "-"
        typer.echo(f"{info.id}\t{info.created_at.isoformat()}\t{expires}\t{revoked}")


@tokens_app.command("revoke", epilog=example("graph-api tokens revoke 3f2a9c0d1e4b5a6f"))
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (see `tokens list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token: refused from the next request on; its live subscriptions end."""
    from graph_api.services.identity import tokens

    info = run_write(database_url, lambda db: tokens.revoke_token(db=db, token_id=token_id))
    typer.echo(f"token {info.id} of {info.user_id} revoked")


@sessions_app.command(
    "assign",
    epilog=example("graph-api sessions assign 0b6c2d1e-5f7a-4c3b-9d8e-1a2b3c4d5e6f --user ann"),
)
def sessions_assign(
    session_id: Annotated[str, typer.Argument(metavar="ID", help="The session's id.")],
    user: Annotated[str, typer.Option("--user", help="The new owner.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Give a session an owner (sessions created before authentication have none)."""
    from graph_api.services.identity import sharing

    canonical = run_write(
        database_url, lambda db: sharing.assign_owner(db=db, session_id=session_id, user_id=user)
    )
    typer.echo(f"session {canonical} is owned by {user}")
