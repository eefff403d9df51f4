#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/certificates_fuzz.cc (tests/fuzz/corpus/certificates/).

The seeds are committed; run this again only to change them (needs python3-cryptography):
    python3 tests/fuzz/make_certificates_seeds.py
Each seed starts with the harness mode: B (a body the harness signs), P (a certificate the
harness encrypts into an answer), R (a whole answer: head, blank line, body; unsigned unless the
seed signs it, as here, with the test platform key).
"""
import base64
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(HERE, "corpus", "certificates")
NOW = 1800000000  # the harness' clock


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


vectors = json.loads(read("vectors.json"))
apiv3_key = vectors["apiv3_key"].encode()
platform_serial = vectors["platform_serial"]
platform_key = serialization.load_pem_private_key(read("platform_key.pem"), password=None)


def entry(pem, serial, nonce=b"a1b2c3d4e5f6", aad=b"certificate"):
    ct = AESGCM(apiv3_key).encrypt(nonce, pem, aad)
    return {
        "serial_no": serial,
        "effective_time": "2026-11-23T15:37:14+08:00",
        "expire_time": "2126-10-30T15:37:14+08:00",
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": nonce.decode(),
            "associated_data": aad.decode(),
            "ciphertext": base64.b64encode(ct).decode(),
        },
    }


def serial_of(pem):
    return format(x509.load_pem_x509_certificate(pem).serial_number, "X")


def signed_head(status, reason, body):
    nonce = "593BEC0C930BF1AFEB40B4A08C8FB242"
    msg = f"{NOW}\n{nonce}\n{body}\n".encode()
    sig = base64.b64encode(platform_key.sign(msg, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Request-ID: 08F0B1C2D3E4F5\r\nWechatpay-Nonce: {nonce}\r\n"
            f"Wechatpay-Serial: {platform_serial}\r\nWechatpay-Signature: {sig}\r\n"
            f"Wechatpay-Timestamp: {NOW}\r\n\r\n{body}")


def write(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


platform_pem = read("platform_cert.pem")
merchant_pem = read("merchant_cert.pem")
tls_pem = read("tls_server_cert.pem")
merchant_der = x509.load_pem_x509_certificate(merchant_pem).public_bytes(serialization.Encoding.DER)

one = json.dumps({"data": [entry(platform_pem, platform_serial)]}, separators=(",", ":"))
two = json.dumps({"data": [entry(platform_pem, platform_serial),
                           entry(merchant_pem, serial_of(merchant_pem), nonce=b"0123456789ab")]},
                 separators=(",", ":"))
wrong_serial = json.dumps({"data": [entry(merchant_pem, "1234ABCD")]}, separators=(",", ":"))
bad_tag = json.loads(one)
ct = bad_tag["data"][0]["encrypt_certificate"]["ciphertext"]
bad_tag["data"][0]["encrypt_certificate"]["ciphertext"] = ct[:-4] + ("AAAA" if ct[-4:] != "AAAA" else "BBBB")

write("body_platform.json", "B" + one)
write("body_two.json", "B" + two)
write("body_wrong_serial.json", "B" + wrong_serial)
write("body_bad_tag.json", "B" + json.dumps(bad_tag, separators=(",", ":")))
write("body_no_data.json", 'B{"data":{}}')
write("body_unsupported_alg.json", 'B{"data":[{"serial_no":"1","encrypt_certificate":'
      '{"algorithm":"AEAD_CHACHA20","nonce":"n","associated_data":"","ciphertext":""}}]}')
write("pem_platform.pem", b"P" + platform_pem)
write("pem_merchant.pem", b"P" + merchant_pem)
write("pem_tls_server.pem", b"P" + tls_pem)
write("der_merchant.der", b"P" + merchant_der)
write("response_signed.txt", "R" + signed_head(200, "OK", one))
write("response_404.txt", 'RHTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n'
      '{"code":"RESOURCE_NOT_EXISTS","message":"no certificates: public key mode"}')
write("response_500.txt", 'RHTTP/1.1 500 Internal Server Error\r\n\r\n'
      '{"code":"SYSTEM_ERROR","message":"busy"}')
