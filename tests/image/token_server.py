#!/usr/bin/python3
"""A minimal Docker token server for tests: issues RS256 JWTs that Distribution 2.8's `token`
auth accepts (signed by a key whose self-signed certificate is the registry's rootcertbundle,
named by its libtrust key id in the JWT's `kid`).

Usage: token_server.py DIR [USER:PASSWORD]
Writes DIR/cert.pem, then DIR/port (the port it listens on, 127.0.0.1) once ready.
GET /token?service=S&scope=repository:NAME:ACTIONS -> {"token", "access_token", "expires_in"}.
With USER:PASSWORD, requests must carry that Basic auth (else 401); without, tokens are
anonymous. Counts issued tokens in DIR/issued (one line per token: the scope)."""
import base64, datetime, hashlib, http.server, json, os, sys, time, urllib.parse, uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ISSUER = "shoal-test-issuer"


def libtrust_kid(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def main():
    out_dir = sys.argv[1]
    creds = sys.argv[2] if len(sys.argv) > 2 else None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shoal-test-token")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with open(os.path.join(out_dir, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    kid = libtrust_kid(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    issued_path = os.path.join(out_dir, "issued")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            if creds is not None:
                want = "Basic " + base64.b64encode(creds.encode()).decode()
                if self.headers.get("Authorization") != want:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            access = []
            for scope in q.get("scope", []):
                parts = scope.split(":")
                if len(parts) >= 3 and parts[0] == "repository":
                    access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                                   "actions": parts[-1].split(",")})
            t = int(time.time())
            claims = {"iss": ISSUER, "sub": creds.split(":")[0] if creds else "",
                      "aud": q.get("service", [""])[0], "exp": t + 300, "nbf": t - 60, "iat": t,
                      "jti": uuid.uuid4().hex, "access": access}
            token = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
            with open(issued_path, "a") as f:
                f.write(" ".join(q.get("scope", [])) + "\n")
            body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = os.path.join(out_dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(out_dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
