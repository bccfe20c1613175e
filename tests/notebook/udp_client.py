# The notebook's "Cliente UDP" cells, as they are there but for where they send. Changed lines
# say "changed:".
#     python3 tests/notebook/udp_client.py HOST PORT
import socket
import sys

server_host = sys.argv[1]  # changed: socket.gethostname()
server_port = int(sys.argv[2])  # changed: 15000

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mensaje = "Hola, simplemente te estoy enviando un mensaje.".encode('ascii')
sock.sendto(mensaje, (server_host, server_port))

data, (host_origen, puerto_origen) = sock.recvfrom(4096)
print(data.decode('utf-8'))

sock.close()
