"""Starts moto's server (same arguments as `moto_server`) with one thread race of moto 5.2.5 fixed.

`Queue.delete_message` rebuilds the queue's message list without holding `_messages_lock`,
while SNS delivery and SendMessage append to that list under it: a message appended while a
delete is rebuilding the list is lost (the server had accepted it). Holding the same lock
(a Condition over an RLock) around the delete closes that window.
"""

import functools
import sys

from moto.sqs import models


def patch_delete_message() -> None:
    original = models.Queue.delete_message
    if getattr(original, "holds_messages_lock", False):
        return

    @functools.wraps(original)
    def delete_message(self: models.Queue, receipt_handle: str) -> None:
        with self._messages_lock:
            original(self, receipt_handle)

    delete_message.holds_messages_lock = True  # type: ignore[attr-defined]
    models.Queue.delete_message = delete_message  # type: ignore[method-assign]


if __name__ == "__main__":
    patch_delete_message()
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
