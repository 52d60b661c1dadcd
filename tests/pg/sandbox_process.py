"""The simulator in a process of its own, as a real provider is: `python -m tests.pg.sandbox_process`.

Arguments: port, callback prefix, API key, webhook secret, speed. Tests read what it placed through its
own API (`GET /calls`), never through its objects, so a replica's death cannot hide a call from them.
"""

from __future__ import annotations

import sys

import uvicorn

from bot.sandbox.server import SandboxTelco


def main() -> None:
    port, prefix, api_key, secret, speed = sys.argv[1:6]
    telco = SandboxTelco(api_key, secret, speed=float(speed), callback_prefix=prefix)
    uvicorn.run(telco.app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
