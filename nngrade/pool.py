"""A warm pool of sandboxes: each one started before it is needed, used by one notebook, never reused.

Starting a sandbox costs about half a second of waiting (bubblewrap, then the harness
importing IPython and NumPy). The pipeline starts the sandboxes of the next submissions
while the current ones are graded (:class:`SandboxPool`) and hands each grading worker
one fresh sandbox per notebook (:func:`nngrade.sandbox.hand_over`). The pool owns every
sandbox it started: after the worker is done (or killed), :meth:`SandboxPool.release`
ends the sandbox and everything in it, and removes its folder.

One thread starts them all and lives as long as the pool: bubblewrap's
``--die-with-parent`` ends a sandbox when the *thread* that started it ends.
"""
import queue
import secrets
import shutil
import threading
from pathlib import Path

from nngrade import sandbox


class SandboxPool:
    """Keeps ``ahead`` sandboxes with the limits ``policy`` started, in folders under ``root``."""

    def __init__(self, policy, root, ahead, total=None):
        self.policy, self.root, self.ahead = policy, Path(root), max(0, ahead)
        self.total = total   # sandboxes the run can use at most: none is started beyond
        self.root.mkdir(mode=0o711, parents=True, exist_ok=True)
        self.ready = queue.Queue()
        self.requests = queue.Queue()
        self.lock = threading.Lock()
        self.started = self.taken = 0
        self.closed = False
        self.thread = threading.Thread(target=self._serve, name="sandbox-pool", daemon=True)
        self.thread.start()
        for _ in range(self.ahead):
            self.requests.put(True)

    def _serve(self):
        while self.requests.get():
            if self.closed or (self.total is not None and self.started >= self.total):
                continue
            self.started += 1
            folder = self.root / secrets.token_hex(8)
            try:
                box = sandbox.start_ahead(self.policy, folder)
            except Exception as error:  # the worker starts its own and reports the failure
                shutil.rmtree(folder, ignore_errors=True)
                self.ready.put(error)
                continue
            box.folder = folder
            self.ready.put(box)
        # Closing: end what was started ahead and never taken (from this thread, see above).
        while True:
            try:
                item = self.ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, sandbox.Sandbox):
                self._end(item)

    def take(self, count):
        """``count`` sandboxes started ahead (fewer if starting failed); as many new ones are
        started to replace them. Returns the :class:`~nngrade.sandbox.Sandbox` objects."""
        boxes = []
        for _ in range(count):
            self.requests.put(True)
            if self.total is not None and self.taken >= self.total:
                break   # more than announced: the worker starts its own
            self.taken += 1
            item = self.ready.get()
            if isinstance(item, sandbox.Sandbox):
                boxes.append(item)
        return boxes

    def handed(self, boxes):
        """What the worker process receives for ``boxes``: its ends of their sockets."""
        return [sandbox.Ready(box.sock, str(box.folder), self.policy) for box in boxes]

    @staticmethod
    def given(boxes):
        """The worker has started and holds the sockets: close this process's copies, so that a
        harness sees the end of its notebook when the worker hangs up or dies."""
        for box in boxes:
            box.sock.close()

    def release(self, boxes):
        """End the sandboxes of a finished (or killed) worker and remove their folders."""
        for box in boxes:
            self._end(box)

    @staticmethod
    def _end(box):
        box.close()
        shutil.rmtree(box.folder, ignore_errors=True)

    def close(self):
        """Stop starting sandboxes and end those never taken."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        self.requests.put(False)
        self.thread.join(timeout=60)
