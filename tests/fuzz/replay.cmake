# Regression replay, in every build: each harness's checked-in corpus fed once through
# LLVMFuzzerTestOneInput by replay_main.c (no libFuzzer; any compiler, ASan in build-san/).
include(${CMAKE_CURRENT_LIST_DIR}/harnesses.cmake)
foreach(h ${PT_FUZZ_HARNESSES})
  add_executable(replay_${h} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)
  target_include_directories(replay_${h} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(replay_${h} PRIVATE ${PT_FUZZ_LIBS_${h}} pt_util)
  file(GLOB corpus CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/corpus/${h}/*)
  add_test(NAME fuzz_replay_${h} COMMAND replay_${h} ${corpus})
  set_tests_properties(fuzz_replay_${h} PROPERTIES TIMEOUT 120)
endforeach()
