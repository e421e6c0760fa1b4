"""A Proxim client in its own process: pairs with the link given, prints `connected`, then stays until killed.

With ``--send-bad``, it then sends a control message the host refuses every 10 ms, so the host keeps answering."""

from __future__ import annotations

import asyncio
import sys

from proxim_tray.client import ProximClient

BAD_MESSAGE_EVERY = 0.01


async def main(url: str, send_bad: bool) -> None:
    client = ProximClient(url, device_name="Client process")
    await client.start()
    await client.expect("pending", timeout=30)
    await client.expect("approved", timeout=30)
    await client.expect("answer")
    await client.wait_connected()
    print("connected", flush=True)
    while send_bad:
        client.control({"t": "nope"})
        await asyncio.sleep(BAD_MESSAGE_EVERY)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "--send-bad" in sys.argv[2:]))
