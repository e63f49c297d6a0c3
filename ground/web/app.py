"""The web dashboard (`ginny ground web`): a Starlette ASGI app served by uvicorn.

Pages and data: `/` the dashboard; `/api/dict` the command dictionary; `/api/stream` every downlinked frame as
Server-Sent Events (plus a `link` status frame twice a second, so the page sees a dead link); `POST /api/command`
sends a command and answers with its acknowledgement; `/api/files/PATH` serves a file once it has come down.
Plotly.js is served from the `plotly` Python package, so the page works offline.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import plotly
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fsw.comm.auth import KeyFileError
from fsw.runtime.commands import CommandRejected
from ground.link import GroundLink
from ground.web.service import LinkService

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_CLIENT_QUEUE = 2_000


def create_app(service: LinkService) -> Starlette:
    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "plotly.min.js":
            return FileResponse(PLOTLY_JS, media_type="text/javascript")
        path = (STATIC / name).resolve()
        if path.parent != STATIC.resolve() or not path.is_file():
            return JSONResponse({"error": f"no file {name}"}, status_code=404)
        return FileResponse(path)

    async def dictionary(request: Request) -> Response:
        return JSONResponse(service.link.dictionary.to_json())

    async def stream(request: Request) -> Response:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue(_CLIENT_QUEUE)
        service.add_client(loop, q)

        async def frames():
            try:
                while True:
                    frame = await q.get()
                    yield f"data: {json.dumps(frame, default=str)}\n\n"
            finally:
                service.remove_client(loop, q)
        return StreamingResponse(frames(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    async def command(request: Request) -> Response:
        try:
            body = await request.json()
            name, args, target = body["name"], body.get("args", {}), body.get("target", "")
            if not isinstance(name, str) or not isinstance(args, dict) or not isinstance(target, str):
                raise ValueError("name and target are text, args a map")
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"result": "FORMAT_ERROR", "reason": f"bad request: {exc}"}, status_code=400)
        try:
            fut = service.command(name, args, target)
        except CommandRejected as exc:
            return JSONResponse({"result": exc.result.name, "reason": f"refused here: {exc.reason}"},
                                status_code=400)
        try:
            ack = await asyncio.wrap_future(fut)
        except (TimeoutError, CommandRejected, OSError) as exc:
            return JSONResponse({"result": "TIMEOUT", "reason": str(exc)}, status_code=504)
        return JSONResponse(ack)

    async def downloaded(request: Request) -> Response:
        path = request.path_params["path"]
        data = service.link.got.files.get(path)
        if data is None:
            return JSONResponse({"error": f"{path} has not come down (yet)"}, status_code=404)
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{Path(path).name}"'})

    return Starlette(routes=[
        Route("/", index), Route("/static/{name}", static), Route("/api/dict", dictionary),
        Route("/api/stream", stream), Route("/api/command", command, methods=["POST"]),
        Route("/api/files/{path:path}", downloaded),
    ])


def serve(endpoint: str, keys: Path, host: str = "127.0.0.1", port: int = 8080, truth: str = "") -> int:
    import uvicorn
    try:
        link = GroundLink(endpoint, keys).open()
    except KeyFileError as exc:
        print(f"ginny ground web: {exc}", file=sys.stderr)
        return 2
    service = LinkService(link, truth=truth)
    service.start()
    print(f"ginny ground web: http://{host}:{port}/ (vehicle at {endpoint})", flush=True)
    try:
        uvicorn.run(create_app(service), host=host, port=port, log_level="warning")
    finally:
        service.stop()
        service.join(timeout=5)
    return 0
