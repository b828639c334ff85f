// A schedule as a short string, printed with every failure and read back by --replay: the steps
// in order, a run of one choice written once with its count. "0*12.1*3.f0.1*7": thread 0 takes
// 12 steps, thread 1 three, thread 0's oldest buffered store reaches memory (TSO), thread 1 takes
// 7 steps. Forced steps are written too, so the string is the execution, step by step.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelcheck/execution.hpp"

namespace smr::modelcheck {

std::string encode_schedule(const std::vector<choice>& schedule);

// The schedule, or std::nullopt with `error` saying what is wrong with the text.
std::optional<std::vector<choice>> decode_schedule(std::string_view text, std::string& error);

}  // namespace smr::modelcheck
