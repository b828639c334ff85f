// skip_deleted_successors: the one step every structure's clean-up callback takes. Link-counting
// schemes with structure callbacks (hprc) call a node's clean_up on deleted nodes, so that
// chains of garbage do not keep each other alive (Gidenstam et al.): each of the node's links
// that points at a deleted node is moved to the node behind it, one node at a time.
#pragma once

#include <type_traits>

#include "schemes/marked_ptr.hpp"

namespace smr {

// Moves `link` past nodes that `is_deleted(node&)` says are deleted, each time to the node
// behind the link `through(node&)` returns (a pointer; null when the deleted node has no way
// on, as a leaf). Stops at a live node, at such a dead end, or at a null successor. The link's
// own mark bits are written back as they are: the structures rely on a deleted node's marks
// to make every other operation's CAS on it fail. Every change is a CAS, since several threads
// may clean up the same node at once; a failed one means another moved the link first, so
// look again. Holds at most two references.
template <class H, class Link, class IsDeleted, class Through>
void skip_deleted_successors(H& h, Link& link, IsDeleted&& is_deleted, Through&& through) {
  for (;;) {
    auto target = h.deref(link);
    if (!target || !is_deleted(*target.get())) return;
    auto* way_on = through(*target.get());
    if (way_on == nullptr) return;
    auto beyond = h.deref(*way_on);
    if (!beyond) return;
    using node = std::remove_pointer_t<decltype(target.get())>;
    h.cas(link, target.ptr(), marked_ptr<node>(beyond.get(), target.ptr().mark()));
  }
}

}  // namespace smr
