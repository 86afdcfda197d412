#include "tar_paths.h"

namespace pf::tar {

namespace {
std::string printable(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

bool member_components(const std::string& name, const std::string& what, std::vector<std::string>& out,
                       std::string& why) {
  out.clear();
  if (name.empty()) {
    why = "refusing " + what + " with an empty name";
    return false;
  }
  if (name.find('\0') != std::string::npos) {
    why = "refusing " + what + " \"" + printable(name) + "\": name contains NUL";
    return false;
  }
  if (name[0] == '/') {
    why = "refusing " + what + " \"" + name + "\": absolute name";
    return false;
  }
  size_t at = 0;
  while (at <= name.size()) {
    size_t slash = name.find('/', at);
    if (slash == std::string::npos) slash = name.size();
    std::string comp = name.substr(at, slash - at);
    if (comp == "..") {
      why = "refusing " + what + " \"" + name + "\": name contains \"..\"";
      return false;
    }
    if (!comp.empty() && comp != ".") out.push_back(std::move(comp));
    at = slash + 1;
  }
  return true;
}

std::string join_components(const std::vector<std::string>& comps, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < comps.size(); ++i) {
    if (i > 0) out += '/';
    out += comps[i];
  }
  return out;
}

}  // namespace pf::tar
