"""Test-side AWS infrastructure: moto_server behind an RPCv2-CBOR proxy (moto lacks that
protocol, which the latest aws-sdk-cloudwatch speaks). See cbor_proxy.py, moto_fixture.py."""
