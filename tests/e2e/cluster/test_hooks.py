"""webCRM hooks in the cluster: `wfsync tenants hooks` registers a tenant's hooks
and records its token; the router answers each tenant's callbacks and sends
that tenant's webCRM cycle once per burst; unknown tokens and disabled tenants
are a 404 (real PostgreSQL and Redis, the webCRM simulator served on a port)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.cluster.conftest import unique
from tests.e2e.cluster.served import Pair, Simulators, serve_simulators, tenant_toml

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_callbacks_reach_their_tenant_once_per_burst(tenants: Any, redis_url: str) -> None:
    import redis

    from wfsync.cluster.hooks import HookRouter, register_hooks
    from wfsync.runtime.events_webcrm import HOOK_PATH

    sims = Simulators({})
    one, two = unique("hk"), unique("hk")
    with serve_simulators(sims) as base:
        for name in (one, two):
            sims.pairs[name] = Pair(name)
            tenants.add(name, tenant_toml(sims.pairs[name], base))
            created = asyncio.run(register_hooks(tenants, name, "https://hooks.example.com"))
            assert created > 0
            again = asyncio.run(register_hooks(tenants, name, "https://hooks.example.com"))
            assert again == 0  # registering twice changes nothing
        urls = [h.fields["TargetUrl"] for h in sims.pairs[one].webcrm.hooks._hooks.values()]
        assert urls and all(u.startswith("https://hooks.example.com" + HOOK_PATH) for u in urls)
    token = urls[0].removeprefix("https://hooks.example.com" + HOOK_PATH + "/").split("/")[0]

    client = redis.Redis.from_url(redis_url)
    prefix = f"wfsync-test-hook:{uuid.uuid4().hex}"
    sent: list[tuple[str, float]] = []

    def claim(tenant: str, seconds: float) -> bool:
        return bool(client.set(f"{prefix}:{tenant}", "1", nx=True, px=int(seconds * 1000)))

    router = HookRouter(tenants, lambda t, c: sent.append((t, c)), claim, debounce=30)

    async def call(path: str) -> int:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://hooks") as http:
            return (await http.post(path, content=b'{"whatever": 1}')).status_code

    try:
        good = f"{HOOK_PATH}/{token}/organisations/update"
        assert [asyncio.run(call(good)) for _ in range(5)] == [200] * 5
        assert sent == [(one, 30)]  # a burst is one cycle, for the right tenant
        assert asyncio.run(call(f"{HOOK_PATH}/{'x' * 43}/organisations/update")) == 404
        assert asyncio.run(call(f"{HOOK_PATH}/{token}/secrets/update")) == 404
        tenants.set_enabled(one, False)
        router._cache.clear()
        assert asyncio.run(call(good)) == 404
        assert sent == [(one, 30)]
    finally:
        client.delete(f"{prefix}:{one}")
        client.close()
