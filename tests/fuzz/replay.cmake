# Regression replay, in every build: each harness's checked-in corpus fed once through
# LLVMFuzzerTestOneInput by replay_main.c (no libFuzzer; any compiler, ASan in build-san/).
include(${CMAKE_CURRENT_LIST_DIR}/harnesses.cmake)
foreach(h ${PT_FUZZ_HARNESSES})
  add_executable(replay_${h} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c
    ${PT_FUZZ_SOURCES_${h}})
  target_include_directories(replay_${h} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  if(PT_FUZZ_DEFS_${h})
    target_compile_definitions(replay_${h} PRIVATE ${PT_FUZZ_DEFS_${h}})
  endif()
  target_link_libraries(replay_${h} PRIVATE ${PT_FUZZ_LIBS_${h}} pt_util)
  file(GLOB corpus CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/corpus/${h}/*)
  add_test(NAME fuzz_replay_${h} COMMAND replay_${h} ${corpus})
  set_tests_properties(fuzz_replay_${h} PROPERTIES TIMEOUT 120)
endforeach()

# The check-only mode fuzz_cli runs the CLI in: refuses and accepts as ever, touches nothing.
add_executable(test_cli_check_only ${PROJECT_SOURCE_DIR}/tests/test_cli_check_only.c ${PT_FUZZ_SOURCES_cli})
target_compile_definitions(test_cli_check_only PRIVATE ${PT_FUZZ_DEFS_cli})
target_include_directories(test_cli_check_only PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(test_cli_check_only PRIVATE ${PT_FUZZ_LIBS_cli} pt_util)
add_test(NAME test_cli_check_only COMMAND test_cli_check_only)
set_tests_properties(test_cli_check_only PROPERTIES TIMEOUT 120)
