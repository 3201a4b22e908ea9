"""The widget script and the /embed page (behaviour in a real browser: test_browser.py)."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "search_app" / "static"


def test_widget_js_is_served_as_javascript(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=300" in response.headers["Cache-Control"]
    assert "Content-Security-Policy" not in response.headers          # not a page
    source = response.get_data(as_text=True)
    assert source == (STATIC / "widget.js").read_text(encoding="utf-8")
    assert len(response.data) < 20_000                                 # "small"


def test_widget_js_conditional_request(client):
    first = client.get("/widget.js")
    again = client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_widget_source_rules():
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert 'customElements.define("policy-search"' in source
    assert 'customElements.get("policy-search")' in source             # loading twice is harmless
    assert 'attachShadow({ mode: "open" })' in source
    assert "document.currentScript" in source
    assert "adoptedStyleSheets" in source                             # styles allowed under CSP
    # the only HTML parsing is the highlight, inside an inert <template>, then checked
    assert source.count(".innerHTML") == 1 and "tpl.innerHTML = html" in source
    assert "insertAdjacentHTML" not in source and "outerHTML" not in source
    assert not re.search(r"\beval\(|new Function|document\.write", source)
    for attribute in ("endpoint", "results", "dept"):
        assert f'"{attribute}"' in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", ["widget.js", "app.js"])
def test_scripts_parse(name):
    result = subprocess.run(["node", "--check", str(STATIC / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_embed_page_shows_the_snippet_and_a_preview(client, allowed_origin):
    response = client.get("/embed")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    code = re.search(r'<code id="snippet">(.*?)</code>', body, re.S).group(1)
    assert html.unescape(code) == (
        '<script src="http://localhost/widget.js" defer></script>\n<policy-search></policy-search>')
    assert "&lt;script" in code                                        # shown, not executed
    preview = re.search(r'<div class="preview">(.*?)</div>', body, re.S).group(1)
    assert "<policy-search></policy-search>" in preview
    assert '<script src="/widget.js" defer></script>' in body
    assert allowed_origin in body and "POLICY_SEARCH_CORS_ORIGINS" in body
    for attribute in ("endpoint", "results", "dept"):
        assert f"<code>{attribute}</code>" in body


def test_embed_snippet_uses_the_public_host(client):
    body = client.get("/embed", base_url="https://search.intranet.example").get_data(as_text=True)
    assert "https://search.intranet.example/widget.js" in html.unescape(body)
