// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv3 multipart uploads (CallOptions::multipart): WeChat Pay signs the `meta` part's JSON
// text, not the multipart body. The parts are validated against the catalog (meta's schema
// included), fields written "meta~a.b" are encrypted inside the meta text, and the body gets a
// fresh random boundary.
#include <nlohmann/json.hpp>

#include "api/client_impl.h"
#include "wechatpay/multipart.h"

namespace wechatpay::internal {

Result<std::unique_ptr<CallPlan>> ClientImpl::PlanMultipart(const std::string& method,
                                                            Target target,
                                                            const CallOptions& opts) const {
  const std::string what = method + " " + target.template_path;
  if (opts.body) {
    return Error(ErrorCode::kInvalidArgument,
                 what + ": set CallOptions::body or CallOptions::multipart, not both");
  }
  MultipartForm form = *opts.multipart;
  if (!form.meta.empty()) {
    nlohmann::json meta = nlohmann::json::parse(form.meta, nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) {
      return Error(ErrorCode::kInvalidArgument,
                   what + ": the multipart meta part must be a JSON object");
    }
  }
  if (Status s = CheckMultipartForm(form); !s) {
    return Error(ErrorCode::kInvalidArgument, what + ": " + s.error().message);
  }
  if (!target.absolute) {
    // The parts by name, as the catalog describes them: meta as JSON text (its schema is checked
    // inside), the file as a placeholder when there is one.
    nlohmann::json parts = nlohmann::json::object();
    if (!form.meta.empty()) parts["meta"] = form.meta;
    for (const auto& [name, value] : form.fields) parts[name] = value;
    if (!form.file.data.empty()) {
      parts[form.file.field] = "(" + std::to_string(form.file.data.size()) + " bytes)";
    }
    if (Status s = ValidateRequest(method, target, opts, &parts, /*xml=*/nullptr); !s) {
      return std::move(s).error();
    }
  }
  Headers headers;
  std::vector<std::string> in_meta;
  for (const std::string& f : opts.encrypt_fields) {
    if (f.rfind("meta~", 0) != 0) {
      return Error(ErrorCode::kInvalidArgument,
                   what +
                       ": in a multipart upload only fields inside meta can be encrypted "
                       "(written \"meta~a.b\"), not \"" +
                       f + "\"");
    }
    in_meta.push_back(f.substr(5));
  }
  if (!in_meta.empty()) {
    if (Status s = EncryptFields(form.meta, in_meta, headers); !s) return std::move(s).error();
  }
  std::string boundary = NewMultipartBoundary(form);
  std::string body = EncodeMultipart(form, boundary);
  headers.Set("Content-Type", "multipart/form-data; boundary=" + boundary);
  std::string meta = std::move(form.meta);
  return MakeApiV3Plan(method, std::move(target), std::move(body), std::move(headers), opts,
                       /*verify=*/true, std::move(meta));
}

}  // namespace wechatpay::internal
