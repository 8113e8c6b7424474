"""Django set up for plain pytest (pytest-django would do this), and the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import django
import pytest
from django.db import connection, transaction
from django.test.utils import setup_test_environment, teardown_test_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django.setup()


@pytest.fixture(scope="session", autouse=True)
def test_database() -> Iterator[None]:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    yield
    connection.creation.destroy_test_db(old_name, verbosity=0)
    teardown_test_environment()


@pytest.fixture(autouse=True)
def rolled_back() -> Iterator[None]:
    """Each test's database changes are rolled back (files are the kit's business)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
