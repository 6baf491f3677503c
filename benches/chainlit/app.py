"""The Chainlit side of the benchmarks: the same echo app as examples/echo, written the way a
Chainlit user writes it (a counter in cl.user_session, `echo #n: text`), plus the same two custom
routes. Run with `chainlit run app.py --headless --port 8000`.
"""

import chainlit as cl
from chainlit.context import init_http_context
from chainlit.server import app
from fastapi.routing import APIRoute


@cl.on_chat_start
async def start():
    cl.user_session.set("n", 0)


@cl.on_message
async def reply(message: cl.Message):
    n = (cl.user_session.get("n") or 0) + 1
    cl.user_session.set("n", n)
    await cl.Message(content=f"echo #{n}: {message.content}").send()


async def ping():
    return "pong"


async def count():
    # What a Chainlit user writes to use the session in an endpoint. Chainlit gives each HTTP
    # call a fresh session, so this counts to 1 every time: the fault chainrs fixes.
    init_http_context()
    n = (cl.user_session.get("n") or 0) + 1
    cl.user_session.set("n", n)
    return n


# Chainlit's page route catches every GET; put ours first so they are really served.
app.router.routes.insert(0, APIRoute("/custom/ping", ping, methods=["GET"]))
app.router.routes.insert(0, APIRoute("/custom/count", count, methods=["POST"]))
