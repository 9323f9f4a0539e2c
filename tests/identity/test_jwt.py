"""JWTs from an identity provider, with keys made in the test (CONTRACT.md §11).

RS256, ES256 and EdDSA verify (from a PEM key or a JWKS file); `alg: none`, HS256
(even signed with the public key's bytes), expired, not-yet-valid, wrong issuer and
wrong audience tokens are refused with 401 UNAUTHENTICATED.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from graph_api.app import create_app
from graph_api.config import Settings

ME = "{ me { id } }"
ISSUER, AUDIENCE = "https://idp.example", "graph-api"


def _private_key(alg: str) -> Any:
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def _pem(key: Any) -> bytes:
    return bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "carol", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.fixture
def app_for(settings: Settings) -> Any:
    async def client(**config: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(
            settings.model_copy(
                update={
                    "auth": "required",
                    "jwt_issuer": ISSUER,
                    "jwt_audience": AUDIENCE,
                    **config,
                }
            )
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield http

    return client


async def _me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("source", ["pem", "jwks"])
async def test_asymmetric_tokens_verify(
    alg: str, source: str, app_for: Any, tmp_path: Path
) -> None:
    key = _private_key(alg)
    if source == "pem":
        path = tmp_path / "key.pem"
        path.write_bytes(_pem(key))
        config = {"jwt_public_key_file": path}
    else:
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
        jwk["kid"] = "k1"
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps({"keys": [jwk]}))
        config = {"jwks_file": path}
    token = jwt.encode(_claims(), key, algorithm=alg, headers={"kid": "k1"})
    async for http in app_for(**config):
        response = await _me(http, token)
        assert response.json() == {"data": {"me": {"id": "carol"}}}
        created = await http.post(
            "/graphql",
            json={"query": "mutation { createSession { userId myRole } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.json()["data"]["createSession"] == {"userId": "carol", "myRole": "OWNER"}


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _hs256_with_public_key(key: Any) -> str:
    # The classic confusion attack: HMAC keyed with the public key's PEM bytes.
    import hashlib
    import hmac

    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(json.dumps(_claims()).encode())
    signing_input = header + b"." + body
    signature = hmac.new(_pem(key), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()


REFUSED = {
    "alg none": lambda key: _unsigned(_claims()),
    "HS256 keyed with the public key": _hs256_with_public_key,
    "expired beyond the leeway": lambda key: jwt.encode(
        _claims(exp=int(time.time()) - 120), key, algorithm="RS256"
    ),
    "not yet valid beyond the leeway": lambda key: jwt.encode(
        _claims(nbf=int(time.time()) + 120), key, algorithm="RS256"
    ),
    "wrong issuer": lambda key: jwt.encode(_claims(iss="https://evil"), key, algorithm="RS256"),
    "wrong audience": lambda key: jwt.encode(_claims(aud="other"), key, algorithm="RS256"),
    "no subject": lambda key: jwt.encode(_claims(sub=None), key, algorithm="RS256"),
    "another key": lambda key: jwt.encode(_claims(), _private_key("RS256"), algorithm="RS256"),
    "garbage": lambda key: "not.a.jwt",
}


async def test_refused_tokens(app_for: Any, tmp_path: Path) -> None:
    key = _private_key("RS256")
    path = tmp_path / "key.pem"
    path.write_bytes(_pem(key))
    got = {}
    async for http in app_for(jwt_public_key_file=path):
        for name, make in REFUSED.items():
            response = await _me(http, make(key))
            assert response.headers["www-authenticate"].startswith("Bearer")
            got[name] = (response.status_code, response.json()["errors"][0]["extensions"]["code"])
        # Within the 60 s leeway: still accepted.
        late = jwt.encode(_claims(exp=int(time.time()) - 30), key, algorithm="RS256")
        assert (await _me(http, late)).json() == {"data": {"me": {"id": "carol"}}}
    assert got == dict.fromkeys(REFUSED, (401, "UNAUTHENTICATED"))
