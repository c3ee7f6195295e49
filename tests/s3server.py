"""A real S3-compatible server on 127.0.0.1 (moto in server mode), and URLs
presigned for it with boto3, as the object service and the queue hand out.

    with S3Server() as s3:
        url = s3.presign("put_object", "some/key", content_type="text/plain")

A second loopback server can stand in front of it (``StorageProxy``): it
forwards to moto unless a test planned a fault for the next request.
"""

from __future__ import annotations

import http.client
import socket

from loopback import LoopbackServer, Reply

BUCKET = "tc-objects"
_FORWARDED = ("content-type", "etag", "content-encoding", "last-modified", "accept-ranges")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class S3Server:
    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port,
                                          verbose=False)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def client(self, endpoint=None):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=endpoint or self.url, region_name="us-east-1",
                            aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                            config=Config(signature_version="s3v4",
                                          s3={"addressing_style": "path"}))

    def start(self) -> "S3Server":
        self._server.start()
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def presign(self, operation: str, key: str, *, content_type=None, endpoint=None,
                expires_in=3600) -> str:
        params = {"Bucket": BUCKET, "Key": key}
        if content_type is not None:
            params["ContentType"] = content_type
        return self.client(endpoint).generate_presigned_url(operation, Params=params,
                                                            ExpiresIn=expires_in)

    def put(self, key: str, data: bytes, content_type="application/octet-stream") -> None:
        self.client().put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def keys(self):
        listing = self.client().list_objects_v2(Bucket=BUCKET)
        return [o["Key"] for o in listing.get("Contents", [])]


class StorageProxy:
    """A loopback server in front of moto: ``plan(...)`` faults for the
    next requests (loopback actions), everything else is forwarded."""

    def __init__(self, s3: S3Server):
        self.s3 = s3
        self.server = LoopbackServer()
        self.server.respond(self._forward)

    @property
    def url(self) -> str:
        return self.server.url

    def plan(self, *actions) -> None:
        self.server.plan(*actions)

    def _forward(self, rec):
        conn = http.client.HTTPConnection("127.0.0.1", self.s3.port, timeout=30)
        try:
            headers = {k: v for k, v in rec.headers.items()
                       if k not in ("host", "connection", "transfer-encoding")}
            conn.request(rec.method, rec.target, body=rec.body or None, headers=headers)
            response = conn.getresponse()
            body = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() in _FORWARDED}
            return Reply(response.status, body, kept)
        finally:
            conn.close()

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()
