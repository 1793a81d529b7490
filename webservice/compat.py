"""Import flask-ask-sdk on machines whose OpenSSL defeats oscrypto's version probe.

``flask_ask_sdk.skill_adapter`` imports ``ask_sdk_webservice_support.verifier``,
which imports ``certvalidator``, which imports ``oscrypto``. oscrypto 1.3.0 (the
newest release) reads the libcrypto version with a regex that only accepts one
digit per component, so OpenSSL 3.0.10 and later make it raise
``LibraryNotFoundError`` at import time (wbond/oscrypto#78, fixed only on the
unreleased master). ``oscrypto.use_openssl()`` does not help: the probe runs for
explicit library paths too.

This service never uses certvalidator: the SDK's own ``RequestVerifier`` is
switched off and ``webservice.verify`` checks signatures with ``cryptography``.
So, only when the real import fails with exactly that error, a placeholder
``certvalidator`` module is registered before flask-ask-sdk is imported. The
placeholder fails closed: if anything ever did construct the SDK's default
verifier, every chain would be refused as invalid. Where oscrypto works (an
older OpenSSL, or a future fixed release) the real module loads and nothing is
replaced. See docs/webservice.md for the alternatives that were rejected.
"""

from __future__ import annotations

import sys
import types


class _PlaceholderValidationError(Exception):
    """Stands in for certvalidator.errors.ValidationError."""


class _PlaceholderPathError(Exception):
    """Stands in for certvalidator.errors.PathError."""


class _PlaceholderCertificateValidator:
    """Refuses every chain, so the SDK's unused verifier can never pass a request."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise _PlaceholderValidationError(
            "certvalidator is unavailable here (oscrypto cannot load libcrypto); "
            "the web service verifies chains with webservice.verify instead"
        )


def _install_certvalidator_placeholder() -> None:
    errors = types.ModuleType("certvalidator.errors")
    errors.ValidationError = _PlaceholderValidationError  # type: ignore[attr-defined]
    errors.PathError = _PlaceholderPathError  # type: ignore[attr-defined]
    package = types.ModuleType("certvalidator", __doc__)
    package.CertificateValidator = _PlaceholderCertificateValidator  # type: ignore[attr-defined]
    package.errors = errors  # type: ignore[attr-defined]
    package.WEBSERVICE_PLACEHOLDER = True  # type: ignore[attr-defined]
    sys.modules["certvalidator"] = package
    sys.modules["certvalidator.errors"] = errors


def _certvalidator_importable() -> bool:
    """True if the real certvalidator imports; False only for the known oscrypto failure."""
    try:
        import certvalidator  # type: ignore[import-untyped]  # noqa: F401, PLC0415
    except Exception as exc:
        from oscrypto.errors import (  # type: ignore[import-untyped]  # noqa: PLC0415
            LibraryNotFoundError,
        )

        if isinstance(exc, LibraryNotFoundError):
            return False
        raise
    return True


CERTVALIDATOR_PLACEHOLDER = False
if "certvalidator" not in sys.modules and not _certvalidator_importable():
    _install_certvalidator_placeholder()
    CERTVALIDATOR_PLACEHOLDER = True

from flask_ask_sdk.skill_adapter import (  # noqa: E402
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)

__all__ = [
    "CERTVALIDATOR_PLACEHOLDER",
    "VERIFY_SIGNATURE_APP_CONFIG",
    "VERIFY_TIMESTAMP_APP_CONFIG",
    "SkillAdapter",
]
