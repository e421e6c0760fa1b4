"""proxim-hello's tests, with Proxim's test kit: a real host in the test's event loop and a real client."""

from __future__ import annotations

import asyncio
import json

from proxim_hello import HelloPlugin

from proxim_tray import FULL_CONTROL, testing

TIMEOUT = 20.0


async def test_the_device_is_greeted_once_allowed() -> None:
    async with (
        testing.running_host(HelloPlugin(), settings={"hello": {"greeting": "Howdy"}}) as host,
        host.client(grant=FULL_CONTROL | {"hello"}) as client,
    ):
        channel = await client.plugin_channel("hello", TIMEOUT)
        answers: asyncio.Queue[str] = asyncio.Queue()
        channel.on("message", answers.put_nowait)
        channel.send(json.dumps({"t": "greet", "name": "Ada"}))
        answer = json.loads(await asyncio.wait_for(answers.get(), TIMEOUT))
        assert answer == {"t": "greeting", "text": "Howdy, Ada!"}
        assert host.audit_records == [{"event": "hello_greeted", "device": "Test device", "name": "Ada"}]


async def test_without_the_permission_there_is_no_channel() -> None:
    async with testing.running_host(HelloPlugin()) as host, host.client(grant=FULL_CONTROL) as client:
        request_permissions = (await asyncio.wait_for(client.control_messages.get(), TIMEOUT))["permissions"]
        assert "hello" not in request_permissions
        try:
            await client.plugin_channel("hello", 1.0)
        except TimeoutError:
            pass
        else:
            raise AssertionError("the hello channel opened without the permission")
