// libcds_ellen_bintree: libcds's own non-blocking binary search tree (Ellen, Fatourou, Ruppert and
// van Breugel 2010), cds::container::EllenBinTreeSet on cds::gc::HP, as a reference row beside
// smrlab's natarajan_mittal_bst: a leaf-oriented tree too, with the peer's code on the peer's
// reclamation. It pairs only with libcds_hp. Allocation, retire and reclaim of its leaves,
// internal nodes and update descriptors are counted through libcds_hp's counting collector and
// allocator (libcds_schemes.hpp).
#pragma once

#include <cds/container/ellen_bintree_set_hp.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peers/libcds/libcds_schemes.hpp"
#include "structures/structure.hpp"

namespace smr_peers {

namespace libcds_ellen_detail {

struct set_traits : cds::container::ellen_bintree::traits {
  struct key_extractor {
    void operator()(std::uint64_t& key, const std::uint64_t& value) const { key = value; }
  };
  using less = std::less<std::uint64_t>;
  using allocator = libcds_hp::counting_allocator<int>;
  using node_allocator = libcds_hp::counting_allocator<int>;
  using update_desc_allocator = libcds_hp::counting_allocator<int>;
};

// libcds's set, plus what validation needs at rest: the keys in tree order, read by walking
// the tree (libcds has no iterator for it) from its protected root.
class walkable_set : public cds::container::EllenBinTreeSet<libcds_hp::counting_gc, std::uint64_t,
                                                            std::uint64_t, set_traits> {
 public:
  // Only with no operation running.
  std::vector<std::uint64_t> keys_at_rest() const {
    std::vector<std::uint64_t> out;
    std::vector<const tree_node*> stack{&this->m_Root};
    while (!stack.empty()) {
      const tree_node* n = stack.back();
      stack.pop_back();
      if (n->is_internal()) {
        const auto* in = static_cast<const internal_node*>(n);
        // Right first, so the left subtree is visited first: ascending order.
        stack.push_back(in->m_pRight.load(std::memory_order_acquire));
        stack.push_back(in->m_pLeft.load(std::memory_order_acquire));
      } else if (n->infinite_key() == 0) {
        out.push_back(node_traits::to_value_ptr(static_cast<const leaf_node*>(n))->m_Value);
      }
    }
    return out;
  }
};

}  // namespace libcds_ellen_detail

template <class S>
class libcds_ellen_bintree {
 public:
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "libcds_ellen_bintree";
  static constexpr std::string_view description =
      "peer: libcds cds::container::EllenBinTreeSet<cds::gc::HP> (Ellen et al. 2010)";
  static constexpr smr::structure_kind kind = smr::structure_kind::set;
  static constexpr smr::structure_requirements requirements{
      .traverses_deleted_nodes = false,
      .hazards_per_thread = 9,  // libcds's EllenBinTree::c_nHazardPtrCount
      .links_per_node = 2,
      .transient_links = 0,
      .only_scheme = "libcds_hp",
  };

  explicit libcds_ellen_bintree(typename S::domain& d) : domain_(d) { set_.emplace(); }
  libcds_ellen_bintree(const libcds_ellen_bintree&) = delete;
  libcds_ellen_bintree& operator=(const libcds_ellen_bintree&) = delete;

  // Teardown, with no operation running, on a handle of this thread (libcds's destructor frees
  // the nodes left in the tree directly: they count as destroyed, never retired).
  ~libcds_ellen_bintree() {
    const handle h(domain_);
    set_.reset();
  }

  bool insert(handle& /*unused*/, std::uint64_t key) { return set_->insert(key); }
  bool remove(handle& /*unused*/, std::uint64_t key) { return set_->erase(key); }
  bool contains(handle& /*unused*/, std::uint64_t key) { return set_->contains(key); }

  std::vector<std::uint64_t> keys() const { return set_->keys_at_rest(); }
  std::string check_structure() const {
    return set_->check_consistency() ? "ok" : "libcds check_consistency() failed";
  }

 private:
  typename S::domain& domain_;
  // The root on a cache line of its own (see libcds_treiber_stack).
  alignas(64) std::optional<libcds_ellen_detail::walkable_set> set_;
};

}  // namespace smr_peers
