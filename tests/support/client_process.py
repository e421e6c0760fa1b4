"""A Proxim client in its own process: pairs with the link given, prints `connected`, then stays until killed."""

from __future__ import annotations

import asyncio
import sys

from proxim_tray.client import ProximClient


async def main(url: str) -> None:
    client = ProximClient(url, device_name="Client process")
    await client.start()
    await client.expect("pending", timeout=30)
    await client.expect("approved", timeout=30)
    await client.expect("answer")
    await client.wait_connected()
    print("connected", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
