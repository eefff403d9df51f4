// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Typed callback resources: verify, decrypt and decode an APIv3 callback in one call.
//
//   namespace n = wechatpay::models::v3::notifications;
//   auto paid = wechatpay::ParseNotificationAs<n::Payment>(client, headers, body);
//   if (!paid) return Reply(paid.error());          // unverified, undecryptable or not a payment
//   const n::Payment& p = paid->resource;            // every member may be absent
//   if (p.trade_state == n::Payment::TradeState::kSuccess) Ship(*p.out_trade_no);
//
// The resource types (models/v3/notifications.h) are generated from
// data/notification_resources.json: payment, partner and combine payments, refunds, profit
// sharing, transfer bills and batches, complaints. Like every received type they invent
// nothing: a member the callback did not carry is absent, unknown members are kept in `extra`.
#ifndef WECHATPAY_NOTIFICATIONS_H_
#define WECHATPAY_NOTIFICATIONS_H_

#include <string_view>
#include <utility>

#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/http.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v3/notifications.h"
#include "wechatpay/result.h"

namespace wechatpay {

// A verified, decrypted callback: the envelope (id, event_type, create_time, summary, the
// plaintext) and its resource decoded as R.
template <class R>
struct TypedNotification {
  Notification notification;
  R resource;
};

namespace internal {
// kInvalidArgument when the envelope's resource.original_type is known for `type_name` and
// differs (a refund callback decoded as a payment), naming what it carries; else ok.
Status CheckResourceKind(const Notification& n, std::string_view type_name,
                         std::string_view original_type);
// A decoding failure of the plaintext, said as one of the callback resource `type_name`.
Error ResourceDecodeError(const Notification& n, std::string_view type_name, Error error);
}  // namespace internal

// Decodes the resource of an already verified and decrypted callback.
template <class R, class Traits = models::v3::notifications::ResourceTraits<R>>
Result<TypedNotification<R>> DecodeNotification(Notification notification) {
  Status kind = internal::CheckResourceKind(notification, Traits::kName, Traits::kOriginalType);
  if (!kind) return std::move(kind).error();
  TypedNotification<R> out;
  out.notification = std::move(notification);
  Status s =
      models::internal::DecodeJsonText(&models::internal::SerializeErased<R>, &out.resource,
                                       out.notification.plaintext.view(), models::Encoding::kJson);
  if (!s)
    return internal::ResourceDecodeError(out.notification, Traits::kName, std::move(s).error());
  return out;
}

// Client::ParseNotification (signature check against the platform keys, AES-GCM with the APIv3
// key), then DecodeNotification<R>. A callback that fails verification is never decrypted.
template <class R, class C = Client>
Result<TypedNotification<R>> ParseNotificationAs(const C& client, const Headers& headers,
                                                 std::string_view body) {
  Result<Notification> n = client.ParseNotification(headers, body);
  if (!n) return std::move(n).error();
  return DecodeNotification<R>(std::move(*n));
}

}  // namespace wechatpay

#endif  // WECHATPAY_NOTIFICATIONS_H_
