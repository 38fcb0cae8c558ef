# measure --metrics / --metrics-port: scraped with curl, checked with promtool
# (Debian's prometheus package, from make deps); skipped (77) without them.
add_test(NAME metrics_cli COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/metrics_cli.sh $<TARGET_FILE:powertrain>)
set_tests_properties(metrics_cli PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
