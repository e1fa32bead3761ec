"""A local stand-in for the Telegram Bot API, for tests, demos and training (see ``facade``).

Where things live: ``facade`` FakeBotApi, the one entry point; ``server`` the HTTP server, token check and
call log; ``methods`` the Bot API methods by name (sending in ``sending``, edits in ``editing``);
``params`` decoding the parameters of a call; ``state`` chats, messages and events; ``updates`` the update
queue; ``files`` stored files; ``users`` what simulated users do; ``simulation`` the /_sim HTTP endpoints;
``faults`` injected errors, delays and the 429 limiter; ``formatting`` HTML/MarkdownV2 and text limits;
``markup`` keyboards; ``errors`` the errors.
"""

from bot.sandbox.botapi.errors import SimulationError
from bot.sandbox.botapi.facade import FakeBotApi
from bot.sandbox.botapi.files import image_size
from bot.sandbox.botapi.formatting import EntityParseError, parse_html
from bot.sandbox.botapi.markup import inline_buttons, reply_keyboard_buttons

__all__ = [
    "EntityParseError",
    "FakeBotApi",
    "SimulationError",
    "image_size",
    "inline_buttons",
    "parse_html",
    "reply_keyboard_buttons",
]
