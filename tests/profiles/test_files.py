"""Profiles from TOML files, including every file shipped in profiles/."""

from __future__ import annotations

from pathlib import Path

import pytest

from django_minio_backend import ConfigurationError, load_profiles

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "profiles").glob("*.toml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    return path


def test_tables_become_profiles_with_variables_expanded(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [default]
        endpoint = "${HOST}:9000"
        access_key = "app"
        secret_key = "${SECRET}"
        use_https = false
        url_expiry = 3600
        private_buckets = ["media"]
        default_bucket = "media"
        """,
    )
    profiles = load_profiles(path, environ={"HOST": "minio", "SECRET": "s3cr3t-value"})
    assert profiles["default"].endpoint == "minio:9000"
    assert profiles["default"].secret_key == "s3cr3t-value"
    assert profiles["default"].url_expiry.total_seconds() == 3600


def test_missing_variable_names_variable_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[a]\nendpoint = "h"\naccess_key = "${AK}"\nsecret_key = "${SK}"\n')
    with pytest.raises(ConfigurationError) as caught:
        load_profiles(path, environ={"AK": "x"})
    text = str(caught.value)
    assert "profile 'a': secret_key: environment variable SK is not set" in text
    assert str(path) in text


def test_field_problems_are_reported_for_every_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[a]\nendpoint = "http://h"\naccess_key = "k"\nsecret_key = "s"\n'
        '[b]\nendpoint = "h"\naccess_key = "k"\nsecret_key = "s"\nurl_expiry = 0\n',
    )
    with pytest.raises(ConfigurationError) as caught:
        load_profiles(path, environ={})
    profiles = {problem.profile for problem in caught.value.problems}
    assert profiles == {"a", "b"}


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_profiles(tmp_path / "nope.toml")
    with pytest.raises(ConfigurationError, match="is not valid TOML"):
        load_profiles(write(tmp_path, "[a\n"))


def test_profiles_folder_ships_files() -> None:
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_each_shipped_file_loads(path: Path) -> None:
    text = path.read_text()
    assert 'secret_key = "${' in text  # every secret comes from the environment
    variables = {name: "value-for-" + name.lower() for name in _variables(text)}
    profiles = load_profiles(path, environ=variables)
    assert profiles
    for profile in profiles.values():
        assert profile.secret_key.startswith("value-for-")


def _variables(text: str) -> set[str]:
    import re

    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text))
