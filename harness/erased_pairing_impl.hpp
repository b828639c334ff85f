// The implementation of harness/erased_pairing.hpp for one scheme S and structure DS, made by
// make_erased_domain<S, DS>. Instantiated only in the pairing's generated dispatch file
// (cmake/smrlab_pairings.cmake), whose entry points at it.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/erased_pairing.hpp"
#include "schemes/scheme_traits.hpp"
#include "structures/structure.hpp"

namespace smrlab {

namespace erased_detail {

[[noreturn]] inline void wrong_kind(smr::structure_kind kind, const char* operation) {
  throw std::logic_error(std::string(operation) + " on a structure of kind " +
                         std::string(smr::to_string(kind)));
}

template <class S>
class handle final : public erased_handle {
 public:
  explicit handle(typename S::domain& d) : h_(d) {}
  typename S::thread_handle& get() { return h_; }

 private:
  typename S::thread_handle h_;
};

template <class S, class DS>
class structure final : public erased_structure {
 public:
  explicit structure(typename S::domain& d) : ds_(d) {}

  void push(erased_handle& h, std::uint64_t value) override {
    if constexpr (DS::kind == smr::structure_kind::pool) {
      ds_.push(own(h), value);
    } else {
      wrong_kind(DS::kind, "push");
    }
  }
  std::optional<std::uint64_t> pop(erased_handle& h) override {
    if constexpr (DS::kind == smr::structure_kind::pool) {
      return ds_.pop(own(h));
    } else {
      wrong_kind(DS::kind, "pop");
    }
  }

  void push_left(erased_handle& h, std::uint64_t value) override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      ds_.push_left(own(h), value);
    } else {
      wrong_kind(DS::kind, "push_left");
    }
  }
  void push_right(erased_handle& h, std::uint64_t value) override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      ds_.push_right(own(h), value);
    } else {
      wrong_kind(DS::kind, "push_right");
    }
  }
  std::optional<std::uint64_t> pop_left(erased_handle& h) override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      return ds_.pop_left(own(h));
    } else {
      wrong_kind(DS::kind, "pop_left");
    }
  }
  std::optional<std::uint64_t> pop_right(erased_handle& h) override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      return ds_.pop_right(own(h));
    } else {
      wrong_kind(DS::kind, "pop_right");
    }
  }
  std::vector<std::uint64_t> values_from_left() const override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      return ds_.values_from_left();
    } else {
      wrong_kind(DS::kind, "values_from_left");
    }
  }
  std::vector<std::uint64_t> values_from_right() const override {
    if constexpr (DS::kind == smr::structure_kind::deque) {
      return ds_.values_from_right();
    } else {
      wrong_kind(DS::kind, "values_from_right");
    }
  }

  bool insert(erased_handle& h, std::uint64_t key) override {
    if constexpr (DS::kind == smr::structure_kind::set) {
      return ds_.insert(own(h), key);
    } else {
      wrong_kind(DS::kind, "insert");
    }
  }
  bool remove(erased_handle& h, std::uint64_t key) override {
    if constexpr (DS::kind == smr::structure_kind::set) {
      return ds_.remove(own(h), key);
    } else {
      wrong_kind(DS::kind, "remove");
    }
  }
  bool contains(erased_handle& h, std::uint64_t key) override {
    if constexpr (DS::kind == smr::structure_kind::set) {
      return ds_.contains(own(h), key);
    } else {
      wrong_kind(DS::kind, "contains");
    }
  }
  std::vector<std::uint64_t> keys() const override {
    if constexpr (DS::kind == smr::structure_kind::set) {
      return ds_.keys();
    } else {
      wrong_kind(DS::kind, "keys");
    }
  }
  // A structure that declares no invariants (smr::has_check_structure) has none to break.
  std::string check_structure() const override {
    if constexpr (smr::has_check_structure<DS>) {
      return ds_.check_structure();
    } else {
      return "ok";
    }
  }

 private:
  // Every handle given to this structure was made by its domain (domain::attach), so the cast
  // holds.
  static typename S::thread_handle& own(erased_handle& h) {
    return static_cast<handle<S>&>(h).get();
  }

  DS ds_;
};

template <class S, class DS>
class domain final : public erased_domain {
 public:
  explicit domain(const smr::domain_config& config) : d_(config) {}

  std::unique_ptr<erased_handle> attach() override { return std::make_unique<handle<S>>(d_); }
  std::unique_ptr<erased_structure> make_structure() override {
    return std::make_unique<structure<S, DS>>(d_);
  }
  smr::counter_totals counters() const override { return d_.counters(); }
  void reclaim_all_quiescent() override { d_.reclaim_all_quiescent(); }

 private:
  typename S::domain d_;
};

}  // namespace erased_detail

template <class S, class DS>
std::unique_ptr<erased_domain> make_erased_domain(const smr::domain_config& config) {
  return std::make_unique<erased_detail::domain<S, DS>>(config);
}

}  // namespace smrlab
