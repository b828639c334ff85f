// fault_injection: what goes wrong in a trial on purpose (DESIGN.md, "The harness", step 4), as
// users type it (--fault, the `fault` preset key) and as the CSV's `fault` column names it.
//
//   none     every worker runs the workload
//   park:N   N workers (the last N) enter an operation as the warm-up starts and stay parked
//            inside it until the trial stops: the operation's guard open and a protected
//            reference to the node the structure's operations read first held. It is the
//            stalled thread of the stall experiments: an epoch scheme cannot advance past it,
//            so its garbage grows without bound, while hazard pointers hold back only what the
//            parked thread protects. Parked workers do no operations and are left out of the
//            throughput and fairness figures; the other threads - N run the workload.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace smrlab {

struct fault_plan {
  enum class kind { none, park };
  kind what = kind::none;
  unsigned threads = 0;  // park: how many workers are parked

  // "none" or "park:N": the form parse_fault reads back.
  std::string describe() const {
    return what == kind::none ? "none" : "park:" + std::to_string(threads);
  }
  // Workers that run the workload, of `total`.
  unsigned active_threads(unsigned total) const noexcept {
    if (what != kind::park) return total;
    return threads < total ? total - threads : 0;
  }
  bool parks(unsigned worker, unsigned total) const noexcept {
    return worker >= active_threads(total);
  }

  friend bool operator==(const fault_plan&, const fault_plan&) = default;
};

// Parses "none" or "park:N" (N >= 1). Returns the plan, or a message that quotes the input and
// says what is accepted.
inline std::variant<fault_plan, std::string> parse_fault(std::string_view text) {
  const std::string accepted = "; give none or park:N (N threads parked inside an operation)";
  if (text == "none") return fault_plan{};
  constexpr std::string_view park = "park:";
  if (text.substr(0, park.size()) == park) {
    const std::string_view n = text.substr(park.size());
    unsigned threads = 0;
    const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), threads);
    if (n.empty() || ec != std::errc{} || ptr != n.data() + n.size() || threads == 0) {
      return "fault '" + std::string(text) +
             "': the number of parked threads must be a positive "
             "integer" +
             accepted;
    }
    return fault_plan{fault_plan::kind::park, threads};
  }
  return "unknown fault '" + std::string(text) + "'" + accepted;
}

}  // namespace smrlab
