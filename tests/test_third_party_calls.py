"""A third-party check can read the keyword arguments of any call to an imported name: the Python
parser keeps no whitelist of callees (issue 16, item 4). The check below is what a user would write
for "requests without a timeout" against readycheck.api only."""

from __future__ import annotations

from helpers import write_tree
from readycheck.api import Check, Span
from readycheck.engine.config import Config
from readycheck.engine.runner import scan

_REQUESTS = {"requests.get", "requests.post", "requests.put", "requests.delete", "requests.request"}


class RequestsWithoutTimeout(Check):
    """T101 requests-without-timeout.

    Why is this bad
        A request without a timeout waits for ever on a server that stopped answering.
    """

    id, name, summary, fix = "T101", "requests-without-timeout", "requests call without timeout", "pass timeout="

    def run(self, project):
        for facts in project.python.modules_with(b"requests"):
            for site in facts.all_calls():
                if site.callee not in _REQUESTS:
                    continue
                keywords = dict(site.call.keywords) if site.call is not None else {}
                if "timeout" not in keywords and "**" not in keywords:  # ``**options`` may hold one
                    yield self.finding(facts.path, Span(site.span.line, site.span.column),
                                       f"`{site.text}()` without timeout")


def test_a_third_party_check_sees_keyword_arguments_of_any_imported_call(tmp_path):
    write_tree(tmp_path, {"svc/client.py": (
        "import requests\n"
        "from requests import post\n"
        "def fetch(url):\n"
        "    return requests.get(url)\n"
        "def fetch_bounded(url):\n"
        "    return requests.get(url, timeout=5)\n"
        "def send(url, body):\n"
        "    return requests.post(url, json=body)\n"
        "def send_bounded(url, body):\n"
        "    return post(url, json=body, timeout=(3, 10))\n"
        "def through_kwargs(url, **options):\n"
        "    return requests.get(url, **options)\n")})
    result = scan(tmp_path, Config(), [RequestsWithoutTimeout])
    assert [(f.span.line, f.message) for f in result.findings] == [
        (4, "`requests.get()` without timeout"), (8, "`requests.post()` without timeout")]
