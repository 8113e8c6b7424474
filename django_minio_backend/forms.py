"""Direct uploads in Django forms: the file goes from the browser straight to the bucket.

``MinioDirectFileField`` renders a file input that ``direct-upload.js`` uploads with a signed
policy handed out by the view of ``django_minio_backend.urls``; the form then receives only a
ticket signed by this server (``django.core.signing``). On submit the field accepts the ticket
only if it was signed for this field, has not expired, names a key under the field's
``upload_to`` and the object exists (one HEAD) with a size and content type within limits. The
cleaned value is the object's storage name, which a model ``FileField`` stores as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

import attrs
from django import forms
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from django_minio_backend.profiles.sources import get_profile
from django_minio_backend.s3.keys import object_key
from django_minio_backend.storage.backend import MinioBackend
from django_minio_backend.storage.direct_uploads import (
    content_type_allowed,
    content_type_condition,
    normalized_content_type,
    upload_expiry,
)

__all__ = [
    "DirectUpload",
    "MinioDirectFileField",
    "MinioDirectFileWidget",
    "direct_upload",
    "ticket_salt",
]

SCRIPT: Final = "django_minio_backend/direct-upload.js"
URL_NAME: Final = "django_minio_backend:direct-upload"


def ticket_salt(field_id: str) -> str:
    """The signing salt of one field's tickets: a ticket of another field never verifies."""
    return f"django_minio_backend.direct-upload:{field_id}"


def authenticated(request: HttpRequest) -> bool:
    """The default rule of who may upload: a logged-in user."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


@attrs.frozen
class DirectUpload:
    """A field's upload rules, as the ticket view reads them."""

    field_id: str
    storage: Storage | str
    upload_to: str
    max_size: int
    min_size: int
    content_types: tuple[str, ...] | None
    expire: timedelta | int | float | None
    allow: Callable[[HttpRequest], bool]
    max_length: int | None

    def resolved_storage(self) -> MinioBackend:
        """The field's storage; a ``STORAGES`` alias is looked up now."""
        storage = storages[self.storage] if isinstance(self.storage, str) else self.storage
        if not isinstance(storage, MinioBackend):
            raise TypeError(
                f"direct upload field {self.field_id!r}: its storage must be a MinioBackend, "
                f"got {type(storage).__name__}"
            )
        return storage

    def expiry_seconds(self) -> int:
        return upload_expiry(self.expire, get_profile(self.resolved_storage().profile_name))

    def allows_type(self, content_type: str) -> bool:
        return content_type_allowed(content_type, self.content_types)


_lock = threading.Lock()
_registry: dict[str, DirectUpload] = {}


def direct_upload(field_id: str) -> DirectUpload | None:
    """The rules of the direct upload field ``field_id``, if one was declared."""
    return _registry.get(field_id)


def _register(spec: DirectUpload) -> None:
    with _lock:
        _registry[spec.field_id] = spec


class MinioDirectFileWidget(forms.Widget):
    """A file input uploaded by ``direct-upload.js`` with a progress bar; the form gets the
    signed ticket in a hidden input. The file itself is never sent to Django."""

    template_name = "django_minio_backend/direct_file_widget.html"

    class Media:
        js = (SCRIPT,)

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.field_id = ""
        self.accept: tuple[str, ...] | None = None
        self.max_size = 0

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        current = value.name if isinstance(value, FieldFile) else None
        ticket = value if isinstance(value, str) else ""
        context["widget"].update(
            ticket=ticket,
            current=current,
            ticket_url=reverse(URL_NAME, args=[self.field_id]),
            accept=",".join(self.accept) if self.accept else "",
            max_size=self.max_size,
        )
        return context

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        return data.get(name)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return name not in data


class MinioDirectFileField(forms.FileField):
    """A form field for files uploaded straight to a MinIO bucket (see the module docstring).

    ``field_id`` names the field in the ticket URL and the signatures: unique per project.
    ``storage``: a ``MinioBackend`` or a ``STORAGES`` alias. ``upload_to``: the key prefix of
    the uploads. ``max_size``/``min_size`` in bytes; ``content_types`` like ``"image/png"`` or
    ``"image/*"`` (one family per field); ``expire``: how long an upload may take and the ticket
    stays valid (default one hour). ``allow(request)`` decides who may upload (default: a
    logged-in user).
    """

    widget = MinioDirectFileWidget
    default_error_messages = {  # noqa: RUF012 (Django's own declaration style)
        "invalid": _("The upload could not be verified. Upload the file again."),
        "expired": _("The upload has expired. Upload the file again."),
        "missing": _("The uploaded file did not arrive. Upload the file again."),
        "too_large": _("The file is too large (%(size)s bytes; at most %(max)s)."),
        "too_small": _("The file is too small (%(size)s bytes; at least %(min)s)."),
        "content_type": _("Files of type %(type)s are not accepted."),
    }

    def __init__(
        self,
        *,
        field_id: str,
        max_size: int,
        storage: Storage | str = "default",
        upload_to: str = "",
        min_size: int = 0,
        content_types: Sequence[str] | None = None,
        expire: timedelta | int | float | None = None,
        allow: Callable[[HttpRequest], bool] | None = None,
        max_length: int | None = 100,
        **kwargs: Any,
    ) -> None:
        if not field_id or "/" in field_id:
            raise ValueError(f"field_id must be a non-empty name without '/', got {field_id!r}")
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise ValueError(f"max_size must be a positive number of bytes, got {max_size!r}")
        if not 0 <= min_size <= max_size:
            raise ValueError(f"min_size must be between 0 and max_size, got {min_size!r}")
        types = None if content_types is None else tuple(content_types)
        content_type_condition(types)  # refuses what a policy cannot express, now
        prefix = upload_to.strip("/")
        if prefix:
            object_key(prefix)
            prefix += "/"
        self.upload = DirectUpload(
            field_id=field_id,
            storage=storage,
            upload_to=prefix,
            max_size=max_size,
            min_size=min_size,
            content_types=types,
            expire=expire,
            allow=allow or authenticated,
            max_length=max_length,
        )
        _register(self.upload)
        super().__init__(max_length=max_length, **kwargs)
        widget = self.widget
        if isinstance(widget, MinioDirectFileWidget):
            widget.field_id = field_id
            widget.accept = types
            widget.max_size = max_size

    # The cleaned value is a storage name, which a model FileField stores as it is.
    def to_python(self, data: Any) -> str | None:  # type: ignore[override]
        if data in self.empty_values:
            return None
        if not isinstance(data, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return self.verified_name(data)

    def verified_name(self, ticket: str) -> str:
        """The storage name a ticket stands for, once the object is checked (one HEAD)."""
        upload = self.upload
        storage = upload.resolved_storage()
        try:
            payload = signing.loads(
                ticket, salt=ticket_salt(upload.field_id), max_age=upload.expiry_seconds()
            )
        except signing.SignatureExpired:
            raise ValidationError(self.error_messages["expired"], code="expired") from None
        except signing.BadSignature:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        name = payload.get("name") if isinstance(payload, dict) else None
        if not isinstance(name, str) or not name.startswith(upload.upload_to):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            object_key(name)
        except SuspiciousFileOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        try:
            size, content_type = storage.uploaded_object(name)
        except FileNotFoundError:
            raise ValidationError(self.error_messages["missing"], code="missing") from None
        problem = None
        if size > upload.max_size:
            problem = ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"size": size, "max": upload.max_size},
            )
        elif size < upload.min_size:
            problem = ValidationError(
                self.error_messages["too_small"],
                code="too_small",
                params={"size": size, "min": upload.min_size},
            )
        elif not upload.allows_type(content_type):
            problem = ValidationError(
                self.error_messages["content_type"],
                code="content_type",
                params={"type": normalized_content_type(content_type) or "(none)"},
            )
        if problem is not None:
            storage.delete(name)  # never attached: it cannot become a stored reference
            raise problem
        return name

    def clean(self, data: Any, initial: Any = None) -> Any:
        if not data and initial:
            return initial
        return forms.Field.clean(self, data)

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data or initial

    def has_changed(self, initial: Any, data: Any) -> bool:
        return not self.disabled and bool(data)
