#include "digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

namespace pf {
namespace {

// EVP rejects null pointers even for empty inputs; empty Buffers have them.
const uint8_t kEmpty[1] = {0};
const uint8_t* nonnull(const uint8_t* p) { return p ? p : kEmpty; }

// Small slices keep each piece in cache while all three contexts consume it.
constexpr size_t kSlice = 64 * 1024;

EVP_MAC_CTX* new_hmac(const uint8_t* key, size_t key_len) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return nullptr;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (ctx && EVP_MAC_init(ctx, nonnull(key), key_len, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

bool new_md(EVP_MD_CTX** ctx, const EVP_MD* md) {
  *ctx = EVP_MD_CTX_new();
  return *ctx && EVP_DigestInit_ex(*ctx, md, nullptr) == 1;
}

bool new_sha(EVP_MD_CTX** ctx) { return new_md(ctx, EVP_sha256()); }

}  // namespace

DigestStream::~DigestStream() {
  EVP_MD_CTX_free(total_);
  EVP_MD_CTX_free(segment_);
  EVP_MD_CTX_free(segment_md5_);
  EVP_MAC_CTX_free(mac_);
}

Status DigestStream::init(bool keyed, const uint8_t* key, size_t key_len, uint64_t segment_size, bool segment_md5) {
  segment_size_ = segment_size;
  if (segment_md5 && segment_size == 0) return Status::Param;
  if (segment_size > 0 && segment_size % 64 == 0 && sha_extensions_available() &&
      !std::getenv("PERMAFROST_DIGEST_OPENSSL")) {
    lanes_ = std::make_unique<SegmentedSha256>(segment_size, keyed, key, key_len, segment_md5);
    keyed_lanes_ = keyed;
    return Status::Ok;
  }
  if (!new_sha(&total_) || !new_sha(&segment_)) return Status::Crypto;
  if (segment_md5 && !new_md(&segment_md5_, EVP_md5())) return Status::Crypto;
  if (keyed && !(mac_ = new_hmac(key, key_len))) return Status::Crypto;
  return Status::Ok;
}

Status DigestStream::close_segment(std::vector<Hash>* out, std::vector<Md5>* md5s) {
  Hash h{};
  unsigned int out_len = 0;
  if (EVP_DigestFinal_ex(segment_, h.data(), &out_len) != 1) return Status::Crypto;
  out->push_back(h);
  in_segment_ = 0;
  if (segment_md5_) {
    Md5 m{};
    if (EVP_DigestFinal_ex(segment_md5_, m.data(), &out_len) != 1) return Status::Crypto;
    md5s->push_back(m);
    if (EVP_DigestInit_ex(segment_md5_, EVP_md5(), nullptr) != 1) return Status::Crypto;
  }
  return EVP_DigestInit_ex(segment_, EVP_sha256(), nullptr) == 1 ? Status::Ok : Status::Crypto;
}

Status DigestStream::update(const uint8_t* data, size_t len, std::vector<Hash>* completed, std::vector<Md5>* md5s) {
  if (lanes_) {
    if (finished_) return Status::Finished;
    lanes_->update(data, len, completed, md5s);
    return Status::Ok;
  }
  if (!total_) return Status::Finished;
  data = nonnull(data);
  for (size_t off = 0; off < len;) {
    size_t n = len - off < kSlice ? len - off : kSlice;
    if (segment_size_ > 0 && n > segment_size_ - in_segment_) n = static_cast<size_t>(segment_size_ - in_segment_);
    if (EVP_DigestUpdate(total_, data + off, n) != 1 || EVP_DigestUpdate(segment_, data + off, n) != 1 ||
        (segment_md5_ && EVP_DigestUpdate(segment_md5_, data + off, n) != 1) ||
        (mac_ && EVP_MAC_update(mac_, data + off, n) != 1)) {
      return Status::Crypto;
    }
    off += n;
    in_segment_ += n;
    if (segment_size_ > 0 && in_segment_ == segment_size_) {
      Status s = close_segment(completed, md5s);
      if (s != Status::Ok) return s;
    }
  }
  return segment_size_ == 0 ? close_segment(completed, md5s) : Status::Ok;
}

Status DigestStream::final(Hash* sha, Hash* hmac, std::vector<Hash>* last, std::vector<Md5>* last_md5) {
  if (lanes_) {
    if (finished_) return Status::Finished;
    finished_ = true;
    lanes_->final(sha, hmac, last, last_md5);
    return Status::Ok;
  }
  if (!total_) return Status::Finished;
  if (segment_size_ > 0 && in_segment_ > 0 && close_segment(last, last_md5) != Status::Ok) return Status::Crypto;
  unsigned int sha_len = 0;
  size_t mac_len = 0;
  bool ok = EVP_DigestFinal_ex(total_, sha->data(), &sha_len) == 1 &&
            (!mac_ || EVP_MAC_final(mac_, hmac->data(), &mac_len, hmac->size()) == 1);
  EVP_MD_CTX_free(total_);
  total_ = nullptr;
  return ok ? Status::Ok : Status::Crypto;
}

Status md5_pieces(const Piece* pieces, size_t count, Md5* out) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) == 1;
  for (size_t i = 0; ok && i < count; ++i) ok = EVP_DigestUpdate(ctx, nonnull(pieces[i].data), pieces[i].len) == 1;
  unsigned int out_len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out->data(), &out_len) == 1 && out_len == out->size();
  EVP_MD_CTX_free(ctx);
  return ok ? Status::Ok : Status::Crypto;
}

Status hmac_sha256(const uint8_t* key, size_t key_len, const uint8_t* data, size_t len, Hash* out) {
  size_t out_len = 0;
  unsigned char* r = EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, nonnull(key), key_len, nonnull(data), len,
                               out->data(), out->size(), &out_len);
  return r && out_len == out->size() ? Status::Ok : Status::Crypto;
}

}  // namespace pf
