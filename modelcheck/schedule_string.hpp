// A schedule as a short string, printed with every failure and read back by --replay: the steps
// in order, a run of one choice written once with its count. "0*12.1*3.f0.1*7": thread 0 takes
// 12 steps, thread 1 three, thread 0's oldest buffered store reaches memory (TSO), thread 1 takes
// 7 steps. Forced steps are written too, so the string is the execution, step by step.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelcheck/execution.hpp"

namespace smr::modelcheck {

// Passes the schedule string to `write` piece by piece (std::string_view each), allocating
// nothing: encode_schedule collects it, and the engine's crash report writes it to stderr from a
// signal handler.
template <class Write>
void write_schedule(const std::vector<choice>& schedule, Write&& write) {
  const auto number = [&write](std::size_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    write(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  };
  std::size_t i = 0;
  while (i < schedule.size()) {
    std::size_t j = i + 1;
    while (j < schedule.size() && schedule[j] == schedule[i]) ++j;
    if (i != 0) write(std::string_view("."));
    if (schedule[i].flush) write(std::string_view("f"));
    number(schedule[i].thread);
    if (j - i > 1) {
      write(std::string_view("*"));
      number(j - i);
    }
    i = j;
  }
}

std::string encode_schedule(const std::vector<choice>& schedule);

// The schedule, or std::nullopt with `error` saying what is wrong with the text.
std::optional<std::vector<choice>> decode_schedule(std::string_view text, std::string& error);

}  // namespace smr::modelcheck
