# smrlab_cx16: what the double-width CAS of hyaline and hyaline_s needs, for everything that uses
# the registry. -mcx16 lets the compiler emit cmpxchg16b inline (sync::double_width_atomic,
# schemes/double_width_atomic.hpp); libatomic serves any 16-byte std::atomic a plugin still uses.
# Where the CPU lacks the instruction, the schemes' unavailable() says so at run time.
if(NOT TARGET smrlab_cx16)
  add_library(smrlab_cx16 INTERFACE)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
    target_compile_options(smrlab_cx16 INTERFACE -mcx16)
  endif()
  target_link_libraries(smrlab_cx16 INTERFACE atomic)
endif()
