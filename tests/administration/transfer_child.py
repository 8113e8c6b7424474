"""Run ``minio_transfer`` in a fresh process (to be killed, or to measure its peak memory).

``python -m tests.administration.transfer_child PROFILES_JSON [--measure] -- ARGS...``:
``PROFILES_JSON`` is the ``MINIO_PROFILES`` value; ARGS go to the command. With ``--measure``
the last line printed is JSON ``{"growth_mib": ...}``: the growth of peak RSS during the command.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    profiles_json, *rest = sys.argv[1:]
    measure = rest[:1] == ["--measure"]
    args = rest[rest.index("--") + 1 :]
    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        INSTALLED_APPS=["django_minio_backend"],
        MINIO_PROFILES=json.loads(profiles_json),
    )
    django.setup()
    from django.core.management import call_command

    import django_minio_backend.management.commands.minio_transfer  # noqa: F401 (before the baseline)
    from tests.memory_probe import peak_rss_mib, reset_peak

    reset_peak()
    before = peak_rss_mib()
    try:
        call_command("minio_transfer", *args)
    finally:
        if measure:
            print(json.dumps({"growth_mib": peak_rss_mib() - before}), flush=True)


if __name__ == "__main__":
    main()
