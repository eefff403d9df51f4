#!/usr/bin/env python3
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
"""Extracts endpoint facts from the official WeChat Pay Go and Java SDKs (standard library only).

Reads the two SDKs straight from git directories (bare mirrors are fine; nothing is checked out)
and writes, deterministically:

  data/official/wechatpay-go.json    from services/**/api_*.go and services/**/models.go
  data/official/wechatpay-java.json  from service/src/main/java/.../service/** (services, models)

Only facts are taken: HTTP method, path template, path/query/header parameter names, JSON member
names, types, required flags (Go only), enum value sets, encrypted-field markers and model names.
No code, comments or descriptions are copied. Nodes use the field-node format of data/catalog.json
(`name`, `required`, `type`, `format`, `enum`, `fields`, `items`, `json`) plus `model` (the SDK's
model name), `enum_type` (the SDK's named enum type) and `encrypted` (the SDK encrypts or
decrypts the value with the platform / merchant key).

Rules (see docs/adr/0007-official-sdk-facts.md):
- Go required: a struct member is required iff its `json` tag has no `omitempty`. Every member of
  the generated models is a pointer or a slice, so pointer-ness says nothing; the rule is checked
  against the generated MarshalJSON (which returns an error for a nil required member) and the
  import fails when the two disagree. Query parameters are required iff the generated code checks
  them for nil before the call; path parameters always are.
- Java: no required flags (the generated models carry none); no `required` key is written.
- Encrypted: Go `encryption:"EM_APIV3"` struct tags; Java `@Encryption` on a String member (on an
  object or list member it only means "contains encrypted members" and is not a leaf mark).
- Paths: host and leading `/` stripped (`v3/...`); placeholder names are renamed to the catalog's
  spelling when the catalog has exactly one endpoint of the same method and shape (the SDK's name
  is kept as `sdk_name` on the path parameter when it differs).

`--check` re-extracts and compares with the committed files: exit 0 equal, 1 different (with a
summary), 77 when no SDK mirror is available (skip).
"""

import argparse
import difflib
import glob
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "data", "official")
CATALOG_PATH = os.path.join(REPO, "data", "catalog.json")
FORMAT = "wechatpay-cpp-official-sdk-facts/1"
# Where the `fetch` tool places bare mirrors; override with WECHATPAY_SDK_MIRRORS.
MIRROR_ROOT = os.environ.get("WECHATPAY_SDK_MIRRORS", "/work/.mirror")
SKIP = 77

GO_REPO_URL = "https://github.com/wechatpay-apiv3/wechatpay-go"
JAVA_REPO_URL = "https://github.com/wechatpay-apiv3/wechatpay-java"
JAVA_SERVICE_ROOT = "service/src/main/java/com/wechat/pay/java/service/"
JAVA_CORE_ROOT = "core/src/main/java/com/wechat/pay/java/core/"
JAVA_PKG_PREFIX = "com.wechat.pay.java."

# Notification resources each SDK documents as the decrypted `resource` of a callback (README).
# Each name is checked: the model must exist and the README must mention it.
GO_NOTIFICATIONS = [
    ("payment", "payments.Transaction", "payments.Transaction"),
]
GO_ENVELOPE = ("core/notify.Request", "core/notify/notify_request.go")
GO_UPLOAD_BASE = "services/fileuploader/file_uploader.go"
JAVA_NOTIFICATIONS = [
    ("payment", "payments.Transaction", "`Transaction`"),
    ("refund", "refund.RefundNotification", "`RefundNotification`"),
]
JAVA_ENVELOPE = ("core/notification.Notification", JAVA_CORE_ROOT + "notification/Notification.java")


def add_enum_models(sdk, models):
    for q, en in sdk.enums.items():
        models[q] = {"kind": "enum", "type": "string", "enum": en["values"],
                     "file": en["file"], "line": en["line"]}


def notifications_of(sdk, types, envelope, resources, readme):
    """The callback envelope and the resource types the SDK's README names (`resources`: kind,
    type, README text that shows it)."""
    env_q, env_file = envelope
    out = {"envelope": {"model": env_q, "file": env_file, "line": types[env_q]["line"],
                        "node": sdk.object_node(env_q)},
           "resources": {}}
    for kind, q, needle in resources:
        if q not in types:
            fail("notification resource %s not found" % q)
        pos = readme.find(needle)
        if pos < 0:
            fail("README does not mention %s" % needle)
        out["resources"][kind] = {"model": q, "evidence": "README.md:%d" % line_of(readme, pos),
                                  "node": sdk.object_node(q)}
    return out


def named_type_node(sdk, q, stack, shallow):
    """The node of named type `q` of either SDK: its enum, or its model (followed unless
    `shallow` or already on `stack`, a recursive type)."""
    if q in sdk.enums:
        n = {"type": "string", "enum_type": q}
        if not shallow:
            n["enum"] = list(sdk.enums[q]["values"])
        return n
    n = {"type": "object", "model": q}
    if shallow:
        return n
    if q in stack:
        n["recursive"] = True
        return n
    return sdk.object_node(q, stack + (q,))


def make_operation(method, npath, raw_path, service, opname, path, line, req_q, body_model,
                   resp_q, path_params, query, headers, body_node, resp_node):
    """One operation record, in the layout both SDK parsers write."""
    op = {
        "id": method + " " + npath,
        "method": method,
        "path": npath,
        "service": service,
        "operation": opname,
        "file": path,
        "line": line,
        "request_kind": "json" if body_node else "none",
        "request_model": req_q,
        "body_model": body_model,
        "response_model": resp_q,
        "path_params": path_params,
        "query": query,
        "headers": headers,
        "body": body_node,
        "response": resp_node,
    }
    if raw_path != npath:
        op["sdk_path"] = raw_path
    op["encrypted_fields"] = encrypted_paths(body_node)
    op["response_encrypted_fields"] = encrypted_paths(resp_node)
    return op


class ImportError_(Exception):
    pass


def fail(msg):
    raise ImportError_(msg)


# ---------------------------------------------------------------------------------------------
# git access


class GitTree:
    """Files of HEAD of a (bare) git directory, read without a work tree."""

    def __init__(self, git_dir):
        self.git_dir = git_dir
        self.commit = self._git("rev-parse", "HEAD").strip()
        self.commit_date = self._git("log", "-1", "--format=%cI", "HEAD").strip()
        try:
            self.version = self._git("describe", "--tags", "--exact-match", "HEAD").strip()
        except subprocess.CalledProcessError:
            self.version = self._git("describe", "--tags", "--always", "HEAD").strip()
        self.paths = self._git("ls-tree", "-r", "--name-only", "HEAD").splitlines()
        self._cache = {}

    def _git(self, *args):
        return subprocess.run(["git", "--git-dir", self.git_dir] + list(args), check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True).stdout

    def read_many(self, paths):
        todo = [p for p in paths if p not in self._cache]
        if todo:
            inp = "".join("HEAD:%s\n" % p for p in todo).encode("utf-8")
            out = subprocess.run(["git", "--git-dir", self.git_dir, "cat-file", "--batch"],
                                 input=inp, stdout=subprocess.PIPE, check=True).stdout
            pos = 0
            for p in todo:
                nl = out.index(b"\n", pos)
                header = out[pos:nl].decode()
                parts = header.split()
                if len(parts) < 3 or parts[1] != "blob":
                    fail("cannot read %s: %s" % (p, header))
                size = int(parts[2])
                self._cache[p] = out[nl + 1:nl + 1 + size].decode("utf-8")
                pos = nl + 1 + size + 1
        return {p: self._cache[p] for p in paths}

    def read(self, path):
        return self.read_many([path])[path]


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


# ---------------------------------------------------------------------------------------------
# catalog placeholder normalisation


def shape_of(method, path):
    return method + " " + re.sub(r"\{[^}]*\}", "{}", path)


class CatalogPaths:
    def __init__(self, catalog_path):
        self.by_shape = {}
        self.ids = set()
        if catalog_path and os.path.exists(catalog_path):
            with open(catalog_path, encoding="utf-8") as f:
                cat = json.load(f)
            for e in cat["endpoints"]:
                self.ids.add(e["id"])
                path = e["id"].split(" ", 1)[1]
                self.by_shape.setdefault(shape_of(e["method"], path), []).append(path)

    def normalise(self, method, path):
        """Returns (path, {sdk_name: catalog_name})."""
        if method + " " + path in self.ids:
            return path, {}
        cands = self.by_shape.get(shape_of(method, path), [])
        if len(cands) != 1:
            return path, {}
        cpath = cands[0]
        sdk_names = re.findall(r"\{([^}]*)\}", path)
        cat_names = re.findall(r"\{([^}]*)\}", cpath)
        return cpath, {s: c for s, c in zip(sdk_names, cat_names) if s != c}


def clean_path(url):
    url = re.sub(r"^https?://[^/]+", "", url)
    return url.lstrip("/")


# ---------------------------------------------------------------------------------------------
# Go


GO_SCALARS = {
    "string": {"type": "string"},
    "int": {"type": "integer"}, "int8": {"type": "integer"}, "int16": {"type": "integer"},
    "int32": {"type": "integer"}, "int64": {"type": "integer"}, "uint": {"type": "integer"},
    "uint8": {"type": "integer"}, "uint16": {"type": "integer"}, "uint32": {"type": "integer"},
    "uint64": {"type": "integer"},
    "float32": {"type": "number"}, "float64": {"type": "number"},
    "bool": {"type": "boolean"},
    "time.Time": {"type": "string", "format": "rfc3339"},
    "interface{}": {"type": "object"},
}

GO_STRUCT_RE = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
GO_FIELD_RE = re.compile(r"^\s+(\w+)\s+(\S+)\s+`([^`]*)`", re.M)
GO_ENUM_RE = re.compile(r"^type (\w+) string$", re.M)
GO_ALIAS_RE = re.compile(r"^type (\w+) (\w+)$", re.M)
GO_FUNC_RE = re.compile(
    r"^func \(a \*(\w+)\) (\w+)\(ctx context\.Context(?:, req ([\w.]+))?\) \(([^)]*)\) \{\n(.*?)^\}",
    re.M | re.S)


class GoSdk:
    def __init__(self, tree, catalog):
        self.tree = tree
        self.catalog = catalog
        self.structs = {}   # qname -> {"file", "line", "fields": [...]}
        self.enums = {}     # qname -> {"file", "line", "values": [...]}
        self.aliases = {}   # qname -> qname

    @staticmethod
    def pkg_of(path):
        d = os.path.dirname(path)
        return d[len("services/"):] if d.startswith("services/") else d

    def parse_models(self, path, text):
        pkg = self.pkg_of(path)
        for m in GO_STRUCT_RE.finditer(text):
            name = m.group(1)
            q = pkg + "." + name
            fields = []
            body_off = m.start(2)
            for fm in GO_FIELD_RE.finditer(m.group(2)):
                tag = fm.group(3)
                jm = re.search(r'json:"([^"]*)"', tag)
                if not jm:
                    continue
                parts = jm.group(1).split(",")
                if parts[0] in ("", "-"):
                    continue
                fields.append({
                    "go_name": fm.group(1),
                    "go_type": fm.group(2),
                    "name": parts[0],
                    "required": "omitempty" not in parts[1:],
                    "encrypted": 'encryption:"EM_APIV3"' in tag,
                    "line": line_of(text, body_off + fm.start()),
                })
            self.structs[q] = {"file": path, "line": line_of(text, m.start()), "fields": fields}
            self._check_required_rule(q, name, text, fields)
        for m in GO_ENUM_RE.finditer(text):
            name = m.group(1)
            values = re.findall(r"^\s+\w+\s+%s = \"([^\"]*)\"" % re.escape(name), text, re.M)
            self.enums[pkg + "." + name] = {"file": path, "line": line_of(text, m.start()),
                                            "values": values}
        for m in GO_ALIAS_RE.finditer(text):
            if m.group(2) not in ("string", "struct") and m.group(2) not in GO_SCALARS:
                self.aliases[pkg + "." + m.group(1)] = pkg + "." + m.group(2)

    @staticmethod
    def _check_required_rule(q, name, text, fields):
        mj = re.search(r"^func \(o %s\) MarshalJSON\(\) \(\[\]byte, error\) \{\n(.*?)^\}" %
                       re.escape(name), text, re.M | re.S)
        if not mj:
            return  # hand-written struct (notify envelope): the tag rule alone applies
        for f in fields:
            checked = ("field `%s` is required" % f["go_name"]) in mj.group(1)
            if checked != f["required"]:
                fail("%s.%s: omitempty and MarshalJSON disagree on required" % (q, f["go_name"]))

    def resolve(self, typ, pkg, imports):
        """Qualified model/enum name for a Go type name (no * or []), or None for scalars."""
        if typ in GO_SCALARS:
            return None
        if "." in typ:
            alias, name = typ.split(".", 1)
            p = imports.get(alias)
            if p is None:
                fail("unknown package %s in %s" % (alias, pkg))
            q = p + "." + name
        else:
            q = pkg + "." + typ
        while q in self.aliases:
            q = self.aliases[q]
        if q not in self.structs and q not in self.enums:
            fail("unknown Go type %s (package %s)" % (typ, pkg))
        return q

    def node(self, typ, pkg, imports, stack=(), shallow=False):
        while typ.startswith("*"):
            typ = typ[1:]
        if typ.startswith("[]"):
            return {"type": "array", "items": self.node(typ[2:], pkg, imports, stack, shallow)}
        if typ.startswith("map["):
            return {"type": "object"}
        if typ in GO_SCALARS:
            return dict(GO_SCALARS[typ])
        q = self.resolve(typ, pkg, imports)
        return named_type_node(self, q, stack, shallow)

    def object_node(self, q, stack=None, shallow=False):
        stack = (q,) if stack is None else stack
        st = self.structs[q]
        mpkg = q.rsplit(".", 1)[0]
        fields = []
        for f in st["fields"]:
            n = {"name": f["name"], "required": f["required"]}
            n.update(self.node(f["go_type"], mpkg, {}, stack, shallow))
            if f["encrypted"]:
                n["encrypted"] = True
            if shallow:
                n["go_type"] = f["go_type"]
            fields.append(n)
        return {"type": "object", "model": q, "fields": fields}

    @staticmethod
    def file_imports(text):
        imports = {}
        for m in re.finditer(r'^\s*(?:(\w+) )?"github\.com/wechatpay-apiv3/wechatpay-go/services/([\w/]+)"',
                             text, re.M):
            path = m.group(2)
            imports[m.group(1) or path.rsplit("/", 1)[-1]] = path
        return imports

    def parse_ops(self, path, text):
        pkg = self.pkg_of(path)
        imports = self.file_imports(text)
        ops = []
        for m in GO_FUNC_RE.finditer(text):
            service, opname, reqtype, results, body = m.groups()
            pm = re.search(r'localVarPath := consts\.WechatPayAPIServer \+ "([^"]+)"', body)
            if not pm:
                continue
            mm = re.search(r"localVarHTTPMethod\s*= nethttp\.Method(\w+)", body)
            method = mm.group(1).upper()
            raw_path = clean_path(pm.group(1))
            npath, renames = self.catalog.normalise(method, raw_path)
            req_q = self.resolve(reqtype, pkg, imports) if reqtype else None
            req_fields = {f["go_name"]: f for f in self.structs[req_q]["fields"]} if req_q else {}

            def param(go_name, name):
                f = req_fields.get(go_name)
                if f is None:
                    fail("%s:%s: parameter %s not in %s" % (path, opname, go_name, req_q))
                n = {"name": name}
                n.update(self.node(f["go_type"], pkg, imports))
                return n

            path_params = []
            for pp in re.finditer(r'strings\.Replace\(localVarPath, "\{"\+"(\w+)"\+"\}", .*?\*req\.(\w+)',
                                  body):
                n = param(pp.group(2), renames.get(pp.group(1), pp.group(1)))
                n["required"] = True
                if pp.group(1) != n["name"]:
                    n["sdk_name"] = pp.group(1)
                path_params.append(n)
            order = re.findall(r"\{([^}]*)\}", npath)
            path_params.sort(key=lambda n: order.index(n["name"]) if n["name"] in order else 99)
            query = []
            for qm in re.finditer(r'localVarQueryParams\.Add\("([^"]+)", core\.ParameterToString\(\*?req\.(\w+)',
                                  body):
                n = param(qm.group(2), qm.group(1))
                # Optional parameters are added inside `if req.X != nil {`.
                before = body[:qm.start()].rstrip()
                guard = re.search(r"if req\.%s != nil \{$" % qm.group(2), before)
                n["required"] = guard is None
                query.append(n)
            headers = []
            if "consts.WechatPaySerial" in body:
                headers.append({"name": "Wechatpay-Serial", "type": "string"})
            body_node, body_model = None, None
            if "localVarPostBody = req" in body:
                body_model = req_q
            else:
                bm = re.search(r"localVarPostBody = &(\w+)\{", body)
                if bm:
                    body_model = self.resolve(bm.group(1), pkg, imports)
            if body_model:
                body_node = self.object_node(body_model)
            resp_q, resp_node = None, None
            rm = re.search(r"resp \*([\w.]+)", results)
            if rm:
                resp_q = self.resolve(rm.group(1), pkg, imports)
                resp_node = self.object_node(resp_q)
            ops.append(make_operation(
                method, npath, raw_path, pkg + "." + service, opname, path, line_of(text, m.start()),
                req_q, body_model, resp_q, path_params, query, headers, body_node, resp_node))
        return ops

    def parse_uploaders(self, texts):
        """The hand-written multipart uploaders of services/fileuploader: the path literal passed
        to the shared upload helper, the meta members that helper always sets, and the
        response struct declared beside each uploader."""
        base = texts[GO_UPLOAD_BASE]
        meta_keys = re.findall(r'meta\["(\w+)"\] = ', base)
        if not meta_keys or 'CreateFormField(writer, "meta"' not in base:
            fail("%s: upload helper changed" % GO_UPLOAD_BASE)
        ops = []
        for path in sorted(p for p in texts if p.startswith("services/fileuploader/")
                           and p.endswith("_uploader.go") and p != GO_UPLOAD_BASE):
            text = texts[path]
            m = re.search(r"^func \(u \*(\w+)\) Upload\((.*?)\) \(\*(\w+), \*core\.APIResult, error\) \{",
                          text, re.M | re.S)
            um = re.search(r'\.upload\(\s*ctx, "([^"]+)"', text)
            if not m or not um:
                fail("%s: uploader shape changed" % path)
            npath, _ = self.catalog.normalise("POST", clean_path(um.group(1)))
            resp_q = "fileuploader." + m.group(3)
            meta = {"type": "object", "fields": [{"name": k, "type": "string"} for k in meta_keys]}
            ops.append({
                "id": "POST " + npath, "method": "POST", "path": npath,
                "service": "fileuploader." + m.group(1), "operation": "Upload",
                "file": path, "line": line_of(text, m.start()), "handwritten": True,
                "request_kind": "multipart", "request_model": None, "body_model": None,
                "response_model": resp_q, "path_params": [], "query": [], "headers": [],
                "body": {"type": "object", "fields": [
                    {"name": "meta", "type": "string", "json": meta},
                    {"name": "file", "type": "file"}]},
                "response": self.object_node(resp_q),
                "encrypted_fields": [], "response_encrypted_fields": [],
            })
        return ops

    def run(self):
        model_files = [p for p in self.tree.paths
                       if p.startswith("services/") and p.endswith("/models.go")]
        model_files.append(GO_ENVELOPE[1])
        upload_files = [p for p in self.tree.paths if p.startswith("services/fileuploader/")
                        and p.endswith(".go") and not p.endswith("_test.go")]
        model_files += [p for p in upload_files if p != GO_UPLOAD_BASE]
        api_files = [p for p in self.tree.paths
                     if re.match(r"services/.*/api_[^/]*\.go$", p) and not p.endswith("_test.go")]
        texts = self.tree.read_many(sorted(set(model_files + api_files + upload_files +
                                               ["README.md"])))
        for p in sorted(model_files):
            self.parse_models(p, texts[p])
        ops = []
        for p in sorted(api_files):
            ops.extend(self.parse_ops(p, texts[p]))
        ops.extend(self.parse_uploaders({p: texts[p] for p in upload_files}))
        ops.sort(key=lambda o: (o["path"], o["method"], o["service"], o["operation"]))
        models = {}
        for q, st in self.structs.items():
            n = self.object_node(q, shallow=True)
            n.update({"kind": "object", "file": st["file"], "line": st["line"]})
            models[q] = n
        add_enum_models(self, models)
        return ops, models, notifications_of(self, self.structs, GO_ENVELOPE, GO_NOTIFICATIONS,
                                             texts["README.md"])


# ---------------------------------------------------------------------------------------------
# Java


JAVA_SCALARS = {
    "String": {"type": "string"}, "char": {"type": "string"},
    "Long": {"type": "integer"}, "long": {"type": "integer"}, "Integer": {"type": "integer"},
    "int": {"type": "integer"}, "Short": {"type": "integer"}, "short": {"type": "integer"},
    "BigInteger": {"type": "integer"},
    "Float": {"type": "number"}, "float": {"type": "number"}, "Double": {"type": "number"},
    "double": {"type": "number"}, "BigDecimal": {"type": "number"},
    "Boolean": {"type": "boolean"}, "boolean": {"type": "boolean"},
    "Object": {"type": "object"}, "JsonObject": {"type": "object"},
}


def java_pkg_key(package):
    """com.wechat.pay.java.service.payments.jsapi.model -> payments/jsapi;
    com.wechat.pay.java.core.notification -> core/notification."""
    p = package[len(JAVA_PKG_PREFIX):] if package.startswith(JAVA_PKG_PREFIX) else package
    parts = p.split(".")
    if parts and parts[0] == "service":
        parts = parts[1:]
    if parts and parts[-1] == "model":
        parts = parts[:-1]
    return "/".join(parts)


def strip_java_comments(text):
    """Blanks comments (keeping line breaks and offsets) so annotations in prose are not read."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"',
                  lambda m: m.group(0) if m.group(0).startswith('"') else blank(m), text,
                  flags=re.S)


class JavaSdk:
    def __init__(self, tree, catalog):
        self.tree = tree
        self.catalog = catalog
        self.classes = {}   # qname -> {"file", "line", "fields", "imports", "pkg", "nested"}
        self.enums = {}     # qname -> {"file", "line", "values"}
        self.by_fqcn = {}   # java fully qualified name -> qname

    def parse_model(self, path, raw):
        text = strip_java_comments(raw)
        pm = re.search(r"^package ([\w.]+);", text, re.M)
        if not pm:
            return
        pkg = java_pkg_key(pm.group(1))
        imports = dict((m.group(1).rsplit(".", 1)[1], m.group(1))
                       for m in re.finditer(r"^import ([\w.]+);", text, re.M))
        tm = re.search(r"^public (?:final )?(class|enum) (\w+)", text, re.M)
        if not tm:
            return
        kind, name = tm.groups()
        q = pkg + "." + name
        self.by_fqcn[pm.group(1) + "." + name] = q
        if kind == "enum":
            body = text[tm.end():]
            self.enums[q] = {"file": path, "line": line_of(text, tm.start()),
                             "values": self._enum_values(body[:self._block_end(body)])}
            return
        # Nested enums first; their bodies are removed before members are read.
        nested = {}
        body = text
        for em in list(re.finditer(r"^  public (?:static )?enum (\w+) \{", text, re.M)):
            end = em.end() + self._block_end(text[em.end() - 1:]) - 1
            eq = q + "." + em.group(1)
            nested[em.group(1)] = eq
            self.enums[eq] = {"file": path, "line": line_of(text, em.start()),
                              "values": self._enum_values(text[em.end():end])}
            body = body[:em.start()] + re.sub(r"[^\n]", " ", body[em.start():end + 1]) + body[end + 1:]
        fields = []
        pending = []
        lines = body.split("\n")
        i = 0
        while i < len(lines):
            ln = lines[i].strip()
            if ln.startswith("@"):
                pending.append(ln)
            elif re.match(r"  (?! )(?:private |protected |public )?(?!static |final |transient |return |throw )"
                          r"[\w.<>, ?\[\]]+ \w+\s*(=|;|$)", lines[i]):
                # A member declaration at class level (two-space indent).
                decl = ln
                while not decl.endswith(";") and i + 1 < len(lines):
                    i += 1
                    decl += " " + lines[i].strip()
                dm = re.match(r"(?:(?:private|protected|public) )?([\w.<>, ?\[\]]+?) (\w+)\s*(=.*)?;$",
                              decl)
                ser = [re.match(r'@SerializedName\("([^"]+)"', a) for a in pending]
                ser = [s.group(1) for s in ser if s]
                if dm:
                    fields.append({
                        "java_name": dm.group(2),
                        "java_type": dm.group(1).replace(" ", ""),
                        "name": ser[0] if ser else None,
                        "serialize": not any(re.match(r"@Expose\(serialize\s*=\s*false", a)
                                             for a in pending),
                        "encrypted_mark": any(a == "@Encryption" for a in pending),
                        "line": i + 1,
                    })
                pending = []
            elif ln and not ln.startswith("}"):
                pending = []
            i += 1
        # Gson (core GsonUtil) names unannotated members LOWER_CASE_WITH_UNDERSCORES. In a class
        # whose members are annotated, an unannotated one is SDK-side state (the envelope's
        # decrypted plaintext) and is not read from the wire.
        if any(f["name"] for f in fields):
            fields = [f for f in fields if f["name"]]
        else:
            for f in fields:
                f["name"] = re.sub(r"([A-Z])", lambda c: "_" + c.group(1).lower(), f["java_name"])
        self.classes[q] = {"file": path, "line": line_of(text, tm.start()), "fields": fields,
                           "imports": imports, "pkg": pkg, "package": pm.group(1),
                           "nested": nested}

    @staticmethod
    def _block_end(s):
        """Offset just past the `}` closing the first `{` in s."""
        depth = 0
        for i, c in enumerate(s):
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
        fail("unbalanced braces")

    @staticmethod
    def _enum_values(body):
        return re.findall(r'@SerializedName\("([^"]*)"\)\s*\w+\s*[,}\n;(]', body + "\n")

    def resolve(self, typ, ctx):
        """ctx: class record (imports, package, nested) the type is written in."""
        if typ in ctx.get("nested", {}):
            return ctx["nested"][typ]
        if "." in typ:
            outer, inner = typ.rsplit(".", 1)
            oq = self.resolve(outer, ctx)
            if oq and oq + "." + inner in self.enums:
                return oq + "." + inner
        fq = ctx["imports"].get(typ)
        if fq and fq in self.by_fqcn:
            return self.by_fqcn[fq]
        fq = ctx["package"] + "." + typ
        if fq in self.by_fqcn:
            return self.by_fqcn[fq]
        # Service classes import model packages by name; their models live in `<pkg>.model`.
        fq = ctx["package"] + ".model." + typ
        if fq in self.by_fqcn:
            return self.by_fqcn[fq]
        fail("unknown Java type %s (in %s)" % (typ, ctx.get("package")))

    def node(self, typ, ctx, stack=(), shallow=False):
        gm = re.match(r"(?:java\.util\.)?(?:List|ArrayList|Set)<(.+)>$", typ)
        if gm:
            return {"type": "array", "items": self.node(gm.group(1), ctx, stack, shallow)}
        if typ.endswith("[]"):
            return {"type": "array", "items": self.node(typ[:-2], ctx, stack, shallow)}
        if re.match(r"(?:java\.util\.)?(?:Map|HashMap)<", typ):
            return {"type": "object"}
        if typ in JAVA_SCALARS:
            return dict(JAVA_SCALARS[typ])
        q = self.resolve(typ, ctx)
        return named_type_node(self, q, stack, shallow)

    def object_node(self, q, stack=None, shallow=False, body_only=False):
        stack = (q,) if stack is None else stack
        cl = self.classes[q]
        fields = []
        for f in cl["fields"]:
            if body_only and not f["serialize"]:
                continue
            n = {"name": f["name"]}
            n.update(self.node(f["java_type"], cl, stack, shallow))
            if f["encrypted_mark"] and is_string_leaf(n):
                n["encrypted"] = True
            if shallow:
                n["java_type"] = f["java_type"]
                if not f["serialize"]:
                    n["serialize"] = False
            fields.append(n)
        return {"type": "object", "model": q, "fields": fields}

    def parse_service(self, path, raw):
        text = strip_java_comments(raw)
        pm = re.search(r"^package ([\w.]+);", text, re.M)
        imports = dict((m.group(1).rsplit(".", 1)[1], m.group(1))
                       for m in re.finditer(r"^import ([\w.]+);", text, re.M))
        ctx = {"imports": imports, "package": pm.group(1), "nested": {}}
        pkg = java_pkg_key(pm.group(1))
        cm = re.search(r"^public class (\w+)", text, re.M)
        service = pkg + "." + cm.group(1)
        ops = []
        for m in re.finditer(r"^  public ([\w.<>]+)\s+(\w+)\(\s*(\w+) request\)\s*\{", text, re.M):
            ret, opname, reqtype = m.groups()
            body = text[m.end() - 1:m.end() - 1 + JavaSdk._block_end(text[m.end() - 1:])]
            um = re.search(r'String requestPath\s*=\s*"([^"]+)"', body)
            hm = re.search(r"\.httpMethod\(HttpMethod\.(\w+)\)", body)
            if not um or not hm:
                continue
            method = hm.group(1)
            raw_path = clean_path(um.group(1))
            npath, renames = self.catalog.normalise(method, raw_path)
            req_q = self.resolve(reqtype, ctx)
            req_cl = self.classes[req_q]
            by_getter = {"get" + f["java_name"][:1].upper() + f["java_name"][1:]: f
                         for f in req_cl["fields"]}

            def param(getter, name):
                f = by_getter.get(getter)
                if f is None:
                    fail("%s:%s: %s not in %s" % (path, opname, getter, req_q))
                n = {"name": name}
                n.update(self.node(f["java_type"], req_cl))
                return n

            path_params = []
            for pp in re.finditer(r'requestPath\.replace\(\s*"\{" \+ "(\w+)" \+ "\}",\s*urlEncode\(realRequest\.(\w+)\(',
                                  body):
                n = param(pp.group(2), renames.get(pp.group(1), pp.group(1)))
                if pp.group(1) != n["name"]:
                    n["sdk_name"] = pp.group(1)
                path_params.append(n)
            order = re.findall(r"\{([^}]*)\}", npath)
            path_params.sort(key=lambda n: order.index(n["name"]) if n["name"] in order else 99)
            query = []
            for qm in re.finditer(r'queryParameter\.add\(\s*"([^"]+)",\s*urlEncode\(realRequest\.(\w+)\(',
                                  body):
                query.append(param(qm.group(2), qm.group(1)))
            headers = []
            if "Constant.WECHAT_PAY_SERIAL" in body:
                headers.append({"name": "Wechatpay-Serial", "type": "string"})
            body_model = req_q if ".body(createRequestBody(realRequest))" in body else None
            body_node = self.object_node(req_q, body_only=True) if body_model else None
            resp_q, resp_node = None, None
            rm = re.search(r"httpClient\.execute\(\s*httpRequest,\s*([\w.]+)\.class\)", body)
            if rm:
                resp_q = self.resolve(rm.group(1), ctx)
                resp_node = self.object_node(resp_q)
            ops.append(make_operation(
                method, npath, raw_path, service, opname, path, line_of(text, m.start()),
                req_q, body_model, resp_q, path_params, query, headers, body_node, resp_node))
        return ops

    def _ctx(self, text):
        return {"imports": dict((i.group(1).rsplit(".", 1)[1], i.group(1)) for i in
                                re.finditer(r"^import ([\w.]+);", text, re.M)),
                "package": re.search(r"^package ([\w.]+);", text, re.M).group(1), "nested": {}}

    def parse_handwritten(self, texts):
        """The two hand-written calls with a fixed path: the platform certificate download and
        the bank package upload (multipart, FileMeta as meta, Wechatpay-Serial). The file
        upload service takes its path from the caller and has no endpoint of its own."""
        ops = []
        path = JAVA_SERVICE_ROOT + "certificate/CertificateService.java"
        text = strip_java_comments(texts[path])
        um = re.search(r'String RSA_URL = "([^"]+)";', text)
        m = re.search(r"^  public [\w.<>]+ downloadCertificate\(\s*String requestPath,", text, re.M)
        rm = re.search(r"httpClient\.execute\(request, (\w+)\.class\)", text)
        hm = re.search(r"\.httpMethod\(HttpMethod\.(\w+)\)", text[m.end():] if m else "")
        if not (um and m and rm and hm):
            fail("%s: certificate download shape changed" % path)
        method = hm.group(1)
        npath, _ = self.catalog.normalise(method, clean_path(um.group(1)))
        resp_q = self.resolve(rm.group(1), self._ctx(text))
        ops.append({
            "id": method + " " + npath, "method": method, "path": npath,
            "service": "certificate.CertificateService", "operation": "downloadCertificate",
            "file": path, "line": line_of(text, m.start()), "handwritten": True,
            "request_kind": "none", "request_model": None, "body_model": None,
            "response_model": resp_q, "path_params": [], "query": [], "headers": [],
            "body": None, "response": self.object_node(resp_q),
            "encrypted_fields": [], "response_encrypted_fields": []})

        path = JAVA_SERVICE_ROOT + "marketingbankpackages/MarketingBankPackagesServiceExtension.java"
        text = strip_java_comments(texts[path])
        m = re.search(r"^  public (\w+) uploadPackage\(", text, re.M)
        um = re.search(r'String uploadPath =\s*((?:"[^"]*"|\s|\+|urlEncode\(\w+\))+);', text)
        if not (m and um and "FileMeta fileMeta = new FileMeta()" in text and
                "Constant.WECHAT_PAY_SERIAL" in text):
            fail("%s: bank package upload shape changed" % path)
        pieces = []
        for tok in re.finditer(r'"([^"]*)"|urlEncode\((\w+)\)', um.group(1)):
            if tok.group(1) is not None:
                pieces.append(tok.group(1))
            else:
                pieces.append("{" + re.sub(r"([A-Z])", lambda c: "_" + c.group(1).lower(),
                                           tok.group(2)) + "}")
        raw_path = clean_path("".join(pieces))
        method = re.search(r"\.httpMethod\(HttpMethod\.(\w+)\)", text[m.end():]).group(1)
        npath, renames = self.catalog.normalise(method, raw_path)
        ctx = self._ctx(text)
        resp_q = self.resolve(m.group(1), ctx)
        meta_q = self.resolve("FileMeta", ctx)
        pp = []
        for name in re.findall(r"\{([^}]*)\}", raw_path):
            n = {"name": renames.get(name, name), "type": "string"}
            if n["name"] != name:
                n["sdk_name"] = name
            pp.append(n)
        op = {
            "id": method + " " + npath, "method": method, "path": npath,
            "service": "marketingbankpackages.MarketingBankPackagesServiceExtension",
            "operation": "uploadPackage", "file": path, "line": line_of(text, m.start()),
            "handwritten": True, "request_kind": "multipart", "request_model": None,
            "body_model": None, "response_model": resp_q, "path_params": pp, "query": [],
            "headers": [{"name": "Wechatpay-Serial", "type": "string"}],
            "body": {"type": "object", "fields": [
                {"name": "meta", "type": "string", "json": self.object_node(meta_q)},
                {"name": "file", "type": "file"}]},
            "response": self.object_node(resp_q),
            "encrypted_fields": [], "response_encrypted_fields": []}
        if raw_path != npath:
            op["sdk_path"] = raw_path
        ops.append(op)
        return ops

    def run(self):
        java = [p for p in self.tree.paths if p.endswith(".java")]

        model_files = [p for p in java if p.startswith(JAVA_SERVICE_ROOT) and "/model/" in p]
        model_files += [p for p in java if p.startswith(JAVA_CORE_ROOT + "notification/")]
        service_files = [p for p in java if p.startswith(JAVA_SERVICE_ROOT) and "/model/" not in p
                         and re.search(r"Service(Extension)?\.java$", p)]
        texts = self.tree.read_many(sorted(set(model_files + service_files + ["README.md"])))
        for p in sorted(model_files):
            self.parse_model(p, texts[p])
        ops = []
        for p in sorted(service_files):
            ops.extend(self.parse_service(p, texts[p]))
        ops.extend(self.parse_handwritten(texts))
        ops.sort(key=lambda o: (o["path"], o["method"], o["service"], o["operation"]))
        models = {}
        for q, cl in self.classes.items():
            if cl["pkg"].startswith("core/") and q != JAVA_ENVELOPE[0] and \
                    q != "core/notification.Resource":
                continue
            n = self.object_node(q, shallow=True)
            n.update({"kind": "object", "file": cl["file"], "line": cl["line"]})
            models[q] = n
        add_enum_models(self, models)
        return ops, models, notifications_of(self, self.classes, JAVA_ENVELOPE,
                                             JAVA_NOTIFICATIONS, texts["README.md"])


# ---------------------------------------------------------------------------------------------
# shared


def is_string_leaf(n):
    if n.get("type") == "array":
        return is_string_leaf(n["items"])
    return n.get("type") == "string"


def encrypted_paths(node, prefix=""):
    out = []
    if not node:
        return out
    if node.get("type") == "array":
        return encrypted_paths(node["items"], prefix + "[]")
    for f in node.get("fields", []):
        p = (prefix + "." if prefix else "") + f["name"]
        if f.get("encrypted"):
            out.append(p)
        out.extend(encrypted_paths(f, p))
    return out


def build(kind, git_dir, catalog_path):
    tree = GitTree(git_dir)
    catalog = CatalogPaths(catalog_path)
    if kind == "go":
        sdk, url = GoSdk(tree, catalog), GO_REPO_URL
        rules = {"required": "json tag without omitempty (checked against MarshalJSON); query "
                             "parameters: required unless guarded by a nil check; path "
                             "parameters: always",
                 "encrypted": "struct tag encryption:\"EM_APIV3\"",
                 "enums": "type X string with its const block"}
    else:
        sdk, url = JavaSdk(tree, catalog), JAVA_REPO_URL
        rules = {"required": "none (the Java models carry no required flags)",
                 "encrypted": "@Encryption on a String member (object/list members carrying it "
                              "only contain encrypted members)",
                 "enums": "Java enum classes (top-level or nested) with @SerializedName values",
                 "body": "request model members without @Expose(serialize = false)"}
    ops, models, notifications = sdk.run()
    if not ops:
        fail("no operations found in %s" % git_dir)
    ids = sorted(set(o["id"] for o in ops))
    return {
        "format": FORMAT,
        "source": {"repo": url, "commit": tree.commit, "commit_date": tree.commit_date,
                   "version": tree.version, "license": "Apache-2.0"},
        "rules": rules,
        "counts": {"operations": len(ops), "endpoints": len(ids), "models": len(models),
                   "encrypted_fields": sum(len(o["encrypted_fields"]) +
                                           len(o["response_encrypted_fields"]) for o in ops)},
        "operations": ops,
        "models": models,
        "notifications": notifications,
    }


def dump(doc):
    """Sorted keys; one operation, model or notification entry per line (diff-friendly)."""
    def enc(v):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    parts = []
    for key in sorted(doc):
        val = doc[key]
        if key == "operations":
            body = "[\n" + ",\n".join(enc(v) for v in val) + "\n]"
        elif key in ("models", "notifications"):
            body = "{\n" + ",\n".join(enc(k) + ":" + enc(val[k]) for k in sorted(val)) + "\n}"
        else:
            body = enc(val)
        parts.append(enc(key) + ":" + body)
    return "{\n" + ",\n".join(parts) + "\n}\n"


def find_mirror(name):
    for pat in ("%s/*%s*/repo" % (MIRROR_ROOT, name), "%s/*%s*" % (MIRROR_ROOT, name)):
        for d in sorted(glob.glob(pat)):
            if os.path.isdir(d) and os.path.exists(os.path.join(d, "HEAD")):
                return d
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--go", help="git dir of wechatpay-go")
    ap.add_argument("--java", help="git dir of wechatpay-java")
    ap.add_argument("--catalog", default=CATALOG_PATH,
                    help="catalog used to spell placeholders (default data/catalog.json)")
    ap.add_argument("--out", default=OUT_DIR, help="output directory (default data/official)")
    ap.add_argument("--check", action="store_true",
                    help="compare a fresh extraction with the committed files")
    args = ap.parse_args(argv)
    dirs = {"go": args.go or find_mirror("wechatpay-go"),
            "java": args.java or find_mirror("wechatpay-java")}
    missing = [k for k, v in dirs.items() if not v]
    if missing:
        print("no mirror for %s (use --go/--java, or fetch the SDKs)" % ", ".join(missing),
              file=sys.stderr)
        return SKIP
    status = 0
    for kind in ("go", "java"):
        try:
            doc = build(kind, dirs[kind], args.catalog)
        except (ImportError_, subprocess.CalledProcessError) as e:
            print("%s: %s" % (kind, e), file=sys.stderr)
            return 1
        text = dump(doc)
        out = os.path.join(args.out, "wechatpay-%s.json" % kind)
        if args.check:
            old = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
            if old != text:
                status = 1
                try:
                    old_doc = json.loads(old)
                    if old_doc.get("source", {}).get("commit") != doc["source"]["commit"]:
                        print("%s: SDK commit %s, committed file is from %s" % (
                            kind, doc["source"]["commit"],
                            old_doc.get("source", {}).get("commit")))
                except ValueError:
                    pass
                diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                                 "committed", "extracted", lineterm="", n=0))
                changed = sum(1 for ln in diff if ln[:1] in "+-" and ln[:3] not in ("+++", "---"))
                print("%s: data/official/wechatpay-%s.json differs (%d changed lines)" % (
                    kind, kind, changed))
                for ln in diff[:40]:
                    print("  " + ln)
            else:
                print("%s: up to date (%s %s, %d operations)" % (
                    kind, doc["source"]["version"], doc["source"]["commit"][:12],
                    doc["counts"]["operations"]))
        else:
            os.makedirs(args.out, exist_ok=True)
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote %s: %d operations, %d endpoints, %d models" % (
                os.path.relpath(out, REPO), doc["counts"]["operations"],
                doc["counts"]["endpoints"], doc["counts"]["models"]))
    return status


if __name__ == "__main__":
    sys.exit(main())
