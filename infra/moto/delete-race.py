"""Counts messages moto loses when appends race with deletes on one queue (in process, no HTTP).

One thread appends a message per delete, for as long as the deletes run, through
`Queue.add_message` (where SendMessage and SNS delivery end up, under `_messages_lock`); others
delete a leased backlog of other messages at the same time through `Queue.delete_message`.
Afterwards every appended message must still be in the queue. Prints `lost=<n> appended=<n>`; `--patched` applies the launcher's fix first.
(`backend.send_message` is not used: it scans the whole queue per call, far too slow to race.)
"""

import argparse
import sys
import threading

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import Message, sqs_backends

parser = argparse.ArgumentParser()
parser.add_argument("--patched", action="store_true")
parser.add_argument("--backlog", type=int, default=2000)
parser.add_argument("--deleters", type=int, default=2)
args = parser.parse_args()

if args.patched:
    from launch import patch_delete_message

    patch_delete_message()

backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
queue = backend.create_queue("race")
handles: list[str] = []
for index in range(args.backlog):
    message = Message(f"backlog-{index}", "backlog")
    queue.add_message(message)
    message.mark_received(visibility_timeout=600)
    handles.append(message.receipt_handle)


deleting = threading.Event()
appended = 0
deleted = 0


def append() -> None:
    # One append per delete, for as long as deletes run: they overlap whatever the scheduling,
    # and the queue keeps its size.
    global appended
    while deleting.is_set():
        if appended < deleted:
            queue.add_message(Message(f"appended-{appended}", "appended"))
            appended += 1


def delete(share: list[str]) -> None:
    global deleted
    for handle in share:
        queue.delete_message(handle)
        deleted += 1


threads = [threading.Thread(target=append)] + [
    threading.Thread(target=delete, args=(handles[worker :: args.deleters],)) for worker in range(args.deleters)
]
# Switch threads often (default 5 ms) so a switch lands inside a delete's rebuild of the list.
sys.setswitchinterval(1e-5)
deleting.set()
for thread in threads:
    thread.start()
for thread in threads[1:]:
    thread.join()
deleting.clear()
threads[0].join()

present = {message.id for message in queue._messages}
lost = sum(1 for index in range(appended) if f"appended-{index}" not in present)
print(f"lost={lost} appended={appended}")
