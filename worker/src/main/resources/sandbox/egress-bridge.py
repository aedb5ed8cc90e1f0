"""Runs a dependency download inside the sandbox, whose only way out is the worker's egress
proxy: listens on 127.0.0.1:3128 (the sandbox's own loopback), forwards each connection to the
proxy's Unix socket, and runs the command given after the socket path. No shell is involved.

Usage: python3 egress-bridge.py SOCKET COMMAND [ARGS...]
"""
import socket
import subprocess
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(listener, path):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


def main():
    path, command = sys.argv[1], sys.argv[2:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 3128))
    listener.listen(64)
    threading.Thread(target=serve, args=(listener, path), daemon=True).start()
    sys.exit(subprocess.call(command))


if __name__ == "__main__":
    main()
