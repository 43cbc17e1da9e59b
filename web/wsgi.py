"""WSGI entry for gunicorn (``parley web --server gunicorn``)."""

from web import create_app

app = create_app()
