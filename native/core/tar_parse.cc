#include "tar_parse.h"

#include <cstring>
#include <limits>

namespace pf::tar {
namespace {

// Entries the parser reads whole (long names, pax headers, dumpdirs) are held in memory:
// past this a size field is hostile, not a name (the TypeScript reader's limit too).
constexpr uint64_t kMaxMetaSize = uint64_t{1} << 30;
constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;  // what a JS number holds exactly

uint64_t padded(uint64_t n) { return (n + kTarBlock - 1) / kTarBlock * kTarBlock; }

bool is_zero_block(const uint8_t* b) {
  for (size_t i = 0; i < kTarBlock; ++i)
    if (b[i] != 0) return false;
  return true;
}

std::string field_string(const uint8_t* b, size_t at, size_t len) {
  const void* nul = std::memchr(b + at, 0, len);
  size_t n = nul ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - (b + at)) : len;
  return std::string(reinterpret_cast<const char*>(b + at), n);
}

// Octal (leading spaces, NUL or space terminated) or GNU base-256.
bool field_number(const uint8_t* b, size_t at, size_t len, int64_t& out, std::string& why) {
  if (b[at] & 0x80) {
    const bool negative = (b[at] & 0x40) != 0;
    // Sign-extended two's complement over len bytes; anything past 53 bits is out of range.
    int64_t v = negative ? -1 : 0;
    uint8_t first = negative ? b[at] : static_cast<uint8_t>(b[at] & 0x7f);
    for (size_t i = 0; i < len; ++i) {
      uint8_t byte = i == 0 ? first : b[at + i];
      if (v > (kMaxSafe >> 8) || v < -((kMaxSafe + 1) >> 8)) {
        why = "base-256 value is out of range";
        return false;
      }
      v = static_cast<int64_t>(static_cast<uint64_t>(v) << 8) | byte;
    }
    if (v > kMaxSafe || v < -kMaxSafe) {
      why = "base-256 value is out of range";
      return false;
    }
    out = v;
    return true;
  }
  size_t i = at;
  const size_t end = at + len;
  while (i < end && b[i] == ' ') ++i;
  int64_t v = 0;
  for (; i < end; ++i) {
    uint8_t c = b[i];
    if (c == 0 || c == ' ') break;
    if (c < '0' || c > '7') {
      static const char* hex = "0123456789abcdef";
      why = std::string("invalid octal digit 0x") + hex[c >> 4] + hex[c & 15] + " in a numeric field";
      return false;
    }
    if (v > (kMaxSafe >> 3)) {
      why = "octal value is out of range";
      return false;
    }
    v = v * 8 + (c - '0');
  }
  out = v;
  return true;
}

bool checksum_matches(const uint8_t* b) {
  int64_t stored;
  std::string ignored;
  if (!field_number(b, 148, 8, stored, ignored)) return false;
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < kTarBlock; ++i) {
    uint8_t c = (i >= 148 && i < 156) ? ' ' : b[i];
    unsigned_sum += c;
    signed_sum += static_cast<int8_t>(c);
  }
  return stored == unsigned_sum || stored == signed_sum;
}

bool no_data_type(char t) { return t == '1' || t == '2' || t == '3' || t == '4' || t == '6'; }

// A pax record's decimal value, the fraction of a time dropped (floor), as paxNumber does.
bool pax_number(const std::string& raw, int64_t& out) {
  size_t i = 0;
  bool negative = false;
  if (i < raw.size() && (raw[i] == '-' || raw[i] == '+')) negative = raw[i++] == '-';
  size_t digits = 0;
  int64_t v = 0;
  for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i, ++digits) {
    if (v > kMaxSafe / 10) return false;
    v = v * 10 + (raw[i] - '0');
  }
  bool fraction = false;
  if (i < raw.size() && raw[i] == '.') {
    for (++i; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i, ++digits)
      if (raw[i] != '0') fraction = true;
  }
  if (digits == 0 || i != raw.size() || v > kMaxSafe) return false;
  out = negative ? -v - (fraction ? 1 : 0) : v;
  return true;
}

// "<len> <key>=<value>\n" records, up to the end or a NUL.
bool parse_pax(const std::string& data, std::map<std::string, std::string>& out) {
  size_t at = 0;
  while (at < data.size() && data[at] != 0) {
    size_t space = data.find(' ', at);
    if (space == std::string::npos || space == at) return false;
    uint64_t len = 0;
    for (size_t i = at; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9' || len > kMaxMetaSize) return false;
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
    }
    if (len == 0 || at + len > data.size() || data[at + len - 1] != '\n') return false;
    size_t eq = data.find('=', space + 1);
    if (eq == std::string::npos || eq >= at + len) return false;
    out[data.substr(space + 1, eq - space - 1)] = data.substr(eq + 1, at + len - 1 - (eq + 1));
    at += len;
  }
  return true;
}

const char* meta_what(char type) {
  switch (type) {
    case 'L': return "a long name";
    case 'K': return "a long link name";
    case 'x': return "a pax header";
    case 'g': return "a pax global header";
    default: return "a dumpdir";
  }
}

ParseResult consumed(size_t used) {
  ParseResult r;
  r.used = used;
  return r;
}

ParseResult header_ready(size_t used) {
  ParseResult r = consumed(used);
  r.header = true;
  return r;
}

std::string truncated(const char* what, uint64_t offset) {
  return std::string("truncated tar archive: unexpected end of data in ") + what + " at offset " +
         std::to_string(offset);
}

}  // namespace

bool decode_block(const uint8_t* b, MemberHeader& h, std::string& why) {
  if (!checksum_matches(b)) {
    why = "bad header checksum";
    return false;
  }
  h = MemberHeader{};
  if (std::memcmp(b + 257, "ustar  \0", 8) == 0) {
    h.magic = Magic::Gnu;
  } else if (std::memcmp(b + 257, "ustar\0", 6) == 0) {
    h.magic = Magic::Ustar;
  }
  int64_t mode = 0;
  h.name = field_string(b, 0, 100);
  if (!field_number(b, 100, 8, mode, why) || !field_number(b, 108, 8, h.uid, why) ||
      !field_number(b, 116, 8, h.gid, why) || !field_number(b, 124, 12, h.size, why) ||
      !field_number(b, 136, 12, h.mtime, why)) {
    return false;
  }
  h.mode = static_cast<uint32_t>(mode & 07777);
  h.type = b[156] == 0 ? '0' : static_cast<char>(b[156]);
  h.linkname = field_string(b, 157, 100);
  if (h.magic != Magic::V7) {
    h.uname = field_string(b, 265, 32);
    h.gname = field_string(b, 297, 32);
    if (!field_number(b, 329, 8, h.devmajor, why) || !field_number(b, 337, 8, h.devminor, why)) return false;
  }
  if (h.magic == Magic::Gnu) {
    if (b[345] != 0 && !field_number(b, 345, 12, h.atime, why)) return false;
    if (b[357] != 0 && !field_number(b, 357, 12, h.ctime, why)) return false;
    h.has_atime = b[345] != 0;
    h.has_ctime = b[357] != 0;
  }
  if (h.magic == Magic::Ustar) {
    std::string prefix = field_string(b, 345, 155);
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
  }
  return true;
}

std::vector<DumpdirItem> decode_dumpdir(const std::string& raw) {
  std::vector<DumpdirItem> items;
  size_t at = 0;
  while (at < raw.size() && raw[at] != 0) {
    size_t end = raw.find('\0', at);
    if (end == std::string::npos) end = raw.size();
    items.push_back({raw[at], raw.substr(at + 1, end - at - 1)});
    at = end + 1;
  }
  return items;
}

ParseResult TarParser::fail(size_t used, Status status, std::string message) const {
  ParseResult r;
  r.used = used;
  r.status = status;
  r.message = std::move(message);
  return r;
}

ParseResult TarParser::next(const uint8_t* data, size_t len) {
  size_t used = 0;
  while (used < len) {
    const size_t n = len - used;
    if (state_ == State::Skip) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(skip_left_, n));
      skip_left_ -= take;
      used += take;
      offset_ += take;
      if (skip_left_ == 0) state_ = State::Block;
      continue;
    }
    if (state_ == State::MetaData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(meta_need_, n));
      meta_.append(reinterpret_cast<const char*>(data + used), take);
      meta_need_ -= take;
      used += take;
      offset_ += take;
      if (meta_need_ == 0) {
        ParseResult r = on_meta_data(used);
        if (r.header || r.status != Status::Ok) return r;
      }
      continue;
    }
    size_t take = std::min(kTarBlock - block_have_, n);
    std::memcpy(block_ + block_have_, data + used, take);
    block_have_ += take;
    used += take;
    offset_ += take;
    if (block_have_ < kTarBlock) break;
    block_have_ = 0;
    ParseResult r = on_block(used);
    if (r.header || r.status != Status::Ok) return r;
  }
  ParseResult r;
  r.used = used;
  return r;
}

ParseResult TarParser::on_block(size_t used) {
  const uint64_t at = offset_ - kTarBlock;
  if (is_zero_block(block_)) return consumed(used);
  MemberHeader raw;
  std::string why;
  if (!decode_block(block_, raw, why)) {
    return fail(used, Status::Corrupt, "corrupt tar header at offset " + std::to_string(at) + ": " + why);
  }
  raw.offset = at;
  if (raw.size < 0) {
    return fail(used, Status::Corrupt, "corrupt tar header at offset " + std::to_string(at) + ": negative size");
  }
  const uint64_t size = static_cast<uint64_t>(raw.size);
  switch (raw.type) {
    case 'L':
    case 'K':
    case 'x':
    case 'g': return start_meta(raw.type, at, size, used);
    case 'V':
      skip_left_ = padded(size);
      skip_what_ = "a volume label";
      if (skip_left_ > 0) state_ = State::Skip;
      return consumed(used);
    case 'S':
      return fail(used, Status::Unsupported,
                  "old GNU sparse member \"" + raw.name + "\" at offset " + std::to_string(at) +
                      " is not supported (archive written with tar --sparse)");
    case 'M':
      return fail(used, Status::Unsupported,
                  "multi-volume continuation member \"" + raw.name + "\" at offset " + std::to_string(at) +
                      " is not supported");
    case 'N':
      return fail(used, Status::Unsupported,
                  "old GNU long-name member at offset " + std::to_string(at) + " is not supported");
    default: break;
  }
  std::map<std::string, std::string> pax = global_pax_;
  for (auto& [k, v] : pax_) pax[k] = v;
  for (auto& [k, v] : pax) {
    (void)v;
    if (k.rfind("GNU.sparse.", 0) == 0) {
      return fail(used, Status::Unsupported,
                  "pax sparse member \"" + raw.name + "\" at offset " + std::to_string(at) + " is not supported");
    }
  }
  MemberHeader h = std::move(raw);
  const char raw_type = h.type;
  auto str = [&](const char* key, std::string& field) {
    auto it = pax.find(key);
    if (it != pax.end()) field = it->second;
  };
  if (has_long_name_) h.name = long_name_;
  if (has_long_link_) h.linkname = long_link_;
  str("path", h.name);
  str("linkpath", h.linkname);
  str("uname", h.uname);
  str("gname", h.gname);
  for (const char* key : {"uid", "gid", "size", "mtime", "atime", "ctime"}) {
    auto it = pax.find(key);
    if (it == pax.end()) continue;
    int64_t v;
    if (!pax_number(it->second, v)) {
      return fail(used, Status::Corrupt,
                  std::string("invalid pax ") + key + " \"" + it->second + "\" at offset " + std::to_string(at));
    }
    std::string k = key;
    if (k == "uid") h.uid = v;
    if (k == "gid") h.gid = v;
    if (k == "size") h.size = v;
    if (k == "mtime") h.mtime = v;
    if (k == "atime") h.atime = v, h.has_atime = true;
    if (k == "ctime") h.ctime = v, h.has_ctime = true;
  }
  if (h.size < 0) {
    return fail(used, Status::Corrupt, "corrupt tar header at offset " + std::to_string(at) + ": negative size");
  }
  has_long_name_ = has_long_link_ = false;
  long_name_.clear();
  long_link_.clear();
  pax_.clear();
  const uint64_t data_size = no_data_type(raw_type) ? 0 : static_cast<uint64_t>(h.size);
  if (raw_type == 'D' && h.magic == Magic::Gnu) {
    pending_ = std::move(h);
    return start_meta('D', at, data_size, used);
  }
  if (raw_type == 'D') h.type = '5';
  auto dumpdir = pax.find("GNU.dumpdir");
  if (dumpdir != pax.end() && raw_type == '5') {
    h.type = 'D';
    h.has_dumpdir = true;
    h.dumpdir = dumpdir->second;
  }
  h.data_size = data_size;
  h.padding = padded(data_size) - data_size;
  header_ = std::move(h);
  return header_ready(used);
}

ParseResult TarParser::start_meta(char type, uint64_t at, uint64_t size, size_t used) {
  if (size > kMaxMetaSize) {
    return fail(used, Status::Corrupt,
                std::string(meta_what(type)) + " of " + std::to_string(size) +
                    " bytes is implausibly large at offset " + std::to_string(offset_));
  }
  meta_type_ = type;
  meta_offset_ = at;
  meta_.clear();
  meta_need_ = size;
  state_ = State::MetaData;
  if (size == 0) return on_meta_data(used);
  return consumed(used);
}

ParseResult TarParser::on_meta_data(size_t used) {
  const uint64_t size = meta_.size();
  skip_left_ = padded(size) - size;
  skip_what_ = meta_what(meta_type_);
  state_ = skip_left_ > 0 ? State::Skip : State::Block;
  switch (meta_type_) {
    case 'L':
      has_long_name_ = true;
      long_name_ = meta_.substr(0, meta_.find('\0'));
      return consumed(used);
    case 'K':
      has_long_link_ = true;
      long_link_ = meta_.substr(0, meta_.find('\0'));
      return consumed(used);
    case 'x':
    case 'g': {
      std::map<std::string, std::string> records;
      if (!parse_pax(meta_, records)) {
        return fail(used, Status::Corrupt, "malformed pax extended header at offset " + std::to_string(meta_offset_));
      }
      auto& into = meta_type_ == 'x' ? pax_ : global_pax_;
      for (auto& [k, v] : records) into[k] = std::move(v);
      return consumed(used);
    }
    default: break;
  }
  // A GNU 'D': its header is ready once the dumpdir is read; the padding is the caller's.
  state_ = State::Block;
  header_ = std::move(pending_);
  header_.has_dumpdir = true;
  header_.dumpdir = std::move(meta_);
  meta_.clear();
  header_.data_size = 0;
  header_.padding = skip_left_;
  skip_left_ = 0;
  return header_ready(used);
}

ParseResult TarParser::end() const {
  ParseResult r;
  if (state_ == State::Block && block_have_ == 0) return r;
  const char* what = state_ == State::Block      ? "a header"
                     : state_ == State::MetaData ? meta_what(meta_type_)
                                                 : skip_what_;
  r.status = Status::Truncated;
  r.message = truncated(what, offset_);
  return r;
}

}  // namespace pf::tar
