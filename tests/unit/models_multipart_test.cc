// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Multipart uploads: the body shape (meta part, text parts, file part, random boundary), the
// signature over the meta text only, meta~ fields encrypted inside meta, the typed calls of the
// upload endpoints (APIv3 and APIv2 uploadmedia), bad input rejected before sending, and the
// multipart codec's own bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unit/models_fake_fixture.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/crypto.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/secapi.h"
#include "wechatpay/models/v3/marketing.h"
#include "wechatpay/models/v3/mch_manage.h"
#include "wechatpay/models/v3/merchant.h"
#include "wechatpay/multipart.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::DecodeMultipart;
using wechatpay::testing::MultipartPart;

namespace wechatpay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::kNow;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::Vectors;

namespace merchant = models::v3::merchant;

// Bytes that are not text: NUL, CR LF, a fake boundary, high bytes.
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR--boundary\r\n\xff\xfe", 27);

std::string Sha256Hex(const std::string& s) { return crypto::HexEncode(crypto::Sha256(s)); }

class ModelsMultipartTest : public testing::ModelsSeedTest {
 protected:
  Client MakeFixedClient() {
    ClientOptions o = Options();
    o.nonce = [] { return std::string("NONCE0123456789ABCDEFGHIJKLMNOPQ"); };
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  // The parts of a sent request, checking the Content-Type names the body's boundary.
  std::vector<MultipartPart> Parts(const HttpRequest& sent) {
    std::string ct = sent.headers.Get("Content-Type");
    EXPECT_THAT(ct, ::testing::StartsWith("multipart/form-data; boundary="));
    auto parts = DecodeMultipart(ct, sent.body);
    EXPECT_TRUE(parts) << parts.error().ToString();
    return parts ? *parts : std::vector<MultipartPart>();
  }
  // True when the request's Authorization signature covers exactly `body`.
  bool SignedOver(const HttpRequest& sent, const std::string& path, const std::string& body) {
    auto auth = ParseAuthorization(sent.headers.Get("Authorization"));
    EXPECT_TRUE(auth);
    if (!auth) return false;
    return crypto::RsaSha256Verify(
               LoadCertificate("merchant_cert.pem").public_key(),
               RequestSigningMessage(sent.method, path, auth->timestamp, auth->nonce_str, body),
               auth->signature)
        .ok();
  }
};

merchant::PostMediaUploadRequest MediaUpload() {
  merchant::PostMediaUploadRequest req;
  req.file = kPng;
  req.meta.filename = "logo.png";
  req.meta.sha256 = Sha256Hex(kPng);
  return req;
}

TEST_F(ModelsMultipartTest, TypedMediaUploadSignsTheMetaTextOnly) {
  Client client = MakeFixedClient();
  fake_->Enqueue(Signed(200, R"({"media_id":"H1-MEDIA-1"})"));
  auto r = merchant::PostMediaUpload::Call(client, MediaUpload());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.media_id, "H1-MEDIA-1");

  ASSERT_EQ(fake_->request_count(), 1u);
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.url, std::string(testing::kOrigin) + "/v3/merchant/media/upload");
  auto parts = Parts(sent);
  ASSERT_EQ(parts.size(), 2u);
  const std::string meta = R"({"filename":"logo.png","sha256":")" + Sha256Hex(kPng) + R"("})";
  EXPECT_EQ(parts[0].name, "meta");
  EXPECT_EQ(parts[0].content_type, "application/json");
  EXPECT_TRUE(parts[0].filename.empty());
  EXPECT_EQ(parts[0].data, meta);
  EXPECT_EQ(parts[1].name, "file");
  EXPECT_EQ(parts[1].filename, "logo.png");
  EXPECT_EQ(parts[1].content_type, "image/png");
  EXPECT_EQ(parts[1].data, kPng);
  // The exact signed message: METHOD\nPATH\nTIMESTAMP\nNONCE\nMETA\n, with the test's clock and
  // nonce; RSA-SHA256 PKCS#1 v1.5 is deterministic, so the whole header is known.
  std::string message = "POST\n/v3/merchant/media/upload\n" + std::to_string(kNow) +
                        "\nNONCE0123456789ABCDEFGHIJKLMNOPQ\n" + meta + "\n";
  auto expected = crypto::RsaSha256Sign(LoadPrivateKey("merchant_key.pem"), message);
  ASSERT_TRUE(expected);
  auto auth = ParseAuthorization(sent.headers.Get("Authorization"));
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->signature, *expected);
  EXPECT_EQ(auth->nonce_str, "NONCE0123456789ABCDEFGHIJKLMNOPQ");
  EXPECT_TRUE(SignedOver(sent, "/v3/merchant/media/upload", meta));
  EXPECT_FALSE(SignedOver(sent, "/v3/merchant/media/upload", sent.body));
}

TEST_F(ModelsMultipartTest, BodyShapeAndARandomBoundary) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"media_id":"M"})");
  });
  ASSERT_TRUE(merchant::PostMediaUpload::Call(client, MediaUpload()));
  auto f = merchant::PostMediaUpload::CallAsync(client, MediaUpload());  // and asynchronously
  ASSERT_TRUE(f.wait_for(std::chrono::seconds(10)));
  ASSERT_TRUE(f.get()) << f.get().error().ToString();
  EXPECT_EQ(f.get()->value.media_id, "M");
  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  std::string ct = reqs[0].headers.Get("Content-Type");
  std::string boundary = ct.substr(ct.find("boundary=") + 9);
  EXPECT_GE(boundary.size(), 30u);
  EXPECT_NE(reqs[1].headers.Get("Content-Type"), ct);  // a new boundary per request
  // RFC 7578 framing, byte for byte.
  std::string meta = R"({"filename":"logo.png","sha256":")" + Sha256Hex(kPng) + R"("})";
  EXPECT_EQ(reqs[0].body, "--" + boundary +
                              "\r\nContent-Disposition: form-data; name=\"meta\"\r\n"
                              "Content-Type: application/json\r\n\r\n" +
                              meta + "\r\n--" + boundary +
                              "\r\nContent-Disposition: form-data; name=\"file\"; "
                              "filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n" +
                              kPng + "\r\n--" + boundary + "--\r\n");
  for (const auto& r : reqs) EXPECT_EQ(Parts(r)[1].data, kPng);
}

TEST_F(ModelsMultipartTest, TextPartsAndThePathValue) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"file_id":"F-1"})"));
  namespace mm = models::v3::mch_manage;
  mm::PostSubmissionFilesSubMchidUploadRequest req;
  req.submission_file = "%PDF-1.4 ...";
  req.meta.file_name = "licence.pdf";
  req.meta.file_digest = Sha256Hex(req.submission_file);
  req.item_id = 7;
  req.manage_record_id = "MR-1";
  auto r = mm::PostSubmissionFilesSubMchidUpload::Call(client, "1900000109", req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.file_id, "F-1");
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.url, std::string(testing::kOrigin) +
                          "/v3/mch-manage/submission-files/sub-mchid/1900000109/upload");
  auto parts = Parts(sent);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].name, "meta");
  EXPECT_EQ(parts[1].name, "item_id");
  EXPECT_EQ(parts[1].data, "7");
  EXPECT_EQ(parts[2].name, "manage_record_id");
  EXPECT_EQ(parts[2].data, "MR-1");
  EXPECT_EQ(parts[3].name, "submission_file");
  EXPECT_EQ(parts[3].filename, "licence.pdf");
  EXPECT_EQ(parts[3].content_type, "application/pdf");
  EXPECT_TRUE(SignedOver(sent, "/v3/mch-manage/submission-files/sub-mchid/1900000109/upload",
                         parts[0].data));
}

TEST_F(ModelsMultipartTest, MetaFieldsMarkedEncryptedAreEncryptedInsideMeta) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"transaction_id":"4200001"})"));
  namespace mk = models::v3::marketing;
  mk::PostShoppingReceiptShoppingreceiptsRequest req;
  req.file = kPng;
  req.meta.transaction_id = "4200001";
  req.meta.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  req.meta.sha256 = Sha256Hex(kPng);
  req.meta.merchant_contact_information.emplace();
  req.meta.merchant_contact_information->consultation_phone_number = "13800138000";
  auto r = mk::PostShoppingReceiptShoppingreceipts::Call(client, req);
  ASSERT_TRUE(r) << r.error().ToString();
  HttpRequest sent = fake_->requests()[0];
  EXPECT_FALSE(sent.headers.Get("Wechatpay-Serial").empty());
  EXPECT_THAT(sent.body, ::testing::Not(HasSubstr("13800138000")));
  auto parts = Parts(sent);
  ASSERT_EQ(parts.size(), 2u);
  json meta = json::parse(parts[0].data);
  std::string ct = meta["merchant_contact_information"]["consultation_phone_number"];
  EXPECT_EQ(Decrypt(sent, ct), "13800138000");
  EXPECT_EQ(meta["openid"], "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  // The signature covers the meta as sent (ciphertext inside).
  EXPECT_TRUE(SignedOver(sent, "/v3/marketing/shopping-receipt/shoppingreceipts", parts[0].data));
}

TEST_F(ModelsMultipartTest, BadUploadsAreRejectedBeforeSending) {
  Client client = MakeClient();
  // No meta part (the chain with a hand-made form): the catalog requires it.
  CallOptions no_meta;
  auto form = std::make_shared<MultipartForm>();
  form->file = {"file", "logo.png", "", kPng};
  no_meta.multipart = form;
  auto r1 = client.chain("v3/merchant/media/upload").post(no_meta);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r1.error().message, HasSubstr("meta"));
  EXPECT_THAT(r1.error().message, HasSubstr("required"));
  // No file: the typed request without bytes.
  auto empty = MediaUpload();
  empty.file.clear();
  auto r2 = merchant::PostMediaUpload::Call(client, empty);
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message, HasSubstr("file"));
  EXPECT_THAT(r2.error().message, HasSubstr("required"));
  // meta that is not a JSON object.
  auto bad_meta = std::make_shared<MultipartForm>(*form);
  bad_meta->meta = "[1,2]";
  CallOptions o3;
  o3.multipart = bad_meta;
  auto r3 = client.chain("v3/merchant/media/upload").post(o3);
  ASSERT_FALSE(r3);
  EXPECT_THAT(r3.error().message, HasSubstr("meta part must be a JSON object"));
  // Both a body and a multipart form.
  CallOptions o4;
  o4.multipart = form;
  o4.body = "{}";
  auto r4 = client.chain("v3/merchant/media/upload").post(o4);
  ASSERT_FALSE(r4);
  EXPECT_THAT(r4.error().message, HasSubstr("not both"));
  // The shopping receipt's meta lacks its required openid (a meta~ path).
  namespace mk = models::v3::marketing;
  mk::PostShoppingReceiptShoppingreceiptsRequest receipt;
  receipt.file = kPng;
  receipt.meta.transaction_id = "4200001";
  receipt.meta.sha256 = Sha256Hex(kPng);
  auto r5 = mk::PostShoppingReceiptShoppingreceipts::CallAsync(client, receipt);
  ASSERT_TRUE(r5.wait_for(std::chrono::seconds(10)));
  ASSERT_FALSE(r5.get());
  EXPECT_THAT(r5.get().error().message, HasSubstr("meta~openid"));
  // A content type carrying a line break would add a header of the caller's making to the part.
  auto injected = std::make_shared<MultipartForm>(*form);
  injected->meta = R"({"filename":"logo.png","sha256":")" + Sha256Hex(kPng) + R"("})";
  injected->file.content_type = "image/png\r\nX-Injected: 1";
  CallOptions o6;
  o6.multipart = injected;
  auto r6 = client.chain("v3/merchant/media/upload").post(o6);
  ASSERT_FALSE(r6);
  EXPECT_EQ(r6.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r6.error().message, HasSubstr("content_type contains a control character (byte 13)"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ModelsMultipartTest, ApiV2UploadRefusesAControlCharacterInTheContentType) {
  ClientOptions o = Options();
  auto cert = std::make_shared<ClientCertificate>();
  cert->cert_pem = testing::ReadData("tls_client_cert.pem");
  cert->key_pem = testing::ReadData("tls_client_key.pem");
  o.client_certificate = cert;
  auto c = Client::Create(std::move(o));
  ASSERT_TRUE(c) << c.error().ToString();
  CallOptions opts;
  auto form = std::make_shared<MultipartForm>();
  form->file = {"media", "a.png", std::string("image/png\0x", 11), kPng};
  opts.multipart = form;
  opts.xml = std::make_shared<apiv2::Fields>(
      apiv2::Fields{{"media_hash", crypto::HexEncode(crypto::Md5(kPng))}});
  auto r = c->chain("v2/secapi/mch/uploadmedia").post(opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("control character (byte 0)"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST(MultipartCodecTest, CheckMultipartFormRefusesControlCharactersInTheContentType) {
  MultipartForm form;
  form.file = {"file", "a.png", "image/png; charset=binary\tx", "data"};
  EXPECT_TRUE(CheckMultipartForm(form));  // tab is allowed in a header value
  for (char c : {'\r', '\n', '\0', '\x1b', '\x7f'}) {
    form.file.content_type = std::string("image/png") + c;
    Status s = CheckMultipartForm(form);
    ASSERT_FALSE(s) << int(c);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  }
  form.file.content_type.clear();
  form.file.field.clear();
  EXPECT_FALSE(CheckMultipartForm(form));
}

TEST_F(ModelsMultipartTest, ApiV2UploadMediaSignsTheFieldsAndSendsTheFile) {
  ClientOptions o = Options();
  auto cert = std::make_shared<ClientCertificate>();
  cert->cert_pem = testing::ReadData("tls_client_cert.pem");
  cert->key_pem = testing::ReadData("tls_client_key.pem");
  o.client_certificate = cert;
  auto c = Client::Create(std::move(o));
  ASSERT_TRUE(c) << c.error().ToString();
  apiv2::Fields answer{{"return_code", "SUCCESS"},
                       {"result_code", "SUCCESS"},
                       {"mch_id", Vectors()["mchid"]},
                       {"media_id", "MEDIA-V2"}};
  answer.Set("sign", apiv2::Sign(answer, Vectors()["apiv2_key"].get<std::string>(),
                                 apiv2::SignType::kHmacSha256));
  HttpResponse xml;
  xml.status = 200;
  xml.body = apiv2::EncodeXml(answer);
  xml.headers.Set("Content-Type", "text/xml");
  fake_->Enqueue(xml);
  namespace secapi = models::v2::secapi;
  secapi::PostMchUploadmediaRequest req;
  req.media = kPng;
  auto r = secapi::PostMchUploadmedia::Call(*c, req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.media_id, "MEDIA-V2");
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.url, std::string(testing::kOrigin) + "/secapi/mch/uploadmedia");
  auto parts = Parts(sent);
  ASSERT_GE(parts.size(), 4u);
  apiv2::Fields fields;
  for (size_t i = 0; i + 1 < parts.size(); ++i) fields.Set(parts[i].name, parts[i].data);
  EXPECT_EQ(fields.Get("mch_id"), Vectors()["mchid"]);
  EXPECT_EQ(fields.Get("media_hash"), crypto::HexEncode(crypto::Md5(kPng)));
  EXPECT_EQ(fields.Get("sign_type"), "HMAC-SHA256");
  // uploadmedia's field list has no nonce_str: the client does not add one.
  EXPECT_FALSE(fields.Has("nonce_str"));
  EXPECT_TRUE(apiv2::VerifySign(fields, Vectors()["apiv2_key"].get<std::string>(),
                                apiv2::SignType::kHmacSha256));
  EXPECT_EQ(parts.back().name, "media");
  EXPECT_EQ(parts.back().data, kPng);
}

TEST(MultipartCodecTest, QuotedNamesMayContainSemicolons) {
  MultipartForm form;
  form.meta = R"({"filename":"a;b.png"})";
  form.fields = {{"item;id", "7"}};
  form.file = {"file", "a;b.png", "", "PNGDATA"};
  std::string boundary = NewMultipartBoundary(form);
  auto parts = DecodeMultipart("multipart/form-data; boundary=\"" + boundary + "\"",
                               EncodeMultipart(form, boundary));
  ASSERT_TRUE(parts) << parts.error().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].name, "item;id");
  EXPECT_EQ((*parts)[2].name, "file");
  EXPECT_EQ((*parts)[2].filename, "a;b.png");
  EXPECT_EQ((*parts)[2].content_type, "image/png");
  // An unterminated quote names nothing.
  auto bad = DecodeMultipart("multipart/form-data; boundary=\"abc", "--abc--");
  EXPECT_FALSE(bad);
}

TEST(MultipartCodecTest, BadBodiesAreParseErrors) {
  MultipartForm form;
  form.meta = R"({"a":1})";
  form.fields = {{"x", "y"}};
  form.file = {"file", "a.bin", "", "\r\n--not-the-boundary\r\n"};
  std::string boundary = NewMultipartBoundary(form);
  std::string body = EncodeMultipart(form, boundary);
  std::string ct = "multipart/form-data; boundary=" + boundary;
  auto ok = DecodeMultipart(ct, body);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[2].data, form.file.data);
  EXPECT_EQ((*ok)[2].content_type, "application/octet-stream");
  EXPECT_EQ(DecodeMultipart("multipart/form-data", body).error().code, ErrorCode::kParse);
  EXPECT_EQ(DecodeMultipart("application/json", body).error().code, ErrorCode::kParse);
  auto truncated = DecodeMultipart(ct, body.substr(0, body.size() - 10));
  ASSERT_FALSE(truncated);
  EXPECT_THAT(truncated.error().message, HasSubstr("closing delimiter"));
  std::string nameless = "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n";
  EXPECT_THAT(DecodeMultipart("multipart/form-data; boundary=B", nameless).error().message,
              HasSubstr("no name"));
  EXPECT_EQ(GuessContentType("A.JPG"), "image/jpeg");
  EXPECT_EQ(GuessContentType("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace wechatpay
