#!/usr/bin/env python3
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
"""Endpoint catalog generator (Python 3 standard library only, deterministic output).

Stage 1, `--import PATH/catalog.json`: projects the upstream endpoint catalog into the project's
own committed copy `data/catalog.json` (facts only: no long descriptions, doc URLs or examples;
the short `summary` and field `title` labels are kept for reference pages), then applies the
hand-curated corrections in `data/catalog_overrides.json`: "one of these fields" groups
(`required_any`) where upstream marks every alternative required, and the APIv2
`response_unsigned` flag (derived from the response schema, overridable).

Stage 2, default or `--generate`: reads `data/catalog.json` and writes
`src/api/catalog/catalog_data.cc`, the runtime data embedded in the library: a compact line-oriented
text blob (string table, deduplicated schema nodes, endpoints) held in a few char arrays and parsed
once on first use by src/api/catalog/catalog.cc. No summary/title text goes into it.

`--check`: regenerates stage 2 into a temporary directory and exits 1 when the committed file
differs (also when `data/catalog.json` is not in canonical form, or when the overrides file changed
since the last import). See docs/adr/0002-catalog-data.md.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_PATH = os.path.join(REPO, "data", "catalog.json")
OVERRIDES_PATH = os.path.join(REPO, "data", "catalog_overrides.json")
CC_PATH = os.path.join(REPO, "src", "api", "catalog", "catalog_data.cc")

INPUT_FORMAT = "wechatpay-endpoint-catalog/1"
DATA_FORMAT = "wechatpay-cpp-catalog/1"
OVERRIDES_FORMAT = "wechatpay-cpp-catalog-overrides/1"
BLOB_MAGIC = "wpcat1"

VERSIONS = ("v2", "v3", "hk", "global", "miniprogram")
PROTOCOLS = ("apiv2", "apiv3", "miniprogram")
KINDS = ("api", "page", "notification")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REQUEST_KINDS = ("json", "xml", "multipart", "none")
RESPONSE_KINDS = ("json", "xml", "binary", "empty", "html", "redirect")
FIELD_TYPES = {
    "string": "s",
    "integer": "i",
    "number": "n",
    "boolean": "b",
    "object": "o",
    "array": "a",
    "file": "f",
}
# Field node keys, in the order the data file documents them.
NODE_KEYS = (
    "name", "required", "type", "format", "title", "enum", "default", "nullable", "deprecated",
    "constraints", "xml_name", "cdata", "sensitive", "fields", "items", "json", "json_key",
    "urlencoded", "one_of",
)
CONSTRAINT_KEYS = ("minLength", "maxLength", "lengthUnit", "pattern", "minimum", "maximum",
                   "minItems", "maxItems")
# Upstream endpoint keys we drop on import (provenance and prose).
DROPPED_ENDPOINT_KEYS = ("notes", "source")
ENDPOINT_KEYS = (
    "id", "version", "protocol", "kind", "method", "host", "path", "chain", "uri_rules", "summary",
    "tags", "roles", "deprecated", "updated", "consumes", "produces", "request_kind",
    "response_kind", "needs_client_cert", "uses_wechatpay_serial", "auth", "path_params", "query",
    "headers", "body", "encrypted_fields", "response_encrypted_fields", "response_aead_fields",
    "response",
)
# Bytes of blob text per char array: under the 64 KiB limit some compilers put on one literal.
CHUNK_LIMIT = 60000


class CatalogError(Exception):
    pass


def fail(msg):
    raise CatalogError(msg)


def dump_line(value):
    """Canonical compact JSON: sorted keys, UTF-8 kept, no spaces."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Stage 1: upstream catalog -> data/catalog.json


def project_node(node, where):
    if not isinstance(node, dict):
        fail("%s: field node is not an object" % where)
    unknown = sorted(set(node) - set(NODE_KEYS))
    if unknown:
        fail("%s: unknown field node keys %s" % (where, unknown))
    if node.get("type") not in FIELD_TYPES:
        fail("%s: unknown field type %r" % (where, node.get("type")))
    out = {}
    for key in NODE_KEYS:
        if key not in node:
            continue
        value = node[key]
        if key in ("fields", "one_of"):
            value = [project_node(child, "%s.%s" % (where, child.get("name", key)))
                     for child in value]
        elif key in ("items", "json", "urlencoded"):
            value = project_node(value, "%s/%s" % (where, key))
        elif key == "constraints":
            unknown = sorted(set(value) - set(CONSTRAINT_KEYS))
            if unknown:
                fail("%s: unknown constraints %s" % (where, unknown))
            if value.get("lengthUnit", "byte") != "byte":
                fail("%s: unknown lengthUnit %r" % (where, value["lengthUnit"]))
            value = dict(value)
        elif key == "title" and not isinstance(value, str):
            fail("%s: title is not a string" % where)
        out[key] = value
    if "name" in out and not isinstance(out["name"], str):
        fail("%s: name is not a string" % where)
    out["required"] = bool(out.get("required", False))
    return out


def project_endpoint(e):
    eid = e.get("id", "?")
    unknown = sorted(set(e) - set(ENDPOINT_KEYS) - set(DROPPED_ENDPOINT_KEYS))
    if unknown:
        fail("%s: unknown endpoint keys %s" % (eid, unknown))
    checks = (("version", VERSIONS), ("protocol", PROTOCOLS), ("kind", KINDS),
              ("method", METHODS), ("request_kind", REQUEST_KINDS),
              ("response_kind", RESPONSE_KINDS))
    for key, allowed in checks:
        if e.get(key) not in allowed:
            fail("%s: unknown %s %r" % (eid, key, e.get(key)))
    method, _, tpath = eid.partition(" ")
    if method != e["method"] or not tpath:
        fail("%s: id does not start with the method" % eid)
    expected = ("v2" + e["path"]) if e["version"] == "v2" else e["path"].lstrip("/")
    if tpath != expected:
        fail("%s: id path does not match path %r" % (eid, e["path"]))
    placeholders = [seg[1:-1] for seg in e["path"].split("/")
                    if seg.startswith("{") and seg.endswith("}")]
    if placeholders != [p["name"] for p in e["path_params"]]:
        fail("%s: path_params do not match the path template" % eid)
    resp = e["response"]
    unknown = sorted(set(resp) - {"status", "schema", "headers", "error_kind"})
    if unknown:
        fail("%s: unknown response keys %s" % (eid, unknown))
    out = {
        "id": eid,
        "version": e["version"],
        "protocol": e["protocol"],
        "kind": e["kind"],
        "method": e["method"],
        "host": e.get("host"),
        "path": e["path"],
        "chain": e["chain"],
        "uri_rules": list(e.get("uri_rules", [])),
        "summary": e.get("summary") or "",
        "tags": list(e.get("tags", [])),
        "roles": list(e.get("roles", [])),
        "deprecated": bool(e.get("deprecated", False)),
        "updated": e.get("updated"),
        "consumes": list(e.get("consumes", [])),
        "produces": list(e.get("produces", [])),
        "request_kind": e["request_kind"],
        "response_kind": e["response_kind"],
        "needs_client_cert": bool(e.get("needs_client_cert", False)),
        "uses_wechatpay_serial": bool(e.get("uses_wechatpay_serial", False)),
        "auth": e.get("auth"),
        "path_params": [project_node(p, "%s path.%s" % (eid, p.get("name")))
                        for p in e["path_params"]],
        "query": [project_node(p, "%s query.%s" % (eid, p.get("name"))) for p in e["query"]],
        "headers": [project_node(p, "%s header.%s" % (eid, p.get("name")))
                    for p in e["headers"]],
        "body": project_node(e["body"], eid + " body") if e.get("body") else None,
        "encrypted_fields": list(e.get("encrypted_fields", [])),
        "response_encrypted_fields": list(e.get("response_encrypted_fields", [])),
        "response_aead_fields": list(e.get("response_aead_fields", [])),
        "response": {
            "status": int(resp["status"]),
            "schema": (project_node(resp["schema"], eid + " response")
                       if resp.get("schema") else None),
            "headers": list(resp.get("headers", [])),
            "error_kind": resp.get("error_kind"),
        },
        "response_unsigned": False,  # set by apply_overrides()
    }
    for p in out["path_params"]:
        if not p["required"]:
            fail("%s: path parameter %s is not required" % (eid, p.get("name")))
    return out


# --------------------------------------------------------------------------------------------
# Stage 1, second step: data/catalog_overrides.json


def read_overrides(path):
    """Loads and shape-checks the overrides file; returns (document, raw bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    doc = json.loads(raw.decode("utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != OVERRIDES_FORMAT:
        fail("%s: format %r, expected %r" % (path, doc.get("format") if isinstance(doc, dict)
                                             else None, OVERRIDES_FORMAT))
    unknown = sorted(set(doc) - {"format", "about", "required_any", "response_unsigned",
                                 "enum_names"})
    if unknown:
        fail("%s: unknown keys %s" % (path, unknown))
    for section, keys in (("required_any", {"endpoint", "object", "groups", "reason"}),
                          ("response_unsigned", {"endpoint", "value", "reason"}),
                          ("enum_names", {"endpoint", "paths", "names", "reason"})):
        entries = doc.get(section, [])
        if not isinstance(entries, list):
            fail("%s: %s is not a list" % (path, section))
        for i, entry in enumerate(entries):
            where = "%s: %s[%d]" % (path, section, i)
            if not isinstance(entry, dict) or set(entry) != keys:
                fail("%s: expected exactly the keys %s" % (where, sorted(keys)))
            reason = entry["reason"]
            if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
                fail("%s: reason must be one non-empty line" % where)
    return doc, raw


def object_at(body, path, where):
    """The object node at `path` inside a body: "" is the body itself; "a.b", "a[].b" and "a~b"
    (inside the JSON document carried by string a) as in encrypted_fields."""
    node = body
    rest = path
    while rest:
        if rest.startswith("[]"):
            node, rest = node.get("items"), rest[2:]
        elif rest.startswith("~"):
            node, rest = node.get("json"), rest[1:]
        else:
            if rest.startswith("."):
                rest = rest[1:]
            name = rest
            for i, ch in enumerate(rest):
                if ch in ".[~":
                    name = rest[:i]
                    break
            rest = rest[len(name):]
            node = next((f for f in (node or {}).get("fields", []) if f.get("name") == name),
                        None)
        if node is None:
            fail("%s: no object at %r" % (where, path))
    if node.get("type") != "object" or not node.get("fields"):
        fail("%s: %r is not an object with members" % (where, path))
    return node


def apply_required_any(by_id, entry, where):
    e = by_id.get(entry["endpoint"])
    if e is None:
        fail("%s: no endpoint %r" % (where, entry["endpoint"]))
    if e["body"] is None:
        fail("%s: endpoint has no request body" % where)
    node = object_at(e["body"], entry["object"], where)
    if node.get("required_any"):
        fail("%s: object %r already has groups (one entry per object)" % (where, entry["object"]))
    groups = entry["groups"]
    if not isinstance(groups, list) or not groups:
        fail("%s: groups must be a non-empty list" % where)
    members = {f.get("name"): f for f in node["fields"]}
    seen = set()
    for group in groups:
        if (not isinstance(group, list) or len(group) < 2
                or not all(isinstance(n, str) for n in group) or len(set(group)) != len(group)):
            fail("%s: a group lists at least two distinct member names" % where)
        for name in group:
            f = members.get(name)
            if f is None:
                fail("%s: %r is not a member of %r" % (where, name, entry["object"]))
            if "$" in name:
                fail("%s: %r is an indexed family" % (where, name))
            if name in seen:
                fail("%s: %r is in two groups" % (where, name))
            seen.add(name)
        # A group only relaxes over-strict flags: it never adds a requirement upstream lacks.
        if not any(members[name]["required"] for name in group):
            fail("%s: no member of %s is required upstream (stale override?)" % (where, group))
    for group in groups:
        for name in group:
            members[name]["required"] = False
    node["required_any"] = [list(group) for group in groups]


def derive_response_unsigned(e):
    """True/False for an APIv2 endpoint whose success response does/does not carry `sign`; None
    when the schema documents nothing (an override must decide). Always False for other
    protocols (APIv3 responses are verified from headers)."""
    if e["protocol"] != "apiv2":
        return False
    schema = e["response"]["schema"]
    if e["response_kind"] in ("binary", "html", "redirect", "empty") or schema is None:
        return True  # raw data, a page or a redirect: no signed XML document
    alternatives = [schema] + schema.get("one_of", [])
    if not any(alt.get("fields") for alt in alternatives):
        return None
    return not any(f.get("name") == "sign" for alt in alternatives
                   for f in alt.get("fields", []))


def schema_at(e, path):
    """The node at `path` of endpoint `e`: "body.a.b", "body.list[].c", "query.name"; None when
    there is none."""
    parts = path.split(".")
    if parts[0] == "query" and len(parts) == 2:
        return next((q for q in e.get("query") or [] if q.get("name") == parts[1]), None)
    if parts[0] != "body":
        return None
    node = e.get("body")
    for part in parts[1:]:
        if node is None:
            return None
        name, items = (part[:-2], True) if part.endswith("[]") else (part, False)
        node = next((f for f in node.get("fields") or [] if f.get("name") == name), None)
        if node is not None and items:
            node = node.get("items")
    return node


def apply_enum_names(by_id, entry, where):
    """Names the values of number enums (enum_names, read by tools/gen_models.py)."""
    e = by_id.get(entry["endpoint"])
    if e is None:
        fail("%s: no endpoint %r" % (where, entry["endpoint"]))
    names = entry["names"]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        fail("%s: names must be a list of non-empty strings" % where)
    if not isinstance(entry["paths"], list) or not entry["paths"]:
        fail("%s: paths must be a non-empty list" % where)
    for path in entry["paths"]:
        node = schema_at(e, path)
        if node is None or not node.get("enum"):
            fail("%s: %s is not an enum" % (where, path))
        if len(node["enum"]) != len(names):
            fail("%s: %s has %d values, %d names given" % (where, path, len(node["enum"]),
                                                           len(names)))
        node["enum_names"] = list(names)


def apply_overrides(endpoints, doc):
    by_id = {e["id"]: e for e in endpoints}
    for i, entry in enumerate(doc.get("required_any", [])):
        apply_required_any(by_id, entry, "overrides required_any[%d] (%s)"
                           % (i, entry["endpoint"]))
    forced = {}
    for i, entry in enumerate(doc.get("response_unsigned", [])):
        where = "overrides response_unsigned[%d] (%s)" % (i, entry["endpoint"])
        e = by_id.get(entry["endpoint"])
        if e is None:
            fail("%s: no endpoint %r" % (where, entry["endpoint"]))
        if e["protocol"] != "apiv2":
            fail("%s: only APIv2 endpoints carry the flag" % where)
        if not isinstance(entry["value"], bool):
            fail("%s: value is not a boolean" % where)
        if e["id"] in forced:
            fail("%s: duplicate entry" % where)
        if derive_response_unsigned(e) == entry["value"]:
            fail("%s: redundant, the response schema already says so" % where)
        forced[e["id"]] = entry["value"]
    for i, entry in enumerate(doc.get("enum_names", [])):
        apply_enum_names(by_id, entry, "overrides enum_names[%d] (%s)" % (i, entry["endpoint"]))
    for e in endpoints:
        derived = derive_response_unsigned(e)
        value = forced.get(e["id"], derived)
        if value is None:
            fail("%s: the response schema is undocumented; add a response_unsigned override"
                 % e["id"])
        e["response_unsigned"] = value


def count_nodes(node):
    if node is None:
        return 0
    n = 1
    for child in node.get("fields", []) + node.get("one_of", []):
        n += count_nodes(child)
    for key in ("items", "json", "urlencoded"):
        n += count_nodes(node.get(key))
    return n


def has_required_any(node):
    if node is None:
        return False
    if node.get("required_any"):
        return True
    children = node.get("fields", []) + node.get("one_of", [])
    children += [node[k] for k in ("items", "json", "urlencoded") if node.get(k)]
    return any(has_required_any(c) for c in children)


def tally(endpoints):
    def by(key):
        counts = {}
        for e in endpoints:
            k = e[key] if e[key] is not None else "(none)"
            counts[k] = counts.get(k, 0) + 1
        return dict(sorted(counts.items()))

    nodes = 0
    for e in endpoints:
        for p in e["path_params"] + e["query"] + e["headers"]:
            nodes += count_nodes(p)
        nodes += count_nodes(e["body"]) + count_nodes(e["response"]["schema"])
    return {
        "endpoints": len(endpoints),
        "by_version": by("version"),
        "by_method": by("method"),
        "by_kind": by("kind"),
        "by_host": by("host"),
        "by_request_kind": by("request_kind"),
        "by_response_kind": by("response_kind"),
        "needs_client_cert": sum(e["needs_client_cert"] for e in endpoints),
        "uses_wechatpay_serial": sum(e["uses_wechatpay_serial"] for e in endpoints),
        "with_encrypted_fields": sum(bool(e["encrypted_fields"]) for e in endpoints),
        "deprecated": sum(e["deprecated"] for e in endpoints),
        "with_required_any": sum(has_required_any(e["body"]) for e in endpoints),
        "response_unsigned": sum(e["response_unsigned"] for e in endpoints),
        "schema_nodes": nodes,
    }


def render_data(source, endpoints):
    head = {
        "format": DATA_FORMAT,
        "source": source,
        "counts": tally(endpoints),
    }
    lines = ["{"]
    for key in ("format", "source", "counts"):
        lines.append("%s:%s," % (dump_line(key), dump_line(head[key])))
    lines.append('"endpoints":[')
    for i, e in enumerate(endpoints):
        lines.append(dump_line(e) + ("," if i + 1 < len(endpoints) else ""))
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def import_catalog(path, overrides_path=OVERRIDES_PATH):
    overrides, overrides_raw = read_overrides(overrides_path)
    with open(path, "rb") as f:
        raw = f.read()
    doc = json.loads(raw.decode("utf-8"))
    if doc.get("format") != INPUT_FORMAT:
        fail("%s: format %r, expected %r" % (path, doc.get("format"), INPUT_FORMAT))
    upstream = doc.get("source", {})
    source = {k: upstream[k] for k in ("repository", "commit", "commit_date", "license",
                                       "copyright", "index_version") if k in upstream}
    source["input_format"] = INPUT_FORMAT
    source["input_sha256"] = hashlib.sha256(raw).hexdigest()
    source["overrides_sha256"] = hashlib.sha256(overrides_raw).hexdigest()
    endpoints = [project_endpoint(e) for e in doc["endpoints"]]
    apply_overrides(endpoints, overrides)
    # Stage 1b: reconciliation with the official SDKs' facts (tools/reconcile_catalog.py,
    # docs/adr/0008-catalog-reconciliation.md), logged in data/catalog_reconciliation.json.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reconcile_catalog  # noqa: E402  (a sibling tool)
    facts = reconcile_catalog.load_facts()
    if facts:
        reconciled, changes = reconcile_catalog.reconcile({"endpoints": endpoints}, facts)
        endpoints = reconciled["endpoints"]
        source["official"] = {sdk: {"repository": d["source"].get("repo"),
                                    "commit": d["source"].get("commit"),
                                    "version": d["source"].get("version")}
                              for sdk, d in sorted(facts.items())}
        reconcile_catalog.write_log(facts, changes)
    order = {v: i for i, v in enumerate(sorted(VERSIONS))}
    endpoints.sort(key=lambda e: (order[e["version"]], e["path"], e["method"]))
    ids = [e["id"] for e in endpoints]
    if len(set(ids)) != len(ids):
        fail("duplicate endpoint ids")
    routes = [(e["method"], e["path"]) for e in endpoints]
    if len(set(routes)) != len(routes):
        fail("duplicate method + path")
    expected = doc.get("counts", {}).get("endpoints")
    added = sum(1 for c in changes if c["kind"] == "endpoint-added") if facts else 0
    if expected is not None and expected + added != len(endpoints):
        fail("counts.endpoints says %d (+%d added), found %d" % (expected, added, len(endpoints)))
    return render_data(source, endpoints)


# --------------------------------------------------------------------------------------------
# Stage 2: data/catalog.json -> src/api/catalog/catalog_data.cc


def scalar_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return dump_line(value)


class BlobBuilder:
    """String table + hash-consed schema nodes + endpoint records."""

    def __init__(self):
        self.strings = []
        self.string_ids = {}
        self.nodes = []
        self.node_ids = {}
        self.endpoints = []

    def sid(self, text):
        if not isinstance(text, str):
            fail("string table entry is not a string: %r" % (text,))
        if "\n" in text or "\r" in text:
            fail("string table entry contains a line break: %r" % text)
        if text not in self.string_ids:
            self.string_ids[text] = len(self.strings)
            self.strings.append(text)
        return self.string_ids[text]

    def sids(self, texts):
        return ",".join(str(self.sid(t)) for t in texts)

    def node(self, n):
        """Encodes a node (children first) and returns its index; identical nodes share one."""
        tokens = [FIELD_TYPES[n["type"]]
                  + ("r" if n.get("required") else "")
                  + ("z" if n.get("nullable") else "")
                  + ("d" if n.get("deprecated") else "")
                  + ("c" if n.get("cdata") else "")]
        if "name" in n:
            tokens.append("N%d" % self.sid(n["name"]))
        if n.get("format"):
            tokens.append("F%d" % self.sid(n["format"]))
        if n.get("enum"):
            tokens.append("E" + self.sids(scalar_text(v) for v in n["enum"]))
        if "default" in n and n["default"] is not None:
            tokens.append("D%d" % self.sid(scalar_text(n["default"])))
        c = n.get("constraints", {})
        for key, tag in (("minLength", "l"), ("maxLength", "L")):
            if key in c:
                tokens.append("%s%d" % (tag, int(c[key])))
        if c.get("lengthUnit") == "byte":
            tokens.append("B")
        if "pattern" in c:
            tokens.append("P%d" % self.sid(c["pattern"]))
        for key, tag in (("minimum", "m"), ("maximum", "M")):
            if key in c:
                tokens.append(tag + scalar_text(c[key]))
        for key, tag in (("minItems", "i"), ("maxItems", "I")):
            if key in c:
                tokens.append("%s%d" % (tag, int(c[key])))
        if n.get("xml_name"):
            tokens.append("X%d" % self.sid(n["xml_name"]))
        if n.get("sensitive"):
            tokens.append("S" + self.sids(n["sensitive"]))
        if n.get("fields"):
            tokens.append("f" + ",".join(str(self.node(f)) for f in n["fields"]))
        if n.get("items"):
            tokens.append("a%d" % self.node(n["items"]))
        if n.get("json"):
            tokens.append("j%d" % self.node(n["json"]))
        if n.get("json_key"):
            tokens.append("k%d" % self.sid(n["json_key"]))
        if n.get("urlencoded"):
            tokens.append("w%d" % self.node(n["urlencoded"]))
        if n.get("one_of"):
            tokens.append("o" + ",".join(str(self.node(f)) for f in n["one_of"]))
        if n.get("required_any"):
            tokens.append("R" + ";".join(self.sids(g) for g in n["required_any"]))
        line = " ".join(tokens)
        if line not in self.node_ids:
            self.node_ids[line] = len(self.nodes)
            self.nodes.append(line)
        return self.node_ids[line]

    def endpoint(self, e):
        t = ["I%d" % self.sid(e["id"]),
             "V%d" % self.sid(e["version"]),
             "R%d" % self.sid(e["protocol"]),
             "K%d" % self.sid(e["kind"]),
             "M%d" % self.sid(e["method"])]
        if e["host"]:
            t.append("H%d" % self.sid(e["host"]))
        t.append("T%d" % self.sid(e["path"]))
        t.append("C%d" % self.sid(e["chain"]))
        if e["uri_rules"]:
            t.append("U" + self.sids(e["uri_rules"]))
        if e["tags"]:
            t.append("G" + self.sids(e["tags"]))
        if e["deprecated"]:
            t.append("D")
        if e["consumes"]:
            t.append("c" + self.sids(e["consumes"]))
        if e["produces"]:
            t.append("p" + self.sids(e["produces"]))
        t.append("q%d" % self.sid(e["request_kind"]))
        t.append("r%d" % self.sid(e["response_kind"]))
        if e["needs_client_cert"]:
            t.append("X")
        if e["uses_wechatpay_serial"]:
            t.append("W")
        if e.get("auth"):
            t.append("A%d" % self.sid(e["auth"]))
        for key, tag in (("path_params", "a"), ("query", "Q"), ("headers", "h")):
            if e[key]:
                t.append(tag + ",".join(str(self.node(p)) for p in e[key]))
        if e["body"]:
            t.append("b%d" % self.node(e["body"]))
        for key, tag in (("encrypted_fields", "e"), ("response_encrypted_fields", "E"),
                         ("response_aead_fields", "g")):
            if e[key]:
                t.append(tag + self.sids(e[key]))
        r = e["response"]
        t.append("s%d" % int(r["status"]))
        if r["schema"]:
            t.append("S%d" % self.node(r["schema"]))
        if r["headers"]:
            t.append("Y" + self.sids(r["headers"]))
        if r["error_kind"]:
            t.append("k%d" % self.sid(r["error_kind"]))
        if e["response_unsigned"]:
            t.append("u")
        self.endpoints.append(" ".join(t))

    def lines(self):
        out = ["%s %d %d %d" % (BLOB_MAGIC, len(self.strings), len(self.nodes),
                                len(self.endpoints))]
        out.extend(self.strings)
        out.extend(self.nodes)
        out.extend(self.endpoints)
        return out


def c_escape(line):
    """One blob line as the body of a C string literal (ASCII only, octal escapes)."""
    out = []
    prev = ""
    for b in line.encode("utf-8"):
        ch = chr(b)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "?" and prev == "?":
            out.append("\\?")  # never a trigraph
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
        prev = ch
    return "".join(out) + "\\n"


def generate(data_text):
    doc = json.loads(data_text)
    if doc.get("format") != DATA_FORMAT:
        fail("data/catalog.json: format %r, expected %r" % (doc.get("format"), DATA_FORMAT))
    builder = BlobBuilder()
    src = doc.get("source", {})
    # Strings 0, 1 and 2 are the metadata: repository, commit, index version.
    meta = [src.get("repository", "?"), src.get("commit", "?"), src.get("index_version", "?")]
    if len(set(meta)) != 3:
        fail("data/catalog.json: source metadata entries must be distinct")
    for m in meta:
        builder.sid(m)
    for e in doc["endpoints"]:
        builder.endpoint(e)
    lines = builder.lines()

    chunks = [[]]
    size = 0
    for line in lines:
        n = len(line.encode("utf-8")) + 1
        if chunks[-1] and size + n > CHUNK_LIMIT:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += n
    blob_size = sum(len(l.encode("utf-8")) + 1 for l in lines)

    out = []
    out.append("// clang-format off")
    out.append("// Code generated by tools/gen_catalog.py from data/catalog.json. DO NOT EDIT.")
    out.append("//")
    out.append("// Endpoint facts from %s" % src.get("repository", "?"))
    out.append("// commit %s, index version %s," % (src.get("commit", "?"),
                                                   src.get("index_version", "?")))
    out.append("// %s License, %s." % (src.get("license", "?"), src.get("copyright", "?")))
    out.append("// data/catalog.json sha256 %s" %
               hashlib.sha256(data_text.encode("utf-8")).hexdigest())
    out.append("// %d strings, %d schema nodes, %d endpoints;" % (
        len(builder.strings), len(builder.nodes), len(builder.endpoints)))
    out.append("// %d bytes of blob text in %d chunks." % (blob_size, len(chunks)))
    out.append("// Blob format: docs/adr/0002-catalog-data.md; parser: src/api/catalog/catalog.cc.")
    out.append("#include <cstddef>")
    out.append("#include <string_view>")
    out.append("")
    out.append('#include "api/catalog/catalog_data.h"')
    out.append("")
    out.append("namespace wechatpay::internal {")
    out.append("namespace {")
    out.append("")
    for i, chunk in enumerate(chunks):
        out.append("const char kChunk%d[] =" % i)
        for j, line in enumerate(chunk):
            out.append('    "%s"%s' % (c_escape(line), ";" if j + 1 == len(chunk) else ""))
        out.append("")
    out.append("const std::string_view kChunks[] = {")
    for i in range(len(chunks)):
        out.append("    std::string_view(kChunk%d, sizeof(kChunk%d) - 1)," % (i, i))
    out.append("};")
    out.append("")
    out.append("}  // namespace")
    out.append("")
    out.append("std::size_t CatalogDataChunkCount() { return %d; }" % len(chunks))
    out.append("")
    out.append("std::string_view CatalogDataChunk(std::size_t i) {")
    out.append("  return i < CatalogDataChunkCount() ? kChunks[i] : std::string_view();")
    out.append("}")
    out.append("")
    out.append("}  // namespace wechatpay::internal")
    return "\n".join(out) + "\n", {
        "strings": len(builder.strings),
        "nodes": len(builder.nodes),
        "endpoints": len(builder.endpoints),
        "blob_bytes": blob_size,
        "chunks": len(chunks),
    }


def read_text(path):
    with open(path, "r", encoding="utf-8", newline="") as f:
        return f.read()


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def canonical_data(data_text):
    doc = json.loads(data_text)
    return render_data(doc["source"], doc["endpoints"])


def overrides_changed(data_text, overrides_path):
    """A message when the overrides file is not the one the data was imported with."""
    recorded = json.loads(data_text).get("source", {}).get("overrides_sha256")
    if not os.path.exists(overrides_path):
        return "%s is missing" % overrides_path if recorded else None
    with open(overrides_path, "rb") as f:
        current = hashlib.sha256(f.read()).hexdigest()
    if current != recorded:
        return ("%s changed since data/catalog.json was imported (re-run --import with the "
                "upstream catalog)" % overrides_path)
    return None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--import", dest="import_path", metavar="CATALOG_JSON",
                      help="stage 1: write data/catalog.json from the upstream catalog")
    mode.add_argument("--generate", action="store_true",
                      help="stage 2 (default): write src/api/catalog/catalog_data.cc")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when src/api/catalog/catalog_data.cc is not what stage 2 makes")
    ap.add_argument("--data", default=DATA_PATH, help="data file (default: %(default)s)")
    ap.add_argument("--overrides", default=OVERRIDES_PATH,
                    help="curated corrections applied by --import (default: %(default)s)")
    ap.add_argument("--output", default=CC_PATH, help="generated file (default: %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print statistics")
    args = ap.parse_args(argv)

    try:
        if args.import_path:
            text = import_catalog(args.import_path, args.overrides)
            write_text(args.data, text)
            if args.verbose:
                print("wrote %s (%d bytes)" % (args.data, len(text.encode("utf-8"))))
            return 0

        data_text = read_text(args.data)
        code, stats = generate(data_text)
        if args.check:
            problems = []
            if canonical_data(data_text) != data_text:
                problems.append("%s is not in canonical form (re-run --import)" % args.data)
            stale = overrides_changed(data_text, args.overrides)
            if stale:
                problems.append(stale)
            with tempfile.TemporaryDirectory() as tmp:
                fresh = os.path.join(tmp, "catalog_data.cc")
                write_text(fresh, code)
                current = read_text(args.output) if os.path.exists(args.output) else None
                if current != read_text(fresh):
                    problems.append("%s is stale: run tools/gen_catalog.py" % args.output)
            for p in problems:
                print("gen_catalog: " + p, file=sys.stderr)
            return 1 if problems else 0
        write_text(args.output, code)
        if args.verbose:
            print("wrote %s (%d bytes): %s" % (args.output, len(code.encode("utf-8")), stats))
        return 0
    except (CatalogError, OSError, ValueError, KeyError) as err:
        print("gen_catalog: error: %s" % err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
