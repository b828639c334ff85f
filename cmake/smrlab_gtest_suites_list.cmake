# Run by smrlab_discover_gtest_suites after each link: writes `set(suites ...)`, the GoogleTest
# suites of EXECUTABLE that FILTER selects, to OUTPUT.
execute_process(COMMAND "${EXECUTABLE}" --gtest_list_tests "--gtest_filter=${FILTER}"
                OUTPUT_FILE "${OUTPUT}.listing" RESULT_VARIABLE rc TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "smrlab: ${EXECUTABLE} --gtest_list_tests failed (${rc})")
endif()
# A suite's line is its name and a dot, then for a typed suite two spaces and `# TypeParam = ...`;
# its tests' lines are indented.
file(STRINGS "${OUTPUT}.listing" lines REGEX "^[^ ]+\\.(  #.*)?$")
set(suites "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "\\.(  #.*)?$" "" suite "${line}")
  list(APPEND suites "${suite}")
endforeach()
list(JOIN suites "\n  " body)
file(WRITE "${OUTPUT}" "set(suites\n  ${body})\n")
