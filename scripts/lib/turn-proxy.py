#!/usr/bin/env python3
"""A TCP proxy that counts a client's turns, and can make each one cost a simulated network round trip.

    turn-proxy.py LISTEN_PORT TARGET_PORT LOG [--delay-ms MS]

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to 127.0.0.1:TARGET_PORT (PostgreSQL). A turn is
the client sending after it has received something since its own last send, or its first send: what costs one
network round trip against a database in another zone, however many packets or messages the turn holds (libpq's
pipeline mode sends several statements in one turn). When a connection closes, one line is appended to LOG:

    conn SEQ turns N c2s BYTES s2c BYTES

With --delay-ms, the first bytes of every turn are held MS milliseconds before they are forwarded (the rest of the
turn follows them, in order): a client that waits for each answer then pays MS per turn, as over a link with that
round trip. PostgreSQL's Terminate message sent alone is not counted or held: nothing waits for an answer to it.
Runs until SIGTERM or SIGINT. scripts/bench-turns uses it; Python 3's standard library only.
"""

import argparse
import signal
import socket
import sys
import threading
import time


# PostgreSQL's Terminate message.
TERMINATE = b"X\x00\x00\x00\x04"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_port", type=int)
    parser.add_argument("log")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    delay = args.delay_ms / 1000.0
    log_lock = threading.Lock()
    sequence = 0

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.listen_port))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)

    def serve(client: socket.socket, number: int) -> None:
        server = socket.create_connection(("127.0.0.1", args.target_port))
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state = {"received": True, "turns": 0, "c2s": 0, "s2c": 0}

        def client_to_server() -> None:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                # Set by the other direction's thread when the client got bytes: this send starts a new turn.
                # Terminate (`X`, length 4) alone is no turn: the client closes without waiting for an answer.
                if state["received"] and data != TERMINATE:
                    state["received"] = False
                    state["turns"] += 1
                    if delay:
                        time.sleep(delay)
                state["c2s"] += len(data)
                server.sendall(data)
            try:
                server.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        def server_to_client() -> None:
            while True:
                try:
                    data = server.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                state["s2c"] += len(data)
                state["received"] = True
                try:
                    client.sendall(data)
                except OSError:
                    break
            try:
                client.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        upstream = threading.Thread(target=client_to_server, daemon=True)
        upstream.start()
        server_to_client()
        upstream.join()
        client.close()
        server.close()
        with log_lock, open(args.log, "a") as log:
            log.write(f"conn {number} turns {state['turns']} c2s {state['c2s']} s2c {state['s2c']}\n")

    while True:
        client, _ = listener.accept()
        sequence += 1
        threading.Thread(target=serve, args=(client, sequence), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, SystemExit):
        pass
