"""Django 4.2 only: keep STORAGES OPTIONS when a test overrides STORAGES.

On Django 4.2, setting ``STORAGES`` in a test (``override_settings``, pytest-django's ``settings``)
also marks the deprecated ``STATICFILES_STORAGE`` and ``DEFAULT_FILE_STORAGE`` as overridden, and
the storage handler then rebuilds both entries from the bare backend path, dropping their
``OPTIONS``. Real settings modules are not affected; Django 5.1 removed the old settings. The
handler here reads ``STORAGES`` as Django 5.1 does.
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.core.files.storage import handler
from django.utils.functional import cached_property


def _backends(self: handler.StorageHandler) -> dict[str, Any]:
    if self._backends is None:
        self._backends = settings.STORAGES.copy()
    return self._backends


if django.VERSION < (5, 1):
    handler.StorageHandler.backends = cached_property(_backends)  # type: ignore[assignment]
    handler.StorageHandler.backends.__set_name__(handler.StorageHandler, "backends")
