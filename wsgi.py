"""The WSGI entry point of production servers: gunicorn (gunicorn.conf.py) serves `wsgi:app`."""

from api import create_app

app = create_app()
