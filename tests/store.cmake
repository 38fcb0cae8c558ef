# The results store: schema, versions, resume, one transaction per epoch, kill -9.
pt_add_test(test_store test_store.c)
target_link_libraries(test_store PRIVATE pt_store)
target_compile_definitions(test_store PRIVATE PT_GOLDEN_DIR="${PROJECT_SOURCE_DIR}/tests/golden")
# powertrain merge: shard stores into one (idempotent, refusals, replacement rules).
add_executable(test_merge test_merge.c)
target_include_directories(test_merge PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(test_merge PRIVATE pt_store)
target_compile_definitions(test_merge PRIVATE PT_GOLDEN_DIR="${PROJECT_SOURCE_DIR}/tests/golden")
add_test(NAME test_merge COMMAND test_merge $<TARGET_FILE:powertrain>)
set_tests_properties(test_merge PROPERTIES TIMEOUT 120)
# study/grid.h: a stored grid under an objective; more setups than the limit refused, never dropped.
pt_add_test(test_grid test_grid.c)
target_link_libraries(test_grid PRIVATE pt_study)
