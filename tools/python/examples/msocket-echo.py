#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""msocket-echo: one asyncio echo server, one thread, listening in several
network stacks at once (no setns, no ip netns exec).

    msocket-echo.py [-p PORT] [-n MAX] STACK[=ADDRESS]...
    msocket-echo.py /dev/net/red=10.0.0.1 /dev/net/blue

Each line received is sent back prefixed with the stack's path. With -n it
exits after MAX connections.
"""

import argparse
import asyncio
import sys

import msocket


async def serve(specs, port, limit):
    done = asyncio.Event()
    count = 0

    def handler(path):
        async def handle(reader, writer):
            nonlocal count
            try:
                async for line in reader:
                    writer.write(path.encode() + b": " + line)
                    await writer.drain()
            finally:
                writer.close()
                count += 1
                if limit and count >= limit:
                    done.set()
        return handle

    servers = []
    for spec in specs:
        path, _, address = spec.partition("=")
        stack = msocket.Stack(path)
        sock = stack.create_server((address or "0.0.0.0", port))
        stack.close()  # the listening socket stays in the stack
        servers.append(await asyncio.start_server(handler(path), sock=sock))
        print("msocket-echo: %s %s:%d" % (path, address or "0.0.0.0", port), flush=True)
    if limit:
        await done.wait()
    else:
        await asyncio.Event().wait()
    for server in servers:
        server.close()
        await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description="an echo server in several stacks at once")
    parser.add_argument("-p", "--port", type=int, default=7)
    parser.add_argument("-n", "--max", type=int, default=0, help="exit after MAX connections")
    parser.add_argument("stacks", nargs="+", metavar="STACK[=ADDRESS]")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.stacks, args.port, args.max))
    except OSError as e:
        print("msocket-echo: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
