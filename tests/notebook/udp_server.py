# The notebook's "Servidor UDP" cell, as it is there but for what running it beside other
# programs needs. Changed lines say "changed:".
#     python3 -u tests/notebook/udp_server.py HOST PORT
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

# Con un string vacío como argumento del bind, indicamos que el socket es
# alcanzable desde cualquier dirección que pueda tener el servidor.
sock.bind((sys.argv[1], int(sys.argv[2])))  # changed: ("", 15000)
print("listening on %s:%d" % sock.getsockname(), flush=True)  # changed: added, to say where

while True:
    data, (host_cliente, puerto_cliente) = sock.recvfrom(4096)
    print(data.decode('ascii'))
    respuesta = f"Aquí va mi respuesta para {host_cliente}."
    sock.sendto(respuesta.encode('utf-8'), (host_cliente, puerto_cliente))
