# libFuzzer harnesses (PT_FUZZ=ON, clang only): fuzz_<name> executables, run by
# `make fuzz SECONDS=N`. The libraries are compiled with -fsanitize=fuzzer-no-link
# (the Makefile passes it in CMAKE_C_FLAGS, with PT_SANITIZE=ON for ASan+UBSan),
# so coverage reaches into the readers.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PT_FUZZ=ON needs clang (libFuzzer): -DCMAKE_C_COMPILER=clang")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/harnesses.cmake)
foreach(h ${PT_FUZZ_HARNESSES})
  add_executable(fuzz_${h} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c ${PT_FUZZ_SOURCES_${h}})
  target_include_directories(fuzz_${h} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  if(PT_FUZZ_DEFS_${h})
    target_compile_definitions(fuzz_${h} PRIVATE ${PT_FUZZ_DEFS_${h}})
  endif()
  target_compile_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_${h} PRIVATE ${PT_FUZZ_LIBS_${h}} pt_util)
endforeach()
