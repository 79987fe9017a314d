"""The ceiling: a bare Flask app answering every GET with a fixed JSON body (`make bench`
serves it under the same gunicorn configuration as Newsdesk and reports ratios to it)."""

from flask import Flask

# A small article summary, as bytes: what Flask itself costs, with no serialization
BODY = (
    '{"data":{"id":"0b1e5c2d-9a7f-4c3e-8d21-5f6a7b8c9d0e","slug":"seoul-accueille-la-seconde-'
    'edition-du-ai-safety-summit","title":"Séoul accueille la seconde édition du AI Safety '
    'Summit","published_at":"2024-05-21T08:00:00Z"}}\n'
).encode()

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def fixed(path: str):
    return app.response_class(BODY, mimetype="application/json")
