// One pairing's domain, thread handles and structure behind virtual calls, so that code which
// works on any pairing (the test layers: tests/support/pairing_layers.hpp) is compiled once and
// reaches each pairing through its compiled entry (harness/pairing_dispatch.hpp), instead of
// instantiating every pairing itself. The implementation (erased_pairing_impl.hpp) is
// instantiated in each pairing's generated dispatch file, beside its trial runner, so that the
// structure's operations are compiled there once.
//
// Each call goes straight to the pairing's own code (one indirect call more per operation): what
// runs, and what the sanitizers and a race detector see, is the structure and scheme as the sweep
// runs them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schemes/counters.hpp"

namespace smrlab {

// A thread's registration with a domain (the scheme's thread_handle). Made, used and dropped on
// one thread, before its domain goes.
class erased_handle {
 public:
  erased_handle() = default;
  erased_handle(const erased_handle&) = delete;
  erased_handle& operator=(const erased_handle&) = delete;
  virtual ~erased_handle() = default;
};

// The structure: the operations of its kind (smr::structure_kind; an operation of another kind
// throws std::logic_error) and its views at rest. Dropped before its domain.
class erased_structure {
 public:
  erased_structure() = default;
  erased_structure(const erased_structure&) = delete;
  erased_structure& operator=(const erased_structure&) = delete;
  virtual ~erased_structure() = default;

  // pool
  virtual void push(erased_handle& h, std::uint64_t value) = 0;
  virtual std::optional<std::uint64_t> pop(erased_handle& h) = 0;
  // deque
  virtual void push_left(erased_handle& h, std::uint64_t value) = 0;
  virtual void push_right(erased_handle& h, std::uint64_t value) = 0;
  virtual std::optional<std::uint64_t> pop_left(erased_handle& h) = 0;
  virtual std::optional<std::uint64_t> pop_right(erased_handle& h) = 0;
  virtual std::vector<std::uint64_t> values_from_left() const = 0;
  virtual std::vector<std::uint64_t> values_from_right() const = 0;
  // set
  virtual bool insert(erased_handle& h, std::uint64_t key) = 0;
  virtual bool remove(erased_handle& h, std::uint64_t key) = 0;
  virtual bool contains(erased_handle& h, std::uint64_t key) = 0;
  virtual std::vector<std::uint64_t> keys() const = 0;
  virtual std::string check_structure() const = 0;
};

// The scheme's domain, and the factory of handles and structures on it.
class erased_domain {
 public:
  erased_domain() = default;
  erased_domain(const erased_domain&) = delete;
  erased_domain& operator=(const erased_domain&) = delete;
  virtual ~erased_domain() = default;

  // A handle for the calling thread.
  virtual std::unique_ptr<erased_handle> attach() = 0;
  // A fresh, empty structure on this domain.
  virtual std::unique_ptr<erased_structure> make_structure() = 0;
  virtual smr::counter_totals counters() const = 0;
  // With no handle left: reclaim everything retired (what teardown does).
  virtual void reclaim_all_quiescent() = 0;
};

}  // namespace smrlab
