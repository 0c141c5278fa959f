"""An SMTP sink for the production smoke test: each message received becomes one .eml file of a folder.

No STARTTLS, as a relay on the same machine: the portal runs with ``EMAIL_USE_TLS=0`` against it.
"""

from __future__ import annotations

import argparse
import signal
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToFolder:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time():.6f}-{uuid.uuid4().hex[:6]}"
        partial = self.folder / f"{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / f"{name}.eml")  # whole or not there: the walk never reads half a message
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=2525)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # for sigwait, in every thread started from here
    controller = Controller(SaveToFolder(args.folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"SMTP sink on 127.0.0.1:{args.port}, messages in {args.folder}", flush=True)
    signal.sigwait(stop)
    controller.stop()


if __name__ == "__main__":
    main()
