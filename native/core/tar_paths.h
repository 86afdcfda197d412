// The path rules of extraction (src/engines/tar/target-tree.ts memberComponents, in C++ too):
// a member name becomes plain components relative to the target, or is refused. No empty
// name, no NUL, no absolute name, no `..`; `.` and empty components are dropped, so
// `./a//b/` is {a, b} and `./` is the target itself ({}).
#pragma once

#include <string>
#include <vector>

namespace pf::tar {

// False with `why` (the whole message, naming `what` and the name) when the name is refused.
bool member_components(const std::string& name, const std::string& what, std::vector<std::string>& out,
                       std::string& why);

// "a/b/c" for {a, b, c}; "" for the target itself.
std::string join_components(const std::vector<std::string>& comps, size_t count);

}  // namespace pf::tar
