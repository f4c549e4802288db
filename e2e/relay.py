"""A recording TCP relay between HAIA and the model server, on 127.0.0.1: every byte passes through unchanged (a
client closing its side closes the server's, as without the relay), and a copy of each connection's traffic is kept
so the run can see exactly what HAIA sent and what the real server answered, and save them as test fixtures."""

import json
import socket
import threading
import time


class Relay:
    def __init__(self, target_port):
        self.target = ('127.0.0.1', target_port)
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(('127.0.0.1', 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.connections = []  # Connection, in the order they were opened
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self._accept, daemon=True, name='relay-accept').start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            connection = Connection()
            with self.lock:
                self.connections.append(connection)
            threading.Thread(target=self._pump, args=(client, upstream, connection.sent), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, connection.received), daemon=True).start()

    @staticmethod
    def _pump(source, sink, record):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                record.append((time.monotonic(), data))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # one side ended: end both, as a direct connection would
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    @staticmethod
    def mark():
        return time.monotonic()

    def exchanges(self, since=0):
        """Every request/response pair whose request began after mark `since`, in the order they began (HAIA's
        pooled connections carry several, one after another)."""
        with self.lock:
            connections = list(self.connections)
        pairs = []
        for c in connections:
            pairs.extend(e for e in c.exchanges() if e['at'] >= since)
        return sorted(pairs, key=lambda e: e['at'])

    def chat_requests(self, since=0):
        """Model calls with their answers. A request on a pooled connection the server closed got none: HAIA sends
        it once more on a new connection (the server closes one after an empty stream), and only that one counts."""
        return [e for e in self.exchanges(since)
                if e['request']['path'].endswith('/chat/completions') and e['response'] is not None]

    def dump(self, directory):
        """Each connection's raw bytes, for a look at a failed run."""
        with self.lock:
            connections = list(self.connections)
        for i, c in enumerate(connections):
            (directory / f'relay-{i:03d}-sent.bin').write_bytes(b''.join(d for _, d in c.sent))
            (directory / f'relay-{i:03d}-received.bin').write_bytes(b''.join(d for _, d in c.received))

    def close(self):
        self.running = False
        self.server.close()


class Connection:
    def __init__(self):
        self.sent = []      # bytes HAIA sent
        self.received = []  # bytes the server answered
        self.opened = time.monotonic()

    def exchanges(self):
        sent = list(self.sent)
        requests = parse_messages(b''.join(d for _, d in sent), request=True)
        responses = parse_messages(b''.join(d for _, d in list(self.received)), request=False)
        # when each request began: the time of the piece its first byte arrived in
        starts, offset, pieces = [], 0, []
        for t, d in sent:
            pieces.append((offset, t))
            offset += len(d)
        for req in requests:
            starts.append(max((t for o, t in pieces if o <= req['offset']), default=self.opened))
        return [{'request': req, 'response': responses[i] if i < len(responses) else None, 'at': starts[i]}
                for i, req in enumerate(requests)]


def parse_messages(data, request):
    """HTTP/1.1 messages, one after another: start line, headers, a body by Content-Length or chunked (or, for a
    response, whatever came until the connection closed). A message cut off is returned as far as it came."""
    messages = []
    consumed = 0
    while data:
        head_end = data.find(b'\r\n\r\n')
        if head_end < 0:
            break
        data_before = data
        lines = data[:head_end].decode('latin-1').split('\r\n')
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip()] = value.strip()
        lower = {k.lower(): v for k, v in headers.items()}
        rest = data[head_end + 4:]
        complete = True
        if 'content-length' in lower:
            length = int(lower['content-length'])
            body, data = rest[:length], rest[length:]
            complete = len(body) == length
        elif lower.get('transfer-encoding', '').lower() == 'chunked':
            body, data, complete = dechunk(rest)
        elif request:
            body, data = b'', rest
        else:
            body, data = rest, b''
        message = {'headers': headers, 'body': body.decode('utf-8', 'replace'), 'complete': complete,
                   'offset': consumed}
        consumed += len(data_before) - len(data)
        if request:
            method, path, _ = lines[0].split(' ', 2)
            message.update(method=method, path=path)
            try:
                message['json'] = json.loads(message['body']) if message['body'] else None
            except ValueError:
                message['json'] = None
        else:
            message['status'] = int(lines[0].split(' ')[1])
        messages.append(message)
    return messages


def dechunk(data):
    body = b''
    while True:
        line_end = data.find(b'\r\n')
        if line_end < 0:
            return body, b'', False
        size = int(data[:line_end].split(b';')[0], 16)
        data = data[line_end + 2:]
        if size == 0:
            trailer_end = data.find(b'\r\n')
            return body, data[trailer_end + 2:] if trailer_end >= 0 else b'', True
        body += data[:size]
        if len(data) < size + 2:
            return body, b'', False
        data = data[size + 2:]
