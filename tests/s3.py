"""A local S3 server for the tests: moto's server on a free loopback port, once per session, and
a fresh private bucket per test that the project's own S3 settings (settings.s3_photo_storage)
point the photo storage at. Tests that use `s3_storage` run every photo path against real S3
requests over HTTP, not a mock of the client."""

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from campaign.settings import s3_photo_storage

ACCESS_KEY = "campaign-test-key"
SECRET_KEY = "campaign-test-secret"
REGION = "us-east-1"


@dataclass
class S3Bucket:
    """The bucket a test's photos go to, read with a client of its own."""

    endpoint_url: str
    name: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def s3_client(endpoint_url: str):
    return boto3.client(
        "s3", endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, config=Config(s3={"addressing_style": "path"}),
    )


def closed_port() -> int:
    """A loopback port nothing listens on: an object store that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)   # one access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def use_s3(settings, *, endpoint_url: str, bucket: str) -> None:
    """Photos go to `bucket` at `endpoint_url` for the rest of the test. Overriding STORAGES
    resets Django's storages (django.test.signals.storages_changed), and Photo's file fields hold
    the lazy default_storage, so they follow."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_photo_storage(bucket=bucket, endpoint_url=endpoint_url, access_key=ACCESS_KEY,
                                    secret_key=SECRET_KEY, region=REGION),
    }


@pytest.fixture
def s3_storage(moto_endpoint, settings) -> S3Bucket:
    """Photos of this test are stored in a new private bucket of the local S3 server."""
    bucket = S3Bucket(moto_endpoint, f"photos-{uuid.uuid4().hex[:16]}", s3_client(moto_endpoint))
    bucket.client.create_bucket(Bucket=bucket.name)
    use_s3(settings, endpoint_url=moto_endpoint, bucket=bucket.name)
    return bucket
