// `smrlab list`: the registered schemes and structures and the compatibility matrix, with the
// reason for every pairing that does not exist.
#pragma once

#include <string>

namespace smrlab {

std::string list_text();
std::string list_json();

}  // namespace smrlab
