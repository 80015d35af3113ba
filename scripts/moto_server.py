#!/usr/bin/env python3
"""moto's standalone server, with one fix to its signature check.

moto rebuilds the URL it verifies a SigV4 signature against from werkzeug's re-encoded
request URL, in which `%2B`, `%3D`, `%26`, `%24`, `%2C`, `%25`, `%2F` and UTF-8 escapes come back
decoded. The signature a client computed over the URL it actually sent (as AWS specifies, and
as AWS itself checks) then fails: even boto3's own requests for a key like `a+b` or `ünï` get
SignatureDoesNotMatch. This wrapper makes moto verify against the request line exactly as it
was received (werkzeug's RAW_URI), and changes nothing else: signatures are still checked,
a wrong secret still fails.

Usage: moto_server.py [moto_server arguments], e.g. moto_server.py -H 127.0.0.1 -p 5000
"""
import sys
from urllib.parse import urlparse

from moto.core import responses
from moto.core.authorization import ActionAuthenticatorMixin
from moto import server

_original_setup = responses.BaseResponse.setup_class
_original_authenticate = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _setup_class(self, request, full_url=None, headers=None, use_raw_body=None):
    # use_raw_body=None keeps moto's own default (raw bodies for S3 in moto >= 5.2.5).
    environ = getattr(request, "environ", None) or {}
    raw = environ.get("RAW_URI")
    if isinstance(raw, str):
        # werkzeug hands the raw bytes over as latin-1 text (the WSGI "encoding dance").
        self._smartfs_raw_uri = raw if raw.startswith("/") else "/" + raw
    else:
        self._smartfs_raw_uri = None
    return _original_setup(self, request, full_url, headers, use_raw_body)


def _authenticate(self, iam_request_cls, resource="*"):
    raw = getattr(self, "_smartfs_raw_uri", None)
    if not raw:
        return _original_authenticate(self, iam_request_cls, resource)
    saved = self.uri
    parsed = urlparse(saved)
    self.uri = f"{parsed.scheme}://{parsed.netloc}{raw}"
    try:
        return _original_authenticate(self, iam_request_cls, resource)
    finally:
        self.uri = saved


responses.BaseResponse.setup_class = _setup_class
ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate

if __name__ == "__main__":
    server.main(sys.argv[1:])
