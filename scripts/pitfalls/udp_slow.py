# A stand-in UDP server for scripts/pitfalls.sh: it answers as the notebook's server does
# ("Aquí va mi respuesta para HOST."), but only after DELAY seconds, or never. For each datagram
# it first prints where it came from, "from HOST:PORT", so a script learns the client's port.
#
#     python3 scripts/pitfalls/udp_slow.py DELAY     # DELAY: seconds, or "never"
#
# It prints "listening on 127.0.0.1:PORT" (port 0: one the OS picks), then serves until stopped.
import socket
import sys
import time

delay = sys.argv[1]
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", 0))
print("listening on %s:%d" % server.getsockname(), flush=True)
while True:
    data, (host, port) = server.recvfrom(65535)
    print("from %s:%d" % (host, port), flush=True)
    if delay != "never":
        time.sleep(float(delay))
        server.sendto(("Aquí va mi respuesta para %s." % host).encode("utf-8"), (host, port))
