# The meter core: exact windows over a replayed trace with a fake clock; threads.
pt_add_test(test_meter test_meter.c)

# The shared library alone, through the public header (exports and visibility).
add_executable(test_shared_lib test_shared_lib.c)
target_include_directories(test_shared_lib PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(test_shared_lib PRIVATE powertrain-meter m)
add_test(NAME test_shared_lib COMMAND test_shared_lib)

# Fork while metering (issue 17, defect 16): the child's inherited meter is
# inert and cannot hang; the parent's known answer holds.
pt_add_test(test_meter_fork test_meter_fork.c)
# Apple powermetrics logs (text and plist) replayed through the trace source.
pt_add_test(test_powermetrics test_powermetrics.c)
# The marks-line parser of `powertrain measure` (src/meter/marks.c).
pt_add_test(test_marks test_marks.c)
# The sampler's process-tree reader on the real /proc (kept stat files, rescans).
pt_add_test(test_proc test_proc.c)
