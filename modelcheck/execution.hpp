// The explorer's execution engine: model threads as fibers on one OS thread (Boost.Context), a
// scheduling point at every synchronisation operation (modelcheck/sync_model.hpp calls the
// functions below), the memory model (SC, or x86-TSO with one FIFO store buffer per thread), and
// the checks that end an execution as failed: use of freed memory (modelcheck/arena.hpp), an
// uncaught exception in a model thread, a deadlock, and a livelock past the step bound. A
// program's own checks (structure validation, linearizability, leaks at teardown) are its
// finish() (modelcheck/explorer.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <string>
#include <vector>

namespace smr::modelcheck {

inline constexpr std::size_t max_atomic_size = 16;

enum class memory_model : std::uint8_t { sc, tso };

enum class op_kind : std::uint8_t {
  start,
  load,
  store,
  exchange,
  cas,
  fetch_add,
  fetch_sub,
  fetch_or,
  fetch_and,
  fence,
  heavy_fence,
  lock,
  unlock,
  yield,
  ping,
};

const char* to_string(op_kind k);
const char* to_string(std::memory_order o);
const char* to_string(memory_model m);

// One synchronisation operation of a model thread, as a trace names it.
struct operation {
  op_kind kind = op_kind::start;
  std::memory_order order = std::memory_order_seq_cst;
  const void* address = nullptr;  // the atomic's value; the mutex
  std::size_t size = 0;
  std::source_location where;
};

// One step of an execution: a model thread runs its next operation (and its local code up to the
// operation after it), or, under TSO, the oldest store in a thread's buffer reaches memory.
struct choice {
  unsigned thread = 0;
  bool flush = false;

  bool operator==(const choice&) const = default;
};

// --- called by modelcheck/sync_model.hpp --------------------------------------------------------

// True on a model thread of a running execution: sync operations are scheduling points.
bool on_model_thread() noexcept;

// A load: waits to be scheduled, checks the address, and copies into `out` the newest store to
// it in the thread's own buffer (returning true), or returns false: read memory.
bool load(const operation& op, void* out, std::size_t size);
// A store of `size` bytes at op.address: buffered (TSO, not seq_cst) or written.
void store(const operation& op, const void* value, std::size_t size);
// A read-modify-write, CAS or seq_cst fence: waits to be scheduled, checks the address, drains
// the thread's buffer; the caller then acts on memory.
void begin_locked(const operation& op);
void heavy_fence(std::source_location where);
void yield(std::source_location where);
void lock(const void* mutex, bool& held, std::source_location where);
bool try_lock(const void* mutex, bool& held, std::source_location where);
void unlock(const void* mutex, bool& held, std::source_location where);

// Thread pings (the model of schemes/ping_signal.hpp): a ping sent to a model thread is delivered
// at one of its scheduling points after the send (the first at which it is chosen, pings not
// blocked and no ping handler running), by running the handler set here, on its own stack, before
// the operation it waits at; a thread blocked on a mutex can run its handler, as a futex wait is
// interrupted by a signal. Sending drains the sender's buffer (a system call); delivery drains
// nothing.
void set_ping_handler(void (*handler)() noexcept);
void send_ping(unsigned target, std::source_location where);
// The model thread's list of ping receivers (schemes/thread_ping.hpp); outside a model thread, one
// list of its own.
void*& ping_receivers() noexcept;
void block_pings(bool blocked) noexcept;
// The handler was left by a jump: the thread takes pings again.
void ping_handler_left() noexcept;

// --- the engine ---------------------------------------------------------------------------------

// What a strategy sees at each step.
struct decision {
  std::size_t step = 0;
  const std::vector<choice>* enabled = nullptr;  // never empty
  // The thread whose step ran last, if it can run again and did not yield or block: continuing
  // it is free; any other choice is a preemption.
  std::optional<unsigned> continuing;
  // The thread whose step ended in a yield (PCT lowers its priority).
  std::optional<unsigned> yielded;
  unsigned threads = 0;
};

// Picks one of the enabled choices at each step (modelcheck/strategies.hpp).
class strategy {
 public:
  strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;
  virtual ~strategy() = default;
  static constexpr std::size_t stop = static_cast<std::size_t>(-1);
  // Index into d.enabled, or `stop` to end the execution as failed with stop_reason().
  virtual std::size_t choose(const decision& d) = 0;
  virtual std::string stop_reason() const { return "the strategy stopped"; }
};

// How an execution ended.
struct execution_result {
  std::optional<std::string> failure;  // what went wrong, or nothing
  std::vector<choice> schedule;        // every step taken
  unsigned preemptions = 0;
  std::size_t steps = 0;
  bool stopped = false;  // the strategy ended it (a replay that does not fit): not the program's
};

struct execution_options {
  memory_model model = memory_model::sc;
  std::size_t max_steps = 20000;  // past this, "possible livelock"
  bool trace = false;             // print every step to stderr (replay)
};

// Runs `threads` model threads, thread i running body(i), to their end or the first failure,
// choosing each step with `s`. On failure the threads are abandoned where they stopped: the
// caller must abandon the state they shared too (modelcheck/explorer.hpp does).
execution_result run_execution(unsigned threads, const std::function<void(unsigned)>& body,
                               strategy& s, const execution_options& options);

// What fail() throws outside a model thread (a program's set-up or teardown).
class execution_failed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Ends the running execution as failed: on a model thread, the thread stops for good and the
// engine reports `what`; elsewhere it throws execution_failed.
[[noreturn]] void fail(const std::string& what);

// The number of the running model thread, and the steps taken so far in this execution.
unsigned current_thread();
std::size_t current_step();

}  // namespace smr::modelcheck
