#include "modelcheck/execution.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <boost/context/fiber.hpp>
#include <boost/context/preallocated.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <string_view>
#include <utility>

#include "modelcheck/arena.hpp"
#include "modelcheck/schedule_string.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace smr::modelcheck {

namespace ctx = boost::context;

const char* to_string(op_kind k) {
  switch (k) {
    case op_kind::start:
      return "start";
    case op_kind::load:
      return "load";
    case op_kind::store:
      return "store";
    case op_kind::exchange:
      return "exchange";
    case op_kind::cas:
      return "compare_exchange";
    case op_kind::fetch_add:
      return "fetch_add";
    case op_kind::fetch_sub:
      return "fetch_sub";
    case op_kind::fetch_or:
      return "fetch_or";
    case op_kind::fetch_and:
      return "fetch_and";
    case op_kind::fence:
      return "fence";
    case op_kind::heavy_fence:
      return "heavy_fence";
    case op_kind::lock:
      return "lock";
    case op_kind::unlock:
      return "unlock";
    case op_kind::yield:
      return "yield";
    case op_kind::ping:
      return "ping";
  }
  return "?";
}

const char* to_string(std::memory_order o) {
  switch (o) {
    case std::memory_order_relaxed:
      return "relaxed";
    case std::memory_order_consume:
      return "consume";
    case std::memory_order_acquire:
      return "acquire";
    case std::memory_order_release:
      return "release";
    case std::memory_order_acq_rel:
      return "acq_rel";
    case std::memory_order_seq_cst:
      return "seq_cst";
  }
  return "?";
}

const char* to_string(memory_model m) { return m == memory_model::sc ? "sc" : "tso"; }

namespace {

constexpr std::size_t stack_bytes = std::size_t{256} << 10U;

struct buffered_store {
  const void* address = nullptr;
  std::size_t size = 0;
  unsigned char bytes[max_atomic_size] = {};
  std::source_location where;
};

// Under ASan (the modelcheck build with SMRLAB_SANITIZE=address), every switch between the
// engine's stack and a fiber's is announced, or ASan takes the other stack for an overflow.
struct stack_span {
  const void* bottom = nullptr;
  std::size_t size = 0;
};
stack_span engine_stack;  // learnt at a fiber's first arrival

// Before leaving this stack for `to`: what to pass to arrived() when back on it.
void* leaving_for(const stack_span& to) {
#if defined(__SANITIZE_ADDRESS__)
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, to.bottom, to.size);
  return fake;
#else
  (void)to;
  return nullptr;
#endif
}
void arrived(void* fake) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
  (void)fake;
#endif
}
void first_arrival() {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(nullptr, &engine_stack.bottom, &engine_stack.size);
#endif
}
void leaving_for_good() {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(nullptr, engine_stack.bottom, engine_stack.size);
#endif
}

struct model_thread {
  ctx::fiber fiber;
  stack_span stack;
  operation next;  // what it does when it is next chosen
  bool started = false;
  bool finished = false;
  bool yielded = false;              // not chosen again until another thread has run
  const void* blocked_on = nullptr;  // a held mutex
  std::deque<buffered_store> buffer;
  void* ping_receivers = nullptr;  // schemes/thread_ping.hpp's list for this thread
  bool ping_pending = false;
  bool in_ping_handler = false;
  unsigned pings_blocked = 0;

  bool ping_deliverable() const noexcept {
    return ping_pending && !in_ping_handler && pings_blocked == 0;
  }
};

// A path inside the source tree ("schemes/thread_registry.hpp"), from a compiler's file name
// ("/src/schemes/ebr/../thread_registry.hpp"), with "dir/.." pairs removed.
std::string short_path(const char* file) {
  std::string f(file);
  for (std::size_t at; (at = f.find("/../")) != std::string::npos;) {
    const std::size_t dir = f.rfind('/', at == 0 ? 0 : at - 1);
    f.erase(dir == std::string::npos ? 0 : dir, at + 3 - (dir == std::string::npos ? 0 : dir));
  }
  for (const std::string_view top :
       {"schemes/", "structures/", "harness/", "modelcheck/", "tests/", "peers/"}) {
    const auto at = f.rfind(top);
    if (at != std::string::npos) return f.substr(at);
  }
  const auto slash = f.rfind('/');
  return slash == std::string::npos ? f : f.substr(slash + 1);
}

std::string where_text(const std::source_location& w) {
  if (w.line() == 0) return {};
  return short_path(w.file_name()) + ":" + std::to_string(w.line());
}

// The running execution. One at a time, on one OS thread.
struct engine {
  const execution_options* options = nullptr;
  strategy* chooser = nullptr;
  const std::function<void(unsigned)>* body = nullptr;
  std::vector<model_thread> threads;
  ctx::fiber scheduler;  // the engine's context while a model thread runs
  std::optional<unsigned> running;
  std::optional<unsigned> continuing;
  std::optional<unsigned> yielded;
  execution_result result;
};

engine* current = nullptr;
void (*ping_handler)() noexcept = nullptr;

// Threads abandoned by failed executions: destroying a suspended fiber would unwind it, running
// the program's destructors on state the failure left inconsistent. They are kept, never resumed.
std::vector<ctx::fiber>& graveyard() {
  static auto* g = new std::vector<ctx::fiber>;
  return *g;
}

model_thread& self() { return current->threads[*current->running]; }

// Back to the engine; returns when this thread is chosen again.
void suspend() {
  void* fake = leaving_for(engine_stack);
  current->scheduler = std::move(current->scheduler).resume();
  arrived(fake);
}

[[noreturn]] void suspend_forever() {
  suspend();
  std::abort();  // an abandoned thread is never resumed
}

// Runs the ping handler if a ping waits and may be delivered; false if none ran. The handler's own
// operations are scheduling points of this thread; a handler that jumps out never returns here.
bool deliver_ping() {
  model_thread& th = self();
  if (!th.ping_deliverable() || ping_handler == nullptr) return false;
  th.ping_pending = false;
  th.in_ping_handler = true;
  th.blocked_on = nullptr;  // a waiting lock() tries again after the handler
  ping_handler();
  self().in_ping_handler = false;
  return true;
}

// The scheduling point before `op`: returns when this thread is chosen again (after running the
// ping handler, if a ping was delivered here).
void schedule(const operation& op) {
  do {
    self().next = op;
    suspend();
  } while (deliver_ping());
}

std::string describe_op(const operation& op) {
  char addr[40];
  std::string s = to_string(op.kind);
  const bool ordered = op.kind != op_kind::start && op.kind != op_kind::yield &&
                       op.kind != op_kind::lock && op.kind != op_kind::unlock &&
                       op.kind != op_kind::heavy_fence && op.kind != op_kind::ping;
  if (ordered) {
    s += " ";
    s += to_string(op.order);
  }
  if (op.address != nullptr) {
    s += " ";
    s += arena::describe(op.address, addr);
  }
  const std::string w = where_text(op.where);
  if (!w.empty()) s += " at " + w;
  return s;
}

std::string who_freed(const arena::freed_block& f) {
  std::string s = "freed by ";
  s += f.thread ? "thread " + std::to_string(*f.thread) : std::string("set-up or teardown");
  s += " at step " + std::to_string(f.step);
  return s;
}

// A use of freed memory by the running thread's operation `op`.
void check_address(const operation& op) {
  if (op.address == nullptr) return;
  if (const auto f = arena::freed_at(op.address)) {
    arena::pause paused;
    fail("use of freed memory: thread " + std::to_string(*current->running) + " " +
         describe_op(op) + " (" + who_freed(*f) + ")");
  }
}

// The oldest buffered store of thread t reaches memory; false (with the failure recorded) when
// its address was freed meanwhile.
bool flush_oldest(unsigned t) {
  arena::pause paused;
  model_thread& th = current->threads[t];
  const buffered_store s = th.buffer.front();
  th.buffer.pop_front();
  if (const auto f = arena::freed_at(s.address)) {
    char addr[40];
    if (!current->result.failure) {
      current->result.failure =
          "use of freed memory: thread " + std::to_string(t) + "'s buffered store to " +
          std::string(arena::describe(s.address, addr)) + " at " + where_text(s.where) +
          " reached memory after it was " + who_freed(*f);
    }
    return false;
  }
  std::memcpy(const_cast<void*>(s.address), s.bytes, s.size);
  return true;
}

bool drain(unsigned t) {
  while (!current->threads[t].buffer.empty()) {
    if (!flush_oldest(t)) return false;
  }
  return true;
}

// Drains the running thread's buffer; a store that reaches freed memory ends the execution.
void drain_self() {
  if (!drain(*current->running)) suspend_forever();
}

// --- the engine's loop ---------------------------------------------------------------------------

// Not waiting for a mutex, or waiting with a ping to serve first.
bool runnable(const model_thread& th) { return th.blocked_on == nullptr || th.ping_deliverable(); }

void enabled_choices(const engine& e, std::vector<choice>& out) {
  out.clear();
  bool unyielded = false;
  for (const model_thread& th : e.threads) {
    unyielded |= !th.finished && runnable(th) && !th.yielded;
  }
  for (unsigned t = 0; t < e.threads.size(); ++t) {
    const model_thread& th = e.threads[t];
    // A thread that yielded waits until another has run, unless none other can.
    if (!th.finished && runnable(th) && (!th.yielded || !unyielded)) {
      out.push_back({t, false});
    }
  }
  if (e.options->model == memory_model::tso) {
    for (unsigned t = 0; t < e.threads.size(); ++t) {
      if (!e.threads[t].buffer.empty()) out.push_back({t, true});
    }
  }
}

std::string deadlock_report(const engine& e) {
  std::string s = "deadlock: no thread can run;";
  char addr[40];
  for (unsigned t = 0; t < e.threads.size(); ++t) {
    const model_thread& th = e.threads[t];
    if (th.finished) continue;
    s += " thread " + std::to_string(t) + " waits for the mutex " +
         std::string(arena::describe(th.blocked_on, addr)) + " at " + where_text(th.next.where) +
         ";";
  }
  s.pop_back();
  return s;
}

void print_step(const engine& e, const choice& c) {
  const std::size_t step = e.result.steps;
  if (c.flush) {
    const buffered_store& s = e.threads[c.thread].buffer.front();
    char addr[40];
    std::fprintf(stderr, "  #%zu thread %u: its buffered store to %s (from %s) reaches memory\n",
                 step, c.thread, std::string(arena::describe(s.address, addr)).c_str(),
                 where_text(s.where).c_str());
    return;
  }
  std::fprintf(stderr, "  #%zu thread %u: %s\n", step, c.thread,
               describe_op(e.threads[c.thread].next).c_str());
}

void start_thread(engine& e, unsigned t) {
  model_thread& th = e.threads[t];
  th.started = true;
  ctx::protected_fixedsize_stack stacks(stack_bytes);
  const ctx::stack_context stack = stacks.allocate();
  th.stack = {static_cast<const char*>(stack.sp) - stack.size, stack.size};
  th.fiber = ctx::fiber(std::allocator_arg, ctx::preallocated(stack.sp, stack.size, stack), stacks,
                        [t](ctx::fiber&& scheduler) {
                          first_arrival();
                          current->scheduler = std::move(scheduler);
                          try {
                            (*current->body)(t);
                          } catch (const std::exception& ex) {
                            arena::pause paused;
                            if (!current->result.failure) {
                              current->result.failure =
                                  "thread " + std::to_string(t) + " threw: " + ex.what();
                            }
                          }
                          current->threads[t].finished = true;
                          leaving_for_good();
                          return std::move(current->scheduler);
                        });
}

// Runs thread t's next operation and its local code up to the operation after it.
void run_thread_step(engine& e, unsigned t) {
  model_thread& th = e.threads[t];
  if (!th.started) start_thread(e, t);
  e.running = t;
  arena::serve(true);
  void* fake = leaving_for(th.stack);
  th.fiber = std::move(th.fiber).resume();
  arrived(fake);
  arena::serve(false);
  e.running.reset();
  for (unsigned u = 0; u < e.threads.size(); ++u) {
    if (u != t) e.threads[u].yielded = false;
  }
  if (th.finished) {
    drain(t);  // a thread's stores reach memory before it is gone
    e.continuing.reset();
  } else if (th.blocked_on != nullptr || th.yielded) {
    e.continuing.reset();
    if (th.yielded) e.yielded = t;
  } else {
    e.continuing = t;
  }
}

// One step: false when the execution is over (finished or failed).
bool step(engine& e, std::vector<choice>& enabled) {
  if (e.result.failure) return false;
  enabled_choices(e, enabled);
  if (enabled.empty()) {
    for (const model_thread& th : e.threads) {
      if (!th.finished) {
        e.result.failure = deadlock_report(e);
        break;
      }
    }
    return false;
  }
  if (e.result.steps >= e.options->max_steps) {
    e.result.failure = "possible livelock: no end after " + std::to_string(e.result.steps) +
                       " steps (the step bound)";
    return false;
  }
  const decision d{e.result.steps, &enabled, e.continuing, e.yielded,
                   static_cast<unsigned>(e.threads.size())};
  e.yielded.reset();
  const std::size_t pick = e.chooser->choose(d);
  if (pick >= enabled.size()) {
    e.result.failure = e.chooser->stop_reason();
    e.result.stopped = true;
    return false;
  }
  const choice c = enabled[pick];
  if (e.continuing && !(c == choice{*e.continuing, false})) ++e.result.preemptions;
  if (e.options->trace) print_step(e, c);
  e.result.schedule.push_back(c);
  ++e.result.steps;
  if (c.flush) {
    flush_oldest(c.thread);
  } else {
    run_thread_step(e, c.thread);
  }
  return true;
}

// --- a crash inside an execution ----------------------------------------------------------------

// A signal that ends the process while an execution runs (a failed assert, a segfault on a poisoned
// pointer): the schedule so far goes to stderr first, so that the crash can be replayed. Written
// with write(2) and no allocation; then the previous handler (ASan's, or the default) runs.
constexpr std::array<int, 4> crash_signals = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
std::array<struct sigaction, crash_signals.size()> previous_actions{};

void write_text(std::string_view s) { (void)!::write(STDERR_FILENO, s.data(), s.size()); }

void write_number(std::size_t n) {
  char digits[24];
  write_text(std::string_view(
      digits,
      static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits)));
}

void on_crash(int signal) {
  if (current != nullptr) {
    write_text("\nmodelcheck: signal ");
    write_number(static_cast<std::size_t>(signal));
    write_text(" at step ");
    write_number(current->result.steps == 0 ? 0 : current->result.steps - 1);
    write_text(", in the execution whose schedule so far is (for --replay):\n  ");
    write_schedule(current->result.schedule, write_text);
    write_text("\n");
  }
  for (std::size_t i = 0; i < crash_signals.size(); ++i) {
    if (crash_signals[i] == signal) ::sigaction(signal, &previous_actions[i], nullptr);
  }
  ::raise(signal);
}

void install_crash_report() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  // On an alternate stack: a fiber's stack may be what overflowed.
  static std::array<char, std::size_t{64} << 10U> alternate{};
  stack_t ss{};
  ss.ss_sp = alternate.data();
  ss.ss_size = alternate.size();
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sa.sa_flags = SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < crash_signals.size(); ++i) {
    ::sigaction(crash_signals[i], &sa, &previous_actions[i]);
  }
}

}  // namespace

bool on_model_thread() noexcept { return current != nullptr && current->running.has_value(); }

unsigned current_thread() { return on_model_thread() ? *current->running : 0U; }

std::size_t current_step() { return current != nullptr ? current->result.steps : 0U; }

[[noreturn]] void fail(const std::string& what) {
  if (on_model_thread()) {
    {
      arena::pause paused;
      if (!current->result.failure) current->result.failure = std::string(what);
    }
    arena::serve(false);
    suspend_forever();
  }
  throw execution_failed(what);
}

bool load(const operation& op, void* out, std::size_t size) {
  schedule(op);
  check_address(op);
  if (current->options->model != memory_model::tso) return false;
  const auto& buffer = self().buffer;
  for (auto it = buffer.rbegin(); it != buffer.rend(); ++it) {
    if (it->address == op.address && it->size == size) {
      std::memcpy(out, it->bytes, size);
      return true;
    }
  }
  return false;
}

void store(const operation& op, const void* value, std::size_t size) {
  schedule(op);
  check_address(op);
  if (current->options->model == memory_model::tso && op.order != std::memory_order_seq_cst) {
    arena::pause paused;
    buffered_store s;
    s.address = op.address;
    s.size = size;
    std::memcpy(s.bytes, value, size);
    s.where = op.where;
    self().buffer.push_back(s);
    return;
  }
  drain_self();
  std::memcpy(const_cast<void*>(op.address), value, size);
}

void begin_locked(const operation& op) {
  schedule(op);
  check_address(op);
  drain_self();
}

void heavy_fence(std::source_location where) {
  schedule({op_kind::heavy_fence, std::memory_order_seq_cst, nullptr, 0, where});
  for (unsigned t = 0; t < current->threads.size(); ++t) {
    if (!drain(t)) suspend_forever();
  }
}

void yield(std::source_location where) {
  schedule({op_kind::yield, std::memory_order_seq_cst, nullptr, 0, where});
  drain_self();
  self().yielded = true;
}

void lock(const void* mutex, bool& held, std::source_location where) {
  for (;;) {
    schedule({op_kind::lock, std::memory_order_seq_cst, mutex, 0, where});
    self().blocked_on = nullptr;
    drain_self();
    if (!held) {
      held = true;
      return;
    }
    self().blocked_on = mutex;  // not chosen again until the unlock
  }
}

bool try_lock(const void* mutex, bool& held, std::source_location where) {
  schedule({op_kind::lock, std::memory_order_seq_cst, mutex, 0, where});
  drain_self();
  if (held) return false;
  held = true;
  return true;
}

void unlock(const void* mutex, bool& held, std::source_location where) {
  schedule({op_kind::unlock, std::memory_order_seq_cst, mutex, 0, where});
  drain_self();
  held = false;
  for (model_thread& th : current->threads) {
    if (th.blocked_on == mutex) th.blocked_on = nullptr;
  }
}

void set_ping_handler(void (*handler)() noexcept) { ping_handler = handler; }

void send_ping(unsigned target, std::source_location where) {
  if (!on_model_thread()) fail("a ping sent outside a model thread");
  schedule({op_kind::ping, std::memory_order_seq_cst, nullptr, 0, where});
  drain_self();
  if (target >= current->threads.size() || current->threads[target].finished) {
    fail("a ping sent to thread " + std::to_string(target) + ", which is not running");
  }
  current->threads[target].ping_pending = true;
}

void*& ping_receivers() noexcept {
  static void* outside = nullptr;
  return on_model_thread() ? self().ping_receivers : outside;
}

void block_pings(bool blocked) noexcept {
  if (!on_model_thread()) return;
  model_thread& th = self();
  th.pings_blocked = blocked ? th.pings_blocked + 1 : th.pings_blocked - 1;
}

void ping_handler_left() noexcept {
  if (on_model_thread()) self().in_ping_handler = false;
}

execution_result run_execution(unsigned threads, const std::function<void(unsigned)>& body,
                               strategy& s, const execution_options& options) {
  install_crash_report();
  const bool serving = arena::serving();
  arena::serve(false);  // the engine's own bookkeeping is never in the arena
  engine e;
  e.options = &options;
  e.chooser = &s;
  e.body = &body;
  e.threads.resize(threads);
  current = &e;
  std::vector<choice> enabled;
  while (step(e, enabled)) {
  }
  for (model_thread& th : e.threads) {
    if (!th.started || th.finished) continue;
#if defined(__SANITIZE_ADDRESS__)
    // What the abandoned thread still points at is not a leak: LSan scans its stack too.
    __lsan_register_root_region(th.stack.bottom, th.stack.size);
#endif
    graveyard().push_back(std::move(th.fiber));
  }
  current = nullptr;
  arena::serve(serving);
  return std::move(e.result);
}

}  // namespace smr::modelcheck
