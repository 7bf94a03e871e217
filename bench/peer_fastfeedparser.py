#!/usr/bin/env python3
"""fastfeedparser's reading of each feed, as compare.py's candidate JSONL.

The parser issue quotes fastfeedparser's agreement with the feedparser reference; this writes
its output in the form `feedwatch parse` writes, so that compare.py scores both the same way,
side by side (`bench/agreement.py`).

usage: peer_fastfeedparser.py CORPUS_DIR OUT_DIR FILE...   (FILE relative to CORPUS_DIR)
"""
import datetime as dt
import json
import os
import sys

import fastfeedparser


def rfc3339(value):
    """fastfeedparser gives ISO 8601 strings; compare.py wants RFC 3339 (any offset) or null."""
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(e):
    authors = [a.get("name") or a.get("email") or "" for a in (e.get("authors") or []) if isinstance(a, dict)]
    if not authors and e.get("author"):
        authors = [e.get("author")]
    content = " ".join(c.get("value") or "" for c in (e.get("content") or []) if isinstance(c, dict))
    return {
        "id": e.get("id") or "",
        "link": e.get("link") or "",
        "title": e.get("title") or "",
        "summary": e.get("summary") or e.get("description") or "",
        "content": content,
        "published": rfc3339(e.get("published")),
        "updated": rfc3339(e.get("updated")),
        "authors": [a for a in authors if a],
        "categories": [t.get("term") or t.get("label") or "" for t in (e.get("tags") or []) if isinstance(t, dict)],
        "enclosures": [
            {"url": x.get("href") or x.get("url") or "", "type": x.get("type") or "", "length": x.get("length") or ""}
            for x in (e.get("enclosures") or [])
            if isinstance(x, dict)
        ],
    }


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    for rel in sys.argv[3:]:
        dst = os.path.join(out, rel + ".jsonl")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(os.path.join(corpus, rel), "rb") as f:
            data = f.read()
        with open(dst, "w", encoding="utf-8") as w:
            try:
                d = fastfeedparser.parse(data)
            except Exception as ex:  # a refusal: scored as a file with no entries
                w.write(json.dumps({"feed": {"title": "", "link": ""}, "error": repr(ex)}) + "\n")
                continue
            feed = d.get("feed") or {}
            w.write(json.dumps({"feed": {"title": feed.get("title") or "", "link": feed.get("link") or ""}}) + "\n")
            for e in d.get("entries") or []:
                w.write(json.dumps(entry(e), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
