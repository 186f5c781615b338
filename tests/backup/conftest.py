"""The e2e suite's in-process lab (dev environment, credentials and secret values set through
`monkeypatch`), shared rather than copied."""

from tests.e2e.conftest import credentials, fresh_lab, lab

__all__ = ["credentials", "fresh_lab", "lab"]
