#include "versions.h"

#include <bzlib.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <zlib.h>
#include <zstd.h>

namespace pf {

std::vector<std::pair<std::string, std::string>> library_versions() {
  // libbz2 reports "1.0.8, 13-Jul-2019"; keep the number only.
  std::string bzip2 = BZ2_bzlibVersion();
  bzip2 = bzip2.substr(0, bzip2.find(','));
  return {
      {"bzip2", bzip2},
      {"xz", lzma_version_string()},
      {"zstd", ZSTD_versionString()},
      {"zlib", zlibVersion()},
      {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)},
  };
}

}  // namespace pf
