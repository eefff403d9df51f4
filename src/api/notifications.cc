// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The non-template part of ParseNotificationAs (include/wechatpay/notifications.h).

#include "wechatpay/notifications.h"

#include <string>
#include <string_view>
#include <utility>

namespace wechatpay::internal {

Status CheckResourceKind(const Notification& n, std::string_view type_name,
                         std::string_view original_type) {
  if (original_type.empty() || n.original_type.empty() || n.original_type == original_type) {
    return {};
  }
  std::string event = n.event_type.empty() ? "a callback" : n.event_type;
  return MakeError(ErrorCode::kInvalidArgument,
                   "callback " + n.id + " (" + event + ") carries a resource of original_type \"" +
                       n.original_type + "\", not a " + std::string(type_name) +
                       " (original_type \"" + std::string(original_type) +
                       "\"); decode it as the type of that resource");
}

Error ResourceDecodeError(const Notification& n, std::string_view type_name, Error error) {
  std::string event = n.event_type.empty() ? "" : " (" + n.event_type + ")";
  error.message = "callback " + n.id + event + ": the decrypted resource is not a " +
                  std::string(type_name) + ": " + error.message;
  return error;
}

}  // namespace wechatpay::internal
