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


@bp.get("/embed")
def embed():
    script = url_for("widget.widget_js", _external=True)
    snippet = f'<script src="{script}" defer></script>\n<policy-search></policy-search>'
    origins = current_app.config["CORS_ORIGINS"]
    return render_template("embed.html", snippet=snippet, script_url=script, cors_origins=origins)
