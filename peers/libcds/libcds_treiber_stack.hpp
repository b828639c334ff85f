// libcds_treiber_stack: libcds's own Treiber stack, cds::container::TreiberStack on cds::gc::HP,
// as a reference row beside smrlab's treiber_stack: the peer's structure code on the peer's
// reclamation, with libcds's default traits (exponential back-off, no elimination). It pairs
// only with libcds_hp, the adapter that builds libcds's collector and attaches threads.
// Allocation, retire and reclaim are counted through libcds_hp's counting collector and
// allocator (libcds_schemes.hpp), so its rows carry the same counters as every other row.
#pragma once

#include <cds/container/treiber_stack.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "peers/libcds/libcds_schemes.hpp"
#include "structures/structure.hpp"

namespace smr_peers {

template <class S>
class libcds_treiber_stack {
 public:
  using value_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "libcds_treiber_stack";
  static constexpr std::string_view description =
      "peer: libcds cds::container::TreiberStack<cds::gc::HP> (default traits)";
  static constexpr smr::structure_kind kind = smr::structure_kind::pool;
  static constexpr smr::structure_requirements requirements{
      .traverses_deleted_nodes = false,
      .hazards_per_thread = 2,
      .links_per_node = 1,
      .transient_links = 0,
      .only_scheme = "libcds_hp",
  };

  explicit libcds_treiber_stack(typename S::domain& d) : domain_(d) { stack_.emplace(); }
  libcds_treiber_stack(const libcds_treiber_stack&) = delete;
  libcds_treiber_stack& operator=(const libcds_treiber_stack&) = delete;

  // Teardown, with no operation running: libcds's destructor pops and retires what is left, so
  // it runs on a handle of this thread; detaching then scans, and frees it all.
  ~libcds_treiber_stack() {
    const handle h(domain_);
    stack_.reset();
  }

  void push(handle& /*unused*/, value_type v) { stack_->push(v); }

  std::optional<value_type> pop(handle& /*unused*/) {
    value_type v = 0;
    if (!stack_->pop(v)) return std::nullopt;
    return v;
  }

 private:
  struct traits : cds::container::treiber_stack::traits {
    using allocator = typename libcds_hp::template counting_allocator<int>;
  };
  typename S::domain& domain_;
  // On a cache line of its own, like treiber_stack's head: libcds's top pointer is the
  // stack's first word, and nodes the allocator places next to this object must not share it.
  alignas(64) std::optional<
      cds::container::TreiberStack<libcds_hp::counting_gc, value_type, traits>> stack_;
};

}  // namespace smr_peers
