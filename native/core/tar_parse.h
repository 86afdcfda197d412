// Streaming parser of GNU and POSIX/pax tar archives for the native extractor: bytes in, one
// member header out at a time, with its long-name ('L'/'K') and pax ('x'/'g') entries applied
// and, for a GNU 'D' member, its dumpdir read. The caller then consumes the member's data
// (data_size bytes) and padding itself. The same rules as src/engines/tar/reader.ts and
// header.ts (docs/GNU-TAR.md): zero blocks are skipped (--ignore-zeros), a 'D' member counts
// only with the GNU magic, a ustar '5' with a GNU.dumpdir pax record is one, sparse and
// multi-volume members are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "status.h"

namespace pf::tar {

constexpr size_t kTarBlock = 512;

enum class Magic : uint8_t { Gnu = 0, Ustar = 1, V7 = 2 };

struct MemberHeader {
  std::string name;      // raw bytes as stored: `./a/b`, directories end in `/`
  std::string linkname;  // hard-link or symlink target
  std::string uname;
  std::string gname;
  char type = '0';    // typeflag ('\0' read as '0'); a pax-dumpdir '5' is 'D', a non-GNU 'D' is '5'
  uint32_t mode = 0;  // & 07777
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t size = 0;  // the size field (pax `size` applied)
  int64_t mtime = 0;
  bool has_atime = false;
  int64_t atime = 0;
  bool has_ctime = false;
  int64_t ctime = 0;
  int64_t devmajor = 0;
  int64_t devminor = 0;
  Magic magic = Magic::V7;
  uint64_t offset = 0;  // archive offset of the member's own header block
  bool has_dumpdir = false;
  std::string dumpdir;     // raw dumpdir of a 'D' member (its data, or the pax record)
  uint64_t data_size = 0;  // member data the caller must consume (0 for 'D' and link/device types)
  uint64_t padding = 0;    // then this many padding bytes
};

// Outcome of a parse step.
struct ParseResult {
  size_t used = 0;      // bytes of the input consumed
  bool header = false;  // true: a member header is ready (parser.header())
  Status status = Status::Ok;
  std::string message;  // when status != Ok: what is wrong, with the archive offset
};

class TarParser {
 public:
  // Consumes input until a member header is complete (header = true) or the input is used up.
  // Call it again after the caller has consumed the member's data and padding.
  ParseResult next(const uint8_t* data, size_t len);
  const MemberHeader& header() const { return header_; }
  // Archive offset of the next byte the parser will see (the caller reports its data bytes).
  uint64_t offset() const { return offset_; }
  void advance(uint64_t n) { offset_ += n; }
  // At the end of input: Ok when it ended between members, else a truncation message.
  ParseResult end() const;

 private:
  enum class State : uint8_t { Block, MetaData, Skip };
  ParseResult on_block(size_t used);
  // An entry whose data the parser reads itself: `size` bytes from here, then its padding.
  ParseResult start_meta(char type, uint64_t at, uint64_t size, size_t used);
  ParseResult on_meta_data(size_t used);
  ParseResult fail(size_t used, Status status, std::string message) const;

  State state_ = State::Block;
  uint8_t block_[kTarBlock] = {};
  size_t block_have_ = 0;
  uint64_t offset_ = 0;
  // An entry whose data the parser reads itself ('L', 'K', 'x', 'g', a GNU 'D'): its header,
  // the data so far, the bytes still to read and the padding after them.
  char meta_type_ = 0;
  uint64_t meta_offset_ = 0;
  std::string meta_;
  uint64_t meta_need_ = 0;
  uint64_t skip_left_ = 0;
  const char* skip_what_ = "";
  // Entries that describe the next member.
  bool has_long_name_ = false;
  std::string long_name_;
  bool has_long_link_ = false;
  std::string long_link_;
  std::map<std::string, std::string> pax_;
  std::map<std::string, std::string> global_pax_;
  MemberHeader header_;
  MemberHeader pending_;  // a GNU 'D' whose dumpdir is being read
};

// Decoding of one header block, exposed for tests and the fuzz target. False (with a reason)
// on a bad checksum or a malformed numeric field.
bool decode_block(const uint8_t* block, MemberHeader& out, std::string& why);

// Letters of a dumpdir: name -> letter ('Y', 'N', 'D', 'R', 'T', 'X'), in order.
struct DumpdirItem {
  char letter;
  std::string name;
};
std::vector<DumpdirItem> decode_dumpdir(const std::string& raw);

}  // namespace pf::tar
