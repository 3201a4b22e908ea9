"""The embeddable widget: /widget.js for intranet pages and /embed, the copy-paste snippet page."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory, url_for

bp = Blueprint("widget", __name__)


@bp.get("/widget.js")
def widget_js():
    # served from a fixed, short URL so the snippet never changes; short cache so fixes reach hosts
    response = send_from_directory(current_app.static_folder, "widget.js", max_age=300,
                                   mimetype="text/javascript")
    response.charset = "utf-8"
    return response


def widget_url() -> str:
    """widget.js's address for the snippet: under PUBLIC_URL when set; else from the request (its
    Host header, which a client chooses: the page escapes it, SECURITY.md says to set PUBLIC_URL)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public + "/widget.js"
    return url_for("widget.widget_js", _external=True)


@bp.get("/embed")
def embed():
    script = widget_url()
    snippet = f'<script src="{script}" defer></script>\n<policy-search></policy-search>'
    origins = current_app.config["CORS_ORIGINS"]
    endpoint = script.rsplit("/", 1)[0] + "/"
    return render_template("embed.html", snippet=snippet, script_url=script, endpoint=endpoint,
                           cors_origins=origins)
