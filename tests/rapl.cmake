# CPU energy sources: rapl (powercap counters), estimate (utilisation x TDP,
# per-GB DRAM) and trace (recorded power replay), each against fake trees.
pt_add_test(test_rapl ${CMAKE_CURRENT_SOURCE_DIR}/test_rapl.c)
pt_add_test(test_estimate ${CMAKE_CURRENT_SOURCE_DIR}/test_estimate.c)
pt_add_test(test_trace ${CMAKE_CURRENT_SOURCE_DIR}/test_trace.c)

# rapl-access on a fake root, the unprivileged side as nobody (setpriv); needs root, else skipped.
add_test(NAME rapl_access COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/rapl_access.sh $<TARGET_FILE:powertrain>)
set_tests_properties(rapl_access PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
