# A line server in the notebook's style, for scripts/pitfalls.sh framing: it takes each recv for
# one message, a line, and answers the text up to its first \n in upper case. Where TCP joins
# two lines in one read, or cuts one line in two, it answers wrong.
#
#     python3 scripts/pitfalls/lines_recv.py      # prints "listening on 127.0.0.1:PORT"
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
sock.listen()
print("listening on %s:%d" % sock.getsockname(), flush=True)
while True:
    socket_cliente, address = sock.accept()
    while True:
        data = socket_cliente.recv(4096)  # "the client's line"
        if not data:
            break
        line = data.decode("utf-8").partition("\n")[0]
        socket_cliente.sendall((line.upper() + "\n").encode("utf-8"))
    socket_cliente.close()
