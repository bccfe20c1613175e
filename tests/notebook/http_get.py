# The notebook's complete "Cliente TCP" cell, its GET to python.org, as it is there but for where
# it connects. Changed lines say "changed:".
#     python3 tests/notebook/http_get.py HOST PORT
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

try:
    sock.connect((sys.argv[1], int(sys.argv[2])))  # changed: ('python.org', 80)
    sock.sendall('GET / HTTP/1.1\n\n\n'.encode('ascii'))
    data = sock.recv(4096)
    print(data.decode('ascii'))
except ConnectionError as e:
    print("Ocurrió un error.")
finally:
    # ¡No olvidemos cerrar la conexión!
    sock.close()
