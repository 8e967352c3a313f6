"""The local Web Push service of tests/pushsvc (Node, http_ece) from the e2e tests: start
it on a free loopback port with the world's certificate, make subscriptions, script its
answers, and read what arrived (decrypted, with its VAPID check).  It stops with the test
(its stdin closes when this process ends)."""
import asyncio
import json
import os
import shutil
import ssl
import subprocess
import urllib.request

import harness as h

DIR = os.path.join(h.SRC, "tests", "pushsvc")


class PushService:
    def __init__(self, w):
        node = shutil.which("node")
        if node is None or not os.path.isdir(os.path.join(DIR, "node_modules", "http_ece")):
            h.skip("the local push service", "node or tests/pushsvc's npm packages missing "
                   "(cd tests/pushsvc && npm ci)")
        self.proc = subprocess.Popen(
            [node, os.path.join(DIR, "server.mjs"), "--cert", os.path.join(w.tmp, "server.pem"),
             "--key", os.path.join(w.tmp, "server-key.pem")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, preexec_fn=h._pdeathsig)
        line = self.proc.stdout.readline()
        try:
            self.port = json.loads(line)["port"]
        except (ValueError, KeyError):
            raise h.Fail("the local push service did not start: %r" % line)
        self.origin = "https://127.0.0.1:%d" % self.port
        self.ssl = ssl.create_default_context(cafile=w.ca)

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.origin + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, context=self.ssl, timeout=10) as r:
            return json.loads(r.read())

    def subscribe(self, lang=None):
        """A new subscription as a browser's PushSubscription.toJSON() (with its id)."""
        s = self._call("POST", "/control/subscribe", {})
        if lang:
            s["lang"] = lang
        return s

    def respond(self, sub, status, retry_after=None, times=1):
        self._call("POST", "/control/respond", {"id": sub["id"], "status": status,
                                                "retry_after": retry_after, "times": times})

    def received(self, sub):
        return self._call("GET", "/control/received?id=%s" % sub["id"])

    async def wait_for(self, sub, n, timeout=5.0, what="pushes"):
        """The first n pushes to sub, waiting up to timeout seconds."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            got = self.received(sub)
            if len(got) >= n:
                return got
            if loop.time() > end:
                h.fail("%s: %d push(es) to subscription %s within %.1fs" % (what, n, sub["id"],
                                                                        timeout), n, got)
            await asyncio.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(5)


def payload(push):
    """The decrypted notification, as the service worker will read it."""
    h.eq(push.get("vapid"), "ok", "the VAPID JWT checks out")
    return json.loads(push["payload"])


def configure(w, renotify="0"):
    """Restart the world's gateway so it may send to this machine's push service.
    renotify: push_renotify_minutes; "0" (every message is told of, as soon as it
    can be) for the tests of what arrives, None for the default rule (one per
    conversation until read, e2e 61)."""
    w.gw.extra += ["--push-hosts", "127.0.0.1", "--push-allow-private", "yes",
                   "--push-ca-file", w.ca]
    if renotify is not None:
        w.gw.extra += ["--push-renotify-minutes", renotify]
    w.gw.restart()
