// urcu_lfstack: liburcu's lock-free stack (urcu/lfstack.h, cds_lfs_*) as a reference row beside
// smrlab's treiber_stack: the peer's structure code on the peer's reclamation. liburcu's rule for
// its concurrent pop (__cds_lfs_pop) is that it runs inside an RCU read-side critical section and
// that a popped node is freed only after a grace period; urcu_memb's guard and retire (call_rcu)
// are exactly that, so it pairs only with urcu_memb.
//
// The stack functions are liburcu-cds's exported ones (its inline versions do not compile as
// C++), so each push and pop is one call into the library.
#pragma once

#include <urcu/lfstack.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "peers/urcu/urcu_schemes.hpp"
#include "structures/structure.hpp"

namespace smr_peers {

template <class S>
class urcu_lfstack {
 public:
  using value_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "urcu_lfstack";
  static constexpr std::string_view description =
      "peer: liburcu cds_lfs lock-free stack (push, __cds_lfs_pop under RCU, call_rcu)";
  static constexpr smr::structure_kind kind = smr::structure_kind::pool;
  static constexpr smr::structure_requirements requirements{
      .traverses_deleted_nodes = false,
      .hazards_per_thread = 1,
      .links_per_node = 1,
      .transient_links = 0,
      .only_scheme = "urcu_memb",
  };

  // liburcu's node comes first, so a cds_lfs_node* converts to the node by a base-class cast.
  struct node : cds_lfs_node, S::node_base {
    explicit node(value_type v) noexcept : value(v) { cds_lfs_node_init(this); }
    value_type value;
  };

  explicit urcu_lfstack(typename S::domain& d) : domain_(d) { cds_lfs_init(&stack_); }
  urcu_lfstack(const urcu_lfstack&) = delete;
  urcu_lfstack& operator=(const urcu_lfstack&) = delete;

  // Teardown, with no operation running: what is left was never retired; it goes to the
  // domain as such, like the nodes of every other structure.
  ~urcu_lfstack() {
    std::vector<node*> nodes;
    cds_lfs_head* head = __cds_lfs_pop_all(stack());
    for (cds_lfs_node* n = head != nullptr ? &head->node : nullptr; n != nullptr; n = n->next) {
      nodes.push_back(static_cast<node*>(n));
    }
    domain_.destroy_unretired(std::span<node* const>(nodes));
    cds_lfs_destroy(&stack_);
  }

  void push(handle& h, value_type v) {
    auto n = h.template make<node>(v);
    cds_lfs_push(stack(), n.get());
  }

  std::optional<value_type> pop(handle& h) {
    const typename S::guard g(h);
    cds_lfs_node* popped = __cds_lfs_pop(stack());
    if (popped == nullptr) return std::nullopt;
    node* n = static_cast<node*>(popped);
    const value_type v = n->value;
    h.retire(typename S::template ref<node>(smr::marked_ptr<node>(n)));
    return v;
  }

 private:
  cds_lfs_stack_ptr_t stack() noexcept {
    cds_lfs_stack_ptr_t p;
    p.s = &stack_;
    return p;
  }

  typename S::domain& domain_;
  // liburcu's head on a cache line of its own (see treiber_stack).
  alignas(64) cds_lfs_stack stack_{};
};

}  // namespace smr_peers
