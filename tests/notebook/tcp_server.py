# The notebook's "Servidor TCP" cell (the complete one, that stops after five clients), as it is
# there but for what running it beside other programs needs. Changed lines say "changed:".
#     python3 -u tests/notebook/tcp_server.py HOST PORT [CLIENTS]
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

# Así podemos obtener el hostname de la máquina.
host = sys.argv[1]  # changed: socket.gethostname()
port = int(sys.argv[2])  # changed: 9000 (0 lets the OS pick a free port)

sock.bind((host, port))
sock.listen()
print("listening on %s:%d" % sock.getsockname(), flush=True)  # changed: added, to say where

counter = 0
while counter < (int(sys.argv[3]) if len(sys.argv) > 3 else 5):  # changed: 5 unless given
    try:
        socket_cliente, address = sock.accept()
        print("Conexión aceptada desde", address)
        socket_cliente.sendall("Gracias por conectarte\n".encode("ascii"))
        socket_cliente.close()
        counter += 1
    except ConnectionError:
        print("Ocurrió un error.")

sock.close()
