# The allocators the driver can preload (harness/allocator.hpp): finds, at configure time, the shared
# object LD_PRELOAD must name for each of jemalloc, mimalloc and tcmalloc, and hands the paths to
# harness/allocator.cpp as compile definitions. Nothing links against these libraries: linking one
# would replace malloc in every run.
#
#   include(cmake/smrlab_allocators.cmake)
#   smrlab_allocator_definitions(smrlab_harness)   # the target that compiles allocator.cpp
#
# Cache variables, one per allocator, set by hand to use another build:
#   SMRLAB_JEMALLOC_LIBRARY   libjemalloc.so.2          (Debian: libjemalloc2)
#   SMRLAB_MIMALLOC_LIBRARY   libmimalloc.so.2          (Debian: libmimalloc2.0)
#   SMRLAB_TCMALLOC_LIBRARY   libtcmalloc_minimal.so.4, else libtcmalloc.so.4
#                                                       (Debian: libtcmalloc-minimal4; optional)
# Each holds the soname file of the runtime package, the name the dynamic loader itself would
# load, not the -dev package's unversioned symlink (which only linking uses). An allocator not
# found is <NAME>-NOTFOUND and is looked for again at the next configure.

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(SMRLAB_JEMALLOC_PC QUIET jemalloc)
endif()
find_package(mimalloc CONFIG QUIET)

# Where the -dev packages say their libraries are: hints only, the runtime package is enough.
set(_smrlab_jemalloc_hints "")
if(SMRLAB_JEMALLOC_PC_FOUND)
  list(APPEND _smrlab_jemalloc_hints ${SMRLAB_JEMALLOC_PC_LIBDIR} ${SMRLAB_JEMALLOC_PC_LIBRARY_DIRS})
endif()
set(_smrlab_mimalloc_hints "")
if(mimalloc_FOUND AND TARGET mimalloc)
  foreach(_config "" _RELEASE _RELWITHDEBINFO _DEBUG _NOCONFIG)
    get_target_property(_location mimalloc IMPORTED_LOCATION${_config})
    if(_location)
      get_filename_component(_dir "${_location}" DIRECTORY)
      list(APPEND _smrlab_mimalloc_hints "${_dir}")
    endif()
  endforeach()
  unset(_location)
  unset(_dir)
  unset(_config)
endif()

find_library(SMRLAB_JEMALLOC_LIBRARY NAMES libjemalloc.so.2 HINTS ${_smrlab_jemalloc_hints}
             DOC "jemalloc shared object for LD_PRELOAD")
find_library(SMRLAB_MIMALLOC_LIBRARY NAMES libmimalloc.so.2 HINTS ${_smrlab_mimalloc_hints}
             DOC "mimalloc shared object for LD_PRELOAD")
find_library(SMRLAB_TCMALLOC_LIBRARY NAMES libtcmalloc_minimal.so.4 libtcmalloc.so.4
             DOC "tcmalloc (gperftools) shared object for LD_PRELOAD")
unset(_smrlab_jemalloc_hints)
unset(_smrlab_mimalloc_hints)

foreach(_name jemalloc mimalloc tcmalloc)
  string(TOUPPER "${_name}" _upper)
  if(_name STREQUAL "jemalloc")
    set(_package libjemalloc2)
  elseif(_name STREQUAL "mimalloc")
    set(_package libmimalloc2.0)
  else()
    set(_package "libtcmalloc-minimal4; optional")
  endif()
  if(SMRLAB_${_upper}_LIBRARY)
    message(STATUS "smrlab: allocator ${_name}: found at ${SMRLAB_${_upper}_LIBRARY}")
  else()
    message(STATUS "smrlab: allocator ${_name}: not found (apt-get install ${_package})")
  endif()
endforeach()
unset(_name)
unset(_upper)
unset(_package)

# Adds SMRLAB_JEMALLOC_LIBRARY="/path" (and the mimalloc and tcmalloc ones) to `target`'s private
# compile definitions, for each allocator found; allocator.cpp reads an undefined one as "not
# installed".
function(smrlab_allocator_definitions target)
  foreach(_upper JEMALLOC MIMALLOC TCMALLOC)
    if(SMRLAB_${_upper}_LIBRARY)
      target_compile_definitions(${target}
                                 PRIVATE SMRLAB_${_upper}_LIBRARY="${SMRLAB_${_upper}_LIBRARY}")
    endif()
  endforeach()
endfunction()
