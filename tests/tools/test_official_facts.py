#!/usr/bin/env python3
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
"""Checks data/official/*.json (facts extracted from the official Go and Java SDKs) and the tools
around them: the files' shape, that tools/compare_catalog.py runs on the committed catalog, and
that tools/import_official_sdks.py --check reproduces the files when an SDK mirror is present.

Plain unittest, standard library only. Exit status 77 means "skipped": no SDK mirror was found, so
the re-extraction could not run (every other check still ran and passed).
See docs/adr/0007-official-sdk-facts.md.
"""

import io
import json
import os
import re
import subprocess
import sys
import unittest
from contextlib import redirect_stdout

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))

import compare_catalog  # noqa: E402
import import_official_sdks  # noqa: E402

OFFICIAL = os.path.join(REPO, "data", "official")
SDKS = ("go", "java")
TYPES = {"string", "integer", "number", "boolean", "object", "array", "file"}
NODE_KEYS = {"name", "required", "type", "format", "enum", "enum_type", "encrypted", "model",
             "fields", "items", "json", "recursive", "sdk_name"}
OP_KEYS = {"id", "method", "path", "service", "operation", "file", "line", "request_kind",
           "request_model", "body_model", "response_model", "path_params", "query", "headers",
           "body", "response", "encrypted_fields", "response_encrypted_fields"}
OPTIONAL_OP_KEYS = {"sdk_path", "handwritten"}
MIRROR_SKIPPED = []


def load(sdk):
    with open(os.path.join(OFFICIAL, "wechatpay-%s.json" % sdk), encoding="utf-8") as f:
        return json.load(f)


class NodeChecker:
    def __init__(self, test, sdk, where):
        self.t, self.sdk, self.where = test, sdk, where

    def node(self, n, named, path):
        t = self.t
        where = "%s %s %s" % (self.sdk, self.where, path)
        t.assertIsInstance(n, dict, where)
        t.assertLessEqual(set(n) - NODE_KEYS, set(), where)
        t.assertIn(n.get("type"), TYPES, where)
        if named:
            t.assertIsInstance(n.get("name"), str, where)
            t.assertTrue(n["name"], where)
        if "required" in n:
            t.assertIsInstance(n["required"], bool, where)
            if self.sdk == "java":
                t.fail("%s: the Java SDK has no required flags" % where)
        if "enum" in n:
            t.assertEqual(n["type"], "string", where)
            t.assertTrue(n["enum"], where)
            t.assertIn("enum_type", n, where)
        if n.get("encrypted"):
            t.assertIs(n["encrypted"], True, where)
            t.assertEqual(n["type"], "string", where)
        if n["type"] == "array":
            t.assertIn("items", n, where)
            self.node(n["items"], False, path + "[]")
        else:
            t.assertNotIn("items", n, where)
        if "fields" in n:
            t.assertEqual(n["type"], "object", where)
            names = [f.get("name") for f in n["fields"]]
            t.assertEqual(len(names), len(set(names)), "%s: duplicate members" % where)
            for f in n["fields"]:
                self.node(f, True, (path + "." if path else "") + f.get("name", "?"))
        if "json" in n:
            t.assertEqual(n["type"], "string", where)
            self.node(n["json"], False, path + "~")


class OfficialFactsShape(unittest.TestCase):
    def test_source_recorded(self):
        for sdk in SDKS:
            d = load(sdk)
            self.assertEqual(d["format"], import_official_sdks.FORMAT)
            src = d["source"]
            self.assertRegex(src["commit"], r"^[0-9a-f]{40}$", sdk)
            self.assertTrue(src["version"], sdk)
            self.assertEqual(src["repo"], "https://github.com/wechatpay-apiv3/wechatpay-%s" % sdk)

    def test_operations(self):
        for sdk in SDKS:
            d = load(sdk)
            ops = d["operations"]
            self.assertGreater(len(ops), 100, sdk)
            self.assertEqual(d["counts"]["operations"], len(ops))
            self.assertEqual(d["counts"]["endpoints"], len(set(o["id"] for o in ops)))
            keys = [(o["path"], o["method"], o["service"], o["operation"]) for o in ops]
            self.assertEqual(keys, sorted(keys), "%s: operations not in stable order" % sdk)
            self.assertEqual(len(keys), len(set(keys)), sdk)
            for o in ops:
                where = "%s %s.%s" % (sdk, o["service"], o["operation"])
                self.assertLessEqual(OP_KEYS, set(o), where)
                self.assertLessEqual(set(o) - OP_KEYS - OPTIONAL_OP_KEYS, set(), where)
                self.assertIn(o["method"], ("GET", "POST", "PUT", "PATCH", "DELETE"), where)
                self.assertRegex(o["path"], r"^v3/[^ ]+$", where)
                self.assertEqual(o["id"], o["method"] + " " + o["path"], where)
                self.assertIsInstance(o["line"], int, where)
                self.assertGreater(o["line"], 0, where)
                self.assertFalse(os.path.isabs(o["file"]), where)
                self.assertIn(o["request_kind"], ("json", "multipart", "none"), where)
                placeholders = re.findall(r"\{([^}]*)\}", o["path"])
                self.assertEqual([p["name"] for p in o["path_params"]], placeholders, where)
                chk = NodeChecker(self, sdk, where)
                for p in o["path_params"]:
                    chk.node(p, True, "path:" + p["name"])
                for q in o["query"]:
                    chk.node(q, True, "query:" + q["name"])
                for h in o["headers"]:
                    self.assertEqual(h["name"], "Wechatpay-Serial", where)
                for side in ("body", "response"):
                    if o[side] is not None:
                        self.assertEqual(o[side]["type"], "object", where)
                        chk.node(o[side], False, side)
                self.assertEqual(o["body"] is None, o["request_kind"] == "none", where)
                self.assertEqual(o["encrypted_fields"],
                                 import_official_sdks.encrypted_paths(o["body"]), where)
                if o["encrypted_fields"] and sdk == "go":
                    self.assertTrue(o["headers"], "%s: encrypts without Wechatpay-Serial" % where)

    def test_models_and_notifications(self):
        for sdk in SDKS:
            d = load(sdk)
            models = d["models"]
            self.assertEqual(d["counts"]["models"], len(models))
            for name, m in models.items():
                self.assertIn(m["kind"], ("object", "enum"), name)
                self.assertFalse(os.path.isabs(m["file"]), name)
                if m["kind"] == "enum":
                    self.assertTrue(m["enum"], name)
                    continue
                for f in m["fields"]:
                    ref = f.get("model") or f.get("enum_type") or \
                        (f.get("items") or {}).get("model") or (f.get("items") or {}).get(
                            "enum_type")
                    if ref:
                        self.assertIn(ref, models, "%s.%s" % (name, f["name"]))
            for o in d["operations"]:
                for k in ("request_model", "body_model", "response_model"):
                    if o[k]:
                        self.assertIn(o[k], models, o["id"])
            notes = d["notifications"]
            self.assertIn(notes["envelope"]["model"], models, sdk)
            env = [f["name"] for f in notes["envelope"]["node"]["fields"]]
            for member in ("id", "create_time", "event_type", "resource_type", "resource"):
                self.assertIn(member, env, sdk)
            self.assertIn("payment", notes["resources"], sdk)
            for kind, r in notes["resources"].items():
                self.assertIn(r["model"], models, kind)
                self.assertRegex(r["evidence"], r"^README\.md:\d+$")
                NodeChecker(self, sdk, "notification " + kind).node(r["node"], False, "")

    def test_go_required_rule_quirks(self):
        # Go marks the JSAPI payer's openid optional (pointer with omitempty) although the
        # payer itself is required: recorded as the SDK states it.
        d = load("go")
        op = [o for o in d["operations"] if o["id"] == "POST v3/pay/transactions/jsapi"][0]
        payer = [f for f in op["body"]["fields"] if f["name"] == "payer"][0]
        self.assertTrue(payer["required"])
        self.assertEqual([(f["name"], f["required"]) for f in payer["fields"]],
                         [("openid", False)])

    def test_deterministic_dump(self):
        for sdk in SDKS:
            path = os.path.join(OFFICIAL, "wechatpay-%s.json" % sdk)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertEqual(import_official_sdks.dump(json.loads(text)), text, sdk)


class CompareCatalog(unittest.TestCase):
    def test_table_on_committed_catalog(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            self.assertEqual(compare_catalog.main([]), 0)
        out = buf.getvalue()
        self.assertIn("| shared with the catalog |", out)
        for c in compare_catalog.CATEGORIES:
            self.assertIn(compare_catalog.LABELS[c], out)

    def test_json_and_details(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            self.assertEqual(compare_catalog.main(["--json"]), 0)
        res = json.loads(buf.getvalue())
        self.assertEqual([r["sdk"] for r in res], list(SDKS))
        for r in res:
            self.assertGreater(r["shared"], 100)
            self.assertLessEqual(r["shared"], r["endpoints"])
            self.assertEqual(r["endpoints"] - r["shared"], len(r["missing_from_catalog"]))
        self.assertIsNone(res[1]["stats"]["request_required"]["percent"])  # Java: no flags
        buf = io.StringIO()
        with redirect_stdout(buf):
            self.assertEqual(compare_catalog.main(["--sdk", "go", "--details", "enums"]), 0)
        self.assertIn("| endpoint | side | path | catalog | official | source |", buf.getvalue())

    def test_identical_catalog_agrees(self):
        # A catalog built from the Go facts themselves agrees with them everywhere.
        go = load("go")
        endpoints = {}
        for o in go["operations"]:
            endpoints.setdefault(o["id"], {
                "id": o["id"], "method": o["method"], "path_params": o["path_params"],
                "query": o["query"], "body": o["body"],
                "response": {"schema": o["response"]},
                "encrypted_fields": o["encrypted_fields"],
                "response_encrypted_fields": o["response_encrypted_fields"],
                "response_aead_fields": [],
                "uses_wechatpay_serial": bool(o["headers"])})
        res = compare_catalog.compare_sdk({"endpoints": list(endpoints.values())}, go, "go")
        self.assertEqual(res["shared"], res["endpoints"])
        for c, st in res["stats"].items():
            if c == "encrypted":
                self.assertEqual(st["official_marks"], st["catalog_marks_of_them"])
                self.assertEqual(st["catalog_only"], 0)
            elif c != "query_params":  # several packages share an endpoint, not its query
                self.assertEqual(st["differ"], 0, c)


class ImporterCheck(unittest.TestCase):
    def test_check_against_mirror(self):
        if not (import_official_sdks.find_mirror("wechatpay-go") and
                import_official_sdks.find_mirror("wechatpay-java")):
            MIRROR_SKIPPED.append(True)
            self.skipTest("no SDK mirror (fetch wechatpay-go and wechatpay-java)")
        p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "import_official_sdks.py"),
                            "--check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        self.assertEqual(p.returncode, 0, p.stdout)


if __name__ == "__main__":
    prog = unittest.main(exit=False, verbosity=1)
    ok = prog.result.wasSuccessful()
    if not ok:
        sys.exit(1)
    sys.exit(77 if MIRROR_SKIPPED else 0)
