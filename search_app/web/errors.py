"""Every failure becomes a deliberate response: JSON {"error": ...} for /api and /healthz,
a readable page elsewhere. Unexpected exceptions are logged and answered with a 500 that
never leaks a traceback."""
from __future__ import annotations

from flask import json, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..searcher import IndexUnavailable, QueryError
from .params import ParamError

HTTP_MESSAGES = {
    400: "请求有误",
    404: "页面不存在",
    405: "不支持该请求方法",
    500: "服务器内部错误，请稍后再试",
    503: "检索服务暂不可用",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _reply(status: int, message: str, **extra):
    if wants_json():
        body = {"error": message, **{k: v for k, v in extra.items() if v is not None}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register(app) -> None:
    @app.errorhandler(ParamError)
    def bad_param(exc):
        return _reply(400, str(exc), param=exc.param)

    @app.errorhandler(QueryError)
    def bad_query(exc):
        return _reply(400, str(exc) or "检索式有误")

    @app.errorhandler(IndexUnavailable)
    def no_index(exc):
        return _reply(503, str(exc) or HTTP_MESSAGES[503], hint=getattr(exc, "hint", None))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = exc.code or 500
        custom = exc.description if exc.description != type(exc).description else None
        message = custom or HTTP_MESSAGES.get(code, exc.name)
        if wants_json():
            response = exc.get_response()           # keeps headers such as Allow on 405
            response.data = json.dumps({"error": message})
            response.content_type = "application/json"
            return response
        # keep the exception's own headers (Allow on 405, Retry-After on 429) on the page too
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return render_template("error.html", status=code, message=message), code, headers

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _reply(500, HTTP_MESSAGES[500])
