# A stand-in TCP server for scripts/pitfalls.sh: it sends each client its reply in pieces, one
# write per piece with a pause between them, as a real server does when its data comes in
# parts (from a disk, from another server). Then it closes, without a reset: it stops sending
# first, and reads whatever the client sent until the client closes too.
#
#     python3 scripts/pitfalls/tcp_pieces.py [--http] SIZE[,SIZE...] [PAUSE]
#
# SIZE: bytes of text in each write, in lines of 50 bytes ("line 0001: ....\n"), so a cut shows
# where it falls. PAUSE: seconds between writes (default 0.2). With --http, a first write comes
# before them: an HTTP/1.0 response head for a body made of the pieces. It prints
# "listening on 127.0.0.1:PORT" (port 0: one the OS picks), then serves clients until stopped.
import socket
import sys
import time

args = sys.argv[1:]
http = args[:1] == ["--http"]
args = args[1:] if http else args
sizes = [int(size) for size in args[0].split(",")]
pause = float(args[1]) if len(args) > 1 else 0.2

text = "".join("line %04d: %s\n" % (n, "." * 38) for n in range(1, 1 + sum(sizes) // 50 + 1))
pieces, at = [], 0
for size in sizes:
    pieces.append(text[at:at + size].encode("ascii"))
    at += size
if http:
    head = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % at
    pieces.insert(0, head.encode("ascii"))

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen()
print("listening on %s:%d" % server.getsockname(), flush=True)
while True:
    client, address = server.accept()
    try:
        for n, piece in enumerate(pieces):
            if n > 0:
                time.sleep(pause)
            client.sendall(piece)
        client.shutdown(socket.SHUT_WR)  # all sent: our FIN
        client.settimeout(5)
        while client.recv(4096):  # whatever the client sent, until it closes
            pass
    except OSError:
        pass  # the client went away early: its business
    client.close()
