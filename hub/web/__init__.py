"""Starlette routes: HTML pages (Jinja2) and the JSON API (/api/v1). Thin: parse, act, render."""
