#!/usr/bin/env python3
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
"""Reconciles the endpoint catalog with the official SDKs' facts (Python 3 standard library).

Reads data/catalog.json (as imported from upstream by tools/gen_catalog.py --import) and the
facts in data/official/wechatpay-go.json and wechatpay-java.json (tools/import_official_sdks.py)
and applies the policy of docs/adr/0008-catalog-reconciliation.md, endpoint by endpoint and field
by field, on the endpoints an official SDK covers:

  requests   `required` only where the Go SDK requires it (Java states no required flags: an
             endpoint only Java covers requires nothing); members: union; type: the official one;
             enums: union, except that a catalog value which is a case variant of an official
             one takes the official spelling, and a catalog list disjoint from the official one
             (shifted upstream data) is replaced; a field without an enum in the catalog gets
             none (never refuse a value the server may take); encrypted: union.
  responses  the official member set (catalog-only members are dropped: they were copied from
             the request schema), official types, enums as for requests (added where the
             catalog has none), encrypted: union, `required` as Go states it (informational:
             typed responses treat every member as possibly absent).
  endpoints  an official endpoint the catalog lacks is added (host and flags of a sibling).
  names      an enum the official SDK names as a type gets that name (`enum_type`), Go's first.
  uploads    the parts of a multipart request (`file`, `meta`) keep the catalog's required
             flags: the official SDKs take them as function arguments, so their facts carry no
             required flag for them (the members inside `meta` are reconciled as above).

Every change is one record {endpoint, side, path, kind, before, after, source} in
data/catalog_reconciliation.json, `source` naming the SDK file and line at its commit.

`tools/gen_catalog.py --import` runs this stage after its overrides (when data/official/ is
there) and writes the change log. On its own:

  tools/reconcile_catalog.py --catalog F          prints the counts of changes by kind
  tools/reconcile_catalog.py --catalog F --out G  writes the reconciled catalog to G

where F is an unreconciled projection (`gen_catalog.py --import UPSTREAM --data F` with
data/official/ moved aside), and `tools/compare_catalog.py --catalog G` gives its disagreement
table.
"""

import argparse
import collections
import copy
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(REPO, "data", "catalog.json")
OFFICIAL = {
    "go": os.path.join(REPO, "data", "official", "wechatpay-go.json"),
    "java": os.path.join(REPO, "data", "official", "wechatpay-java.json"),
}
LOG = os.path.join(REPO, "data", "catalog_reconciliation.json")
# Keys of official nodes that the catalog's node format has.
NODE_KEYS = ("name", "required", "type", "format", "enum", "fields", "items")


class Recorder:
    def __init__(self):
        self.changes = []

    def add(self, endpoint, side, path, kind, before, after, source):
        self.changes.append({"endpoint": endpoint, "side": side, "path": path or "(root)",
                             "kind": kind, "before": before, "after": after, "source": source})


def to_catalog_node(node, side):
    """An official node in the catalog's format (its own keys only; responses require nothing)."""
    out = {}
    for k in NODE_KEYS:
        if k not in node:
            continue
        if k == "fields":
            out[k] = [to_catalog_node(f, side) for f in node[k]]
        elif k == "items":
            out[k] = to_catalog_node(node[k], side)
        else:
            out[k] = copy.deepcopy(node[k])
    if "type" not in out:
        out["type"] = "object" if "fields" in out else "string"
    return out


def join(path, name):
    return name if not path else path + "." + name


def merge_enum(cat, off, rec, ep, side, path, source):
    """The catalog node's enum after the policy; records what changed."""
    theirs = [v for v in off.get("enum") or [] if v is not None]
    ours = list(cat.get("enum") or [])
    if not theirs:
        return
    if not ours:
        if side == "response":
            cat["enum"] = list(theirs)
            rec.add(ep, side, path, "enum-added", None, theirs, source)
        return
    by_upper = {str(v).upper(): v for v in theirs}
    fixed = []
    for v in ours:
        o = by_upper.get(str(v).upper())
        fixed.append(o if o is not None else v)
    if not set(map(str, fixed)) & set(map(str, theirs)):
        cat["enum"] = list(theirs)
        rec.add(ep, side, path, "enum-replaced", ours, theirs, source)
        return
    merged = list(fixed)
    for v in theirs:
        if v not in merged:
            merged.append(v)
    if merged != ours:
        cat["enum"] = merged
        rec.add(ep, side, path, "enum-merged", ours, merged, source)


def name_enum(cat, off, rec, ep, side, path, source):
    """The official SDK's name for an enum type (goldplan.OperationType -> OperationType) becomes
    the catalog's `enum_type`, the C++ type name of the generated enum. Go's name first: a name
    already set is kept; Java's `...Enum` suffix is dropped."""
    given = off.get("enum_type")
    if not given or not cat.get("enum") or cat.get("enum_type"):
        return
    name = given.rsplit(".", 1)[-1]
    if name.endswith("Enum") and len(name) > 4:
        name = name[:-4]  # Java's nested-enum convention (Transaction.TradeStateEnum)
    cat["enum_type"] = name
    rec.add(ep, side, path, "enum-type", None, name, source)


def merge_node(cat, off, rec, ep, side, path, source, go_required, encrypted, off_encrypted):
    """Brings catalog node `cat` in line with official node `off` (in place). `go_required`:
    "go" when `off` is the Go SDK's (its required flags decide), "none" when no Go SDK covers the
    endpoint (a request requires nothing), "keep" to leave required flags alone (Java beside
    Go)."""
    if cat.get("json") is not None:
        return  # a JSON document carried in a string: the SDKs type it as a string
    ct, ot = cat.get("type"), off.get("type")
    if ot and ct and ct != ot and not (ct == "string" and ot in ("object", "array")):
        rec.add(ep, side, path, "type", ct, ot, source)
        cat["type"] = ot
        if ot not in ("object",):
            cat.pop("fields", None)
        if ot != "array":
            cat.pop("items", None)
    if off.get("format") == "rfc3339" and cat.get("type") == "string" and not cat.get("format"):
        cat["format"] = "rfc3339"
        rec.add(ep, side, path, "format", None, "rfc3339", source)
    if cat.get("type") in ("string", "integer", "number", "boolean"):
        merge_enum(cat, off, rec, ep, side, path, source)
        name_enum(cat, off, rec, ep, side, path, source)
    if path and off.get("encrypted") and path not in encrypted and path not in off_encrypted:
        off_encrypted.append(path)
    if cat.get("type") == "array" and off.get("items") is not None:
        if cat.get("items") is None:
            cat["items"] = to_catalog_node(off["items"], side)
            rec.add(ep, side, path + "[]", "member-added", None, "items", source)
        else:
            merge_node(cat["items"], off["items"], rec, ep, side, path + "[]", source, go_required,
                       encrypted, off_encrypted)
        return
    if cat.get("type") != "object" or off.get("fields") is None:
        return
    ours = cat.setdefault("fields", [])
    by_name = {f.get("name"): f for f in ours}
    theirs = {f["name"]: f for f in off["fields"] if "name" in f}
    for name, of in theirs.items():
        sub = join(path, name)
        cf = by_name.get(name)
        if cf is None:
            node = to_catalog_node(of, side)
            if go_required != "go":
                node["required"] = False
            ours.append(node)
            rec.add(ep, side, sub, "member-added", None, node.get("type"), source)
            cf = node
            if of.get("encrypted") and sub not in encrypted and sub not in off_encrypted:
                off_encrypted.append(sub)
            collect_encrypted(of, sub, encrypted, off_encrypted)
            continue
        if go_required != "keep" and (side == "request" or go_required == "go"):
            want = bool(of.get("required")) if go_required == "go" else False
            if bool(cf.get("required")) != want:
                rec.add(ep, side, sub, "required", bool(cf.get("required")), want, source)
                cf["required"] = want
        merge_node(cf, of, rec, ep, side, sub, source, go_required, encrypted, off_encrypted)
    if side == "request" and go_required != "keep":
        # A member the SDK lacks is one it never requires.
        for f in ours:
            if f.get("name") not in theirs and f.get("required"):
                rec.add(ep, side, join(path, f.get("name")), "required", True, False, source)
                f["required"] = False
    if side == "response":
        kept = []
        for f in ours:
            if f.get("name") in theirs:
                kept.append(f)
            else:
                rec.add(ep, side, join(path, f.get("name")), "member-dropped", f.get("type"), None,
                        source)
        cat["fields"] = kept
    # required_any groups name members that must stay.
    if cat.get("required_any"):
        names = {f.get("name") for f in cat["fields"]}
        cat["required_any"] = [g for g in cat["required_any"] if all(n in names for n in g)]


def collect_encrypted(node, path, encrypted, out):
    for f in node.get("fields") or []:
        sub = join(path, f.get("name", ""))
        if f.get("encrypted") and sub not in encrypted and sub not in out:
            out.append(sub)
        collect_encrypted(f, sub, encrypted, out)
    if node.get("items") is not None:
        collect_encrypted(node["items"], path + "[]", encrypted, out)


def merged_official(ops):
    """Several operations of one endpoint (Go has one per payment product): one node each side,
    members united, a member required only when every operation requires it."""
    def unite(a, b):
        if a is None:
            return copy.deepcopy(b)
        if b is None:
            return a
        if a.get("enum") or b.get("enum"):
            ev = list(a.get("enum") or [])
            for v in b.get("enum") or []:
                if v not in ev:
                    ev.append(v)
            a["enum"] = ev
        a["required"] = bool(a.get("required")) and bool(b.get("required"))
        a["encrypted"] = bool(a.get("encrypted")) or bool(b.get("encrypted"))
        if a.get("items") is not None or b.get("items") is not None:
            a["items"] = unite(a.get("items"), b.get("items"))
        if a.get("fields") is not None or b.get("fields") is not None:
            byn = collections.OrderedDict((f["name"], f) for f in a.get("fields") or [])
            for f in b.get("fields") or []:
                byn[f["name"]] = unite(byn.get(f["name"]), f)
            a["fields"] = list(byn.values())
        return a
    body = response = None
    query = collections.OrderedDict()
    for op in ops:
        body = unite(body, op.get("body")) if op.get("body") is not None else body
        response = unite(response, op.get("response")) if op.get("response") is not None \
            else response
        for q in op.get("query") or []:
            query[q["name"]] = unite(query.get(q["name"]), q)
    return body, response, list(query.values())


def reconcile(catalog, facts):
    rec = Recorder()
    out = copy.deepcopy(catalog)
    by_id = {e["id"]: e for e in out["endpoints"]}
    ops = {sdk: collections.defaultdict(list) for sdk in facts}
    for sdk, doc in facts.items():
        for op in doc["operations"]:
            ops[sdk][op["id"]].append(op)
    commits = {sdk: doc["source"]["commit"][:12] for sdk, doc in facts.items()}

    def source(sdk, op_list):
        op = op_list[0]
        return "wechatpay-%s %s:%s@%s" % (sdk, op["file"], op["line"], commits[sdk])

    ids = sorted(set(ops.get("go", {})) | set(ops.get("java", {})))
    for eid in ids:
        e = by_id.get(eid)
        sdks = [s for s in ("go", "java") if eid in ops.get(s, {})]
        if e is None:
            e = add_endpoint(out, by_id, eid, ops[sdks[0]][eid], rec, source(sdks[0],
                                                                             ops[sdks[0]][eid]))
            if e is None:
                continue
        parts = multipart_required(e)
        mark = len(rec.changes)
        encrypted = list(e.get("encrypted_fields") or [])
        resp_encrypted = list(e.get("response_encrypted_fields") or [])
        for sdk in sdks:
            src = source(sdk, ops[sdk][eid])
            body, response, query = merged_official(ops[sdk][eid])
            go_required = "go" if sdk == "go" else ("keep" if "go" in sdks else "none")
            new_enc, new_resp_enc = [], []
            if body is not None and e.get("body") is not None:
                merge_node(e["body"], body, rec, eid, "request", "", src, go_required, encrypted,
                           new_enc)
            if response is not None and (e.get("response") or {}).get("schema") is not None:
                merge_node(e["response"]["schema"], response, rec, eid, "response", "", src,
                           go_required if go_required != "none" else "keep", resp_encrypted,
                           new_resp_enc)
            merge_query(e, query, rec, eid, src, go_required, encrypted, new_enc)
            for p in new_enc:
                encrypted.append(p)
                rec.add(eid, "request", p, "encrypted", False, True, src)
            for p in new_resp_enc:
                resp_encrypted.append(p)
                rec.add(eid, "response", p, "encrypted", False, True, src)
        e["encrypted_fields"] = encrypted
        e["response_encrypted_fields"] = resp_encrypted
        if parts:
            restore_multipart_required(e, parts, rec, mark)
    out["endpoints"].sort(key=lambda x: (x["version"], x["path"], x["method"]))
    return out, rec.changes


def multipart_required(e):
    """{part name: required} of a multipart request's top-level parts, else {}."""
    if e.get("request_kind") != "multipart" or not (e.get("body") or {}).get("fields"):
        return {}
    return {f["name"]: bool(f.get("required")) for f in e["body"]["fields"]}


def restore_multipart_required(e, parts, rec, mark):
    """Puts back the catalog's required flags on multipart parts and drops their change records
    (made after index `mark`)."""
    for f in e["body"]["fields"]:
        if f["name"] in parts:
            f["required"] = parts[f["name"]]
    rec.changes[mark:] = [c for c in rec.changes[mark:]
                          if not (c["side"] == "request" and c["kind"] == "required"
                                  and c["path"] in parts)]


def merge_query(e, query, rec, eid, src, go_required, encrypted, new_enc):
    ours = e.setdefault("query", [])
    by_name = {q["name"]: q for q in ours}
    for q in query:
        path = "query:" + q["name"]
        cq = by_name.get(q["name"])
        if cq is None:
            node = to_catalog_node(q, "request")
            node["required"] = bool(q.get("required")) if go_required == "go" else False
            ours.append(node)
            rec.add(eid, "request", path, "member-added", None, node.get("type"), src)
            continue
        want = bool(q.get("required")) if go_required == "go" else False
        if go_required != "keep" and bool(cq.get("required")) != want:
            rec.add(eid, "request", path, "required", bool(cq.get("required")), want, src)
            cq["required"] = want
        if q.get("type") and cq.get("type") and q["type"] != cq["type"] and \
                cq.get("type") != "array":
            rec.add(eid, "request", path, "type", cq["type"], q["type"], src)
            cq["type"] = q["type"]
        merge_enum(cq, q, rec, eid, "request", path, src)
        if q.get("encrypted") and path not in encrypted and path not in new_enc:
            new_enc.append(path)


def add_endpoint(out, by_id, eid, op_list, rec, src):
    method, path = eid.split(" ", 1)
    parent = path.rsplit("/", 1)[0]
    sibling = None
    for e in out["endpoints"]:
        if e["template_path" if "template_path" in e else "chain"].startswith(parent + "/") and \
                e["protocol"] == "apiv3":
            sibling = e
            break
    if sibling is None:
        return None
    body, response, query = merged_official(op_list)
    e = copy.deepcopy(sibling)
    e.update({"id": eid, "method": method, "path": "/" + path, "chain": path,
              "summary": op_list[0].get("operation") or "", "updated": None,
              "body": to_catalog_node(body, "request") if body else None,
              "request_kind": "json" if body else "none",
              "query": [to_catalog_node(q, "request") for q in query],
              "path_params": [to_catalog_node(p, "request") for p in op_list[0]["path_params"]],
              "encrypted_fields": [], "response_encrypted_fields": [],
              "response_aead_fields": []})
    for p in e["path_params"]:
        p["required"] = True
    e["response"] = {"error_kind": None, "headers": [], "status": 200,
                     "schema": to_catalog_node(response, "response") if response else None}
    if e["body"] is not None:
        e["body"]["required"] = False
    out["endpoints"].append(e)
    by_id[eid] = e
    rec.add(eid, "endpoint", "", "endpoint-added", None, eid, src)
    return e


def load_facts():
    """The official facts by SDK; empty when the data files are absent."""
    facts = {}
    for sdk, p in OFFICIAL.items():
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                facts[sdk] = json.load(f)
    return facts


def write_log(facts, changes, path=LOG):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"format": "wechatpay-cpp-catalog-reconciliation/1",
                   "sources": {s: d["source"] for s, d in sorted(facts.items())},
                   "changes": changes}, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="write the reconciled catalog here instead")
    ap.add_argument("--catalog", default=CATALOG)
    args = ap.parse_args(argv)
    with open(args.catalog, encoding="utf-8") as f:
        catalog = json.load(f)
    facts = load_facts()
    out, changes = reconcile(catalog, facts)
    counts = collections.Counter((c["side"], c["kind"]) for c in changes)
    for (side, kind), n in sorted(counts.items()):
        print("%-9s %-15s %5d" % (side, kind, n))
    print("total %d changes on %d endpoints" % (len(changes),
                                               len({c["endpoint"] for c in changes})))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
