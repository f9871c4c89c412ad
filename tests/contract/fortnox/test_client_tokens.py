"""FileTokenStore: private JSON file, and exclusive() serialises stores and processes."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from wfsync.fortnox.tokens import FileTokenStore, TokenSet

TOKENS = TokenSet(
    access_token="a1",
    access_expires_at=datetime(2026, 1, 15, 10, 0, tzinfo=UTC),
    refresh_token="r1",
    scope="customer article",
)


async def test_round_trip_in_a_private_file(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "state" / "fortnox-tokens.json")
    assert await store.load() is None
    await store.save(TOKENS)
    assert await store.load() == TOKENS
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    await store.save(TOKENS.model_copy(update={"refresh_token": "r2"}))
    loaded = await store.load()
    assert loaded is not None and loaded.refresh_token == "r2"
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["fortnox-tokens.json"]


async def test_two_stores_on_one_file_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first, second = FileTokenStore(path), FileTokenStore(path)
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with first.exclusive():
            order.append("first in")
            await release.wait()
            await first.save(TOKENS)
            order.append("first out")

    async def waiter() -> None:
        async with second.exclusive():
            order.append("second in")
            seen = await second.load()
            assert seen == TOKENS  # what the previous holder saved

    hold = asyncio.create_task(holder())
    while not order:
        await asyncio.sleep(0)
    wait = asyncio.create_task(waiter())
    await asyncio.sleep(0.1)
    assert order == ["first in"]  # the second store is blocked on the OS lock
    release.set()
    await asyncio.gather(hold, wait)
    assert order == ["first in", "first out", "second in"]


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from wfsync.fortnox.tokens import FileTokenStore, TokenSet

    async def main():
        store = FileTokenStore(sys.argv[1])
        async with store.exclusive():
            print("locked", flush=True)
            sys.stdin.readline()
            await store.save(TokenSet(access_token="child", refresh_token="rotated"))

    asyncio.run(main())
    """
)


async def test_another_process_holding_the_lock_blocks_us(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert await asyncio.to_thread(child.stdout.readline) == "locked\n"
        store = FileTokenStore(path)
        acquired = asyncio.Event()

        async def take() -> TokenSet | None:
            async with store.exclusive():
                acquired.set()
                return await store.load()

        task = asyncio.create_task(take())
        await asyncio.sleep(0.15)
        assert not acquired.is_set()
        child.stdin.write("go\n")
        child.stdin.flush()
        seen = await asyncio.wait_for(task, timeout=10)
        assert seen is not None and seen.refresh_token == "rotated"
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
