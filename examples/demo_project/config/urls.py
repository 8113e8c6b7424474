"""One page: the uploaded files and their links (``make demo-serve``)."""

from django.urls import path
from library.views import index

urlpatterns = [path("", index, name="index")]
