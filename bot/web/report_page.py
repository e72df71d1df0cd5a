"""The backtest report as a page: ``report.txt``, ``report.json`` and ``equity.png`` of a
``bot backtest --out DIR``, served by ``bot dashboard --backtest DIR``.

Read from the folder at each request, so a new run into the same folder shows without a
restart; a missing file is a 404 naming it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse


def _read(folder: Path, name: str) -> str:
    path = folder / name
    if not path.is_file():
        raise HTTPException(404, f"{name}: not in {folder} (run bot backtest --out {folder})")
    return path.read_text(encoding="utf-8")


def report_router(folder: Path) -> APIRouter:
    """Routes ``/backtest`` (the page), ``/backtest/equity.png`` and ``/api/v1/backtest``."""
    router = APIRouter(tags=["backtest"])

    @router.get("/backtest", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        """The report's text and its equity chart on one page."""
        text = html.escape(_read(folder, "report.txt"))
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            "<title>backtest report</title><link rel=stylesheet href=/static/style.css>"
            "</head><body><header><strong>backtest report</strong>"
            "<a class=muted href=/>dashboard</a></header><main>"
            "<section class='card chart-card'><img alt='equity and drawdown' "
            "src=/backtest/equity.png style='width:100%;height:auto'></section>"
            f"<section class='card chart-card'><pre class=report>{text}</pre></section>"
            "</main></body></html>")

    @router.get("/backtest/equity.png", include_in_schema=False)
    def chart() -> FileResponse:
        """The equity and drawdown chart."""
        path = folder / "equity.png"
        if not path.is_file():
            raise HTTPException(404, f"equity.png: not in {folder}")
        return FileResponse(path, media_type="image/png")

    @router.get("/api/v1/backtest")
    def report() -> dict[str, object]:
        """``report.json`` as written by ``bot backtest``."""
        body: dict[str, object] = json.loads(_read(folder, "report.json"))
        return body

    return router
