#!/usr/bin/env python3
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
"""Compares data/catalog.json with the facts extracted from the official SDKs (data/official/).

For each SDK: how many of its endpoints the catalog has, which it lacks, and, on the shared
endpoints, how often the two disagree on

  request_required   required flag of a request field (path, query, body; Go only: Java has none)
  response_required  required flag of a response field (Go only)
  enums              value set of a field the SDK gives an enum (catalog without enum: differs)
  members            member names of an object present on both sides
  query_params       names of the query parameters
  types              JSON type of a field present on both sides
  encrypted          fields the SDK encrypts/decrypts that the catalog does not list (and the
                     reverse, for fields the SDK has)
  serial             whether the request carries Wechatpay-Serial

A field is matched by its path (`a.b`, `a[].b`, `meta~filename`, `query:name`, `path:name`).
When several SDK operations share an endpoint (the same query in four payment packages), each
finding is counted once per endpoint, side and path. See docs/adr/0007-official-sdk-facts.md.

Usage: compare_catalog.py [--catalog FILE] [--sdk go|java] [--json] [--details CATEGORY]
"""

import argparse
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG_PATH = os.path.join(REPO, "data", "catalog.json")
OFFICIAL_DIR = os.path.join(REPO, "data", "official")
SDKS = ("go", "java")
CATEGORIES = ("request_required", "response_required", "enums", "members", "query_params",
              "types", "encrypted", "serial")
LABELS = {
    "request_required": "request required flags differ",
    "response_required": "response required flags differ",
    "enums": "enum value sets differ",
    "members": "object member sets differ",
    "query_params": "query parameter sets differ",
    "types": "field types differ",
    "encrypted": "encrypted fields: SDK marks / catalog marks of them",
    "serial": "Wechatpay-Serial usage differs",
}


def flatten(node, prefix=""):
    """(path, node) for every member below node (node itself not included)."""
    if not node:
        return
    if node.get("type") == "array" and node.get("items") is not None:
        p = prefix + "[]"
        yield p, node["items"]
        yield from flatten(node["items"], p)
        return
    for f in node.get("fields") or []:
        p = (prefix + "." if prefix else "") + f["name"]
        yield p, f
        yield from flatten(f, p)
    if node.get("json"):
        for p, n in flatten(node["json"], ""):
            yield prefix + "~" + p, n


def side_nodes(params, body, query, response):
    """{side: {path: node}} with the root object(s) under "" (body) and "" (response)."""
    req = {}
    for n in params or []:
        req["path:" + n["name"]] = n
    for n in query or []:
        req["query:" + n["name"]] = n
    if body:
        req[""] = body
        req.update(flatten(body))
    resp = {}
    if response:
        resp[""] = response
        resp.update(flatten(response))
    return {"request": req, "response": resp}


def fmt(v):
    if isinstance(v, (list, set, tuple)):
        return "[" + ", ".join(str(x) for x in sorted(v, key=str)) + "]"
    return "-" if v is None else str(v)


def compare_sdk(catalog, official, sdk):
    cat = {e["id"]: e for e in catalog["endpoints"]}
    ops_by_id = {}
    for op in official["operations"]:
        ops_by_id.setdefault(op["id"], []).append(op)
    ids = sorted(ops_by_id)
    shared = [i for i in ids if i in cat]
    missing = [i for i in ids if i not in cat]
    counted = {c: {} for c in CATEGORIES}   # category -> key -> (differs, record)

    def note(cat_name, key, differs, record):
        counted[cat_name].setdefault(key, (differs, record))

    enc_official, enc_catalog_marks, enc_catalog_only = {}, set(), {}
    for eid in shared:
        e = cat[eid]
        schema = (e.get("response") or {}).get("schema")
        c_sides = side_nodes(e["path_params"], e["body"], e["query"], schema)
        c_enc = {"request": set(e["encrypted_fields"]),
                 "response": set(e["response_encrypted_fields"]) |
                 set(e.get("response_aead_fields") or [])}
        for op in ops_by_id[eid]:
            src = "%s:%d" % (op["file"], op["line"])
            o_sides = side_nodes(op["path_params"], op["body"], op["query"], op["response"])
            for side in ("request", "response"):
                cs, os_ = c_sides[side], o_sides[side]
                for path, on in os_.items():
                    key = (eid, side, path)
                    cn = cs.get(path)

                    def rec(cv, ov):
                        return {"endpoint": eid, "side": side, "path": path or "(root)",
                                "catalog": cv, "official": ov, "source": src,
                                "operation": op["service"] + "." + op["operation"]}
                    if on.get("encrypted"):
                        marked = path in c_enc[side]
                        enc_official[key] = rec(marked, True)
                        if marked:
                            enc_catalog_marks.add(key)
                    if cn is None:
                        continue
                    if "required" in on and "required" in cn and path and \
                            not path.startswith("path:"):
                        cat_name = side + "_required"
                        note(cat_name, key, bool(on["required"]) != bool(cn["required"]),
                             rec(cn["required"], on["required"]))
                    if "enum" in on:
                        cv = set(str(v) for v in cn.get("enum") or [])
                        ov = set(str(v) for v in on["enum"])
                        note("enums", key, cv != ov, rec(fmt(cv) if cv else None, fmt(ov)))
                    if on.get("type") and cn.get("type") and path:
                        note("types", key, on["type"] != cn["type"],
                             rec(cn["type"], on["type"]))
                    if on.get("type") == "object" and "fields" in on and \
                            cn.get("type") == "object":
                        ov = set(f["name"] for f in on["fields"])
                        cv = set(f["name"] for f in cn.get("fields") or [])
                        r = rec(fmt(sorted(cv - ov)), fmt(sorted(ov - cv)))
                        r["catalog_only"], r["official_only"] = sorted(cv - ov), sorted(ov - cv)
                        note("members", key, cv != ov, r)
                    if not on.get("encrypted") and path in c_enc[side] and \
                            on.get("type") in ("string", None):
                        enc_catalog_only.setdefault(key, rec(True, False))
            oq = set(n["name"] for n in op["query"])
            cq = set(n["name"] for n in e["query"])
            r = {"endpoint": eid, "side": "request", "path": "query", "catalog": fmt(cq),
                 "official": fmt(oq), "source": src,
                 "operation": op["service"] + "." + op["operation"]}
            note("query_params", (eid, "request", "query"), oq != cq, r)
            serial = any(h["name"].lower() == "wechatpay-serial" for h in op["headers"])
            r = {"endpoint": eid, "side": "request", "path": "header:Wechatpay-Serial",
                 "catalog": bool(e["uses_wechatpay_serial"]), "official": serial,
                 "source": src, "operation": op["service"] + "." + op["operation"]}
            note("serial", (eid, "request", "serial"), serial != bool(e["uses_wechatpay_serial"]),
                 r)
    # The serial flag is per endpoint: an endpoint counts as using it when any operation does.
    ser = {}
    for key, (d, r) in counted["serial"].items():
        ops_use = any(any(h["name"].lower() == "wechatpay-serial" for h in op["headers"])
                      for op in ops_by_id[key[0]])
        r = dict(r, official=ops_use)
        ser[key] = (ops_use != r["catalog"], r)
    counted["serial"] = ser

    stats = {}
    details = {}
    for c in CATEGORIES:
        if c == "encrypted":
            continue
        items = counted[c]
        n = len(items)
        d = sum(1 for v in items.values() if v[0])
        stats[c] = {"compared": n, "differ": d, "percent": round(100.0 * d / n, 1) if n else None}
        details[c] = [dict(v[1], differs=True) for k, v in sorted(items.items()) if v[0]]
    stats["encrypted"] = {"official_marks": len(enc_official),
                          "catalog_marks_of_them": len(enc_catalog_marks),
                          "catalog_only": len(enc_catalog_only)}
    details["encrypted"] = [dict(r, differs=True) for k, r in sorted(enc_official.items())
                            if not r["catalog"]] + \
                           [dict(r, differs=True) for k, r in sorted(enc_catalog_only.items())]
    return {
        "sdk": sdk,
        "source": official["source"],
        "endpoints": len(ids),
        "operations": len(official["operations"]),
        "shared": len(shared),
        "missing_from_catalog": missing,
        "stats": stats,
        "details": details,
    }


def cell(st, c):
    s = st[c]
    if c == "encrypted":
        return "%d / %d" % (s["official_marks"], s["catalog_marks_of_them"])
    if not s["compared"]:
        return "n/a"
    return "%d / %d (%.1f%%)" % (s["differ"], s["compared"], s["percent"])


def table(results):
    head = "| | " + " | ".join("%s %s" % (r["sdk"], r["source"]["version"]) for r in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    lines.append("| SDK endpoints (operations) | " + " | ".join(
        "%d (%d)" % (r["endpoints"], r["operations"]) for r in results) + " |")
    lines.append("| shared with the catalog | " + " | ".join(
        str(r["shared"]) for r in results) + " |")
    lines.append("| missing from the catalog | " + " | ".join(
        str(len(r["missing_from_catalog"])) for r in results) + " |")
    for c in CATEGORIES:
        lines.append("| %s | " % LABELS[c] + " | ".join(cell(r["stats"], c) for r in results) +
                     " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catalog", default=CATALOG_PATH)
    ap.add_argument("--official", default=OFFICIAL_DIR, help="directory of the SDK fact files")
    ap.add_argument("--sdk", choices=SDKS, action="append")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--details", choices=CATEGORIES + ("missing",),
                    help="list every disagreement of one category")
    args = ap.parse_args(argv)
    with open(args.catalog, encoding="utf-8") as f:
        catalog = json.load(f)
    results = []
    for sdk in args.sdk or SDKS:
        with open(os.path.join(args.official, "wechatpay-%s.json" % sdk), encoding="utf-8") as f:
            official = json.load(f)
        results.append(compare_sdk(catalog, official, sdk))
    if args.json:
        out = []
        for r in results:
            r = dict(r)
            if args.details:
                r["details"] = {args.details: r["details"].get(args.details,
                                                                r["missing_from_catalog"])}
            else:
                r.pop("details")
            out.append(r)
        print(json.dumps(out, ensure_ascii=False, sort_keys=True, indent=1))
        return 0
    if args.details:
        for r in results:
            if args.details == "missing":
                print("## %s: endpoints missing from the catalog" % r["sdk"])
                for i in r["missing_from_catalog"]:
                    print("- `%s`" % i)
                continue
            rows = r["details"][args.details]
            print("## %s: %s (%d)" % (r["sdk"], LABELS[args.details], len(rows)))
            print("| endpoint | side | path | catalog | official | source |")
            print("|---|---|---|---|---|---|")
            for d in rows:
                print("| `%s` | %s | `%s` | %s | %s | %s |" % (
                    d["endpoint"], d["side"], d["path"], fmt(d["catalog"]), fmt(d["official"]),
                    d["source"]))
            print()
        return 0
    print(table(results))
    print()
    for r in results:
        if r["missing_from_catalog"]:
            print("%s endpoints missing from the catalog: %s" % (
                r["sdk"], ", ".join("`%s`" % i for i in r["missing_from_catalog"])))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head
        sys.exit(0)
