// The native extractor (core/tar_extract.h: the member parser, the path rules and the system
// calls) over fuzzer-made archives, extracted for real into a fresh directory each time, fed
// in fuzzer-chosen pieces. A member it leaves to the caller is skipped as the caller would
// read it. After each input: nothing was written beside the target (the sandbox holds only
// the target and the untouched `outside` directory with its one file), whatever the archive
// held (symlinks out of the target, `..`, absolute names, hard links out, renames).
//   byte 0: piece size (1 + b * 4; 0 = whole input); byte 1: bit 0 skips `a` and `d/f` and
//   needs `b`; the rest is the archive.
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "tar_extract.h"

namespace {

std::string g_sandbox;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void remove_tree(const std::string& path) { ::nftw(path.c_str(), remove_entry, 64, FTW_DEPTH | FTW_PHYS); }

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.insert(e->d_name);
  }
  ::closedir(d);
  return names;
}

void check_sandbox() {
  if (names_in(g_sandbox) != std::set<std::string>{"outside", "root"}) {
    std::fprintf(stderr, "something was written beside the target in %s\n", g_sandbox.c_str());
    std::abort();
  }
  if (names_in(g_sandbox + "/outside") != std::set<std::string>{"secret"}) {
    std::fprintf(stderr, "something was written in the outside directory\n");
    std::abort();
  }
  char buf[16] = {};
  int fd = ::open((g_sandbox + "/outside/secret").c_str(), O_RDONLY);
  ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
  if (fd >= 0) ::close(fd);
  struct stat st;
  if (n != 6 || std::memcmp(buf, "secret", 6) != 0 || ::stat((g_sandbox + "/outside/secret").c_str(), &st) != 0 ||
      (st.st_mode & 07777) != 0600) {
    std::fprintf(stderr, "the outside file was changed\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/pf-fuzz-tar-XXXXXX";
  if (!::mkdtemp(templ.data())) std::abort();
  g_sandbox = templ;
  ::mkdir((g_sandbox + "/outside").c_str(), 0700);
  int fd = ::open((g_sandbox + "/outside/secret").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::write(fd, "secret", 6) != 6) std::abort();
  ::close(fd);
  std::atexit([] { remove_tree(g_sandbox); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = data[0] == 0 ? size : 1 + size_t{data[0]} * 4;
  pf::tar::ExtractOptions options;
  if (data[1] & 1) {
    options.skip = {"a", "d/f"};
    options.needed = {"b"};
  }
  data += 2;
  size -= 2;
  const std::string root = g_sandbox + "/root";
  remove_tree(root);
  if (::mkdir(root.c_str(), 0700) != 0) std::abort();
  int err = 0;
  auto ex = pf::tar::TreeExtractor::open(root, options, err);
  if (!ex) std::abort();
  size_t at = 0;
  uint64_t caller_skips = 0;  // data and padding of a member left to the caller
  bool failed = false;
  while (at < size && !failed) {
    size_t n = std::min(piece, size - at);
    if (caller_skips > 0) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(caller_skips, n));
      caller_skips -= take;
      at += take;
      continue;
    }
    pf::tar::FeedResult r = ex->feed(data + at, n);
    if (r.used > n) std::abort();
    at += r.used;
    if (r.status != pf::Status::Ok || r.stop == pf::tar::FeedStop::Relink) failed = true;
    if (r.stop == pf::tar::FeedStop::Member) {
      const pf::tar::MemberHeader& h = ex->stopped_member();
      caller_skips = h.data_size + h.padding;
      ex->forget();
    }
  }
  if (!failed && caller_skips == 0 && ex->end().status == pf::Status::Ok) ex->finish();
  ex.reset();
  check_sandbox();
  return 0;
}
