#!/usr/bin/python3
"""An HTTP proxy in front of a test registry that damages what it relays, so the client's
verification can be tested against a real registry's answers.

Usage: faulty_proxy.py DIR UPSTREAM_PORT MODE
MODE: corrupt-blob      flips one byte in the middle of every blob body
      truncate-blob     sends a blob's headers (full Content-Length) and half its body, then
                        closes the connection
      corrupt-manifest  flips one byte of every manifest GET body (Docker-Content-Digest kept)
      huge-manifest     answers every manifest GET with a 5 MiB body of spaces
      huge-404          answers every manifest GET with a 404 and a 64 MiB body
      no-range          drops the Range header (a registry or CDN that ignores it: 200 + all)
      pass              relays unchanged
Writes DIR/port once listening on 127.0.0.1 (and, for huge-*, DIR/sent: the bytes written
before the client hung up). Everything else is relayed as is."""
import http.client, http.server, os, sys

upstream_port = int(sys.argv[2])
mode = sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: simple and enough for tests

    def log_message(self, *args):
        pass

    def relay(self, method):
        if mode.startswith("huge-") and method == "GET" and "/manifests/" in self.path:
            size = (5 if mode == "huge-manifest" else 64) * 1024 * 1024
            self.send_response(200 if mode == "huge-manifest" else 404)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            try:
                for _ in range(size // 65536):
                    self.wfile.write(b" " * 65536)
                    sent += 65536
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client refused it early, as it should
            with open(os.path.join(sys.argv[1], "sent"), "w") as f:
                f.write(str(sent))  # how much the client let through before it hung up
            return
        conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
        dropped = ("host", "connection") + (("range",) if mode == "no-range" else ())
        headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
        conn.request(method, self.path, headers=headers)
        resp = conn.getresponse()
        body = resp.read() if method == "GET" else b""
        is_blob = "/blobs/sha256:" in self.path and resp.status in (200, 206)
        is_manifest = "/manifests/" in self.path and resp.status == 200
        cut = False
        if method == "GET" and len(body) > 0:
            if (mode == "corrupt-blob" and is_blob) or (mode == "corrupt-manifest" and is_manifest):
                i = len(body) // 2
                body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1:]
            elif mode == "truncate-blob" and is_blob:
                cut = True
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.end_headers()
        if cut:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_GET(self):
        self.relay("GET")

    def do_HEAD(self):
        self.relay("HEAD")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
tmp = os.path.join(sys.argv[1], "port.tmp")
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, os.path.join(sys.argv[1], "port"))
server.serve_forever()
