"""`make fuzz`: the Schemathesis CLI against the app under gunicorn (run.py, hooks.py)."""
