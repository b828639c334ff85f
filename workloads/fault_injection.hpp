// fault_injection: what goes wrong in a trial on purpose (DESIGN.md, "The harness", step 4), as
// users type it (--fault, the `fault` preset key) and as the CSV's `fault` column names it. Each
// fault affects the last N of a trial's workers:
//
//   none         every worker runs the workload
//   park:N       N workers enter an operation before the others start and stay parked inside it
//                until the trial stops: the operation's guard open and a protected reference to
//                the node the structure's operations read first held. The stalled thread of the
//                stall experiments: an epoch scheme cannot advance past it, so its garbage grows
//                without bound, while hazard pointers hold back only what it protects. Parked
//                workers do no operations.
//   sleep:N:Tms  N workers alternate T ms of operations with T ms asleep inside an operation
//                (as parked, for T ms): a thread that is preempted mid-operation again and again.
//                They run the workload and count in the throughput.
//   exit:N       N workers leave halfway through the measured phase (half their operations in
//                ops mode), destroying their thread handle while the others go on: what they
//                retired must still be reclaimed (orphan adoption, HelpScan).
//
// Parked and exiting workers are left out of ops_min_thread, ops_max_thread and fairness; the
// operations they did count in the throughput.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace smrlab {

struct fault_plan {
  enum class kind { none, park, sleep, exit };
  kind what = kind::none;
  unsigned threads = 0;    // how many workers (the last ones) it affects
  unsigned period_ms = 0;  // sleep: milliseconds of work, then as many asleep

  // "none", "park:N", "sleep:N:Tms" or "exit:N": the form parse_fault reads back.
  std::string describe() const {
    switch (what) {
      case kind::none:
        return "none";
      case kind::park:
        return "park:" + std::to_string(threads);
      case kind::sleep:
        return "sleep:" + std::to_string(threads) + ":" + std::to_string(period_ms) + "ms";
      case kind::exit:
        return "exit:" + std::to_string(threads);
    }
    return "?";
  }
  // Whether worker `id` of `total` is one the fault affects.
  bool affects(unsigned id, unsigned total) const noexcept {
    return what != kind::none && id + threads >= total;
  }
  // Workers that run the workload to the end of the trial (sleepers do; parked and exiting
  // workers do not), of `total`.
  unsigned active_threads(unsigned total) const noexcept {
    if (what != kind::park && what != kind::exit) return total;
    return threads < total ? total - threads : 0;
  }
  bool parks(unsigned id, unsigned total) const noexcept {
    return what == kind::park && affects(id, total);
  }
  bool sleeps(unsigned id, unsigned total) const noexcept {
    return what == kind::sleep && affects(id, total);
  }
  bool exits(unsigned id, unsigned total) const noexcept {
    return what == kind::exit && affects(id, total);
  }
  // Why the fault cannot be injected into a trial of `total` workers, or nullopt.
  std::optional<std::string> unfit_for(unsigned total) const {
    if (what == kind::none) return std::nullopt;
    if (threads > total) return "it affects more threads than there are";
    if (active_threads(total) == 0) return "no thread would be left to run the workload";
    return std::nullopt;
  }

  friend bool operator==(const fault_plan&, const fault_plan&) = default;
};

namespace fault_detail {

// A positive integer spanning all of `s`.
inline bool positive(std::string_view s, unsigned& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size() && out > 0;
}

}  // namespace fault_detail

// Parses "none", "park:N", "sleep:N:Tms" or "exit:N" (N, T >= 1). Returns the plan, or a message
// that quotes the input and says what is accepted.
inline std::variant<fault_plan, std::string> parse_fault(std::string_view text) {
  const std::string accepted =
      "; give none, park:N (N threads parked inside an operation), sleep:N:Tms (N threads "
      "asleep inside an operation T ms of every 2T) or exit:N (N threads leave halfway)";
  const std::string quoted = "fault '" + std::string(text) + "'";
  if (text == "none") return fault_plan{};
  const std::size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const std::string_view rest =
      colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  fault_plan f;
  if (name == "park" || name == "exit") {
    f.what = name == "park" ? fault_plan::kind::park : fault_plan::kind::exit;
    if (!fault_detail::positive(rest, f.threads)) {
      return quoted + ": the number of threads must be a positive integer" + accepted;
    }
    return f;
  }
  if (name == "sleep") {
    f.what = fault_plan::kind::sleep;
    const std::size_t second = rest.find(':');
    const std::string_view period =
        second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
    if (!fault_detail::positive(rest.substr(0, second), f.threads) || period.size() < 3 ||
        period.substr(period.size() - 2) != "ms" ||
        !fault_detail::positive(period.substr(0, period.size() - 2), f.period_ms)) {
      return quoted + ": give the threads and the period, e.g. sleep:1:5ms" + accepted;
    }
    return f;
  }
  return "unknown " + quoted + accepted;
}

}  // namespace smrlab
