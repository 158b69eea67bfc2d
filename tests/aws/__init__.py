"""Test-side AWS infrastructure: moto_server behind an RPCv2-CBOR proxy (moto lacks that
protocol, which the latest aws-sdk-cloudwatch speaks). See proxy/ (its script entry:
cbor_proxy.py) and moto_fixture.py."""
