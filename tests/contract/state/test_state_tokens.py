"""SqlTokenStore: Fortnox tokens in the state database, refreshed one at a time."""

from __future__ import annotations

import asyncio
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wfsync.clock import FakeClock
from wfsync.fortnox.tokens import TokenSet, TokenStore
from wfsync.state import Link, SqlTokenStore, StateError, StateStore
from wfsync.state.models import TokenRow

FAST = 0.005  # poll interval for tests: waiting is real time, keep it short


@pytest.fixture
def tokens(store: StateStore) -> SqlTokenStore:
    return SqlTokenStore(store, poll_interval=FAST)


@pytest.fixture
def other_tokens(other_store: StateStore) -> SqlTokenStore:
    return SqlTokenStore(other_store, poll_interval=FAST)


def token_set(refresh: str, *, access: str = "access") -> TokenSet:
    return TokenSet(
        access_token=access,
        access_expires_at=datetime(2026, 1, 15, 10, 0, tzinfo=UTC),
        refresh_token=refresh,
        refresh_expires_at=datetime(2026, 2, 14, 9, 0, tzinfo=UTC),
        scope="customer article order invoice",
    )


async def refresh_once(store: TokenStore, spent: list[str]) -> None:
    """What the Fortnox client does: load, spend the refresh token, save the new one."""
    async with store.exclusive():
        current = await store.load()
        assert current is not None and current.refresh_token is not None
        spent.append(current.refresh_token)
        await asyncio.sleep(FAST)  # the HTTP call to the token endpoint
        number = int(current.refresh_token.removeprefix("r")) + 1
        await store.save(token_set(f"r{number}"))


def test_implements_the_token_store_protocol(tokens: SqlTokenStore) -> None:
    store: TokenStore = tokens
    assert store is tokens


async def test_load_is_none_before_the_first_save(tokens: SqlTokenStore) -> None:
    assert await tokens.load() is None


async def test_save_then_load_round_trips(
    tokens: SqlTokenStore, other_tokens: SqlTokenStore
) -> None:
    saved = token_set("r1", access="a1").model_copy(update={"tenant_id": "t-42"})
    await tokens.save(saved)
    assert await other_tokens.load() == saved

    await tokens.save(TokenSet(access_token="cc", access_expires_at=None, refresh_token=None))
    assert await other_tokens.load() == TokenSet(access_token="cc")


async def test_expiry_comes_back_as_aware_utc(tokens: SqlTokenStore) -> None:
    cet = timezone(timedelta(hours=1))
    await tokens.save(
        TokenSet(access_token="a", access_expires_at=datetime(2026, 1, 15, 11, 0, tzinfo=cet))
    )
    loaded = await tokens.load()
    assert loaded is not None and loaded.access_expires_at is not None
    assert loaded.access_expires_at.tzinfo == UTC
    assert loaded.access_expires_at == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


async def test_names_are_separate(store: StateStore, tokens: SqlTokenStore) -> None:
    other = SqlTokenStore(store, "fortnox-sandbox")
    await tokens.save(token_set("r1"))
    assert await other.load() is None
    await other.save(token_set("s1"))
    loaded = await tokens.load()
    assert loaded is not None and loaded.refresh_token == "r1"


async def test_save_commits_even_inside_a_transaction_that_fails(
    store: StateStore, tokens: SqlTokenStore
) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        await tokens.save(token_set("r2"))
        store.save_link(Link(kind="customer", webcrm_id="1"))
        raise RuntimeError("crash after the token rotated")

    loaded = await tokens.load()
    assert loaded is not None and loaded.refresh_token == "r2"
    assert store.links("customer") == []


async def test_secrets_appear_in_no_repr_or_database_error(
    store: StateStore, tokens: SqlTokenStore
) -> None:
    await tokens.save(token_set("SECRET-REFRESH", access="SECRET-ACCESS"))
    loaded = await tokens.load()
    assert loaded is not None

    assert "fortnox" in repr(tokens)
    assert "SECRET" not in repr(tokens) + repr(store)
    duplicate = TokenRow(
        name="fortnox",
        access_token="SECRET-ACCESS",
        scope="",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert "SECRET" not in repr(duplicate)
    with Session(store.engine) as session, pytest.raises(IntegrityError) as caught:
        session.add(duplicate)
        session.flush()
    assert "SECRET" not in str(caught.value)


async def test_second_store_waits_until_the_first_saved_then_loads_the_new_token(
    tokens: SqlTokenStore, other_tokens: SqlTokenStore
) -> None:
    await tokens.save(token_set("r1"))
    first_inside = asyncio.Event()
    events: list[str] = []
    seen_by_second: list[TokenSet | None] = []

    async def first() -> None:
        async with tokens.exclusive():
            first_inside.set()
            await asyncio.sleep(0.05)  # refreshing over the network
            await tokens.save(token_set("r2"))
            events.append("first saved")

    async def second() -> None:
        await first_inside.wait()
        async with other_tokens.exclusive():
            events.append("second inside")
            seen_by_second.append(await other_tokens.load())

    await asyncio.gather(first(), second())

    assert events == ["first saved", "second inside"]
    assert seen_by_second[0] is not None and seen_by_second[0].refresh_token == "r2"


async def test_tasks_sharing_one_store_never_spend_a_token_twice(
    tokens: SqlTokenStore,
) -> None:
    await tokens.save(token_set("r0"))
    spent: list[str] = []

    await asyncio.gather(*(refresh_once(tokens, spent) for _ in range(5)))

    assert spent == ["r0", "r1", "r2", "r3", "r4"]


def test_threads_with_their_own_stores_never_spend_a_token_twice(
    state_url: str, clock: FakeClock
) -> None:
    spent: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        store = StateStore.open(state_url, clock=clock)
        try:
            asyncio.run(_refresh_three_times(SqlTokenStore(store, poll_interval=FAST), spent))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            store.close()

    with closing(StateStore.open(state_url, clock=clock)) as store:
        asyncio.run(SqlTokenStore(store).save(token_set("r0")))
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(spent, key=lambda r: int(r[1:])) == [f"r{n}" for n in range(9)]


async def _refresh_three_times(store: SqlTokenStore, spent: list[str]) -> None:
    for _ in range(3):
        await refresh_once(store, spent)


async def test_an_exception_inside_releases_the_lock(
    tokens: SqlTokenStore, other_tokens: SqlTokenStore
) -> None:
    with pytest.raises(RuntimeError):
        async with tokens.exclusive():
            raise RuntimeError("refresh failed")

    async with asyncio.timeout(1), other_tokens.exclusive():
        pass


async def test_waiting_too_long_is_a_clear_error(
    store: StateStore, other_store: StateStore
) -> None:
    holder = SqlTokenStore(store)
    impatient = SqlTokenStore(other_store, poll_interval=FAST, wait_limit=0.05)
    async with holder.exclusive():
        with pytest.raises(StateError, match="fortnox token lock"):
            async with impatient.exclusive():
                pass


async def test_different_names_do_not_block_each_other(
    store: StateStore, other_store: StateStore
) -> None:
    sandbox = SqlTokenStore(other_store, "sandbox", wait_limit=0.05)
    async with SqlTokenStore(store).exclusive(), sandbox.exclusive():
        await sandbox.save(token_set("s1"))
    assert (await sandbox.load()) is not None
