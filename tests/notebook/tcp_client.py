# The notebook's client cell for its TCP server, as it is there but for what running it beside
# other programs needs. Changed lines say "changed:".
#     python3 tests/notebook/tcp_client.py HOST PORT
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

# Obtenemos el nombre de la máquina a la que nos queremos conectar.
# En este caso, nos queremos conectar a esta misma máquina.
host = sys.argv[1]  # changed: socket.gethostname()
port = int(sys.argv[2])  # changed: 9000

sock.connect((host, port))
data = sock.recv(4096)
print(data.decode("ascii"))
print("lol")
sock.close()
