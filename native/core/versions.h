// Versions of the compression and crypto libraries actually linked/loaded at run time.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pf {

std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace pf
