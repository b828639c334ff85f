// read_phases: the contract's extension for neutralization-based reclamation (NBR, Singh, Brown
// and Mashtizadeh, PPoPP 2021; schemes/nbr_plus/). An operation is written as
//
//   read phase    SMR_READ_PHASE(h); then plain traversal with h.deref / smr::deref_into. It may
//                 be restarted from that checkpoint at any moment: a reclaimer neutralises it
//                 (a signal whose handler jumps back to the checkpoint). So it writes nothing
//                 shared, allocates nothing (no h.make), retires nothing, takes no lock.
//   write phase   smr::enter_write_phase(h, refs...) reserves the references the writes will
//                 touch and ends the read phase. From there on only reserved nodes are
//                 dereferenced; a link read in the write phase may be installed by a CAS
//                 (a value), not followed. The next SMR_READ_PHASE starts a new read phase
//                 (the old reservations go), and a read phase must be ended by
//                 enter_write_phase (with no refs: smr::end_read_phase) before the function
//                 holding its checkpoint returns.
//
// A structure written this way declares structure_requirements::read_write_phases; a scheme
// whose protection rests on it declares scheme_traits::restarts_read_phases, and pairs with no
// other structure (scheme_traits.hpp). For every other scheme all of this compiles to nothing:
// the checkpoint is an `if constexpr` that is discarded, and enter_write_phase is empty.
//
// Why the restart is defined behaviour in C++. The checkpoint is sigsetjmp(buf, 0) in the frame
// of the operation, and the neutralising handler ends with siglongjmp(buf, 1). A longjmp is
// undefined if a throw to the checkpoint would run a non-trivial destructor of an automatic
// object ([csetjmp.syn]). So:
//   - every object the jump may skip, those made after the checkpoint in its frame and in the
//     frames it calls, is trivially destructible: under a restarting scheme a ref is (asserted
//     by enter_write_phase for the refs it reserves, and by the scheme for its ref type), and
//     the read phase keeps marked_ptrs, keys and refs only;
//   - nothing is allocated in the read phase (a jump would leak it, and malloc is not
//     async-signal-safe to interrupt and leave): the scheme checks h.make and h.retire in debug
//     and sanitizer builds (SMRLAB_READ_PHASE_CHECKS);
//   - the checkpoint's frame is alive whenever the phase is open (the rule above), and objects
//     declared before the checkpoint (the guard, an insert's new node) keep their values: they
//     are not modified in the read phase, or are not held in registers across it (sigsetjmp's
//     rule for non-volatile locals changed after the call).
#pragma once
// Also a guard of its own: the model checker's build reaches this header by two paths.
#ifndef SMRLAB_SCHEMES_READ_PHASES_HPP
#define SMRLAB_SCHEMES_READ_PHASES_HPP

#include <csetjmp>
#include <type_traits>

namespace smr {

// Whether handle type H restarts read phases (its scheme's trait, re-exported by the handle as
// `static constexpr bool restarts_read_phases`).
template <class H>
inline constexpr bool read_phases_restart = requires {
  requires std::remove_cvref_t<H>::restarts_read_phases;
};

// Debug and sanitizer builds check the read phase's rules at run time.
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool read_phase_checks = true;
#else
inline constexpr bool read_phase_checks = false;
#endif

namespace read_phase_detail {
// The handle's checkpoint buffer; for any other handle a buffer nobody uses (the macro's branch
// that would name it is discarded).
template <class H>
sigjmp_buf& checkpoint(H& h) noexcept {
  if constexpr (read_phases_restart<H>) {
    return h.read_phase_checkpoint();
  } else {
    static sigjmp_buf unused;
    return unused;
  }
}
template <class H>
void before_checkpoint(H& h) noexcept {
  if constexpr (read_phases_restart<H>) h.before_checkpoint();
}
template <class H>
void begin(H& h, bool restarted) noexcept {
  if constexpr (read_phases_restart<H>) h.begin_read_phase(restarted);
}
}  // namespace read_phase_detail

// Enters the write phase: reserves `refs` (the scheme's refs; empty ones reserve nothing) and
// ends the read phase. A no-op for schemes that do not restart read phases.
template <class H, class... Refs>
[[gnu::always_inline]] inline void enter_write_phase(H& h, const Refs&... refs) {
  if constexpr (read_phases_restart<H>) {
    static_assert((std::is_trivially_destructible_v<Refs> && ...),
                  "read phases: a reference held in a restartable read phase must be trivially "
                  "destructible (a restart skips its destructor)");
    h.enter_write_phase(refs.get()...);
  }
}

// Ends the read phase with nothing reserved (a lookup that writes nothing).
template <class H>
[[gnu::always_inline]] inline void end_read_phase(H& h) {
  enter_write_phase(h);
}

}  // namespace smr

// The read phase's checkpoint, in the operation's own frame (a statement; h is the handle). A
// neutralised read phase resumes here with its reservations cleared. Expands to nothing
// executable for a scheme that does not restart read phases. sigsetjmp's result is used only as
// the whole condition of an `if`, one of the forms [csetjmp.syn] allows.
#define SMR_READ_PHASE(h)                                               \
  do {                                                                  \
    if constexpr (::smr::read_phases_restart<decltype(h)>) {            \
      ::smr::read_phase_detail::before_checkpoint(h);                   \
      if (sigsetjmp(::smr::read_phase_detail::checkpoint(h), 0) != 0) { \
        ::smr::read_phase_detail::begin(h, true);                       \
      } else {                                                          \
        ::smr::read_phase_detail::begin(h, false);                      \
      }                                                                 \
    }                                                                   \
  } while (false)

#endif  // SMRLAB_SCHEMES_READ_PHASES_HPP
