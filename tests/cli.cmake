# End-to-end tests of the powertrain command (JSON parsed with cJSON).
find_path(PT_CJSON_INCLUDE cjson/cJSON.h REQUIRED)
find_library(PT_CJSON_LIB cjson REQUIRED)
add_executable(test_cli test_cli.c)
target_include_directories(test_cli PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PT_CJSON_INCLUDE})
target_link_libraries(test_cli PRIVATE ${PT_CJSON_LIB} Threads::Threads)
add_test(NAME test_cli COMMAND test_cli $<TARGET_FILE:powertrain>)
set_tests_properties(test_cli PROPERTIES TIMEOUT 180)
