# Reports: exact numbers from fixture stores, the files written, the CLI end to
# end, and (outside the sanitizer build) rendering in headless Chromium.
find_path(PT_CJSON_INCLUDE cjson/cJSON.h REQUIRED)
find_library(PT_CJSON_LIB cjson REQUIRED)
pt_add_test(test_report test_report.c)
target_include_directories(test_report PRIVATE ${PT_CJSON_INCLUDE})
target_link_libraries(test_report PRIVATE pt_report ${PT_CJSON_LIB})

add_executable(report_fixture report_fixture.c)
target_include_directories(report_fixture PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(report_fixture PRIVATE pt_store)
add_test(NAME report_cli
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/report_cli.sh $<TARGET_FILE:powertrain> $<TARGET_FILE:report_fixture>)
set_tests_properties(report_cli PROPERTIES TIMEOUT 120)

if(NOT PT_SANITIZE)
  find_package(ZLIB REQUIRED)
  add_executable(png_colors png_colors.c)
  target_link_libraries(png_colors PRIVATE ZLIB::ZLIB)
  add_test(NAME report_chromium
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/report_chromium.sh $<TARGET_FILE:powertrain>
                   $<TARGET_FILE:report_fixture> $<TARGET_FILE:png_colors>)
  # rendering takes seconds; the limit leaves room for installing chromium once
  set_tests_properties(report_chromium PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()

# The report of stores written by earlier code, byte for byte (tests/golden/).
add_test(NAME report_golden COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/report_golden.sh $<TARGET_FILE:powertrain>)
set_tests_properties(report_golden PROPERTIES TIMEOUT 120)
